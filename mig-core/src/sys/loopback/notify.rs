//! Notifications (`mach/notify.h`): the messages the kernel sends through
//! send-once rights registered with `mach_port_request_notification`, laid
//! out as XNU lays them out, and the registration call itself.
//!
//! Every notification travels through the registered send-once right, so
//! the receiver sees `MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE)`, a
//! null remote port and its own port as local, and the queue limit does not
//! apply.

// Parameter names are the C ones (`notifyPoly`).
#![allow(non_snake_case, non_camel_case_types, missing_docs)]

use super::current;
use super::ids::{Name, ObjId, SpaceId, is_kernel_name, name_valid};
use super::kern_return::{
    KERN_INVALID_ARGUMENT, KERN_INVALID_NAME, KERN_INVALID_RIGHT, KERN_INVALID_VALUE, KERN_NOT_SUPPORTED,
    KERN_SUCCESS, kern_return_t,
};
use super::kernel::{self, Kernel, header_bytes};
use super::port::{Carried, KDesc, Kind, Kmsg, Target};
use super::right::Ledger;
use super::space::Right;
use super::trailer::Tokens;
use super::types::{
    MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND_ONCE,
    MACH_MSGH_BITS_COMPLEX, MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_PORT_DELETED,
    MACH_NOTIFY_PORT_DESTROYED, MACH_NOTIFY_SEND_ONCE, MACH_NOTIFY_SEND_POSSIBLE, MACH_PORT_NULL,
    MACH_PORT_UREFS_MAX, MACH_SEND_INVALID_RIGHT, NDR_record, NDR_record_t, ipc_space_t, mach_msg_body_t,
    mach_msg_header_t, mach_msg_id_t, mach_msg_port_descriptor_t, mach_msg_security_trailer_t,
    mach_msg_type_name_t, mach_msg_type_number_t, mach_port_mscount_t, mach_port_name_t, mach_port_t,
};

/// MIG's `MIG_TYPE_ERROR`: what the kernel's MIG server answers when an
/// argument arrives with the wrong disposition.
const MIG_TYPE_ERROR: kern_return_t = -300;

/// `mach_port_deleted_notification_t` (id 65): the name a dead-name request
/// was registered on was deleted before its port died. 36 bytes as sent.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct mach_port_deleted_notification_t {
    pub not_header: mach_msg_header_t,
    pub NDR: NDR_record_t,
    pub not_port: mach_port_name_t,
    pub trailer: mach_msg_security_trailer_t,
}

/// `mach_port_destroyed_notification_t` (id 69): a complex message whose
/// port descriptor carries the receive right that would have been destroyed.
/// 40 bytes as sent.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct mach_port_destroyed_notification_t {
    pub not_header: mach_msg_header_t,
    pub not_body: mach_msg_body_t,
    pub not_port: mach_msg_port_descriptor_t,
    pub trailer: mach_msg_security_trailer_t,
}

/// `mach_no_senders_notification_t` (id 70): the port's last send right went
/// away; `not_count` is the make-send count. 36 bytes as sent.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct mach_no_senders_notification_t {
    pub not_header: mach_msg_header_t,
    pub NDR: NDR_record_t,
    pub not_count: mach_msg_type_number_t,
    pub trailer: mach_msg_security_trailer_t,
}

/// `mach_dead_name_notification_t` (id 72): the port a name denoted died;
/// the name is now a dead name holding one extra user reference for this
/// notification. 36 bytes as sent.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct mach_dead_name_notification_t {
    pub not_header: mach_msg_header_t,
    pub NDR: NDR_record_t,
    pub not_port: mach_port_name_t,
    pub trailer: mach_msg_security_trailer_t,
}

const HEADER_SIZE: usize = size_of::<mach_msg_header_t>();

fn ndr_bytes() -> [u8; 8] {
    let r = NDR_record;
    [
        r.mig_vers,
        r.if_vers,
        r.reserved1,
        r.mig_encoding,
        r.int_rep,
        r.char_rep,
        r.float_rep,
        r.reserved32,
    ]
}

/// NDR record followed by one 32-bit value: the body of the name and count
/// notifications.
fn ndr_and(value: u32) -> Vec<u8> {
    let mut body = ndr_bytes().to_vec();
    body.extend_from_slice(&value.to_ne_bytes());
    body
}

impl Kernel {
    /// Sends a kernel notification through the send-once right `notify`.
    fn notify(&mut self, notify: ObjId, id: mach_msg_id_t, body: Vec<u8>, descs: Vec<KDesc>) {
        let header = mach_msg_header_t {
            msgh_bits: if descs.is_empty() {
                0
            } else {
                MACH_MSGH_BITS_COMPLEX
            },
            msgh_size: (HEADER_SIZE + body.len()) as u32,
            msgh_id: id,
            ..Default::default()
        };
        let mut bytes = header_bytes(&header);
        bytes.extend(body);
        let kmsg = Kmsg {
            bytes,
            dest: Carried {
                target: Target::Port(notify),
                kind: Kind::SendOnce,
            },
            reply: None,
            descs,
            stamp: 0,
            sender: Tokens::KERNEL,
        };
        self.enqueue(notify, kmsg);
    }

