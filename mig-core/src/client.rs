//! What a client stub does around its message: MIG's user-side protocol.
//!
//! The generated stub fills in the request's data fields; these functions set the header,
//! pack variable-size arrays, call `mach_msg` on the thread's reply port, and check and
//! unpack the reply the way Apple MIG's `__MIG_check__Reply__*` functions do.

use core::mem::size_of;

use crate::error::{Error, Result};
use crate::message::{
    Descriptor, FIRST_DESCRIPTOR, Message, descriptors_match, min_size, out_of_line_sizes_match, pack,
    read_u32, unpack,
};
use crate::sys::{self, mach_msg_header_t, mach_msg_id_t, mach_msg_type_name_t, mach_port_t};
use crate::trailer::{Trailer, receive_options};

/// `MACH_NOTIFY_SEND_ONCE`: what arrives on the reply port when the server destroyed the
/// request's reply right without answering.
const MACH_NOTIFY_SEND_ONCE: mach_msg_id_t = 0o100 + 0o07;
/// Offset of `RetCode` in every non-complex reply (after the header and NDR).
const RETCODE_OFFSET: usize = 32;
/// `sizeof(mig_reply_error_t)`.
pub(crate) const REPLY_ERROR_SIZE: usize = 36;

/// The reply as received: the message and the trailer the kernel appends.
#[repr(C, packed(4))]
#[derive(Clone, Copy)]
struct Received<Rp: Copy> {
    message: Rp,
    /// Room for the largest trailer (`mach_msg_max_trailer_t`): replies whose routine
    /// has `UserSecToken` or `UserAuditToken` arguments ask for more than format 0.
    trailer: [u8; crate::MAX_TRAILER_SIZE],
}

/// The stub's one buffer: the request goes out of it and the reply comes back into it.
#[repr(C)]
union Exchange<Rq: Copy, Rp: Copy> {
    request: Rq,
    reply: Received<Rp>,
}

/// The whole exchange buffer as bytes.
///
/// # Safety
///
/// `exchange` must point at a live `Exchange<Rq, Rp>` that nothing else accesses while the
/// slice lives. Every byte of it is initialized: the request was written in full and the
/// union is plain data.
unsafe fn bytes_of<'a, Rq: Message, Rp: Message>(exchange: *mut Exchange<Rq, Rp>) -> &'a mut [u8] {
    // SAFETY: per the contract above.
    unsafe { core::slice::from_raw_parts_mut(exchange.cast::<u8>(), size_of::<Exchange<Rq, Rp>>()) }
}

/// Writes the header of an outgoing message.
fn set_header(
    head: &mut mach_msg_header_t,
    bits: u32,
    dest: mach_port_t,
    reply: mach_port_t,
    id: mach_msg_id_t,
) {
    *head = mach_msg_header_t {
        msgh_bits: bits,
        // As Apple's stubs: the size goes to mach_msg, not into the header.
        msgh_size: 0,
        msgh_remote_port: dest,
        msgh_local_port: reply,
        msgh_voucher_port: 0,
        msgh_id: id,
    };
}

/// Sends `request` to `dest` and returns the checked reply: a MIG `routine`.
///
/// The header is set here: `dest` with `dest_disposition` as the remote port, this
/// thread's MIG reply port (made send-once) as the local port, and `id`. Transport errors,
/// a reply that fails MIG's checks, and a non-zero `RetCode` all come back as `Err`.
///
/// `options` are ORed into `MACH_SEND_MSG | MACH_RCV_MSG` (`MACH_SEND_TIMEOUT` and
/// `MACH_RCV_TIMEOUT` from `waittime`, anything from `msgoption`); `timeout` is in
/// milliseconds.
pub fn rpc<Rq: Message, Rp: Message>(
    request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
) -> Result<Rp> {
    exchange(
        request,
        dest,
        dest_disposition,
        id,
        options,
        timeout,
        ReplyPort::Mig,
    )
}

