//! Tasks: more than one IPC space in the process (loopback-only API).
//!
//! Each thread runs "in" one space, the process's own by default; every
//! call that works on the caller's space (`mach_msg`, `mig_get_reply_port`,
//! the bootstrap calls, `mach_task_self()`-relative names) uses it.
//! `loopback_task_create` makes a new space and returns a send right to its
//! task port; `loopback_with_task` runs code in that space, as a thread of
//! that task would; calls taking an explicit `task` argument operate on the
//! space the task port names. Names are per space, exactly as between
//! processes, and the bootstrap server is shared by all (one launchd).

use super::current::{CURRENT, current};
use super::ids::{DEFAULT_SPACE, SpaceId, name_valid};
use super::kern_return::{KERN_INVALID_ARGUMENT, KERN_SUCCESS, kern_return_t};
use super::kernel::{self, Kernel};
use super::port::{Carried, Kind, Target};
use super::region;
use super::trailer::Tokens;
use super::types::{MACH_PORT_NULL, audit_token_t, mach_port_name_t, mach_port_t, security_token_t};

/// A space id no space has: what a thread of a task that could not be
/// resolved runs in (every call fails as in a terminated task).
const NO_SPACE: SpaceId = SpaceId::MAX;

impl Kernel {
    /// Destroys every right in `sid` and the space itself; its task port
    /// dies (send rights to it become dead names).
    fn terminate(&mut self, sid: SpaceId) {
        let names = self.space(sid).map(|s| s.names()).unwrap_or_default();
        for name in names {
            let _ = self.destroy_name(sid, name);
        }
        let Some(space) = self.spaces.remove(&sid) else {
            return;
        };
        if let Some(task_port) = space.task_port {
            self.release(Carried {
                target: Target::Port(task_port),
                kind: Kind::Receive,
            });
        }
    }
}

/// Loopback-only: creates a task (a new, empty IPC space) and returns, in
/// the caller's space, a send right to its task port (`MACH_PORT_NULL` if the
/// caller's space is out of names or terminated). Pass it as the `task`
/// argument of `mach_port_*` calls, to `loopback_with_task`, or in messages
/// like any send right.
pub fn loopback_task_create() -> mach_port_t {
    kernel::with(|k| {
        let caller = current();
        if k.space(caller).is_none() {
            return MACH_PORT_NULL;
        }
        let (sid, port) = k.new_space();
        k.send_made(port);
        let name = k.copyout(
            caller,
            Carried {
                target: Target::Port(port),
                kind: Kind::Send,
            },
        );
        if !name_valid(name) {
            k.terminate(sid);
            return MACH_PORT_NULL;
        }
        name
    })
}

/// Loopback-only: runs `f` on the calling thread as a thread of `task` (a
/// name in the caller's space: `mach_task_self()` or a send right from
/// `loopback_task_create`). Inside, `mach_task_self()` names that task and
/// every call on the implicit space (`mach_msg`, `mig_get_reply_port`, the
/// bootstrap calls, the accounting functions) uses its space. The previous
/// space is restored afterwards, even if `f` panics.
///
/// If `task` names no live task, `f` still runs, in a space that does not
/// exist: every call fails as it would in a terminated task.
pub fn loopback_with_task<R>(task: mach_port_t, f: impl FnOnce() -> R) -> R {
    let sid = kernel::lock().task_space(task).unwrap_or(NO_SPACE);
    struct Restore(SpaceId);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(current());
    let _ = CURRENT.try_with(|c| c.set(sid));
    f()
}

/// Loopback-only: terminates `task`, as XNU does when a task exits: every
/// right in its space is destroyed (ports whose receive rights it held die
/// or, with a port-destroyed request, are handed over; send-once rights send
/// their notifications; dead-name requests send port-deleted), the memory
/// regions it received are freed, and its task port dies. Threads still
/// running in it see every call fail. The process's own space cannot be
/// terminated (`KERN_INVALID_ARGUMENT`).
pub fn loopback_task_terminate(task: mach_port_t) -> kern_return_t {
    let result = kernel::with(|k| {
        let sid = k.task_space(task)?;
        if sid == DEFAULT_SPACE {
            return Err(KERN_INVALID_ARGUMENT);
        }
        k.terminate(sid);
        Ok(sid)
    });
    match result {
        Ok(sid) => {
            region::release_space(sid);
            KERN_SUCCESS
        }
        Err(e) => e,
    }
}

/// Loopback-only: the task (IPC space) the calling thread runs in, as a number no
/// other task of the process has or will have (spaces are numbered in creation order,
/// the process's own 0): for caches of port names, which mean something only in the
/// space that holds them.
pub fn loopback_current_task_id() -> u64 {
    current()
}

/// Loopback-only: number of live tasks (IPC spaces), the process's own
/// included.
pub fn loopback_live_tasks() -> usize {
    kernel::lock().spaces.len()
}

/// Loopback-only, for tests: sets the identity the kernel writes into the trailers of
/// the messages `task` sends from now on (a name in the caller's space:
/// `mach_task_self()` or a task from `loopback_task_create`), as XNU's
/// `task_set_security_tokens` does when a process changes credentials. A task starts
/// with the process's own ids; messages the kernel sends (notifications) always carry
/// the kernel's tokens. `KERN_INVALID_TASK` if `task` names no live task.
pub fn loopback_task_set_tokens(
    task: mach_port_name_t,
    security: security_token_t,
    audit: audit_token_t,
) -> super::kern_return::kern_return_t {
    super::kernel::with(|k| {
        let sid = match k.task_space(task) {
            Ok(sid) => sid,
            Err(e) => return e,
        };
        match k.spaces.get_mut(&sid) {
            Some(space) => {
                space.tokens = Tokens { security, audit };
                super::kern_return::KERN_SUCCESS
            }
            None => super::kern_return::KERN_INVALID_TASK,
        }
    })
}
