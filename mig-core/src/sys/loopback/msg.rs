//! `mach_msg`: copying a message in from the sender (validating it and taking
//! its rights), queueing it, and copying it out to the receiver (naming its
//! rights in the space, rewriting header and descriptors, adding a trailer).
//!
//! Every right in the message is checked before any is taken. A send refused for its
//! header or its format leaves the sender's rights and memory untouched, as XNU's does;
//! one refused for a right in its body (`MACH_SEND_INVALID_RIGHT`) consumes what XNU's
//! `ipc_kmsg_copyin_body` had taken before the failing right (see
//! [`Outgoing::consume_until`]). A send that times out leaves the message untouched,
//! unless the thread asked for XNU's pseudo-receive ([`loopback_pseudo_receive_timeouts`]).

use std::ptr;
use std::sync::MutexGuard;
use std::time::{Duration, Instant};

use super::current;
use super::ids::{Name, ObjId, SpaceId, TASK_SELF_NAME, name_valid};
use super::kern_return::KERN_SUCCESS;
use super::kernel::{self, Kernel, Source};
use super::mach_port::{mach_port_deallocate, mach_port_extract_right, mach_port_mod_refs};
use super::port::{Carried, KDesc, Kind, Kmsg, Target};
use super::region;
use super::right::Ledger;
use super::trailer::{self, REQUESTED_TRAILER_SIZE, Tokens};
use super::types::{
    MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_PORTS_DESCRIPTOR, MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
    MACH_MSG_PHYSICAL_COPY, MACH_MSG_PORT_DESCRIPTOR, MACH_MSG_SUCCESS, MACH_MSG_TIMEOUT_NONE,
    MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE,
    MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE,
    MACH_MSG_TYPE_PORT_NONE, MACH_MSG_VIRTUAL_COPY, MACH_MSG_VM_SPACE, MACH_MSGH_BITS_COMPLEX,
    MACH_MSGH_BITS_USER, MACH_MSGH_BITS_VOUCHER_MASK, MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE,
    MACH_RCV_BODY_ERROR, MACH_RCV_INVALID_DATA, MACH_RCV_INVALID_NAME, MACH_RCV_INVALID_TRAILER,
    MACH_RCV_LARGE, MACH_RCV_LARGE_IDENTITY, MACH_RCV_MSG, MACH_RCV_PORT_CHANGED, MACH_RCV_PORT_DIED,
    MACH_RCV_TIMED_OUT, MACH_RCV_TIMEOUT, MACH_RCV_TOO_LARGE, MACH_RCV_VOUCHER, MACH_SEND_INTERRUPTED,
    MACH_SEND_INVALID_DATA, MACH_SEND_INVALID_DEST, MACH_SEND_INVALID_HEADER, MACH_SEND_INVALID_MEMORY,
    MACH_SEND_INVALID_REPLY, MACH_SEND_INVALID_RIGHT, MACH_SEND_INVALID_TYPE, MACH_SEND_INVALID_VOUCHER,
    MACH_SEND_MSG, MACH_SEND_MSG_TOO_SMALL, MACH_SEND_TIMED_OUT, MACH_SEND_TIMEOUT, MACH_SEND_TOO_LARGE,
    MACH_SEND_TRAILER, mach_msg_header_t, mach_msg_option_t, mach_msg_return_t, mach_msg_size_t,
    mach_msg_timeout_t, mach_msg_type_name_t, mach_port_name_t, mach_port_t,
};

const HEADER_SIZE: usize = size_of::<mach_msg_header_t>();
/// Header plus `mach_msg_body_t`.
const BASE_SIZE: usize = HEADER_SIZE + 4;
/// XNU's cap on an inline message body.
const MAX_MSG_SIZE: usize = 64 << 20;
/// Bytes of a port descriptor.
const PORT_DESC_SIZE: usize = 12;
const PTR_SIZE: usize = size_of::<usize>();
/// Bytes of an OOL or OOL-ports descriptor, and where their count/size sits:
/// after the flag bytes on LP64, right after the address otherwise.
const OOL_DESC_SIZE: usize = PTR_SIZE + 8;
const OOL_COUNT_AT: usize = if PTR_SIZE == 8 { 12 } else { 4 };
/// Byte offsets of the bitfield bytes shared by every descriptor layout.
const DEALLOC_AT: usize = 8;
const COPY_AT: usize = 9;
const DISPOSITION_AT: usize = 10;
const TYPE_AT: usize = 11;

fn get_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_ne_bytes)
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    if let Some(slot) = bytes.get_mut(at..at + 4) {
        slot.copy_from_slice(&value.to_ne_bytes());
    }
}

fn get_ptr(bytes: &[u8], at: usize) -> usize {
    bytes
        .get(at..at + PTR_SIZE)
        .and_then(|s| s.try_into().ok())
        .map_or(0, usize::from_ne_bytes)
}

fn put_ptr(bytes: &mut [u8], at: usize, value: usize) {
    if let Some(slot) = bytes.get_mut(at..at + PTR_SIZE) {
        slot.copy_from_slice(&value.to_ne_bytes());
    }
}

fn put_u8(bytes: &mut [u8], at: usize, value: u8) {
    if let Some(slot) = bytes.get_mut(at) {
        *slot = value;
    }
}

/// Whether a header disposition may name the destination or reply right.
fn is_send_disposition(disposition: mach_msg_type_name_t) -> bool {
    matches!(
        disposition,
        MACH_MSG_TYPE_MOVE_SEND
            | MACH_MSG_TYPE_MOVE_SEND_ONCE
            | MACH_MSG_TYPE_COPY_SEND
            | MACH_MSG_TYPE_MAKE_SEND
            | MACH_MSG_TYPE_MAKE_SEND_ONCE
    )
}

/// A descriptor as read from the sender, before its rights are taken.
enum OutDesc {
    Port {
        offset: usize,
        name: Name,
        disposition: mach_msg_type_name_t,
    },
    Ool {
        offset: usize,
        data: Vec<u8>,
        /// Sender region to deallocate once the message is sent.
        release: Option<(usize, usize)>,
    },
    OolPorts {
        offset: usize,
        names: Vec<Name>,
        disposition: mach_msg_type_name_t,
        release: Option<(usize, usize)>,
    },
}

/// A message read from the sender's buffer, not yet bound to rights.
struct Outgoing {
    bytes: Vec<u8>,
    dest: (Name, mach_msg_type_name_t),
    reply: (Name, mach_msg_type_name_t),
    /// The body, or the error it has: reported only after header checks.
    body: Result<Vec<OutDesc>, mach_msg_return_t>,
}

/// Why a message cannot be sent.
struct Refusal {
    code: mach_msg_return_t,
    /// For a right in the body that cannot be copied in: the descriptor and (in an
    /// out-of-line ports descriptor) the name where XNU's copyin stopped.
    body_at: Option<(usize, usize)>,
}