/// [`rpc`] for subsystems with `UseSpecialReplyPort`: the reply comes back on the
/// thread's special reply port, with the synchronous-IPC options Apple's stubs add
/// (`MACH_SEND_SYNC_OVERRIDE | MACH_SEND_SYNC_USE_THRPRI | MACH_RCV_SYNC_WAIT`), which
/// let XNU lend the waiting client's priority to the server.
pub fn rpc_special<Rq: Message, Rp: Message>(
    request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
) -> Result<Rp> {
    exchange(
        request,
        dest,
        dest_disposition,
        id,
        options,
        timeout,
        ReplyPort::Special,
    )
}

/// [`rpc`], [`rpc_special`] or [`rpc_on`] (as `reply` says) for routines with
/// `UserSecToken` or `UserAuditToken` arguments: the reply is received with a trailer
/// holding everything up to `elements` (`MACH_RCV_TRAILER_SENDER` or `_AUDIT`), which
/// comes back beside it. A reply without it is destroyed and refused with
/// `MIG_TRAILER_ERROR`, as Apple's stubs refuse it.
#[allow(clippy::too_many_arguments)]
pub fn rpc_with_trailer<Rq: Message, Rp: Message>(
    request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: ReplyPort,
    elements: u32,
) -> Result<(Rp, Trailer)> {
    let (reply, trailer) = exchange_trailer(
        request,
        dest,
        dest_disposition,
        id,
        options,
        timeout,
        reply,
        Some(elements),
    )?;
    Ok((reply, trailer.expect("asked for")))
}

/// Where a stub receives its reply.
#[derive(Clone, Copy, Debug)]
pub enum ReplyPort {
    /// The thread's MIG reply port (`mig_get_reply_port`).
    Mig,
    /// The thread's special reply port (`UseSpecialReplyPort`).
    Special,
    /// The caller's port, sent with this disposition (`ureplyport`, `replyport`).
    Callers(mach_port_t, mach_msg_type_name_t),
}

/// [`rpc`] with the caller's own reply port (MIG's `replyport`/`ureplyport` arguments):
/// `reply` is sent with `reply_disposition` (usually `MAKE_SEND_ONCE` from a receive
/// right the caller holds) and the reply is received on it. The port stays the caller's,
/// whatever happens.
#[allow(clippy::too_many_arguments)]
pub fn rpc_on<Rq: Message, Rp: Message>(
    request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: mach_port_t,
    reply_disposition: mach_msg_type_name_t,
) -> Result<Rp> {
    exchange(
        request,
        dest,
        dest_disposition,
        id,
        options,
        timeout,
        ReplyPort::Callers(reply, reply_disposition),
    )
}

fn exchange<Rq: Message, Rp: Message>(
    request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: ReplyPort,
) -> Result<Rp> {
    exchange_trailer(request, dest, dest_disposition, id, options, timeout, reply, None)
        .map(|(reply, _)| reply)
}

