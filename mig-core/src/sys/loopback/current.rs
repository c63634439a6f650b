//! The current task: which IPC space the calling thread runs in (the
//! process's own unless `loopback_with_task` says otherwise), and how a
//! `task` argument names a space relative to it.

use std::cell::Cell;

use super::ids::{DEFAULT_SPACE, SpaceId, TASK_SELF_NAME};
use super::kern_return::{KERN_INVALID_TASK, kern_return_t};
use super::kernel::Kernel;
use super::space::Right;
use super::types::task_t;

thread_local! {
    pub(super) static CURRENT: Cell<SpaceId> = const { Cell::new(DEFAULT_SPACE) };
}

/// The space the calling thread runs in.
pub(super) fn current() -> SpaceId {
    CURRENT.try_with(Cell::get).unwrap_or(DEFAULT_SPACE)
}

impl Kernel {
    /// The space a `task` argument names, relative to the caller's space:
    /// `TASK_SELF_NAME` is the caller's own, any other name must hold a send
    /// right to a live task port.
    pub(super) fn task_space(&self, task: task_t) -> Result<SpaceId, kern_return_t> {
        let sid = current();
        if self.space(sid).is_none() {
            return Err(KERN_INVALID_TASK);
        }
        if task == TASK_SELF_NAME {
            return Ok(sid);
        }
        match self.lookup(sid, task) {
            Some(Right::Port { port, urefs, .. }) if urefs > 0 => self
                .ports
                .get(&port)
                .and_then(|p| p.task)
                .filter(|target| self.space(*target).is_some())
                .ok_or(KERN_INVALID_TASK),
            _ => Err(KERN_INVALID_TASK),
        }
    }
}
