//! The IPC space: the process's single name table, the ports and port sets it
//! refers to, and the rules for moving rights between names and messages.
//!
//! All state lives behind one global mutex; a single condition variable is
//! signalled after every change, and blocked senders and receivers re-check
//! their condition when woken.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::bootstrap::Service;
use super::kern_return::{
    KERN_INVALID_CAPABILITY, KERN_INVALID_NAME, KERN_INVALID_RIGHT, KERN_INVALID_VALUE, KERN_NAME_EXISTS,
    KERN_NO_SPACE, KERN_RIGHT_EXISTS, KERN_UREFS_OVERFLOW, kern_return_t,
};
use super::port::{Carried, Kind, Kmsg, ObjId, Port, PortSet, Target};
use super::types::{
    MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE,
    MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_NOTIFY_SEND_ONCE,
    MACH_PORT_DEAD, MACH_PORT_NULL, MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_TYPE_PORT_SET,
    MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND, MACH_PORT_TYPE_SEND_ONCE, MACH_PORT_UREFS_MAX,
    mach_msg_header_t, mach_msg_type_name_t, mach_port_name_t, mach_port_type_t,
};

pub(super) type Name = mach_port_name_t;

/// Name of the task's own (kernel) port, as `mach_task_self()` returns.
pub(super) const TASK_SELF_NAME: Name = make_name(1, INITIAL_GEN);
/// Name of the send right to the built-in bootstrap server.
pub(super) const BOOTSTRAP_NAME: Name = make_name(2, INITIAL_GEN);

/// Generation of a never-used index, and the step on reuse: XNU-looking
/// names (0x103, 0x203, ..., a reused 0x1003 comes back as 0x1007).
const INITIAL_GEN: u8 = 3;
const GEN_STEP: u8 = 4;
/// First index handed out; 1 and 2 are the kernel's reserved names.
const FIRST_INDEX: u32 = 3;
/// Largest index; keeps every name below `MACH_PORT_DEAD`.
const MAX_INDEX: u32 = 0x00ff_fffe;
/// Freed indices wait in line behind this many others before reuse, so a
/// stale name is not immediately given to a new right.
const REUSE_DELAY: usize = 64;

const fn make_name(index: u32, gen_: u8) -> Name {
    (index << 8) | gen_ as u32
}

/// Whether a name is neither `MACH_PORT_NULL` nor `MACH_PORT_DEAD`.
pub(super) fn name_valid(name: Name) -> bool {
    name != MACH_PORT_NULL && name != MACH_PORT_DEAD
}

/// Whether `name` is one of the kernel's reserved names (task, bootstrap).
pub(super) fn is_kernel_name(name: Name) -> bool {
    name == TASK_SELF_NAME || name == BOOTSTRAP_NAME
}

/// The rights one name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Right {
    /// Receive and/or send rights for one port, coalesced under one name.
    /// Invariant: `receive || urefs > 0`.
    Port {
        port: ObjId,
        receive: bool,
        urefs: u32,
    },
    /// A send-once right (never coalesced).
    SendOnce {
        port: ObjId,
    },
    /// What send and send-once rights become when their port dies.
    DeadName {
        urefs: u32,
    },
    PortSet {
        set: ObjId,
    },
}

impl Right {
    /// `MACH_PORT_TYPE_*` bits of this right.
    pub(super) fn type_bits(self) -> mach_port_type_t {
        match self {
            Right::Port { receive, urefs, .. } => {
                let mut bits = 0;
                if receive {
                    bits |= MACH_PORT_TYPE_RECEIVE;
                }
                if urefs > 0 {
                    bits |= MACH_PORT_TYPE_SEND;
                }
                bits
            }
            Right::SendOnce { .. } => MACH_PORT_TYPE_SEND_ONCE,
            Right::DeadName { .. } => MACH_PORT_TYPE_DEAD_NAME,
            Right::PortSet { .. } => MACH_PORT_TYPE_PORT_SET,
        }
    }
}

#[derive(Debug)]
struct Entry {
    gen_: u8,
    right: Right,
}

/// Why a right could not be taken from a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CopyinError {
    /// No such name.
    Name,
    /// The name does not hold the right the disposition needs.
    Right,
    /// Not a disposition that moves a right.
    Disposition,
}