/// The exchange itself; with `trailer_elements`, the reply's trailer is asked for,
/// checked and returned too.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn exchange_trailer<Rq: Message, Rp: Message>(
    request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: ReplyPort,
    trailer_elements: Option<u32>,
) -> Result<(Rp, Option<Trailer>)> {
    let options = options | trailer_elements.map_or(0, receive_options);
    const { assert!(size_of::<Rp>() >= REPLY_ERROR_SIZE) };
    let mut exchange = Exchange { request };
    let exchange_ptr = &raw mut exchange;
    let head = exchange_ptr.cast::<mach_msg_header_t>();
    // SAFETY: the exchange is live and only reached through this slice until the call.
    let send_size = pack(unsafe { bytes_of(exchange_ptr) }, size_of::<Rq>(), Rq::VARIABLE)
        // SAFETY: the exchange holds the request as built, never sent.
        .inspect_err(|_| unsafe { release_unsent(bytes_of(exchange_ptr), Rq::DESCRIPTORS) })?;
    let (reply_port, reply_disposition) = match reply {
        ReplyPort::Callers(port, disposition) => (port, disposition),
        // SAFETY: the thread's reply ports belong to it; asking for them has no
        // preconditions.
        ReplyPort::Mig => (
            unsafe { sys::mig_get_reply_port() },
            sys::MACH_MSG_TYPE_MAKE_SEND_ONCE,
        ),
        // SAFETY: as above.
        ReplyPort::Special => (
            unsafe { sys::mig_get_special_reply_port() },
            sys::MACH_MSG_TYPE_MAKE_SEND_ONCE,
        ),
    };
    // The synchronous-IPC options Apple's stubs add for the special reply port.
    let options = match reply {
        ReplyPort::Special => {
            options | sys::MACH_SEND_SYNC_OVERRIDE | sys::MACH_SEND_SYNC_USE_THRPRI | sys::MACH_RCV_SYNC_WAIT
        }
        _ => options,
    };
    let bits = sys::MACH_MSGH_BITS(dest_disposition, reply_disposition) | complex_bit::<Rq>();
    // SAFETY: `Exchange` starts with the request, which starts with a header (`Message`
    // contract); the union is 4-byte aligned like the header.
    set_header(unsafe { &mut *head }, bits, dest, reply_port, id);
    // SAFETY: `head` points at a buffer of `size_of::<Exchange>()` bytes, which covers
    // both the request we send and the reply plus trailer we let the kernel write.
    let built = keep_addresses(&exchange_ptr);
    let result = unsafe {
        sys::mach_msg(
            head,
            sys::MACH_SEND_MSG | sys::MACH_RCV_MSG | options,
            send_size as u32,
            size_of::<Received<Rp>>() as u32,
            reply_port,
            timeout,
            sys::MACH_PORT_NULL,
        )
    };
    if let Some(error) = Error::from_code(result) {
        if returned_to_sender(result) {
            // SAFETY: the exchange still holds the request, as built or as pseudo-received
            // into our space; nothing else refers to its resources.
            unsafe {
                release_returned(
                    bytes_of(exchange_ptr),
                    built.as_ref().map(message_bytes),
                    Rq::DESCRIPTORS,
                )
            };
        }
        // As Apple's stubs: if the request never left, the reply port is intact; any
        // other failure (a send timeout too: XNU hands the message back holding a
        // send-once right to the port) may leave a right or a reply in flight, so the
        // port is discarded lest a late reply be taken for the next call's.
        let intact = matches!(
            result,
            sys::MACH_SEND_INVALID_DATA | sys::MACH_SEND_INVALID_DEST | sys::MACH_SEND_INVALID_HEADER
        );
        // SAFETY: `reply_port` is this thread's port of the kind asked for.
        unsafe {
            match reply {
                ReplyPort::Callers(..) => {}
                ReplyPort::Mig if intact => sys::mig_put_reply_port(reply_port),
                ReplyPort::Mig => sys::mig_dealloc_reply_port(reply_port),
                ReplyPort::Special if intact => {}
                ReplyPort::Special => sys::mig_dealloc_special_reply_port(reply_port),
            }
        }
        return Err(error);
    }
    // The trailer first: unpacking the reply may overwrite it.
    let trailer = trailer_elements.map(|_| {
        // SAFETY: the exchange is live; the kernel wrote the reply and trailer into it.
        Trailer::after(unsafe { bytes_of(exchange_ptr) })
    });
    // SAFETY: the exchange is live; the kernel wrote the reply into it.
    let checked = check_reply::<Rp>(unsafe { bytes_of(exchange_ptr) }, id + 100).and_then(|()| {
        match (trailer_elements, &trailer) {
            (Some(n), Some(t)) if !t.holds(n) => Err(Error::MIG_TRAILER_ERROR),
            _ => Ok(()),
        }
    });
    if let Err(error) = checked {
        // As Apple's stubs, whatever failed: release what the reply carried.
        // SAFETY: a received message, which we own and release exactly once.
        unsafe { sys::mach_msg_destroy(head) };
        return Err(error);
    }
    // SAFETY: the reply passed the checks and was unpacked, so the buffer holds a whole
    // `Rp`, and any bit pattern is a valid `Rp` (`Message` contract).
    Ok((unsafe { exchange.reply.message }, trailer))
}

