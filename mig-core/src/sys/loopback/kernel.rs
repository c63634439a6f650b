//! The kernel: every IPC space, port, port set and the bootstrap registry,
//! behind one global mutex; plus object creation, set membership, what a
//! receive waits on, and the signalling of port sets' descriptors. What
//! rights do, notifications and delivering messages are the mechanisms above
//! it (`right.rs`, `notify.rs`, `queue.rs`).
//!
//! A single condition variable is signalled after every change, and blocked
//! senders and receivers re-check their condition when woken.

use std::collections::HashMap;
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::ids::{DEFAULT_SPACE, Name, ObjId, SpaceId};
use super::kern_return::{KERN_NO_SPACE, kern_return_t};
use super::port::{Port, PortSet};
use super::service::Service;
use super::space::{Right, Space};
use super::types::mach_msg_header_t;

/// What a receive operation waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    Port(ObjId),
    Set(ObjId),
}

/// All kernel state.
pub(super) struct Kernel {
    /// Live spaces; a terminated task's space is gone.
    pub(super) spaces: HashMap<SpaceId, Space>,
    next_space: SpaceId,
    next_obj: ObjId,
    /// Arrival stamp of the next queued message.
    pub(super) next_stamp: u64,
    pub(super) ports: HashMap<ObjId, Port>,
    pub(super) sets: HashMap<ObjId, PortSet>,
    /// Bootstrap registrations by service name (each holds a send right).
    pub(super) services: HashMap<Vec<u8>, Service>,
}

struct Global {
    kernel: Mutex<Kernel>,
    changed: Condvar,
}

static GLOBAL: LazyLock<Global> = LazyLock::new(|| Global {
    kernel: Mutex::new(Kernel {
        spaces: HashMap::from([(DEFAULT_SPACE, Space::new(None))]),
        next_space: DEFAULT_SPACE + 1,
        next_obj: 1,
        next_stamp: 0,
        ports: HashMap::new(),
        sets: HashMap::new(),
        services: HashMap::new(),
    }),
    changed: Condvar::new(),
});

/// Locks the kernel. A panic elsewhere never leaves it half-updated in a way
/// later calls could not cope with, so a poisoned lock is simply taken over.
pub(super) fn lock() -> MutexGuard<'static, Kernel> {
    GLOBAL.kernel.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Wakes every blocked sender and receiver to re-check its condition.
pub(super) fn wake_all() {
    GLOBAL.changed.notify_all();
}

/// Runs `f` on the locked kernel, then wakes waiters.
pub(super) fn with<R>(f: impl FnOnce(&mut Kernel) -> R) -> R {
    let result = f(&mut lock());
    wake_all();
    result
}

/// Releases the lock until the kernel changes or `deadline` passes.
pub(super) fn wait(
    guard: MutexGuard<'static, Kernel>,
    deadline: Option<Instant>,
) -> MutexGuard<'static, Kernel> {
    match deadline {
        None => GLOBAL.changed.wait(guard).unwrap_or_else(PoisonError::into_inner),
        Some(deadline) => {
            let left = deadline.saturating_duration_since(Instant::now());
            GLOBAL
                .changed
                .wait_timeout(guard, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0
        }
    }
}

impl Kernel {
    // ------------------------------------------------------------ spaces

    /// The name table of `sid`, if the space is alive.
    pub(super) fn space(&self, sid: SpaceId) -> Option<&Space> {
        self.spaces.get(&sid)
    }

    /// The name table of `sid`, mutably.
    pub(super) fn space_mut(&mut self, sid: SpaceId) -> Option<&mut Space> {
        self.spaces.get_mut(&sid)
    }

    /// The rights `name` denotes in `sid`.
    pub(super) fn lookup(&self, sid: SpaceId, name: Name) -> Option<Right> {
        self.space(sid)?.lookup(name)
    }

    /// Replaces the rights of an existing name.
    pub(super) fn set_right(&mut self, sid: SpaceId, name: Name, right: Right) {
        if let Some(space) = self.space_mut(sid) {
            space.set_right(name, right);
        }
    }

    /// Gives `right` a fresh name in `sid`.
    pub(super) fn new_entry(&mut self, sid: SpaceId, right: Right) -> Option<Name> {
        self.space_mut(sid)?.new_entry(right)
    }

    /// Creates a space for a new task, with its task port.
    pub(super) fn new_space(&mut self) -> (SpaceId, ObjId) {
        let sid = self.next_space;
        self.next_space += 1;
        let id = self.new_id();
        let mut port = Port::new(None);
        port.task = Some(sid);
        self.ports.insert(id, port);
        self.spaces.insert(sid, Space::new(Some(id)));
        (sid, id)
    }

