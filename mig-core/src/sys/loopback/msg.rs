//! `mach_msg`: copying a message in from the sender (validating it and taking
//! its rights), queueing it, and copying it out to the receiver (naming its
//! rights in the space, rewriting header and descriptors, adding a trailer).
//!
//! A send is all or nothing, with one exception: every right in the message
//! is checked before any is taken, so a failed send (including
//! `MACH_SEND_TIMED_OUT`) leaves the sender's rights and memory untouched,
//! except when a right of the body cannot be taken (`MACH_SEND_INVALID_RIGHT`):
//! XNU has taken and destroys the header's rights and the body before it
//! then, and so does the loopback (`Outgoing::discard_partial`).

use std::ptr;
use std::sync::MutexGuard;
use std::time::{Duration, Instant};

use super::kern_return::KERN_SUCCESS;
use super::kernel::{self, Kernel, Source};
use super::mach_port::{mach_port_deallocate, mach_port_extract_right, mach_port_mod_refs};
use super::port::{Carried, KDesc, Kind, Kmsg, ObjId, Target};
use super::right::Ledger;
use super::space::{Name, SpaceId, TASK_SELF_NAME, name_valid};
use super::task;
use super::trailer::{self, REQUESTED_TRAILER_SIZE};
use super::types::{
    MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_PORTS_DESCRIPTOR, MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
    MACH_MSG_PHYSICAL_COPY, MACH_MSG_PORT_DESCRIPTOR, MACH_MSG_SUCCESS, MACH_MSG_TIMEOUT_NONE,
    MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE,
    MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_MSG_VIRTUAL_COPY,
    MACH_MSG_VM_SPACE, MACH_MSGH_BITS_COMPLEX, MACH_MSGH_BITS_USER, MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE,
    MACH_RCV_BODY_ERROR, MACH_RCV_INVALID_DATA, MACH_RCV_INVALID_NAME, MACH_RCV_INVALID_TRAILER,
    MACH_RCV_LARGE, MACH_RCV_LARGE_IDENTITY, MACH_RCV_MSG, MACH_RCV_PORT_CHANGED, MACH_RCV_PORT_DIED,
    MACH_RCV_TIMED_OUT, MACH_RCV_TIMEOUT, MACH_RCV_TOO_LARGE, MACH_SEND_INVALID_DATA, MACH_SEND_INVALID_DEST,
    MACH_SEND_INVALID_HEADER, MACH_SEND_INVALID_MEMORY, MACH_SEND_INVALID_REPLY, MACH_SEND_INVALID_RIGHT,
    MACH_SEND_INVALID_TYPE, MACH_SEND_INVALID_VOUCHER, MACH_SEND_MSG, MACH_SEND_MSG_TOO_SMALL,
    MACH_SEND_TIMED_OUT, MACH_SEND_TIMEOUT, MACH_SEND_TOO_LARGE, mach_msg_header_t, mach_msg_option_t,
    mach_msg_return_t, mach_msg_size_t, mach_msg_timeout_t, mach_msg_type_name_t, mach_port_name_t,
    mach_port_t,
};
use super::vm;

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
        if voucher_type != 0 {
            if voucher_type != MACH_MSG_TYPE_MOVE_SEND && voucher_type != MACH_MSG_TYPE_COPY_SEND {
                return Err(MACH_SEND_INVALID_HEADER);
            }
            // The loopback has no vouchers, so no name can denote one.
            if voucher != MACH_PORT_NULL {
                return Err(MACH_SEND_INVALID_VOUCHER);
            }
        }
        // Receivers never see the sender's voucher field.
        put_u32(&mut bytes, 16, 0);
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
    /// destination port. A right of the body that cannot be taken fails
    /// with where it is (descriptor, then name within an array), since XNU
    /// has taken everything before it by then (see `discard_partial`).
    fn check(&self, k: &Kernel, sid: SpaceId) -> Result<ObjId, (mach_msg_return_t, Option<(usize, usize)>)> {
        let mut ledger = Ledger::default();
        let dest = match k.check_copyin(sid, &mut ledger, self.dest.0, self.dest.1) {
            Ok(Target::Port(port)) => port,
            _ => return Err((MACH_SEND_INVALID_DEST, None)),
        };
        if self.reply.1 != 0 {
            k.check_copyin(sid, &mut ledger, self.reply.0, self.reply.1)
                .map_err(|_| (MACH_SEND_INVALID_REPLY, None))?;
        }
        for (index, desc) in self.body.as_ref().map_err(|e| (*e, None))?.iter().enumerate() {
            let (names, disposition) = match desc {
                OutDesc::Port {
                    name, disposition, ..
                } => (std::slice::from_ref(name), *disposition),
                OutDesc::OolPorts {
                    names, disposition, ..
                } => (names.as_slice(), *disposition),
                OutDesc::Ool { .. } => continue,
            };
            for (at, name) in names.iter().enumerate() {
                k.check_copyin(sid, &mut ledger, *name, disposition)
                    .map_err(|_| (MACH_SEND_INVALID_RIGHT, Some((index, at))))?;
            }
        }
        Ok(dest)
    }

    /// A send whose body failed at name `at` of descriptor `failed`, as XNU
    /// fails it: the header's rights were taken before the body
    /// (`ipc_kmsg_copyin_from_user`), then each descriptor in order
    /// (`ipc_kmsg_copyin_body`), and on the failure all of that is destroyed
    /// (`ipc_kmsg_clean_header`, `ipc_kmsg_clean_descriptors`; a port array
    /// destroys the names before the failing one,
    /// `ipc_kmsg_copyin_ool_ports_descriptor`). What follows stays the sender's.
    fn discard_partial(self, k: &mut Kernel, sid: SpaceId, failed: usize, at: usize) {
        let mut taken = vec![k.copyin(sid, self.dest.0, self.dest.1)];
        if self.reply.1 != 0 {
            taken.push(k.copyin(sid, self.reply.0, self.reply.1));
        }
        for (index, desc) in self
            .body
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .take(failed + 1)
        {
            match desc {
                OutDesc::Port {
                    name, disposition, ..
                } if index < failed => taken.push(k.copyin(sid, name, disposition)),
                OutDesc::Port { .. } => {}
                OutDesc::Ool { release, .. } => {
                    if let Some((address, size)) = release.filter(|_| index < failed) {
                        vm::deallocate(sid, address, size);
                    }
                }
                OutDesc::OolPorts {
                    names,
                    disposition,
                    release,
                    ..
                } => {
                    let before = if index < failed { names.len() } else { at };
                    for name in &names[..before] {
                        taken.push(k.copyin(sid, *name, disposition));
                    }
                    if let Some((address, size)) = release.filter(|_| index < failed) {
                        vm::deallocate(sid, address, size);
                    }
                }
            }
        }
        k.release_all(taken);
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
                        vm::deallocate(sid, address, size);
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
                        vm::deallocate(sid, address, size);
                    }
                    KDesc::OolPorts {
                        offset,
                        kind,
                        targets,
                    }
                }
            });
        }
        let kmsg = Kmsg {
            bytes: self.bytes,
            dest: dest_right,
            reply,
            descs,
            stamp: 0,
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
            MACH_MSG_PORT_DESCRIPTOR => {
                if Kind::of_disposition(disposition).is_none() {
                    return Err(MACH_SEND_INVALID_TYPE);
                }
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
                let copy = u32::from(bytes[offset + COPY_AT]);
                if copy != MACH_MSG_PHYSICAL_COPY && copy != MACH_MSG_VIRTUAL_COPY {
                    return Err(MACH_SEND_INVALID_TYPE);
                }
                let ports = kind == MACH_MSG_OOL_PORTS_DESCRIPTOR;
                if ports && Kind::of_disposition(disposition).is_none() {
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
    msg: *const mach_msg_header_t,
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
    let sid = task::current();
    let mut k = kernel::lock();
    loop {
        // Re-checked after every wait: the destination may have died, or
        // another thread may have taken rights this message needs.
        let dest = match outgoing.check(&k, sid) {
            Ok(dest) => dest,
            Err((e, Some((failed, at)))) => {
                outgoing.discard_partial(&mut k, sid, failed, at);
                drop(k);
                kernel::wake_all();
                return e;
            }
            Err((e, None)) => return e,
        };
        let full = k.ports.get(&dest).is_some_and(|p| p.is_full());
        if bypass || !full {
            outgoing.commit(&mut k, sid, dest);
            drop(k);
            kernel::wake_all();
            return MACH_MSG_SUCCESS;
        }
        if expired(deadline) {
            return MACH_SEND_TIMED_OUT;
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
    let sid = task::current();
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
    let (mut bytes, status) = copyout(&mut k, sid, kmsg, local);
    drop(k);
    kernel::wake_all();
    bytes.extend(trailer::build(option, seqno, context));
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
fn copyout(k: &mut Kernel, sid: SpaceId, kmsg: Kmsg, local: Name) -> (Vec<u8>, mach_msg_return_t) {
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
    put_u32(&mut bytes, 0, reply_type | (dest.kind.msg_type() << 8) | complex);
    put_u32(&mut bytes, 4, size);
    put_u32(&mut bytes, 8, reply_name);
    put_u32(&mut bytes, 12, local);
    put_u32(&mut bytes, 16, MACH_PORT_NULL);
    let mut status = MACH_MSG_SUCCESS;
    for desc in descs {
        match desc {
            KDesc::Port { offset, right } => {
                let name = k.copyout(sid, right);
                put_u32(&mut bytes, offset, name);
                put_u32(&mut bytes, offset + 4, 0);
                put_u8(&mut bytes, offset + 8, 0);
                put_u8(&mut bytes, offset + 9, 0);
                put_u8(&mut bytes, offset + DISPOSITION_AT, right.kind.msg_type() as u8);
            }
            KDesc::Ool { offset, data } => {
                let address = vm::allocate_copy(sid, &data).unwrap_or_else(|| {
                    status = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
                    0
                });
                put_ptr(&mut bytes, offset, address);
                put_u8(&mut bytes, offset + DEALLOC_AT, 0);
                put_u8(&mut bytes, offset + DISPOSITION_AT, 0);
            }
            KDesc::OolPorts {
                offset,
                kind,
                targets,
            } => {
                let len = targets.len() * size_of::<mach_port_t>();
                let region = if len == 0 { Some(0) } else { vm::allocate(sid, len) };
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
                put_u8(&mut bytes, offset + DEALLOC_AT, 0);
                put_u8(&mut bytes, offset + DISPOSITION_AT, kind.msg_type() as u8);
            }
        }
    }
    (bytes, status)
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

/// `mach_msg_destroy`: releases every right and out-of-line region a message
/// holds: the remote (reply) right per its bits, and each descriptor. The
/// local port is left alone (for a received message it is the receiver's
/// own receive right). Works on received and on unsent messages.
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
                vm::deallocate(task::current(), address, len);
                offset += OOL_DESC_SIZE;
            }
            _ => return,
        }
    }
}