/// Apple MIG's `__MIG_check__Reply__*`, and the unpacking of variable-size arrays:
/// 1. the id (`MIG_SERVER_DIED` for a send-once notification, else `MIG_REPLY_MISMATCH`);
/// 2. the shape: `Rp`'s complex bit, descriptor count and size (between its minimum and
///    maximum when it has variable arrays), unless it is a 36-byte
///    `mig_reply_error_t` carrying an error;
/// 3. no remote port;
/// 4. the server's `RetCode`;
/// 5. descriptor types and dispositions, and the array counts against the size.
///
/// Any mismatch is `MIG_TYPE_ERROR`.
fn check_reply<Rp: Message>(bytes: &mut [u8], reply_id: mach_msg_id_t) -> Result<()> {
    let read = |bytes: &[u8], at: usize| bytes[at..at + 4].try_into().map(i32::from_ne_bytes).unwrap_or(0);
    let bits = read(bytes, 0) as u32;
    let received = read(bytes, 4) as usize;
    let remote = read(bytes, 8) as u32;
    let id = read(bytes, 20);
    if id != reply_id {
        return Err(if id == MACH_NOTIFY_SEND_ONCE {
            Error::MIG_SERVER_DIED
        } else {
            Error::MIG_REPLY_MISMATCH
        });
    }
    let complex = bits & sys::MACH_MSGH_BITS_COMPLEX != 0;
    let size = size_of::<Rp>();
    let min = min_size(size, Rp::VARIABLE);
    let retcode = if !complex && received >= REPLY_ERROR_SIZE {
        read(bytes, RETCODE_OFFSET)
    } else {
        0
    };
    let count_ok = !complex || read(bytes, 24) as usize == Rp::DESCRIPTORS.len();
    let shape_ok = complex != Rp::DESCRIPTORS.is_empty() && count_ok && (min..=size).contains(&received);
    let error_reply = !complex && received == REPLY_ERROR_SIZE && retcode != 0;
    if !(shape_ok || error_reply) || remote != sys::MACH_PORT_NULL {
        return Err(Error::MIG_TYPE_ERROR);
    }
    Error::check(retcode)?;
    if complex && !descriptors_match(bytes, Rp::DESCRIPTORS) {
        return Err(Error::MIG_TYPE_ERROR);
    }
    if !Rp::VARIABLE.is_empty() && !unpack(bytes, received, size, Rp::VARIABLE) {
        return Err(Error::MIG_TYPE_ERROR);
    }
    if complex && !out_of_line_sizes_match(bytes, Rp::DESCRIPTORS) {
        return Err(Error::MIG_TYPE_ERROR);
    }
    Ok(())
}

/// `MACH_MSGH_BITS_COMPLEX` if `M` carries descriptors.
pub(crate) fn complex_bit<M: Message>() -> u32 {
    if M::DESCRIPTORS.is_empty() {
        0
    } else {
        sys::MACH_MSGH_BITS_COMPLEX
    }
}

/// Sends `request` to `dest` without waiting: a MIG `simpleroutine`.
pub fn send<Rq: Message>(
    request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
) -> Result<()> {
    send_on(
        request,
        dest,
        dest_disposition,
        id,
        options,
        timeout,
        sys::MACH_PORT_NULL,
        0,
    )
}