    // ------------------------------------------------------------ objects

    fn new_id(&mut self) -> ObjId {
        let id = self.next_obj;
        self.next_obj += 1;
        id
    }

    /// Creates a port and names its receive right in `sid`.
    pub(super) fn new_port(&mut self, sid: SpaceId) -> Result<(ObjId, Name), kern_return_t> {
        let id = self.new_id();
        self.ports.insert(id, Port::new(Some(sid)));
        let right = Right::Port {
            port: id,
            receive: true,
            urefs: 0,
        };
        match self.new_entry(sid, right) {
            Some(name) => Ok((id, name)),
            None => {
                self.ports.remove(&id);
                Err(KERN_NO_SPACE)
            }
        }
    }

    /// Creates an empty port set and names it in `sid`.
    pub(super) fn new_set(&mut self, sid: SpaceId) -> Result<Name, kern_return_t> {
        let id = self.new_id();
        self.sets.insert(id, PortSet::default());
        match self.new_entry(sid, Right::PortSet { set: id }) {
            Some(name) => Ok(name),
            None => {
                self.sets.remove(&id);
                Err(KERN_NO_SPACE)
            }
        }
    }

    /// Destroys a port set; its members simply stop being members.
    pub(super) fn destroy_set(&mut self, set: ObjId) {
        if let Some(s) = self.sets.remove(&set) {
            for member in s.members {
                if let Some(p) = self.ports.get_mut(&member) {
                    p.set = None;
                }
            }
        }
    }

    /// Takes `port` out of its port set, if any.
    pub(super) fn leave_set(&mut self, port: ObjId) {
        let Some(set) = self.ports.get_mut(&port).and_then(|p| p.set.take()) else {
            return;
        };
        if let Some(s) = self.sets.get_mut(&set) {
            s.members.retain(|m| *m != port);
        }
    }

    /// Puts `port` into `set`, leaving any previous set.
    pub(super) fn join_set(&mut self, port: ObjId, set: ObjId) {
        self.leave_set(port);
        if let (Some(p), Some(s)) = (self.ports.get_mut(&port), self.sets.get_mut(&set)) {
            p.set = Some(set);
            s.members.push(port);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        self.signal_if_queued(port);
    }

    /// The name holding `port`'s receive right, if the right is in a space.
    pub(super) fn receive_name(&self, port: ObjId) -> Option<Name> {
        let sid = self.ports.get(&port)?.receiver?;
        let name = self.space(sid)?.name_of(port)?;
        match self.lookup(sid, name) {
            Some(Right::Port { receive: true, .. }) => Some(name),
            _ => None,
        }
    }

    // ------------------------------------------------------------ queues

    /// What receiving on `name` in `sid` waits on.
    pub(super) fn receive_source(&self, sid: SpaceId, name: Name) -> Option<Source> {
        match self.lookup(sid, name)? {
            Right::Port {
                port, receive: true, ..
            } => Some(Source::Port(port)),
            Right::PortSet { set } => Some(Source::Set(set)),
            _ => None,
        }
    }

    /// The port with the oldest message among those `source` covers.
    pub(super) fn ready_port(&self, source: Source) -> Option<ObjId> {
        match source {
            Source::Port(id) => self.ports.get(&id).filter(|p| !p.queue.is_empty()).map(|_| id),
            Source::Set(set) => self
                .sets
                .get(&set)?
                .members
                .iter()
                .filter_map(|m| Some((*m, self.ports.get(m)?.queue.front()?.stamp)))
                .min_by_key(|(_, stamp)| *stamp)
                .map(|(m, _)| m),
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl Kernel {
    /// A message was queued on `port`: signals its set's descriptor, if any.
    pub(super) fn signal_ready(&self, port: ObjId) {
        let set = self.ports.get(&port).and_then(|p| p.set);
        if let Some(signal) = set
            .and_then(|s| self.sets.get(&s))
            .and_then(|s| s.signal.as_ref())
        {
            signal.signal();
        }
    }

    /// `port` joined a set: signals it if messages are already queued.
    pub(super) fn signal_if_queued(&self, port: ObjId) {
        if self.ports.get(&port).is_some_and(|p| !p.queue.is_empty()) {
            self.signal_ready(port);
        }
    }
}

/// The native-endian bytes of a header.
pub(super) fn header_bytes(header: &mach_msg_header_t) -> Vec<u8> {
    [
        header.msgh_bits,
        header.msgh_size,
        header.msgh_remote_port,
        header.msgh_local_port,
        header.msgh_voucher_port,
        header.msgh_id as u32,
    ]
    .iter()
    .flat_map(|v| v.to_ne_bytes())
    .collect()
}