thread_local! {
    /// This thread's choice for sends that time out (see
    /// [`loopback_pseudo_receive_timeouts`]).
    static PSEUDO_RECEIVE: std::cell::Cell<Option<mach_msg_return_t>> = const { std::cell::Cell::new(None) };
}

/// A test switch: with `Some(bits)`, this thread's sends that time out hand the
/// message back as XNU's `mach_msg_receive_pseudo` does (`osfmk/ipc/mach_msg.c`): its
/// rights renamed into the sender's space with their received dispositions, its
/// out-of-line memory in fresh regions, written back over the sender's buffer; and
/// `bits` is or-ed into `MACH_SEND_TIMED_OUT`, as XNU ors in what the pseudo-receive
/// returned (`MACH_MSG_IPC_SPACE`, `MACH_MSG_VM_SPACE`, ... when the sender's space ran
/// short; 0 when it did not). `None`, the default, leaves a timed-out message untouched.
pub fn loopback_pseudo_receive_timeouts(bits: Option<mach_msg_return_t>) {
    PSEUDO_RECEIVE.with(|mode| mode.set(bits));
}

impl Outgoing {
    /// Reads and checks the message format (not the rights).
    ///
    /// # Safety
    /// `msg` must be readable for `send_size` bytes, and out-of-line
    /// descriptors must point at readable memory of the stated size.
    unsafe fn read(
        msg: *const mach_msg_header_t,
        send_size: mach_msg_size_t,
    ) -> Result<Outgoing, mach_msg_return_t> {
        let size = send_size as usize;
        if size < HEADER_SIZE || !size.is_multiple_of(4) {
            return Err(MACH_SEND_MSG_TOO_SMALL);
        }
        if size > MAX_MSG_SIZE {
            return Err(MACH_SEND_TOO_LARGE);
        }
        if msg.is_null() {
            return Err(MACH_SEND_INVALID_DATA);
        }
        // SAFETY: the caller guarantees `msg` is readable for `send_size` bytes.
        let mut bytes = unsafe { std::slice::from_raw_parts(msg.cast::<u8>(), size) }.to_vec();
        let bits = get_u32(&bytes, 0) & MACH_MSGH_BITS_USER;
        put_u32(&mut bytes, 0, bits);
        put_u32(&mut bytes, 4, send_size);
        let (dest_type, reply_type, voucher_type) = (bits & 0x1f, (bits >> 8) & 0x1f, (bits >> 16) & 0x1f);
        let (dest, reply, voucher) = (get_u32(&bytes, 8), get_u32(&bytes, 12), get_u32(&bytes, 16));
        if !is_send_disposition(dest_type) {
            return Err(MACH_SEND_INVALID_HEADER);
        }
        let reply_ok = if reply_type == 0 {
            reply == MACH_PORT_NULL
        } else {
            is_send_disposition(reply_type)
        };
        if !reply_ok {
            return Err(MACH_SEND_INVALID_HEADER);
        }
        // As `ipc_kmsg_copyin_header_validate` and `ipc_kmsg_copyin_header_rights`
        // (osfmk/ipc/ipc_kmsg.c): a voucher disposition other than `MOVE_SEND` or
        // `COPY_SEND`, a dead voucher name, or a name that is not a send right to a
        // voucher is `MACH_SEND_INVALID_VOUCHER`, nothing taken. The loopback has no
        // vouchers, so only the null name passes. With no voucher disposition the field
        // is not a name at all: it travels to the receiver as the sender wrote it.
        if voucher_type != 0 {
            if voucher_type != MACH_MSG_TYPE_MOVE_SEND && voucher_type != MACH_MSG_TYPE_COPY_SEND {
                return Err(MACH_SEND_INVALID_VOUCHER);
            }
            if voucher != MACH_PORT_NULL {
                return Err(MACH_SEND_INVALID_VOUCHER);
            }
        }
        let body = if bits & MACH_MSGH_BITS_COMPLEX != 0 {
            // SAFETY: forwarded from the caller.
            unsafe { read_descriptors(&bytes) }
        } else {
            Ok(Vec::new())
        };
        Ok(Outgoing {
            bytes,
            dest: (dest, dest_type),
            reply: (reply, reply_type),
            body,
        })
    }

    /// Checks every right the message would take from `sid`; returns the
    /// destination port.
    fn check(&self, k: &Kernel, sid: SpaceId) -> Result<ObjId, Refusal> {
        let early = |code| Refusal { code, body_at: None };
        let mut ledger = Ledger::default();
        let dest = match k.check_copyin(sid, &mut ledger, self.dest.0, self.dest.1) {
            Ok(Target::Port(port)) => port,
            _ => return Err(early(MACH_SEND_INVALID_DEST)),
        };
        if self.reply.1 != 0 {
            k.check_copyin(sid, &mut ledger, self.reply.0, self.reply.1)
                .map_err(|_| early(MACH_SEND_INVALID_REPLY))?;
        }
        for (index, desc) in self.body.as_ref().map_err(|e| early(*e))?.iter().enumerate() {
            let (names, disposition) = match desc {
                OutDesc::Port {
                    name, disposition, ..
                } => (std::slice::from_ref(name), *disposition),
                OutDesc::OolPorts {
                    names, disposition, ..
                } => (names.as_slice(), *disposition),
                OutDesc::Ool { .. } => continue,
            };
            // As `ipc_kmsg_copyin_port_descriptor` and
            // `ipc_kmsg_copyin_ool_ports_descriptor`: null and dead names pass
            // through whatever the disposition; a valid name with a disposition
            // that is not one fails its copyin.
            for (element, name) in names.iter().enumerate().filter(|(_, name)| name_valid(**name)) {
                k.check_copyin(sid, &mut ledger, *name, disposition)
                    .map_err(|_| Refusal {
                        code: MACH_SEND_INVALID_RIGHT,
                        body_at: Some((index, element)),
                    })?;
            }
        }
        Ok(dest)
    }

    /// What XNU leaves after a right in the body failed to copy in
    /// (`ipc_kmsg_copyin_body` in `osfmk/ipc/ipc_kmsg.c`): the header's rights and every
    /// descriptor before the failing one `(index, element)` were taken, and are destroyed
    /// (`ipc_kmsg_clean_header`, `ipc_kmsg_clean_descriptors`; a region the sender gave
    /// away is gone); in a failing out-of-line ports descriptor, the names before the
    /// failing one were taken and are destroyed, and its region was deallocated if the
    /// sender asked (`ipc_kmsg_copyin_ool_ports_descriptor`). The failing right and
    /// everything after it stay the sender's.
    fn consume_until(self, k: &mut Kernel, sid: SpaceId, (at, upto): (usize, usize)) {
        let mut taken = vec![k.copyin(sid, self.dest.0, self.dest.1)];
        if self.reply.1 != 0 {
            taken.push(k.copyin(sid, self.reply.0, self.reply.1));
        }
        for (index, desc) in self.body.unwrap_or_default().into_iter().enumerate().take(at + 1) {
            let whole = index < at;
            match desc {
                OutDesc::Port {
                    name, disposition, ..
                } => {
                    if whole {
                        taken.push(k.copyin(sid, name, disposition));
                    }
                }
                OutDesc::Ool { release, .. } => {
                    if let Some((address, size)) = release.filter(|_| whole) {
                        region::deallocate(sid, address, size);
                    }
                }
                OutDesc::OolPorts {
                    names,
                    disposition,
                    release,
                    ..
                } => {
                    let count = if whole { names.len() } else { upto };
                    for name in names.into_iter().take(count) {
                        taken.push(k.copyin(sid, name, disposition));
                    }
                    if let Some((address, size)) = release {
                        region::deallocate(sid, address, size);
                    }
                }
            }
        }
        k.release_all(taken);
    }

