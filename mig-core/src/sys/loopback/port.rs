//! Kernel objects: ports with their message queues, port sets, and the
//! rights messages carry while queued ("in transit").

use std::collections::VecDeque;

use super::ids::{ObjId, SpaceId};
use super::trailer::Tokens;
use super::types::MACH_MSG_TYPE_COPY_SEND;
use super::types::{
    MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_MOVE_RECEIVE,
    MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_MSG_TYPE_PORT_RECEIVE,
    MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_PORT_QLIMIT_DEFAULT, mach_msg_type_name_t,
    mach_port_context_t,
};

/// The kind of right a message carries (what it is once received).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Send,
    SendOnce,
    Receive,
}

impl Kind {
    /// The right a send-time disposition produces, if it is one a message may
    /// carry (`MOVE_RECEIVE` ..= `MAKE_SEND_ONCE`).
    pub(super) fn of_disposition(disposition: mach_msg_type_name_t) -> Option<Kind> {
        match disposition {
            MACH_MSG_TYPE_MOVE_RECEIVE => Some(Kind::Receive),
            MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_COPY_SEND | MACH_MSG_TYPE_MAKE_SEND => Some(Kind::Send),
            MACH_MSG_TYPE_MOVE_SEND_ONCE | MACH_MSG_TYPE_MAKE_SEND_ONCE => Some(Kind::SendOnce),
            _ => None,
        }
    }

    /// The received disposition the receiver sees (`MACH_MSG_TYPE_PORT_*`).
    pub(super) fn msg_type(self) -> mach_msg_type_name_t {
        match self {
            Kind::Send => MACH_MSG_TYPE_PORT_SEND,
            Kind::SendOnce => MACH_MSG_TYPE_PORT_SEND_ONCE,
            Kind::Receive => MACH_MSG_TYPE_PORT_RECEIVE,
        }
    }
}

/// What a carried right points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// `MACH_PORT_NULL` was sent.
    Null,
    /// `MACH_PORT_DEAD` or a dead name was sent.
    Dead,
    /// A port (which may have died since).
    Port(ObjId),
}

/// A right held by the kernel rather than by a name: in a queued message or
/// on its way in or out of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Carried {
    pub target: Target,
    pub kind: Kind,
}

/// A descriptor of a queued message, with its rights and memory in kernel form.
#[derive(Debug)]
pub(super) enum KDesc {
    /// A port descriptor at byte `offset` of the message.
    Port { offset: usize, right: Carried },
    /// Out-of-line memory, already copied out of the sender.
    Ool { offset: usize, data: Vec<u8> },
    /// Out-of-line port array, all of one kind.
    OolPorts {
        offset: usize,
        kind: Kind,
        targets: Vec<Target>,
    },
}

/// A queued message ("kmsg"): the sender's bytes plus the rights it holds.
#[derive(Debug)]
pub(super) struct Kmsg {
    /// The message as sent (`send_size` bytes, header included); header and
    /// descriptors are rewritten for the receiver on copyout.
    pub bytes: Vec<u8>,
    /// The right the message was sent through (send or send-once).
    pub dest: Carried,
    /// The reply right, if the header's local disposition was non-zero.
    pub reply: Option<Carried>,
    pub descs: Vec<KDesc>,
    /// Global arrival order, so a port set hands out the oldest message first.
    pub stamp: u64,
    /// The sender's identity, stamped at send: what the receiver's trailer says.
    pub sender: Tokens,
}

impl Kmsg {
    /// Every right the message holds, destination first.
    pub(super) fn into_rights(self) -> Vec<Carried> {
        let mut rights = vec![self.dest];
        rights.extend(self.reply);
        rights.extend(self.descs.into_iter().flat_map(KDesc::into_rights));
        rights
    }

    /// Ports whose receive rights this message carries.
    pub(super) fn carried_receives(&self) -> Vec<ObjId> {
        let mut ids = Vec::new();
        for desc in &self.descs {
            match desc {
                KDesc::Port {
                    right:
                        Carried {
                            target: Target::Port(id),
                            kind: Kind::Receive,
                        },
                    ..
                } => ids.push(*id),
                KDesc::OolPorts {
                    kind: Kind::Receive,
                    targets,
                    ..
                } => ids.extend(targets.iter().filter_map(|t| match t {
                    Target::Port(id) => Some(*id),
                    _ => None,
                })),
                _ => {}
            }
        }
        ids
    }
}

impl KDesc {
    fn into_rights(self) -> Vec<Carried> {
        match self {
            KDesc::Port { right, .. } => vec![right],
            KDesc::Ool { .. } => Vec::new(),
            KDesc::OolPorts { kind, targets, .. } => targets
                .into_iter()
                .map(|target| Carried { target, kind })
                .collect(),
        }
    }
}

/// A port: a message queue with exactly one receive right somewhere.
#[derive(Debug)]
pub(super) struct Port {
    pub queue: VecDeque<Kmsg>,
    pub qlimit: u32,
    /// Sequence number the next dequeued message gets.
    pub seqno: u32,
    /// Make-send count: send rights made from the receive right since the
    /// port was created or its receive right last moved.
    pub mscount: u32,
    /// Send rights in existence: one per name holding send rights (in any
    /// space), one per right carried in a message, one per kernel holder
    /// (the bootstrap registry). Send-once rights are not counted.
    pub srights: u32,
    pub context: mach_port_context_t,
    /// The port set this port is a member of.
    pub set: Option<ObjId>,
    /// The space holding the receive right (`None` while it travels in a
    /// message, and for kernel ports).
    pub receiver: Option<SpaceId>,
    /// While the receive right is in a queued message: the port it was sent to.
    pub transit: Option<ObjId>,
    /// `MACH_NOTIFY_NO_SENDERS` request: a send-once right to this port.
    pub no_senders_request: Option<ObjId>,
    /// `MACH_NOTIFY_PORT_DESTROYED` request: a send-once right to this port.
    pub destroyed_request: Option<ObjId>,
    /// For a task port (a kernel port): the space the task owns.
    pub task: Option<SpaceId>,
}

impl Port {
    /// A fresh port whose receive right is in `receiver`.
    pub(super) fn new(receiver: Option<SpaceId>) -> Self {
        Port {
            queue: VecDeque::new(),
            qlimit: MACH_PORT_QLIMIT_DEFAULT,
            seqno: 0,
            mscount: 0,
            srights: 0,
            context: 0,
            set: None,
            receiver,
            transit: None,
            no_senders_request: None,
            destroyed_request: None,
            task: None,
        }
    }

    /// Whether a sender using a send right must wait (send-once messages
    /// bypass the limit, as in XNU).
    pub(super) fn is_full(&self) -> bool {
        self.queue.len() >= self.qlimit as usize
    }
}

/// A port set: receiving on it receives from any member.
#[derive(Debug, Default)]
pub(super) struct PortSet {
    pub members: Vec<ObjId>,
    /// The descriptor signalled when a member has a message queued (see `readiness`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub signal: Option<super::readiness::LoopbackSignal>,
}