impl CopyinError {
    /// The error the `mach_port_*` calls report.
    pub(super) fn kern_return(self) -> kern_return_t {
        match self {
            CopyinError::Name => KERN_INVALID_NAME,
            CopyinError::Right => KERN_INVALID_RIGHT,
            CopyinError::Disposition => KERN_INVALID_VALUE,
        }
    }
}

/// Rights already claimed from each name by earlier parts of one message, so
/// a message is validated as a whole before anything is taken.
#[derive(Default)]
pub(super) struct Ledger {
    claims: Vec<(Name, Claim)>,
}

#[derive(Clone, Copy, Default)]
struct Claim {
    send: u32,
    dead: u32,
    send_once: bool,
    receive: bool,
}

impl Ledger {
    fn claim(&mut self, name: Name) -> &mut Claim {
        let at = match self.claims.iter().position(|(n, _)| *n == name) {
            Some(at) => at,
            None => {
                self.claims.push((name, Claim::default()));
                self.claims.len() - 1
            }
        };
        &mut self.claims[at].1
    }
}

/// What a receive operation waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    Port(ObjId),
    Set(ObjId),
}

/// The space and every kernel object.
#[derive(Default)]
pub(super) struct Space {
    entries: HashMap<u32, Entry>,
    free: VecDeque<(u32, u8)>,
    next_index: u32,
    next_obj: ObjId,
    next_stamp: u64,
    pub(super) ports: HashMap<ObjId, Port>,
    pub(super) sets: HashMap<ObjId, PortSet>,
    /// Bootstrap registrations by service name (each holds a send right).
    pub(super) services: HashMap<Vec<u8>, Service>,
}

struct Kernel {
    space: Mutex<Space>,
    changed: Condvar,
}

static KERNEL: LazyLock<Kernel> = LazyLock::new(|| Kernel {
    space: Mutex::new(Space {
        next_index: FIRST_INDEX,
        next_obj: 1,
        ..Space::default()
    }),
    changed: Condvar::new(),
});

/// Locks the space. A panic elsewhere never leaves it half-updated in a way
/// later calls could not cope with, so a poisoned lock is simply taken over.
pub(super) fn lock() -> MutexGuard<'static, Space> {
    KERNEL.space.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Wakes every blocked sender and receiver to re-check its condition.
pub(super) fn wake_all() {
    KERNEL.changed.notify_all();
}

/// Runs `f` on the locked space, then wakes waiters.
pub(super) fn with<R>(f: impl FnOnce(&mut Space) -> R) -> R {
    let result = f(&mut lock());
    wake_all();
    result
}

/// Releases the lock until the space changes or `deadline` passes.
pub(super) fn wait(
    guard: MutexGuard<'static, Space>,
    deadline: Option<Instant>,
) -> MutexGuard<'static, Space> {
    match deadline {
        None => KERNEL.changed.wait(guard).unwrap_or_else(PoisonError::into_inner),
        Some(deadline) => {
            let left = deadline.saturating_duration_since(Instant::now());
            KERNEL
                .changed
                .wait_timeout(guard, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0
        }
    }
}

impl Space {
    // ------------------------------------------------------------ names

    /// Number of names in use (kernel names excluded).
    pub(super) fn live_names(&self) -> usize {
        self.entries.len()
    }

    /// The rights `name` denotes.
    pub(super) fn lookup(&self, name: Name) -> Option<Right> {
        self.entries
            .get(&(name >> 8))
            .filter(|e| u32::from(e.gen_) == name & 0xff)
            .map(|e| e.right)
    }

    fn lookup_mut(&mut self, name: Name) -> Option<&mut Right> {
        self.entries
            .get_mut(&(name >> 8))
            .filter(|e| u32::from(e.gen_) == name & 0xff)
            .map(|e| &mut e.right)
    }

    /// Replaces the rights of an existing name.
    pub(super) fn set_right(&mut self, name: Name, right: Right) {
        if let Some(slot) = self.lookup_mut(name) {
            *slot = right;
        }
    }