    /// A send that timed out, handed back as XNU's `mach_msg_receive_pseudo` does
    /// (`ipc_kmsg_copyout_pseudo` in `osfmk/ipc/ipc_kmsg.c`): every right is taken and
    /// named again in the sender's space with its received disposition (`PORT_*`), the
    /// header keeps its remote and local order, and out-of-line memory comes back as a
    /// fresh region, `deallocate` set only for a virtual copy. A region the sender gave
    /// away comes back where it was (XNU unmapped it at copyin, and `vm_map_copyout` may
    /// well pick the same place). Returns the message as the sender's buffer now holds it.
    fn pseudo_receive(self, k: &mut Kernel, sid: SpaceId) -> Vec<u8> {
        let mut bytes = self.bytes;
        // Copy everything in first, as the send did, then out.
        let dest = k.copyin(sid, self.dest.0, self.dest.1);
        let reply = (self.reply.1 != 0).then(|| k.copyin(sid, self.reply.0, self.reply.1));
        let body: Vec<(OutDesc, Vec<Carried>)> = self
            .body
            .unwrap_or_default()
            .into_iter()
            .map(|desc| {
                let carried = match &desc {
                    OutDesc::Port {
                        name, disposition, ..
                    } => vec![k.copyin(sid, *name, *disposition)],
                    OutDesc::OolPorts {
                        names, disposition, ..
                    } => names
                        .iter()
                        .map(|&name| k.copyin(sid, name, *disposition))
                        .collect(),
                    OutDesc::Ool { .. } => Vec::new(),
                };
                (desc, carried)
            })
            .collect();
        let dest_name = k.copyout(sid, dest);
        let (reply_name, reply_type) = match reply {
            Some(right) => (k.copyout(sid, right), right.kind.msg_type()),
            None => (MACH_PORT_NULL, 0),
        };
        // The voucher field and disposition come back as the sender wrote them: with no
        // voucher right copied in there is nothing to restore (`ipc_kmsg_copyout_pseudo`).
        let kept = get_u32(&bytes, 0) & (MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS_VOUCHER_MASK);
        put_u32(&mut bytes, 0, dest.kind.msg_type() | (reply_type << 8) | kept);
        put_u32(&mut bytes, 8, dest_name);
        put_u32(&mut bytes, 12, reply_name);
        for (desc, carried) in body {
            match desc {
                OutDesc::Port { offset, .. } => {
                    let right = carried[0];
                    put_u32(&mut bytes, offset, k.copyout(sid, right));
                    put_u8(&mut bytes, offset + DISPOSITION_AT, right.kind.msg_type() as u8);
                }
                OutDesc::Ool {
                    offset,
                    data,
                    release,
                } => {
                    let virtual_copy = u32::from(bytes[offset + COPY_AT]) == MACH_MSG_VIRTUAL_COPY;
                    let address = match release {
                        Some((address, _)) => address,
                        None => region::allocate_copy_at(sid, &data, 0).unwrap_or(0),
                    };
                    put_ptr(&mut bytes, offset, address);
                    put_u8(&mut bytes, offset + DEALLOC_AT, u8::from(virtual_copy));
                }
                OutDesc::OolPorts {
                    offset,
                    disposition,
                    release,
                    ..
                } => {
                    let kind = Kind::of_disposition(disposition).unwrap_or(Kind::Send);
                    let names: Vec<u8> = carried
                        .into_iter()
                        .flat_map(|right| k.copyout(sid, right).to_ne_bytes())
                        .collect();
                    if let Some((address, size)) = release {
                        region::deallocate(sid, address, size);
                    }
                    put_ptr(
                        &mut bytes,
                        offset,
                        region::allocate_copy_at(sid, &names, 0).unwrap_or(0),
                    );
                    put_u8(&mut bytes, offset + DEALLOC_AT, 1);
                    put_u8(&mut bytes, offset + COPY_AT, MACH_MSG_VIRTUAL_COPY as u8);
                    put_u8(&mut bytes, offset + DISPOSITION_AT, kind.msg_type() as u8);
                }
            }
        }
        bytes
    }

    /// Takes the rights (already checked) from `sid` and queues the message
    /// on `dest`.
    fn commit(self, k: &mut Kernel, sid: SpaceId, dest: ObjId) {
        let dest_right = k.copyin(sid, self.dest.0, self.dest.1);
        let reply = (self.reply.1 != 0).then(|| k.copyin(sid, self.reply.0, self.reply.1));
        let mut descs = Vec::new();
        for desc in self.body.unwrap_or_default() {
            descs.push(match desc {
                OutDesc::Port {
                    offset,
                    name,
                    disposition,
                } => KDesc::Port {
                    offset,
                    right: k.copyin(sid, name, disposition),
                },
                OutDesc::Ool {
                    offset,
                    data,
                    release,
                } => {
                    if let Some((address, size)) = release {
                        region::deallocate(sid, address, size);
                    }
                    KDesc::Ool { offset, data }
                }
                OutDesc::OolPorts {
                    offset,
                    names,
                    disposition,
                    release,
                } => {
                    let kind = Kind::of_disposition(disposition).unwrap_or(Kind::Send);
                    let targets = names
                        .into_iter()
                        .map(|name| k.copyin(sid, name, disposition).target)
                        .collect();
                    if let Some((address, size)) = release {
                        region::deallocate(sid, address, size);
                    }
                    KDesc::OolPorts {
                        offset,
                        kind,
                        targets,
                    }
                }
            });
        }
        let sender = k.space(sid).map_or(Tokens::KERNEL, |s| s.tokens);
        let kmsg = Kmsg {
            bytes: self.bytes,
            dest: dest_right,
            reply,
            descs,
            stamp: 0,
            sender,
        };
        k.enqueue(dest, kmsg);
    }
}