    /// `MACH_NOTIFY_SEND_ONCE`: a send-once right to `port` was destroyed
    /// unused. A bare header, delivered through that very right.
    pub(super) fn notify_send_once(&mut self, port: ObjId) {
        if self.ports.contains_key(&port) {
            self.notify(port, MACH_NOTIFY_SEND_ONCE, Vec::new(), Vec::new());
        }
    }

    /// `MACH_NOTIFY_DEAD_NAME` for `name`.
    pub(super) fn notify_dead_name(&mut self, notify: ObjId, name: Name) {
        self.notify(notify, MACH_NOTIFY_DEAD_NAME, ndr_and(name), Vec::new());
    }

    /// `MACH_NOTIFY_PORT_DELETED` for `name`.
    pub(super) fn notify_port_deleted(&mut self, notify: ObjId, name: Name) {
        self.notify(notify, MACH_NOTIFY_PORT_DELETED, ndr_and(name), Vec::new());
    }

    /// `MACH_NOTIFY_NO_SENDERS` with the make-send count.
    pub(super) fn notify_no_senders(&mut self, notify: ObjId, mscount: mach_port_mscount_t) {
        self.notify(notify, MACH_NOTIFY_NO_SENDERS, ndr_and(mscount), Vec::new());
    }

    /// `MACH_NOTIFY_PORT_DESTROYED`, carrying `port`'s receive right. If it
    /// cannot be delivered (dead or circular), the port really dies.
    pub(super) fn notify_port_destroyed(&mut self, notify: ObjId, port: ObjId) {
        if let Some(p) = self.ports.get_mut(&port) {
            p.clear_receiver();
        }
        self.leave_set(port);
        let mut body = 1u32.to_ne_bytes().to_vec();
        let offset = HEADER_SIZE + body.len();
        body.extend(0u32.to_ne_bytes());
        body.extend(0u32.to_ne_bytes());
        body.extend([0, 0, MACH_MSG_TYPE_MOVE_RECEIVE as u8, 0]);
        let right = Carried {
            target: Target::Port(port),
            kind: Kind::Receive,
        };
        self.notify(
            notify,
            MACH_NOTIFY_PORT_DESTROYED,
            body,
            vec![KDesc::Port { offset, right }],
        );
    }

    // ------------------------------------------------------------ requests

    /// Registers (or, with no `notify`, cancels) a dead-name request on
    /// `name`. Returns the previous request's right.
    fn request_dead_name(
        &mut self,
        sid: SpaceId,
        name: Name,
        sync: mach_port_mscount_t,
        notify: Option<ObjId>,
    ) -> Result<Option<ObjId>, kern_return_t> {
        if !name_valid(name) {
            return Err(KERN_INVALID_ARGUMENT);
        }
        if is_kernel_name(name) {
            // The reserved names never die; the loopback keeps no requests on them.
            return Err(KERN_INVALID_RIGHT);
        }
        let space = self.space_mut(sid).ok_or(KERN_INVALID_ARGUMENT)?;
        let entry = space.entry_mut(name).ok_or(KERN_INVALID_NAME)?;
        if notify.is_none() && entry.dead_name_request.is_none() {
            return Ok(None);
        }
        match (entry.right, notify) {
            (Right::Port { .. } | Right::SendOnce { .. }, _) => {
                Ok(std::mem::replace(&mut entry.dead_name_request, notify))
            }
            // Already dead: with `sync` the notification fires at once, and
            // carries one more user reference of the dead name.
            (Right::DeadName { urefs }, Some(notify)) if sync != 0 => {
                entry.right = Right::DeadName {
                    urefs: (urefs + 1).min(MACH_PORT_UREFS_MAX),
                };
                self.notify_dead_name(notify, name);
                Ok(None)
            }
            (Right::DeadName { .. }, _) => Err(KERN_INVALID_ARGUMENT),
            (Right::PortSet { .. }, _) => Err(KERN_INVALID_RIGHT),
        }
    }

    /// Registers a no-senders request on the receive right `name`. With no
    /// send rights and a make-send count of at least `sync`, fires at once.
    fn request_no_senders(
        &mut self,
        sid: SpaceId,
        name: Name,
        sync: mach_port_mscount_t,
        notify: Option<ObjId>,
    ) -> Result<Option<ObjId>, kern_return_t> {
        let port = self.receive_port(sid, name)?;
        let Some(p) = self.ports.get_mut(&port) else {
            return Err(KERN_INVALID_RIGHT);
        };
        let previous = p.no_senders_request.take();
        match notify {
            Some(notify) if p.srights == 0 && sync <= p.mscount => {
                let mscount = p.mscount;
                self.notify_no_senders(notify, mscount);
            }
            _ => p.no_senders_request = notify,
        }
        Ok(previous)
    }