    fn fresh_name(&mut self) -> Option<Name> {
        while self.free.len() > REUSE_DELAY {
            let (index, gen_) = self.free.pop_front()?;
            if !self.entries.contains_key(&index) {
                return Some(make_name(index, gen_.wrapping_add(GEN_STEP)));
            }
        }
        while self.next_index <= MAX_INDEX {
            let index = self.next_index;
            self.next_index += 1;
            if !self.entries.contains_key(&index) {
                return Some(make_name(index, INITIAL_GEN));
            }
        }
        // Indices exhausted: reuse without delay rather than fail.
        while let Some((index, gen_)) = self.free.pop_front() {
            if !self.entries.contains_key(&index) {
                return Some(make_name(index, gen_.wrapping_add(GEN_STEP)));
            }
        }
        None
    }

    /// Whether `name` could be given to a new right (see `insert_at`).
    fn name_free(&self, name: Name) -> Result<(), kern_return_t> {
        let index = name >> 8;
        if !name_valid(name) || index == 0 || index > MAX_INDEX {
            Err(KERN_INVALID_VALUE)
        } else if is_kernel_name(name) || index < FIRST_INDEX || self.entries.contains_key(&index) {
            Err(KERN_NAME_EXISTS)
        } else {
            Ok(())
        }
    }

    /// Gives `right` the (free) caller-chosen `name`.
    fn insert_at(&mut self, name: Name, right: Right) {
        let gen_ = (name & 0xff) as u8;
        self.entries.insert(name >> 8, Entry { gen_, right });
        if let Right::Port { port, .. } = right
            && let Some(p) = self.ports.get_mut(&port)
        {
            p.name = Some(name);
        }
    }

    /// Gives `right` a fresh name.
    pub(super) fn new_entry(&mut self, right: Right) -> Option<Name> {
        let name = self.fresh_name()?;
        self.insert_at(name, right);
        Some(name)
    }

    /// Frees `name`, returning what it held.
    pub(super) fn remove(&mut self, name: Name) -> Option<Right> {
        let right = self.lookup(name)?;
        self.entries.remove(&(name >> 8));
        self.free.push_back((name >> 8, (name & 0xff) as u8));
        if let Right::Port { port, .. } = right
            && let Some(p) = self.ports.get_mut(&port)
            && p.name == Some(name)
        {
            p.name = None;
        }
        Some(right)
    }

    // ------------------------------------------------------------ objects

    fn new_id(&mut self) -> ObjId {
        let id = self.next_obj;
        self.next_obj += 1;
        id
    }

    /// Creates a port and names its receive right.
    pub(super) fn new_port(&mut self) -> Result<(ObjId, Name), kern_return_t> {
        let id = self.new_id();
        self.ports.insert(id, Port::new());
        let right = Right::Port {
            port: id,
            receive: true,
            urefs: 0,
        };
        match self.new_entry(right) {
            Some(name) => Ok((id, name)),
            None => {
                self.ports.remove(&id);
                Err(KERN_NO_SPACE)
            }
        }
    }