/// Parses the descriptors of a complex message, copying out-of-line data.
///
/// # Safety
/// Out-of-line descriptors must point at readable memory of the stated size.
unsafe fn read_descriptors(bytes: &[u8]) -> Result<Vec<OutDesc>, mach_msg_return_t> {
    let size = bytes.len();
    if size < BASE_SIZE {
        return Err(MACH_SEND_MSG_TOO_SMALL);
    }
    let count = get_u32(bytes, HEADER_SIZE) as usize;
    let mut descs = Vec::with_capacity(count.min(size / PORT_DESC_SIZE));
    let mut offset = BASE_SIZE;
    for _ in 0..count {
        if offset + PORT_DESC_SIZE > size {
            return Err(MACH_SEND_MSG_TOO_SMALL);
        }
        let kind = u32::from(bytes[offset + TYPE_AT]);
        let disposition = u32::from(bytes[offset + DISPOSITION_AT]);
        match kind {
            // XNU (`ipc_kmsg_copyin_port_descriptor`) reads only the name and the
            // disposition; the pad bytes are ignored, and a disposition is only
            // checked by copying in a valid name (see `Outgoing::check`).
            MACH_MSG_PORT_DESCRIPTOR => {
                descs.push(OutDesc::Port {
                    offset,
                    name: get_u32(bytes, offset),
                    disposition,
                });
                offset += PORT_DESC_SIZE;
            }
            MACH_MSG_OOL_DESCRIPTOR | MACH_MSG_OOL_VOLATILE_DESCRIPTOR | MACH_MSG_OOL_PORTS_DESCRIPTOR => {
                if offset + OOL_DESC_SIZE > size {
                    return Err(MACH_SEND_MSG_TOO_SMALL);
                }
                let address = get_ptr(bytes, offset);
                let count = get_u32(bytes, offset + OOL_COUNT_AT) as usize;
                let ports = kind == MACH_MSG_OOL_PORTS_DESCRIPTOR;
                // Only memory descriptors have their `copy` checked
                // (`ipc_kmsg_inflate_ool_descriptor`); XNU's port-array paths
                // (`ipc_kmsg_inflate_ool_ports_descriptor`,
                // `ipc_kmsg_copyin_ool_ports_descriptor`) never read it, and
                // Apple's MIG leaves it unset. A port array's disposition, like a
                // port descriptor's, is checked per valid name.
                let copy = u32::from(bytes[offset + COPY_AT]);
                if !ports && copy != MACH_MSG_PHYSICAL_COPY && copy != MACH_MSG_VIRTUAL_COPY {
                    return Err(MACH_SEND_INVALID_TYPE);
                }
                let len = if ports {
                    count
                        .checked_mul(size_of::<mach_port_t>())
                        .ok_or(MACH_SEND_TOO_LARGE)?
                } else {
                    count
                };
                if len > 0 && address == 0 {
                    return Err(MACH_SEND_INVALID_MEMORY);
                }
                let data = if len == 0 {
                    Vec::new()
                } else {
                    // SAFETY: the caller guarantees the descriptor's memory is
                    // readable for its stated size; `address` is non-null.
                    unsafe { std::slice::from_raw_parts(address as *const u8, len) }.to_vec()
                };
                let release = (bytes[offset + DEALLOC_AT] != 0).then_some((address, len));
                descs.push(if ports {
                    OutDesc::OolPorts {
                        offset,
                        names: data.chunks_exact(4).map(|c| get_u32(c, 0)).collect(),
                        disposition,
                        release,
                    }
                } else {
                    OutDesc::Ool {
                        offset,
                        data,
                        release,
                    }
                });
                offset += OOL_DESC_SIZE;
            }
            // Guarded port descriptors (MACH_MSG_GUARDED_PORT_DESCRIPTOR)
            // are not supported; anything else is not a descriptor type.
            _ => return Err(MACH_SEND_INVALID_TYPE),
        }
    }
    Ok(descs)
}

fn deadline(
    option: mach_msg_option_t,
    flag: mach_msg_option_t,
    timeout: mach_msg_timeout_t,
) -> Option<Instant> {
    (option & flag != 0).then(|| Instant::now() + Duration::from_millis(timeout.into()))
}

fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// The send half of `mach_msg`.
///
/// # Safety
/// As `mach_msg`.
unsafe fn send(
    msg: *mut mach_msg_header_t,
    option: mach_msg_option_t,
    send_size: mach_msg_size_t,
    timeout: mach_msg_timeout_t,
) -> mach_msg_return_t {
    // SAFETY: forwarded from the caller.
    let outgoing = match unsafe { Outgoing::read(msg, send_size) } {
        Ok(outgoing) => outgoing,
        Err(e) => return e,
    };
    let deadline = deadline(option, MACH_SEND_TIMEOUT, timeout);
    // Messages sent through send-once rights (replies) ignore the queue limit.
    let bypass = Kind::of_disposition(outgoing.dest.1) == Some(Kind::SendOnce);
    let sid = current::current();
    let mut k = kernel::lock();
    loop {
        // Re-checked after every wait: the destination may have died, or
        // another thread may have taken rights this message needs.
        let dest = match outgoing.check(&k, sid) {
            Ok(dest) => dest,
            Err(Refusal {
                code,
                body_at: Some(at),
            }) => {
                outgoing.consume_until(&mut k, sid, at);
                drop(k);
                kernel::wake_all();
                return code;
            }
            Err(Refusal { code, .. }) => return code,
        };
        let full = k.ports.get(&dest).is_some_and(|p| p.is_full());
        if bypass || !full {
            outgoing.commit(&mut k, sid, dest);
            drop(k);
            kernel::wake_all();
            return MACH_MSG_SUCCESS;
        }
        if expired(deadline) {
            let Some(bits) = PSEUDO_RECEIVE.with(std::cell::Cell::get) else {
                return MACH_SEND_TIMED_OUT;
            };
            let bytes = outgoing.pseudo_receive(&mut k, sid);
            drop(k);
            kernel::wake_all();
            // SAFETY: `bytes` is as long as the message sent (`send_size` bytes), which
            // the caller guarantees `msg` holds; a pseudo-received message is written
            // back over it, as XNU's `ipc_kmsg_put_to_user` does.
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), msg.cast::<u8>(), bytes.len()) };
            return MACH_SEND_TIMED_OUT | bits;
        }
        k = kernel::wait(k, deadline);
    }
}

/// Whether the receive source is still what `name` denotes in `sid`.
fn check_source(k: &Kernel, sid: SpaceId, name: Name, source: Source) -> Result<(), mach_msg_return_t> {
    let alive = match source {
        Source::Port(port) => k.ports.contains_key(&port),
        Source::Set(set) => k.sets.contains_key(&set),
    };
    if !alive {
        Err(MACH_RCV_PORT_DIED)
    } else if k.receive_source(sid, name) != Some(source) {
        // The receive right moved away (sent in a message) while we waited.
        Err(MACH_RCV_PORT_CHANGED)
    } else {
        Ok(())
    }
}