/// [`send`] naming a reply port (a simpleroutine's `replyport`/`ureplyport` argument):
/// the receiver gets `reply` with `reply_disposition` and may answer there.
#[allow(clippy::too_many_arguments)]
pub fn send_on<Rq: Message>(
    mut request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: mach_port_t,
    reply_disposition: mach_msg_type_name_t,
) -> Result<()> {
    let request_ptr = &raw mut request;
    // SAFETY: the request is live, plain data, and only reached through this slice here.
    let bytes = unsafe { core::slice::from_raw_parts_mut(request_ptr.cast::<u8>(), size_of::<Rq>()) };
    let send_size = pack(bytes, size_of::<Rq>(), Rq::VARIABLE)
        // SAFETY: the request as built, never sent.
        .inspect_err(|_| unsafe { release_unsent(bytes, Rq::DESCRIPTORS) })?;
    let head = request_ptr.cast::<mach_msg_header_t>();
    let bits = sys::MACH_MSGH_BITS(dest_disposition, reply_disposition) | complex_bit::<Rq>();
    // SAFETY: `Rq` starts with a header and is 4-byte aligned (`Message` contract).
    set_header(unsafe { &mut *head }, bits, dest, reply, id);
    let built = const { has_out_of_line(Rq::DESCRIPTORS) }.then_some(request);
    // SAFETY: `mach_msg` reads the `send_size` packed bytes of the request.
    let result = unsafe {
        sys::mach_msg(
            head,
            sys::MACH_SEND_MSG | options,
            send_size as u32,
            0,
            sys::MACH_PORT_NULL,
            timeout,
            sys::MACH_PORT_NULL,
        )
    };
    if returned_to_sender(result) {
        // SAFETY: the request is still ours, as built or as pseudo-received into our
        // space; nothing else refers to its resources.
        unsafe {
            release_returned(
                core::slice::from_raw_parts(request_ptr.cast::<u8>(), size_of::<Rq>()),
                built.as_ref().map(message_bytes),
                Rq::DESCRIPTORS,
            )
        };
    }
    Error::check(result)
}

/// A simpleroutine's request reduced to its `RetCode` argument: a `mig_reply_error_t`
/// with the request's id.
#[repr(C, packed(4))]
#[derive(Clone, Copy)]
struct RetCodeOnly {
    head: mach_msg_header_t,
    ndr: sys::NDR_record_t,
    ret_code: sys::kern_return_t,
}

// SAFETY: packed(4), starts with the header, plain data with no padding.
unsafe impl Message for RetCodeOnly {}

/// [`send_on`] for a simpleroutine whose complex request has a `RetCode` argument that
/// is not 0: as Apple's stubs do, only the code travels, in a simple message shaped like
/// a `mig_reply_error_t` (header, NDR, code) that carries the request's id, and the
/// request's other arguments are not sent.
#[allow(clippy::too_many_arguments)]
pub fn send_ret_code(
    code: sys::kern_return_t,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: mach_port_t,
    reply_disposition: mach_msg_type_name_t,
) -> Result<()> {
    let message = RetCodeOnly {
        // `send_on` fills in the header.
        head: mach_msg_header_t {
            msgh_bits: 0,
            msgh_size: 0,
            msgh_remote_port: sys::MACH_PORT_NULL,
            msgh_local_port: sys::MACH_PORT_NULL,
            msgh_voucher_port: sys::MACH_PORT_NULL,
            msgh_id: 0,
        },
        ndr: crate::ndr::LITTLE_ENDIAN,
        ret_code: code,
    };
    send_on(
        message,
        dest,
        dest_disposition,
        id,
        options,
        timeout,
        reply,
        reply_disposition,
    )
}

/// Send failures after which the message is back in the sender's hands: XNU returns it
/// untouched when the destination is bad, and pseudo-receives it into the sender's
/// space (rights renamed, out-of-line memory copied to new addresses) when the send
/// timed out or the destination died during the send. These are the cases Apple's
/// stubs clean up under `ConsumeOnSendError Any`.
fn returned_to_sender(result: sys::mach_msg_return_t) -> bool {
    matches!(result, sys::MACH_SEND_TIMED_OUT | sys::MACH_SEND_INVALID_DEST)
}