    /// Creates an empty port set and names it.
    pub(super) fn new_set(&mut self) -> Result<Name, kern_return_t> {
        let id = self.new_id();
        self.sets.insert(id, PortSet::default());
        match self.new_entry(Right::PortSet { set: id }) {
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
    }

    /// The name holding `port`'s receive right, if the right is in the space.
    pub(super) fn receive_name(&self, port: ObjId) -> Option<Name> {
        let name = self.ports.get(&port)?.name?;
        match self.lookup(name) {
            Some(Right::Port { receive: true, .. }) => Some(name),
            _ => None,
        }
    }

    // ------------------------------------------------------------ rights in

    /// Checks that `disposition` can take a right from `name`, given what the
    /// same message already claimed. Returns what the right will point at.
    pub(super) fn check_copyin(
        &self,
        ledger: &mut Ledger,
        name: Name,
        disposition: mach_msg_type_name_t,
    ) -> Result<Target, CopyinError> {
        Kind::of_disposition(disposition).ok_or(CopyinError::Disposition)?;
        if name == MACH_PORT_NULL {
            return Ok(Target::Null);
        }
        if name == MACH_PORT_DEAD {
            return Ok(Target::Dead);
        }
        if is_kernel_name(name) {
            // Kernel ports cannot be moved or sent to in the loopback.
            return Err(CopyinError::Right);
        }
        let right = self.lookup(name).ok_or(CopyinError::Name)?;
        let claim = ledger.claim(name);
        match (disposition, right) {
            (
                MACH_MSG_TYPE_MOVE_RECEIVE,
                Right::Port {
                    port, receive: true, ..
                },
            ) if !claim.receive => {
                claim.receive = true;
                Ok(Target::Port(port))
            }
            (
                MACH_MSG_TYPE_MAKE_SEND | MACH_MSG_TYPE_MAKE_SEND_ONCE,
                Right::Port {
                    port, receive: true, ..
                },
            ) if !claim.receive => Ok(Target::Port(port)),
            (MACH_MSG_TYPE_COPY_SEND, Right::Port { port, urefs, .. }) if urefs > claim.send => {
                Ok(Target::Port(port))
            }
            (MACH_MSG_TYPE_MOVE_SEND, Right::Port { port, urefs, .. }) if urefs > claim.send => {
                claim.send += 1;
                Ok(Target::Port(port))
            }
            (MACH_MSG_TYPE_MOVE_SEND_ONCE, Right::SendOnce { port }) if !claim.send_once => {
                claim.send_once = true;
                Ok(Target::Port(port))
            }
            // Send rights to dead ports travel as MACH_PORT_DEAD.
            (MACH_MSG_TYPE_COPY_SEND, Right::DeadName { urefs }) if urefs > claim.dead => Ok(Target::Dead),
            (MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE, Right::DeadName { urefs })
                if urefs > claim.dead =>
            {
                claim.dead += 1;
                Ok(Target::Dead)
            }
            _ => Err(CopyinError::Right),
        }
    }

    /// Takes the right `disposition` names from `name`. Must follow a
    /// successful `check_copyin`; if it did not, the result is a dead right.
    pub(super) fn copyin(&mut self, name: Name, disposition: mach_msg_type_name_t) -> Carried {
        let kind = Kind::of_disposition(disposition).unwrap_or(Kind::Send);
        let carried = |target| Carried { target, kind };
        if name == MACH_PORT_NULL {
            return carried(Target::Null);
        }
        let Some(right) = self.lookup(name) else {
            return carried(Target::Dead);
        };
        match (disposition, right) {
            (
                MACH_MSG_TYPE_MOVE_RECEIVE,
                Right::Port {
                    port,
                    receive: true,
                    urefs,
                },
            ) => {
                if urefs == 0 {
                    self.remove(name);
                } else {
                    self.set_right(
                        name,
                        Right::Port {
                            port,
                            receive: false,
                            urefs,
                        },
                    );
                }
                self.leave_set(port);
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_MAKE_SEND, Right::Port { port, .. }) => {
                if let Some(p) = self.ports.get_mut(&port) {
                    p.mscount = p.mscount.wrapping_add(1);
                }
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_MAKE_SEND_ONCE | MACH_MSG_TYPE_COPY_SEND, Right::Port { port, .. }) => {
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_MOVE_SEND, Right::Port { port, receive, urefs }) => {
                if urefs <= 1 && !receive {
                    self.remove(name);
                } else {
                    let urefs = urefs.saturating_sub(1);
                    self.set_right(name, Right::Port { port, receive, urefs });
                }
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_MOVE_SEND_ONCE, Right::SendOnce { port }) => {
                self.remove(name);
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE, Right::DeadName { urefs }) => {
                self.add_dead_urefs(name, urefs, -1);
                carried(Target::Dead)
            }
            _ => carried(Target::Dead),
        }
    }

    /// Adjusts a dead name's user references, freeing it at zero.
    pub(super) fn add_dead_urefs(&mut self, name: Name, urefs: u32, delta: i64) {
        let left = i64::from(urefs) + delta;
        if left <= 0 {
            self.remove(name);
        } else {
            let urefs = u32::try_from(left).unwrap_or(MACH_PORT_UREFS_MAX);
            self.set_right(name, Right::DeadName { urefs });
        }
    }

    // ------------------------------------------------------------ rights out

    /// Gives a carried right a name in the space, as message receipt does:
    /// send rights coalesce with the port's existing name (user references
    /// saturate at `MACH_PORT_UREFS_MAX`), send-once rights get a new name,
    /// rights to dead ports come out as `MACH_PORT_DEAD`.
    pub(super) fn copyout(&mut self, carried: Carried) -> Name {
        let port = match carried.target {
            Target::Null => return MACH_PORT_NULL,
            Target::Dead => return MACH_PORT_DEAD,
            Target::Port(port) => port,
        };
        let Some(existing) = self.ports.get(&port).map(|p| p.name) else {
            return MACH_PORT_DEAD;
        };
        let named = match (carried.kind, existing) {
            (Kind::Send, Some(name)) => {
                if let Some(Right::Port { urefs, .. }) = self.lookup_mut(name) {
                    *urefs = (*urefs + 1).min(MACH_PORT_UREFS_MAX);
                }
                Some(name)
            }
            (Kind::Send, None) => self.new_entry(Right::Port {
                port,
                receive: false,
                urefs: 1,
            }),
            (Kind::SendOnce, _) => self.new_entry(Right::SendOnce { port }),
            (Kind::Receive, existing) => {
                if let Some(p) = self.ports.get_mut(&port) {
                    p.transit = None;
                }
                match existing {
                    Some(name) => {
                        if let Some(Right::Port { receive, .. }) = self.lookup_mut(name) {
                            *receive = true;
                        }
                        Some(name)
                    }
                    None => self.new_entry(Right::Port {
                        port,
                        receive: true,
                        urefs: 0,
                    }),
                }
            }
        };
        named.unwrap_or_else(|| {
            // Out of names (16M of them): the right is lost, as a dead name.
            self.release(carried);
            MACH_PORT_DEAD
        })
    }

    /// Gives a carried right the caller-chosen `name` (`mach_port_insert_right`).
    /// On error the right is not consumed; the caller decides its fate.
    pub(super) fn copyout_named(&mut self, name: Name, carried: Carried) -> Result<(), kern_return_t> {
        let Target::Port(port) = carried.target else {
            return Err(KERN_INVALID_CAPABILITY);
        };
        let Some(existing) = self.ports.get(&port).map(|p| p.name) else {
            return Err(KERN_INVALID_CAPABILITY);
        };
        match (carried.kind, existing) {
            (Kind::SendOnce, _) => {
                self.name_free(name)?;
                self.insert_at(name, Right::SendOnce { port });
            }
            (_, Some(other)) if other != name => return Err(KERN_RIGHT_EXISTS),
            (kind, Some(_)) => {
                let Some(Right::Port { receive, urefs, .. }) = self.lookup_mut(name) else {
                    return Err(KERN_NAME_EXISTS);
                };
                if kind == Kind::Receive {
                    if *receive {
                        return Err(KERN_RIGHT_EXISTS);
                    }
                    *receive = true;
                } else if *urefs >= MACH_PORT_UREFS_MAX {
                    return Err(KERN_UREFS_OVERFLOW);
                } else {
                    *urefs += 1;
                }
            }
            (kind, None) => {
                self.name_free(name)?;
                let receive = kind == Kind::Receive;
                let urefs = u32::from(!receive);
                self.insert_at(name, Right::Port { port, receive, urefs });
            }
        }
        if carried.kind == Kind::Receive
            && let Some(p) = self.ports.get_mut(&port)
        {
            p.transit = None;
        }
        Ok(())
    }

    // ------------------------------------------------------------ destruction

    /// Destroys a carried right: a send-once right sends its port a
    /// send-once notification, a receive right destroys its port.
    pub(super) fn release(&mut self, carried: Carried) {
        self.release_all(vec![carried]);
    }

    /// Destroys several rights. Iterative: destroying a port destroys the
    /// messages queued on it, whose rights may destroy further ports.
    pub(super) fn release_all(&mut self, mut work: Vec<Carried>) {
        while let Some(carried) = work.pop() {
            let Target::Port(id) = carried.target else {
                continue;
            };
            match carried.kind {
                Kind::Send => {}
                Kind::SendOnce => self.send_once_notification(id),
                Kind::Receive => {
                    if let Some(port) = self.ports.remove(&id) {
                        self.port_died(id, port, &mut work);
                    }
                }
            }
        }
    }

    /// A port's receive right is gone: its send and send-once names become
    /// dead names, it leaves its set and the bootstrap registry, and its
    /// queued messages are destroyed (their rights pushed onto `work`).
    fn port_died(&mut self, id: ObjId, port: Port, work: &mut Vec<Carried>) {
        if let Some(name) = port.name {
            match self.lookup(name) {
                Some(Right::Port { urefs, .. }) if urefs > 0 => {
                    self.set_right(name, Right::DeadName { urefs });
                }
                Some(Right::Port { .. }) => {
                    self.remove(name);
                }
                _ => {}
            }
        }
        for entry in self.entries.values_mut() {
            if entry.right == (Right::SendOnce { port: id }) {
                entry.right = Right::DeadName { urefs: 1 };
            }
        }
        if let Some(set) = port.set
            && let Some(s) = self.sets.get_mut(&set)
        {
            s.members.retain(|m| *m != id);
        }
        self.services.retain(|_, service| service.port != id);
        for kmsg in port.queue {
            work.extend(kmsg.into_rights());
        }
    }

    /// Sends `port` the notification of a send-once right destroyed unused:
    /// a bare header with id `MACH_NOTIFY_SEND_ONCE`, delivered through that
    /// very send-once right (so it bypasses the queue limit).
    pub(super) fn send_once_notification(&mut self, port: ObjId) {
        if !self.ports.contains_key(&port) {
            return;
        }
        let header = mach_msg_header_t {
            msgh_size: size_of::<mach_msg_header_t>() as u32,
            msgh_id: MACH_NOTIFY_SEND_ONCE,
            ..Default::default()
        };
        let kmsg = Kmsg {
            bytes: header_bytes(&header),
            dest: Carried {
                target: Target::Port(port),
                kind: Kind::SendOnce,
            },
            reply: None,
            descs: Vec::new(),
            stamp: 0,
        };
        self.enqueue(port, kmsg);
    }

    // ------------------------------------------------------------ queues

    /// Queues a message on `port`. A message that would carry a port's
    /// receive right into that port's own queue (directly or through other
    /// in-transit receive rights) is destroyed instead, as XNU does.
    pub(super) fn enqueue(&mut self, port: ObjId, mut kmsg: Kmsg) {
        let receives = kmsg.carried_receives();
        let circular = receives.iter().any(|&r| self.leads_to(port, r));
        if circular || !self.ports.contains_key(&port) {
            self.release_all(kmsg.into_rights());
            return;
        }
        for r in receives {
            if let Some(p) = self.ports.get_mut(&r) {
                p.transit = Some(port);
            }
        }
        kmsg.stamp = self.next_stamp;
        self.next_stamp += 1;
        if let Some(p) = self.ports.get_mut(&port) {
            p.queue.push_back(kmsg);
        }
    }

    /// Whether `from` is `to`, or is in transit (transitively) inside `to`.
    fn leads_to(&self, from: ObjId, to: ObjId) -> bool {
        let mut current = from;
        for _ in 0..=self.ports.len() {
            if current == to {
                return true;
            }
            match self.ports.get(&current).and_then(|p| p.transit) {
                Some(next) => current = next,
                None => return false,
            }
        }
        // A loop not through `to` cannot exist; be conservative anyway.
        true
    }

    /// What receiving on `name` waits on.
    pub(super) fn receive_source(&self, name: Name) -> Option<Source> {
        match self.lookup(name)? {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// XNU-style names: index << 8 | generation, fresh generation 3, and a
    /// freed index is not handed out again right away.
    #[test]
    fn names_look_like_xnu_and_are_not_reused_at_once() {
        let mut space = Space {
            next_index: FIRST_INDEX,
            next_obj: 1,
            ..Space::default()
        };
        let a = space.new_entry(Right::DeadName { urefs: 1 }).unwrap();
        assert_eq!(a, 0x303);
        space.remove(a);
        let b = space.new_entry(Right::DeadName { urefs: 1 }).unwrap();
        assert_eq!(b, 0x403);
        for _ in 0..REUSE_DELAY {
            let n = space.new_entry(Right::DeadName { urefs: 1 }).unwrap();
            space.remove(n);
        }
        let reused = space.new_entry(Right::DeadName { urefs: 1 }).unwrap();
        assert_eq!(reused, 0x307);
    }
}