/// The receive half of `mach_msg`.
///
/// # Safety
/// As `mach_msg`.
unsafe fn receive(
    msg: *mut mach_msg_header_t,
    option: mach_msg_option_t,
    rcv_size: mach_msg_size_t,
    rcv_name: mach_port_name_t,
    timeout: mach_msg_timeout_t,
) -> mach_msg_return_t {
    if msg.is_null() {
        return MACH_RCV_INVALID_DATA;
    }
    if !trailer::validate(option) {
        return MACH_RCV_INVALID_TRAILER;
    }
    let deadline = deadline(option, MACH_RCV_TIMEOUT, timeout);
    let sid = current::current();
    let mut k = kernel::lock();
    let Some(source) = k.receive_source(sid, rcv_name) else {
        return MACH_RCV_INVALID_NAME;
    };
    loop {
        if let Err(e) = check_source(&k, sid, rcv_name, source) {
            return e;
        }
        if let Some(port) = k.ready_port(source) {
            // SAFETY: forwarded from the caller.
            return unsafe { deliver(k, sid, port, msg, option, rcv_size) };
        }
        if expired(deadline) {
            return MACH_RCV_TIMED_OUT;
        }
        k = kernel::wait(k, deadline);
    }
}

/// Dequeues the head message of `port` into the receiver's buffer.
///
/// # Safety
/// `msg` must be writable for `rcv_size` bytes.
unsafe fn deliver(
    mut k: MutexGuard<'static, Kernel>,
    sid: SpaceId,
    port: ObjId,
    msg: *mut mach_msg_header_t,
    option: mach_msg_option_t,
    rcv_size: mach_msg_size_t,
) -> mach_msg_return_t {
    let local = k.receive_name(port).unwrap_or(MACH_PORT_NULL);
    let Some(p) = k.ports.get_mut(&port) else {
        return MACH_RCV_PORT_DIED;
    };
    let Some(size) = p.queue.front().map(|k| k.bytes.len()) else {
        return MACH_RCV_TIMED_OUT;
    };
    let needed = size + REQUESTED_TRAILER_SIZE(option) as usize;
    let large = option & MACH_RCV_LARGE != 0;
    if needed > rcv_size as usize && large {
        // Leave the message queued and tell the caller how much room it needs.
        drop(k);
        let needed = u32::try_from(needed).unwrap_or(u32::MAX);
        let out = msg.cast::<u8>();
        if rcv_size >= 8 {
            // SAFETY: `msg` is writable for `rcv_size` >= 8 bytes; msgh_size
            // occupies bytes 4..8.
            unsafe { out.add(4).cast::<u32>().write_unaligned(needed) };
        }
        if option & MACH_RCV_LARGE_IDENTITY != 0 && rcv_size >= 16 {
            // SAFETY: as above; msgh_local_port occupies bytes 12..16.
            unsafe { out.add(12).cast::<u32>().write_unaligned(local) };
        }
        return MACH_RCV_TOO_LARGE;
    }
    let seqno = p.seqno;
    p.seqno = p.seqno.wrapping_add(1);
    let context = p.context;
    let Some(kmsg) = p.queue.pop_front() else {
        return MACH_RCV_TIMED_OUT;
    };
    if needed > rcv_size as usize {
        // Received and thrown away: the destination right is used up, every
        // other right and region the message carried is destroyed.
        let dest = kmsg.dest;
        k.release_all(kmsg.into_rights().into_iter().skip(1).collect());
        consume_dest(&mut k, dest);
        drop(k);
        kernel::wake_all();
        return MACH_RCV_TOO_LARGE;
    }
    let sender = kmsg.sender;
    let (mut bytes, status) = copyout(&mut k, sid, kmsg, local, option);
    drop(k);
    kernel::wake_all();
    bytes.extend(trailer::build(option, seqno, context, sender));
    // SAFETY: `bytes.len()` == `needed` <= `rcv_size`, for which the caller
    // guarantees `msg` is writable; `bytes` is a separate allocation.
    unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), msg.cast::<u8>(), bytes.len()) };
    status
}

/// Uses up the right a received message was sent through: a send right is
/// released (which may fire no-senders), a send-once right is simply gone.
fn consume_dest(k: &mut Kernel, dest: Carried) {
    if let Carried {
        target: Target::Port(port),
        kind: Kind::Send,
    } = dest
    {
        k.send_dropped(port);
    }
}

/// Names a dequeued message's rights in space `sid` and rewrites its header and
/// descriptors as the receiver sees them. Returns the bytes and the receive
/// status (`MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE` if out-of-line memory
/// could not be allocated).
fn copyout(
    k: &mut Kernel,
    sid: SpaceId,
    kmsg: Kmsg,
    local: Name,
    option: mach_msg_option_t,
) -> (Vec<u8>, mach_msg_return_t) {
    let Kmsg {
        mut bytes,
        dest,
        reply,
        descs,
        ..
    } = kmsg;
    let (reply_name, reply_type) = match reply {
        Some(right) => (k.copyout(sid, right), right.kind.msg_type()),
        None => (MACH_PORT_NULL, 0),
    };
    consume_dest(k, dest);
    let complex = get_u32(&bytes, 0) & MACH_MSGH_BITS_COMPLEX;
    let size = bytes.len() as u32;
    // The voucher as `ipc_kmsg_copyout_header` hands it over: a sender's voucher
    // disposition (here always with a null name) shows as `MOVE_SEND` and a null name to
    // a receiver asking with `MACH_RCV_VOUCHER`, and as nothing to others; without one,
    // the field is the sender's, untouched.
    let (voucher_bits, voucher_field) = match get_u32(&bytes, 0) & MACH_MSGH_BITS_VOUCHER_MASK {
        0 => (0, get_u32(&bytes, 16)),
        _ if option & MACH_RCV_VOUCHER != 0 => (MACH_MSG_TYPE_MOVE_SEND << 16, MACH_PORT_NULL),
        _ => (0, MACH_PORT_NULL),
    };
    put_u32(
        &mut bytes,
        0,
        reply_type | (dest.kind.msg_type() << 8) | voucher_bits | complex,
    );
    put_u32(&mut bytes, 4, size);
    put_u32(&mut bytes, 8, reply_name);
    put_u32(&mut bytes, 12, local);
    put_u32(&mut bytes, 16, voucher_field);
    let mut status = MACH_MSG_SUCCESS;
    for desc in descs {
        match desc {
            KDesc::Port { offset, right } => {
                let seen = received_disposition(&bytes, offset, right.kind);
                let name = k.copyout(sid, right);
                put_u32(&mut bytes, offset, name);
                put_u32(&mut bytes, offset + 4, 0);
                put_u8(&mut bytes, offset + 8, 0);
                put_u8(&mut bytes, offset + 9, 0);
                put_u8(&mut bytes, offset + DISPOSITION_AT, seen);
            }
            KDesc::Ool { offset, data } => {
                // The sender's bytes still hold its address and `copy` option.
                let sent_at = get_ptr(&bytes, offset);
                let virtual_copy = u32::from(bytes[offset + COPY_AT]) == MACH_MSG_VIRTUAL_COPY;
                let at = region::placement_offset(sent_at);
                let address = region::allocate_copy_at(sid, &data, at).unwrap_or_else(|| {
                    status = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
                    0
                });
                put_ptr(&mut bytes, offset, address);
                // `ipc_kmsg_deflate_memory_descriptor`: the receiver's region is
                // marked deallocate-on-destroy only for a virtual copy, and
                // `mach_msg_destroy` frees only regions so marked.
                put_u8(&mut bytes, offset + DEALLOC_AT, u8::from(virtual_copy));
                put_u8(&mut bytes, offset + DISPOSITION_AT, 0);
            }
            KDesc::OolPorts {
                offset,
                kind,
                targets,
            } => {
                let seen = received_disposition(&bytes, offset, kind);
                let len = targets.len() * size_of::<mach_port_t>();
                let region = if len == 0 {
                    Some(0)
                } else {
                    region::allocate(sid, len)
                };
                let address = match region {
                    Some(address) => {
                        let names: Vec<u8> = targets
                            .into_iter()
                            .flat_map(|target| k.copyout(sid, Carried { target, kind }).to_ne_bytes())
                            .collect();
                        if address != 0 {
                            // SAFETY: `address` is a fresh region of at least
                            // `len` == `names.len()` bytes.
                            unsafe {
                                ptr::copy_nonoverlapping(names.as_ptr(), address as *mut u8, names.len())
                            };
                        }
                        address
                    }
                    None => {
                        status = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
                        k.release_all(
                            targets
                                .into_iter()
                                .map(|target| Carried { target, kind })
                                .collect(),
                        );
                        0
                    }
                };
                put_ptr(&mut bytes, offset, address);
                // `ipc_kmsg_deflate_port_array_descriptor`: always a fresh region
                // the receiver owns, deallocate set, virtual copy.
                put_u8(&mut bytes, offset + DEALLOC_AT, 1);
                put_u8(&mut bytes, offset + COPY_AT, MACH_MSG_VIRTUAL_COPY as u8);
                put_u8(&mut bytes, offset + DISPOSITION_AT, seen);
            }
        }
    }
    (bytes, status)
}