/// Whether a message with these descriptors carries out-of-line memory.
const fn has_out_of_line(descriptors: &[Descriptor]) -> bool {
    let mut i = 0;
    while i < descriptors.len() {
        if !matches!(descriptors[i], Descriptor::Port { .. }) {
            return true;
        }
        i += 1;
    }
    false
}

/// A copy of the request as built, when it carries out-of-line memory: releasing a
/// returned message compares addresses with it.
fn keep_addresses<Rq: Message, Rp: Message>(exchange: &*mut Exchange<Rq, Rp>) -> Option<Rq> {
    // SAFETY: the exchange is live and holds the request just written.
    const { has_out_of_line(Rq::DESCRIPTORS) }.then(|| unsafe { (**exchange).request })
}

/// A message as bytes.
fn message_bytes<M: Message>(message: &M) -> &[u8] {
    // SAFETY: `Message` types are plain data without padding, readable as bytes.
    unsafe { core::slice::from_raw_parts(core::ptr::from_ref(message).cast::<u8>(), size_of::<M>()) }
}

/// Releases what a request returned by a failed send was moving. The caller handed
/// those rights and that memory to the stub by value, so nobody else can release them;
/// what the caller only lent stays untouched.
///
/// This works on both forms of a returned message. As built, a moved right has a
/// `MOVE_*` disposition and a moved region its `deallocate` flag; copies and
/// `MAKE_*` rights cost nothing until sent. Pseudo-received, every right the kernel
/// took is `PORT_*` (numerically `MOVE_*`) and every region lives at a new address.
/// Both rules are applied to the header's ports and to each descriptor.
///
/// # Safety
///
/// `message` is the request after the failed send, `built` the same request as built
/// (present when it carries out-of-line memory); the names and addresses in
/// `message` are the caller's to release.
unsafe fn release_returned(message: &[u8], built: Option<&[u8]>, descriptors: &[Descriptor]) {
    let word = |bytes: &[u8], at: usize| read_u32(bytes, at).unwrap_or(0);
    let bits = word(message, 0);
    release_right(word(message, 8), bits & 0x1f);
    release_right(word(message, 12), (bits >> 8) & 0x1f);
    if bits & sys::MACH_MSGH_BITS_COMPLEX == 0 {
        return;
    }
    let address =
        |bytes: &[u8], at: usize| u64::from(word(bytes, at)) | (u64::from(word(bytes, at + 4)) << 32);
    let mut at = FIRST_DESCRIPTOR;
    for d in descriptors {
        let Some(raw) = message.get(at..at + d.size()) else {
            return;
        };
        let kind = u32::from(raw[11]);
        let disposition = u32::from(raw[10]);
        if kind == sys::MACH_MSG_PORT_DESCRIPTOR {
            release_right(word(raw, 0), disposition);
        } else if raw.len() == 16 {
            let region = address(raw, 0);
            let moved = raw[8] != 0 || built.is_some_and(|b| address(b, at) != region);
            let count = word(raw, 12) as usize;
            let mut bytes = count;
            if kind == sys::MACH_MSG_OOL_PORTS_DESCRIPTOR {
                bytes = count * size_of::<mach_port_t>();
                if region != 0 {
                    for i in 0..count {
                        // SAFETY: the descriptor's array holds `count` names, readable
                        // whether it is the caller's or a pseudo-received copy.
                        let name = unsafe { (region as usize as *const mach_port_t).add(i).read_unaligned() };
                        release_right(name, disposition);
                    }
                }
            }
            if moved && region != 0 && bytes != 0 {
                // SAFETY: a region the stub was given to move, or the kernel's copy of
                // one: ours to return, once.
                unsafe { sys::mach_vm_deallocate(sys::mach_task_self(), region, bytes as u64) };
            }
        }
        at += d.size();
    }
}