    /// Registers a port-destroyed request on the receive right `name`.
    fn request_port_destroyed(
        &mut self,
        sid: SpaceId,
        name: Name,
        sync: mach_port_mscount_t,
        notify: Option<ObjId>,
    ) -> Result<Option<ObjId>, kern_return_t> {
        if sync != 0 {
            return Err(KERN_INVALID_VALUE);
        }
        let port = self.receive_port(sid, name)?;
        let p = self.ports.get_mut(&port).ok_or(KERN_INVALID_RIGHT)?;
        Ok(std::mem::replace(&mut p.destroyed_request, notify))
    }

    /// The request half of `mach_port_request_notification`, with the
    /// notify right already taken.
    fn request_notification(
        &mut self,
        sid: SpaceId,
        name: Name,
        msgid: mach_msg_id_t,
        sync: mach_port_mscount_t,
        notify: Option<ObjId>,
    ) -> Result<Option<ObjId>, kern_return_t> {
        match msgid {
            MACH_NOTIFY_DEAD_NAME => self.request_dead_name(sid, name, sync, notify),
            MACH_NOTIFY_NO_SENDERS => self.request_no_senders(sid, name, sync, notify),
            MACH_NOTIFY_PORT_DESTROYED => self.request_port_destroyed(sid, name, sync, notify),
            MACH_NOTIFY_SEND_POSSIBLE => Err(KERN_NOT_SUPPORTED),
            _ => Err(KERN_INVALID_VALUE),
        }
    }
}

/// `mach_port_request_notification`: registers `notify`, a send-once right
/// taken from the caller's space (`notifyPoly` is
/// `MACH_MSG_TYPE_MAKE_SEND_ONCE` or `MACH_MSG_TYPE_MOVE_SEND_ONCE`), to
/// receive notification `msgid` about `name` in `task`'s space, and returns
/// the right registered before (or `MACH_PORT_NULL`) in `*previous` as a
/// send-once right in the caller's space. A null `notify` cancels.
///
/// - `MACH_NOTIFY_DEAD_NAME` on a send, send-once or receive right: fires
///   when the port dies; the name becomes a dead name with one extra user
///   reference, which the notification carries. Deleting the name first
///   sends `MACH_NOTIFY_PORT_DELETED` instead. On a dead name with
///   `sync != 0` the notification fires at once; otherwise a dead name gives
///   `KERN_INVALID_ARGUMENT`.
/// - `MACH_NOTIFY_NO_SENDERS` on a receive right: fires when the port's last
///   send right goes away, with the make-send count; at once if there are no
///   send rights and the make-send count is at least `sync`.
/// - `MACH_NOTIFY_PORT_DESTROYED` on a receive right (`sync` must be 0):
///   when the receive right is destroyed, it is sent in the notification
///   instead, queued messages and all.
///
/// `MACH_NOTIFY_SEND_POSSIBLE` is not implemented (`KERN_NOT_SUPPORTED`).
/// As with XNU's MIG server, a failed request destroys the notify right it
/// took, so `notify` receives a `MACH_NOTIFY_SEND_ONCE`.
///
/// # Safety
/// `previous` must be valid for writing a `mach_port_t`.
pub unsafe extern "C" fn mach_port_request_notification(
    task: ipc_space_t,
    name: mach_port_name_t,
    msgid: mach_msg_id_t,
    sync: mach_port_mscount_t,
    notify: mach_port_t,
    notifyPoly: mach_msg_type_name_t,
    previous: *mut mach_port_t,
) -> kern_return_t {
    if previous.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    if notify != MACH_PORT_NULL
        && notifyPoly != MACH_MSG_TYPE_MAKE_SEND_ONCE
        && notifyPoly != MACH_MSG_TYPE_MOVE_SEND_ONCE
    {
        return MIG_TYPE_ERROR;
    }
    let result = kernel::with(|k| {
        let sid = k.task_space(task)?;
        // `notify` and `previous` travel in the MIG messages: they are
        // rights of the caller, whichever task `name` belongs to.
        let caller = current::current();
        let right = if notify == MACH_PORT_NULL {
            None
        } else {
            k.check_copyin(caller, &mut Ledger::default(), notify, notifyPoly)
                .map_err(|_| MACH_SEND_INVALID_RIGHT)?;
            Some(k.copyin(caller, notify, notifyPoly))
        };
        let port = match right.map(|r| r.target) {
            Some(Target::Port(port)) => Some(port),
            _ => None,
        };
        match k.request_notification(sid, name, msgid, sync, port) {
            Ok(previous) => Ok(previous.map_or(MACH_PORT_NULL, |port| {
                let kind = Kind::SendOnce;
                k.copyout(
                    caller,
                    Carried {
                        target: Target::Port(port),
                        kind,
                    },
                )
            })),
            Err(e) => {
                if let Some(right) = right {
                    k.release(right);
                }
                Err(e)
            }
        }
    });
    match result {
        Ok(name) => {
            // SAFETY: non-null and writable per the caller.
            unsafe { previous.write_unaligned(name) };
            KERN_SUCCESS
        }
        Err(e) => e,
    }
}