/// The disposition a receiver sees for rights sent with the disposition in
/// the sender's descriptor at `offset`: `ipc_object_copyin_type`'s, which is
/// `MACH_MSG_TYPE_PORT_NONE` for a disposition that is not one (only null and
/// dead names get that far).
fn received_disposition(bytes: &[u8], offset: usize, kind: Kind) -> u8 {
    let sent = bytes.get(offset + DISPOSITION_AT).copied().unwrap_or(0);
    if Kind::of_disposition(u32::from(sent)).is_some() {
        kind.msg_type() as u8
    } else {
        MACH_MSG_TYPE_PORT_NONE as u8
    }
}

/// `mach_msg`: send a message, receive one, or both (send first; a failed
/// send returns its error without receiving).
///
/// Supported options: `MACH_SEND_MSG`, `MACH_RCV_MSG`, `MACH_SEND_TIMEOUT`,
/// `MACH_RCV_TIMEOUT`, `MACH_RCV_LARGE`, `MACH_RCV_LARGE_IDENTITY` and the
/// trailer requests (`MACH_RCV_TRAILER_ELEMENTS`); others are ignored, as is
/// `notify`.
///
/// # Safety
/// `msg` must be readable for `send_size` bytes when sending and writable
/// for `rcv_size` bytes when receiving; out-of-line descriptors being sent
/// must point at readable memory of their stated size.
pub unsafe extern "C" fn mach_msg(
    msg: *mut mach_msg_header_t,
    option: mach_msg_option_t,
    send_size: mach_msg_size_t,
    rcv_size: mach_msg_size_t,
    rcv_name: mach_port_name_t,
    timeout: mach_msg_timeout_t,
    notify: mach_port_name_t,
) -> mach_msg_return_t {
    let _ = notify;
    if option & MACH_SEND_MSG != 0 {
        // SAFETY: forwarded from the caller.
        let sent = unsafe { send(msg, option, send_size, timeout) };
        if sent != MACH_MSG_SUCCESS {
            return sent;
        }
    }
    if option & MACH_RCV_MSG != 0 {
        // SAFETY: forwarded from the caller.
        return unsafe { receive(msg, option, rcv_size, rcv_name, timeout) };
    }
    MACH_MSG_SUCCESS
}

/// `mach_msg_send`: sends `msg`, `msgh_size` bytes long, blocking as needed.
///
/// # Safety
/// `msg` must point at a readable message of `msgh_size` bytes.
pub unsafe extern "C" fn mach_msg_send(msg: *mut mach_msg_header_t) -> mach_msg_return_t {
    if msg.is_null() {
        return MACH_SEND_INVALID_DATA;
    }
    // SAFETY: `msg` is non-null and points at a header per the caller.
    let size = unsafe { ptr::addr_of!((*msg).msgh_size).read_unaligned() };
    // SAFETY: forwarded from the caller.
    unsafe {
        mach_msg(
            msg,
            MACH_SEND_MSG,
            size,
            0,
            MACH_PORT_NULL,
            MACH_MSG_TIMEOUT_NONE,
            MACH_PORT_NULL,
        )
    }
}

/// Releases one right the way `mach_msg_destroy` does, by its disposition.
fn destroy_right(name: mach_port_name_t, disposition: mach_msg_type_name_t) {
    if !name_valid(name) {
        return;
    }
    let task = TASK_SELF_NAME;
    match disposition {
        MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE => {
            // SAFETY: takes no pointers.
            unsafe { mach_port_deallocate(task, name) };
        }
        MACH_MSG_TYPE_MOVE_RECEIVE => {
            // SAFETY: takes no pointers.
            unsafe { mach_port_mod_refs(task, name, MACH_PORT_RIGHT_RECEIVE, -1) };
        }
        MACH_MSG_TYPE_MAKE_SEND_ONCE => {
            // Make the send-once right, then destroy it: the port gets its
            // send-once notification.
            let (mut right, mut kind) = (MACH_PORT_NULL, 0);
            // SAFETY: both out-pointers are live locals.
            let kr = unsafe { mach_port_extract_right(task, name, disposition, &mut right, &mut kind) };
            if kr == KERN_SUCCESS {
                // SAFETY: takes no pointers.
                unsafe { mach_port_deallocate(task, right) };
            }
        }
        // COPY_SEND and MAKE_SEND hold no right of their own.
        _ => {}
    }
}