/// Releases what a request that was never handed to `mach_msg` was moving (its header
/// is not set yet: only the descriptors count).
///
/// # Safety
///
/// As [`release_returned`].
unsafe fn release_unsent(message: &mut [u8], descriptors: &[Descriptor]) {
    if descriptors.is_empty() {
        return;
    }
    message[..4].copy_from_slice(&sys::MACH_MSGH_BITS_COMPLEX.to_ne_bytes());
    // SAFETY: per the caller; as built, only `deallocate` regions are moved.
    unsafe { release_returned(message, None, descriptors) };
}

/// Releases a right the message was moving: `MOVE_RECEIVE`, `MOVE_SEND` and
/// `MOVE_SEND_ONCE` (the same numbers as the `PORT_*` forms a pseudo-receive leaves).
fn release_right(name: mach_port_t, disposition: u32) {
    if name == sys::MACH_PORT_NULL || name == sys::MACH_PORT_DEAD {
        return;
    }
    // SAFETY: releasing a right in our own space; a stale name is an error code, not UB.
    unsafe {
        match disposition {
            sys::MACH_MSG_TYPE_MOVE_RECEIVE => {
                sys::mach_port_mod_refs(sys::mach_task_self(), name, sys::MACH_PORT_RIGHT_RECEIVE, -1);
            }
            sys::MACH_MSG_TYPE_MOVE_SEND | sys::MACH_MSG_TYPE_MOVE_SEND_ONCE => {
                sys::mach_port_deallocate(sys::mach_task_self(), name);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C, packed(4))]
    #[derive(Clone, Copy)]
    struct Reply40 {
        head: mach_msg_header_t,
        ndr: [u8; 8],
        ret_code: i32,
        value: i32,
    }
    // SAFETY: packed(4), header first, plain data.
    unsafe impl Message for Reply40 {}

    fn reply(id: i32, size: u32, bits: u32, remote: u32, ret_code: i32) -> [u8; 48] {
        let mut b = [0u8; 48];
        b[0..4].copy_from_slice(&bits.to_ne_bytes());
        b[4..8].copy_from_slice(&size.to_ne_bytes());
        b[8..12].copy_from_slice(&remote.to_ne_bytes());
        b[20..24].copy_from_slice(&id.to_ne_bytes());
        b[32..36].copy_from_slice(&ret_code.to_ne_bytes());
        b
    }

    #[test]
    fn reply_checks_follow_apple_mig() {
        let check = |mut b: [u8; 48]| check_reply::<Reply40>(&mut b, 200);
        assert_eq!(check(reply(200, 40, 0x12, 0, 0)), Ok(()));
        assert_eq!(check(reply(201, 40, 0x12, 0, 0)), Err(Error::MIG_REPLY_MISMATCH));
        assert_eq!(check(reply(71, 24, 0x12, 0, 0)), Err(Error::MIG_SERVER_DIED));
        assert_eq!(check(reply(200, 44, 0x12, 0, 0)), Err(Error::MIG_TYPE_ERROR));
        assert_eq!(
            check(reply(200, 40, 0x8000_0012, 0, 0)),
            Err(Error::MIG_TYPE_ERROR)
        );
        // A mig_reply_error_t is accepted only when it carries an error.
        assert_eq!(check(reply(200, 36, 0x12, 0, 5)), Err(Error::KERN_FAILURE));
        assert_eq!(check(reply(200, 36, 0x12, 0, 0)), Err(Error::MIG_TYPE_ERROR));
        assert_eq!(check(reply(200, 40, 0x12, 0x103, 0)), Err(Error::MIG_TYPE_ERROR));
        // A full-size reply carrying an error code reports the code.
        assert_eq!(
            check(reply(200, 40, 0x12, 0, 4)),
            Err(Error::KERN_INVALID_ARGUMENT)
        );
    }
}
