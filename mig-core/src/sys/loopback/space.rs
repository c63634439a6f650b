//! One IPC space: a task's name table, mapping names to the rights they
//! denote. Pure bookkeeping: what a right *does* (ports dying, notifications)
//! is the kernel's business (`kernel.rs`, `right.rs`).

use std::collections::{HashMap, VecDeque};

use super::ids::{INITIAL_GEN, Name, ObjId, is_kernel_name, make_name, name_valid};
use super::kern_return::{KERN_INVALID_VALUE, KERN_NAME_EXISTS, kern_return_t};
use super::trailer::Tokens;
use super::types::{
    MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_TYPE_PORT_SET, MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND,
    MACH_PORT_TYPE_SEND_ONCE, mach_port_type_t,
};

/// The step of a name's generation on reuse: XNU-looking names (a reused
/// 0x1003 comes back as 0x1007).
const GEN_STEP: u8 = 4;
/// First index handed out; 1 and 2 are the kernel's reserved names.
const FIRST_INDEX: u32 = 3;
/// Largest index; keeps every name below `MACH_PORT_DEAD`.
const MAX_INDEX: u32 = 0x00ff_fffe;
/// Freed indices wait in line behind this many others before reuse, so a
/// stale name is not immediately given to a new right.
const REUSE_DELAY: usize = 64;

/// The rights one name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Right {
    /// Receive and/or send rights for one port, coalesced under one name.
    /// Invariant: `receive || urefs > 0`.
    Port { port: ObjId, receive: bool, urefs: u32 },
    /// A send-once right (never coalesced).
    SendOnce { port: ObjId },
    /// What send and send-once rights become when their port dies.
    DeadName { urefs: u32 },
    /// A port set.
    PortSet { set: ObjId },
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

/// A used name: its rights, and the dead-name request registered on it.
#[derive(Debug)]
pub(super) struct Entry {
    gen_: u8,
    pub right: Right,
    /// `MACH_NOTIFY_DEAD_NAME` request: a send-once right to this port.
    pub dead_name_request: Option<ObjId>,
}

/// A task's name table.
#[derive(Debug)]
pub(super) struct Space {
    entries: HashMap<u32, Entry>,
    free: VecDeque<(u32, u8)>,
    next_index: u32,
    /// The name holding each port's send and/or receive rights (XNU
    /// coalesces them under one name per space).
    by_port: HashMap<ObjId, Name>,
    /// This task's own kernel port (`None` for the process's own space,
    /// whose task port is only ever named `TASK_SELF_NAME`).
    pub task_port: Option<ObjId>,
    /// Mach port guard exceptions XNU would have raised in this task
    /// (`kGUARD_EXC_INVALID_NAME`: a right released under a name that holds none).
    pub guard_exceptions: usize,
    /// The identity written into the trailers of the messages this task sends.
    pub tokens: Tokens,
}

impl Space {
    /// An empty name table.
    pub(super) fn new(task_port: Option<ObjId>) -> Space {
        Space {
            entries: HashMap::new(),
            free: VecDeque::new(),
            next_index: FIRST_INDEX,
            by_port: HashMap::new(),
            task_port,
            guard_exceptions: 0,
            tokens: Tokens::of_process(),
        }
    }

    /// Number of names in use (kernel names excluded).
    pub(super) fn live_names(&self) -> usize {
        self.entries.len()
    }

    /// Every name in use.
    pub(super) fn names(&self) -> Vec<Name> {
        self.entries
            .iter()
            .map(|(index, e)| make_name(*index, e.gen_))
            .collect()
    }

    /// The entry `name` denotes.
    pub(super) fn entry(&self, name: Name) -> Option<&Entry> {
        self.entries
            .get(&(name >> 8))
            .filter(|e| u32::from(e.gen_) == name & 0xff)
    }

    /// The entry `name` denotes, mutably.
    pub(super) fn entry_mut(&mut self, name: Name) -> Option<&mut Entry> {
        self.entries
            .get_mut(&(name >> 8))
            .filter(|e| u32::from(e.gen_) == name & 0xff)
    }

    /// The rights `name` denotes.
    pub(super) fn lookup(&self, name: Name) -> Option<Right> {
        self.entry(name).map(|e| e.right)
    }

    /// Replaces the rights of an existing name.
    pub(super) fn set_right(&mut self, name: Name, right: Right) {
        let Some(entry) = self.entry_mut(name) else {
            return;
        };
        let old = std::mem::replace(&mut entry.right, right);
        if let Right::Port { port, .. } = old
            && self.by_port.get(&port) == Some(&name)
        {
            self.by_port.remove(&port);
        }
        if let Right::Port { port, .. } = right {
            self.by_port.insert(port, name);
        }
    }

    /// The name holding send and/or receive rights for `port`.
    pub(super) fn name_of(&self, port: ObjId) -> Option<Name> {
        self.by_port.get(&port).copied()
    }

    /// Names of the send-once rights for `port`.
    pub(super) fn send_once_names(&self, port: ObjId) -> Vec<Name> {
        self.entries
            .iter()
            .filter(|(_, e)| e.right == Right::SendOnce { port })
            .map(|(index, e)| make_name(*index, e.gen_))
            .collect()
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
    pub(super) fn name_free(&self, name: Name) -> Result<(), kern_return_t> {
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
    pub(super) fn insert_at(&mut self, name: Name, right: Right) {
        let gen_ = (name & 0xff) as u8;
        let entry = Entry {
            gen_,
            right,
            dead_name_request: None,
        };
        self.entries.insert(name >> 8, entry);
        if let Right::Port { port, .. } = right {
            self.by_port.insert(port, name);
        }
    }

    /// Gives `right` a fresh name.
    pub(super) fn new_entry(&mut self, right: Right) -> Option<Name> {
        let name = self.fresh_name()?;
        self.insert_at(name, right);
        Some(name)
    }

    /// Frees `name`, returning its entry (rights and request).
    pub(super) fn remove(&mut self, name: Name) -> Option<Entry> {
        self.entry(name)?;
        let entry = self.entries.remove(&(name >> 8))?;
        self.free.push_back((name >> 8, entry.gen_));
        if let Right::Port { port, .. } = entry.right
            && self.by_port.get(&port) == Some(&name)
        {
            self.by_port.remove(&port);
        }
        Some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XNU-style names: index << 8 | generation, fresh generation 3, and a
    /// freed index is not handed out again right away.
    #[test]
    fn names_look_like_xnu_and_are_not_reused_at_once() {
        let mut space = Space::new(None);
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