/// `mach_msg_destroy`: releases every right a message holds, and the
/// out-of-line regions its descriptors mark `deallocate`, as libsystem's
/// does: the remote (reply) right per its bits, and each descriptor. The
/// local port is left alone (for a received message it is the receiver's
/// own receive right). Works on received and on unsent messages. A received
/// physical copy is not marked `deallocate` (as on XNU), so it survives
/// this call and its owner must free it.
///
/// # Safety
/// `msg` must point at a message of `msgh_size` bytes whose out-of-line
/// descriptors are valid.
pub unsafe extern "C" fn mach_msg_destroy(msg: *mut mach_msg_header_t) {
    if msg.is_null() {
        return;
    }
    // SAFETY: `msg` points at a readable header per the caller.
    let header = unsafe { msg.read_unaligned() };
    destroy_right(header.msgh_remote_port, header.msgh_bits & 0x1f);
    destroy_right(header.msgh_voucher_port, (header.msgh_bits >> 16) & 0x1f);
    if header.msgh_bits & MACH_MSGH_BITS_COMPLEX == 0 {
        return;
    }
    let size = header.msgh_size as usize;
    if size < BASE_SIZE {
        return;
    }
    // SAFETY: the caller guarantees `msgh_size` readable bytes at `msg`.
    let bytes = unsafe { std::slice::from_raw_parts(msg.cast::<u8>(), size) }.to_vec();
    let count = get_u32(&bytes, HEADER_SIZE);
    let mut offset = BASE_SIZE;
    for _ in 0..count {
        if offset + PORT_DESC_SIZE > size {
            return;
        }
        let kind = u32::from(bytes[offset + TYPE_AT]);
        let disposition = u32::from(bytes[offset + DISPOSITION_AT]);
        match kind {
            MACH_MSG_PORT_DESCRIPTOR => {
                destroy_right(get_u32(&bytes, offset), disposition);
                offset += PORT_DESC_SIZE;
            }
            MACH_MSG_OOL_DESCRIPTOR | MACH_MSG_OOL_VOLATILE_DESCRIPTOR | MACH_MSG_OOL_PORTS_DESCRIPTOR => {
                if offset + OOL_DESC_SIZE > size {
                    return;
                }
                // libsystem's `mach_msg_destroy` frees a region only when the
                // descriptor says `deallocate` (a received physical copy is not
                // so marked, and stays), and skips volatile memory.
                let deallocate = bytes[offset + DEALLOC_AT] != 0 && kind != MACH_MSG_OOL_VOLATILE_DESCRIPTOR;
                let address = get_ptr(&bytes, offset);
                let count = get_u32(&bytes, offset + OOL_COUNT_AT) as usize;
                let len = if kind == MACH_MSG_OOL_PORTS_DESCRIPTOR {
                    if address != 0 {
                        for i in 0..count {
                            // SAFETY: the caller guarantees the descriptor's
                            // array of `count` names is readable.
                            let name = unsafe { (address as *const u32).add(i).read_unaligned() };
                            destroy_right(name, disposition);
                        }
                    }
                    count.saturating_mul(size_of::<mach_port_t>())
                } else {
                    count
                };
                // Only regions the loopback allocated are actually freed.
                if deallocate {
                    region::deallocate(current::current(), address, len);
                }
                offset += OOL_DESC_SIZE;
            }
            _ => return,
        }
    }
}

/// MIG's `MIG_NO_REPLY`: the demux sends nothing back.
const MIG_NO_REPLY: mach_msg_return_t = -305;

/// A MIG demux as libsystem's server loops call it: request in, reply out, `true`
/// if the id was one of its routines.
pub type MigDemuxFn =
    unsafe extern "C" fn(*mut mach_msg_header_t, *mut mach_msg_header_t) -> super::types::boolean_t;

/// An 8-byte-aligned, zeroed message buffer of at least `bytes` bytes, rounded up to
/// whole pages as libsystem's `vm_allocate`d buffers are.
fn server_buffer(bytes: usize) -> Vec<u64> {
    vec![0; bytes.max(1).next_multiple_of(region::PAGE_SIZE) / 8]
}

/// RetCode of a `mig_reply_error_t`; a complex reply counts as success (its RetCode
/// slot holds the descriptor count), as libsystem's `mach_msg_server_mig_return_code`.
fn reply_code(reply: &[u64]) -> i32 {
    let bytes = words_as_bytes(reply);
    if get_u32(bytes, 0) & MACH_MSGH_BITS_COMPLEX != 0 {
        return MACH_MSG_SUCCESS;
    }
    get_u32(bytes, 32) as i32
}

fn words_as_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: any initialized u64s are readable as bytes; same lifetime and extent.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 8) }
}

/// libsystem's `mach_msg_server_is_recoverable_send_error`: the reply was not
/// delivered and is still whole in the buffer, for the server to destroy.
fn recoverable_send_error(code: mach_msg_return_t) -> bool {
    matches!(
        code,
        MACH_SEND_INVALID_DEST | MACH_SEND_TIMED_OUT | MACH_SEND_INTERRUPTED
    )
}

/// libsystem's `mach_msg_server_consume_unsent_message`: releases an unsent reply,
/// including a moved local (reply) right, which `mach_msg_destroy` leaves alone.
///
/// # Safety
/// `msg` must hold a complete message the caller owns.
unsafe fn consume_unsent(msg: *mut mach_msg_header_t) {
    // SAFETY: the caller guarantees a header at `msg`.
    let header = unsafe { msg.read_unaligned() };
    let local = header.msgh_local_port;
    let local_type = (header.msgh_bits >> 8) & 0x1f;
    if name_valid(local) && matches!(local_type, MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE) {
        // SAFETY: takes no pointers.
        unsafe { mach_port_deallocate(TASK_SELF_NAME, local) };
        // SAFETY: as above; the field is in the header.
        unsafe { ptr::addr_of_mut!((*msg).msgh_local_port).write_unaligned(MACH_PORT_NULL) };
    }
    // SAFETY: forwarded from the caller.
    unsafe { mach_msg_destroy(msg) };
}

/// One request, as libsystem's server loops handle it once it is received: the
/// demux fills the reply; `MIG_NO_REPLY` sends nothing; any other error destroys the
/// request but not its reply right (the error reply carries it); a reply is sent
/// (with a zero send timeout to a send right, so a client that does not drain its
/// port cannot block the server), and destroyed if it could not be delivered.
///
/// # Safety
/// `demux` must be a MIG demux for requests of at most `max_size` bytes.
unsafe fn serve_request(
    demux: MigDemuxFn,
    request: &mut [u64],
    reply: &mut [u64],
    options: mach_msg_option_t,
) -> mach_msg_return_t {
    let req = request.as_mut_ptr().cast::<mach_msg_header_t>();
    let rep = reply.as_mut_ptr().cast::<mach_msg_header_t>();
    // As libsystem: the request's voucher is adopted around the demux and the reply.
    // SAFETY: the request buffer holds a received message's header.
    let adopted = unsafe { super::mig::voucher_mach_msg_adopt(req) };
    // Restored when the reply is sent (or given up), as libsystem does.
    let _revert = Revert(adopted);
    reply[..3].fill(0);
    // SAFETY: both buffers are large enough for the demux's messages (the caller's
    // `max_size`) and 8-byte aligned.
    unsafe { demux(req, rep) };
    match reply_code(reply) {
        MACH_MSG_SUCCESS => {}
        MIG_NO_REPLY => {
            // SAFETY: the reply header is in the buffer.
            unsafe { ptr::addr_of_mut!((*rep).msgh_remote_port).write(MACH_PORT_NULL) };
        }
        _ => {
            // SAFETY: the request header is in the buffer; the request is a received
            // message we own, destroyed once.
            unsafe {
                ptr::addr_of_mut!((*req).msgh_remote_port).write(MACH_PORT_NULL);
                mach_msg_destroy(req);
            }
        }
    }
    // SAFETY: the reply header is in the buffer.
    let header = unsafe { rep.read() };
    if header.msgh_remote_port == MACH_PORT_NULL {
        return MACH_MSG_SUCCESS;
    }
    let send_once = header.msgh_bits & 0x1f == MACH_MSG_TYPE_MOVE_SEND_ONCE;
    let option = if send_once {
        MACH_SEND_MSG | options
    } else {
        MACH_SEND_MSG | MACH_SEND_TIMEOUT | options
    };
    // SAFETY: the demux built a whole reply of `msgh_size` bytes in the buffer.
    let sent = unsafe {
        mach_msg(
            rep,
            option,
            header.msgh_size,
            0,
            MACH_PORT_NULL,
            MACH_MSG_TIMEOUT_NONE,
            MACH_PORT_NULL,
        )
    };
    if recoverable_send_error(sent) {
        // SAFETY: the unsent reply is ours.
        unsafe { consume_unsent(rep) };
        return MACH_MSG_SUCCESS;
    }
    sent
}

/// Bytes of a server loop's request (the message and its trailer) and reply buffers.
fn server_sizes(max_size: mach_msg_size_t, options: mach_msg_option_t) -> (usize, usize) {
    let trailer = REQUESTED_TRAILER_SIZE(options) as usize;
    let request = max_size as usize + trailer;
    let reply = max_size as usize
        + if options & MACH_SEND_TRAILER != 0 {
            trailer::MAX_TRAILER_SIZE as usize
        } else {
            0
        };
    // A `mig_reply_error_t` always fits.
    (request, reply.max(36))
}

/// Receives into `request`, at most `*size` bytes (libsystem's `request_size`: the
/// maximum request and its trailer, or the whole buffer with `MACH_RCV_LARGE`), growing
/// the buffer for `MACH_RCV_LARGE` as libsystem does.
///
/// # Safety
/// None beyond `mach_msg`'s: the buffer is ours and `*size` fits it.
unsafe fn server_receive(
    request: &mut Vec<u64>,
    size: &mut usize,
    rcv_name: mach_port_t,
    options: mach_msg_option_t,
) -> mach_msg_return_t {
    loop {
        // SAFETY: the buffer is writable for its capacity, which `*size` does not exceed.
        let received = unsafe {
            mach_msg(
                request.as_mut_ptr().cast(),
                MACH_RCV_MSG | MACH_RCV_VOUCHER | options,
                0,
                u32::try_from(*size).unwrap_or(u32::MAX),
                rcv_name,
                MACH_MSG_TIMEOUT_NONE,
                MACH_PORT_NULL,
            )
        };
        if received == MACH_RCV_TOO_LARGE && options & MACH_RCV_LARGE != 0 {
            let needed = get_u32(words_as_bytes(request), 4) as usize;
            *request = server_buffer(needed + REQUESTED_TRAILER_SIZE(options) as usize);
            *size = request.len() * 8;
            continue;
        }
        return received;
    }
}

/// Restores an adopted voucher state when dropped.
struct Revert(super::mig::voucher_mach_msg_state_t);

impl Drop for Revert {
    fn drop(&mut self) {
        // SAFETY: the state `voucher_mach_msg_adopt` returned, restored once.
        unsafe { super::mig::voucher_mach_msg_revert(self.0) };
    }
}

/// The buffers of a server loop and how much of the request buffer a receive may
/// fill, as libsystem sizes them.
fn server_buffers(max_size: mach_msg_size_t, options: mach_msg_option_t) -> (Vec<u64>, usize, Vec<u64>) {
    let (request_size, reply_size) = server_sizes(max_size, options);
    let request = server_buffer(request_size);
    let size = if options & MACH_RCV_LARGE != 0 {
        request.len() * 8
    } else {
        request_size
    };
    (request, size, server_buffer(reply_size))
}

/// libsystem's `mach_msg_server` (`libsyscall/mach/mach_msg.c`): receives requests of
/// up to `max_size` bytes on `rcv_name` (with the trailer `options` asks for), passes
/// each to `demux`, and handles its reply as MIG servers expect (see above), until a
/// receive or a send fails in a way it cannot recover from; returns that error.
/// libsystem sends each reply and receives the next request in one call; the loopback
/// does the two in turn, which no caller can tell apart.
///
/// # Safety
/// `demux` must be a MIG demux whose replies fit `max_size` bytes.
pub unsafe extern "C" fn mach_msg_server(
    demux: MigDemuxFn,
    max_size: mach_msg_size_t,
    rcv_name: mach_port_t,
    options: mach_msg_option_t,
) -> mach_msg_return_t {
    let options = options & !(MACH_SEND_MSG | MACH_RCV_MSG | super::types::MACH_RCV_VOUCHER);
    let (mut request, mut size, mut reply) = server_buffers(max_size, options);
    loop {
        // SAFETY: our own buffer, of at least `size` bytes.
        let received = unsafe { server_receive(&mut request, &mut size, rcv_name, options) };
        if received != MACH_MSG_SUCCESS {
            return received;
        }
        // SAFETY: forwarded from the caller.
        let sent = unsafe { serve_request(demux, &mut request, &mut reply, options) };
        if sent != MACH_MSG_SUCCESS {
            return sent;
        }
    }
}

/// libsystem's `mach_msg_server_once`: `mach_msg_server` for one request. Returns a
/// receive error, or the reply's send error if it is not one the loop recovers from.
///
/// # Safety
/// As `mach_msg_server`.
pub unsafe extern "C" fn mach_msg_server_once(
    demux: MigDemuxFn,
    max_size: mach_msg_size_t,
    rcv_name: mach_port_t,
    options: mach_msg_option_t,
) -> mach_msg_return_t {
    let options = options & !(MACH_SEND_MSG | MACH_RCV_MSG | super::types::MACH_RCV_VOUCHER);
    let (mut request, mut size, mut reply) = server_buffers(max_size, options);
    // SAFETY: our own buffer, of at least `size` bytes.
    let received = unsafe { server_receive(&mut request, &mut size, rcv_name, options) };
    if received != MACH_MSG_SUCCESS {
        return received;
    }
    // SAFETY: forwarded from the caller.
    unsafe { serve_request(demux, &mut request, &mut reply, options) }
}
