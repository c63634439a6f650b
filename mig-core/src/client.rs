//! What a client stub does around its message: MIG's user-side protocol.
//!
//! The generated stub fills in the request's data fields; these functions set the header,
//! pack variable-size arrays, call `mach_msg` on the thread's reply port, and check and
//! unpack the reply the way Apple MIG's `__MIG_check__Reply__*` functions do.

use core::mem::size_of;

use crate::error::{Error, Result};
use crate::wire::Shape;
use crate::message::{
    Descriptor, FIRST_DESCRIPTOR, Message, descriptors_match, min_size, out_of_line_sizes_match, pack,
    port_slots_match, read_u32, release_unused_slots, unpack,
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

/// Puts the thread's voucher (its QoS and importance, an activity's identity) into an
/// outgoing request, as Apple's stubs do (`voucher_mach_msg_set`, which bootstrap_cmds'
/// `migcom.tproj/user.c` emits after the header): `COPY_SEND`, so the thread keeps its
/// reference and nothing needs releasing, whether the send succeeds, is refused, or is
/// handed back after a timeout (`ipc_kmsg_copyout_pseudo` puts a copied voucher's
/// name and disposition back as they were). A thread without a voucher, and the
/// loopback's threads, leave the header as it is.
///
/// # Safety
///
/// `head` points at a writable message header.
unsafe fn carry_voucher(head: *mut mach_msg_header_t) {
    // SAFETY: per the contract above; the call reads and writes only the header.
    unsafe { sys::voucher_mach_msg_set(head) };
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
///
/// When the kernel refuses the request, what the caller gave away (moved rights,
/// `deallocate` memory) and the kernel did not consume is released; the error code comes
/// back without the bits XNU may or into it (`MACH_MSG_MASK`).
///
/// # Safety
///
/// The kernel takes what `request` names as given: every port descriptor's name must be a
/// right the caller holds (one it may give away, for a `MOVE_*` disposition), and every
/// out-of-line descriptor's address memory the caller may read for the descriptor's size
/// (and, with `deallocate` set, owns and gives away: the kernel unmaps it). The generated
/// stubs build requests from owned and borrowed arguments, which meets this.
pub unsafe fn rpc<Rq: Message, Rp: Message>(
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
///
/// # Safety
///
/// As for [`rpc`]: what `request` names is the caller's to lend or give away.
pub unsafe fn rpc_special<Rq: Message, Rp: Message>(
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
///
/// # Safety
///
/// As for [`rpc`]: what `request` names is the caller's to lend or give away.
#[allow(clippy::too_many_arguments)]
pub unsafe fn rpc_with_trailer<Rq: Message, Rp: Message>(
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
/// whatever happens. When a send that timed out is handed back holding a send-once right
/// made for the port, the right is released and the `MACH_NOTIFY_SEND_ONCE` that sends
/// is taken off the port again (with any message queued ahead of it, which this call
/// would have taken for its reply), so the port's next call does not read it as its
/// server's death. [`send_on`] does the same.
///
/// # Safety
///
/// As for [`rpc`]: what `request` names is the caller's to lend or give away.
#[allow(clippy::too_many_arguments)]
pub unsafe fn rpc_on<Rq: Message, Rp: Message>(
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
    // SAFETY: `head` points at the request's header, just written.
    unsafe { carry_voucher(head) };
    // SAFETY: `head` points at a buffer of `size_of::<Exchange>()` bytes, which covers
    // both the request we send and the reply plus trailer we let the kernel write.
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
    let code = mach_msg_code(result);
    if let Some(error) = Error::from_code(code) {
        if is_send_error(code) {
            let stray = match reply {
                ReplyPort::Callers(port, disposition) => {
                    // SAFETY: the exchange is live; nothing else refers to it.
                    handed_back_send_once(unsafe { bytes_of(exchange_ptr) }, port, disposition)
                }
                _ => None,
            };
            // SAFETY: after a failed send the exchange still holds the request, as built
            // or as pseudo-received into our space; nothing else refers to its resources.
            unsafe { release_refused(bytes_of(exchange_ptr), Rq::DESCRIPTORS, code) };
            if let Some(port) = stray {
                take_stray_notification(port);
            }
        }
        // As Apple's stubs: if the request never left, the reply port is intact; any
        // other failure (a send timeout too: XNU hands the message back holding a
        // send-once right to the port) may leave a right or a reply in flight, so the
        // port is discarded lest a late reply be taken for the next call's.
        let intact = matches!(
            code,
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
        // As Apple's stubs, whatever failed: release what the reply carried, physical
        // copies included.
        // SAFETY: the exchange is live; the kernel wrote the reply into it.
        crate::message::own_received_memory(unsafe { bytes_of(exchange_ptr) });
        // SAFETY: a received message, which we own and release exactly once.
        unsafe { sys::mach_msg_destroy(head) };
        return Err(error);
    }
    if !Rp::DESCRIPTORS.is_empty() {
        // Slots past a port array's count have no owner to come: released here.
        // SAFETY: the exchange is live; the kernel wrote the reply into it.
        release_unused_slots(
            unsafe { bytes_of(exchange_ptr) },
            Rp::DESCRIPTORS,
            &Shape::FULL,
            Rp::VARIABLE,
        );
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
    if complex
        && !(out_of_line_sizes_match(bytes, Rp::DESCRIPTORS, &Shape::FULL, Rp::VARIABLE)
            && port_slots_match(bytes, Rp::DESCRIPTORS, &Shape::FULL, Rp::VARIABLE))
    {
        return Err(Error::MIG_TYPE_ERROR);
    }
    if complex && !crate::message::realign_out_of_line(bytes, Rp::DESCRIPTORS) {
        return Err(Error::KERN_RESOURCE_SHORTAGE);
    }
    Ok(())
}

/// Refuses a checked reply whose `CountInOut` array holds more elements than the caller
/// said it can take: releases what the reply carries (nothing has been taken from it) and
/// returns `MIG_ARRAY_TOO_LARGE`, as Apple's stubs return it. Apple's stubs also copy as
/// many elements as fit; a stub's `Err` carries none.
pub fn array_too_large<Rp: Message>(mut reply: Rp) -> Error {
    if !Rp::DESCRIPTORS.is_empty() {
        let head = (&raw mut reply).cast::<mach_msg_header_t>();
        // SAFETY: `Rp` starts with a header (`Message` contract); the descriptors sit at
        // the same offsets in the unpacked struct as on the wire, and the whole struct is
        // readable. The reply's rights and regions were never taken, so they are released
        // once, here.
        unsafe {
            (*head).msgh_size = size_of::<Rp>() as u32;
            sys::mach_msg_destroy(head);
        }
    }
    Error::MIG_ARRAY_TOO_LARGE
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
    // SAFETY: the message carries no descriptors; its header names only what the
    // caller passes, as for any stub.
    unsafe {
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
///
/// # Safety
///
/// As for [`rpc`]: what `request` names is the caller's to lend or give away.
pub unsafe fn send<Rq: Message>(
    request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
) -> Result<()> {
    // SAFETY: the caller's promise for `request` is the one `send_on` asks for.
    unsafe {
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
}

/// [`send`] naming a reply port (a simpleroutine's `replyport`/`ureplyport` argument):
/// the receiver gets `reply` with `reply_disposition` and may answer there.
///
/// # Safety
///
/// As for [`rpc`]: what `request` names is the caller's to lend or give away.
#[allow(clippy::too_many_arguments)]
pub unsafe fn send_on<Rq: Message>(
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
    // SAFETY: `head` points at the request's header, just written.
    unsafe { carry_voucher(head) };
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
    let code = mach_msg_code(result);
    if code != sys::MACH_MSG_SUCCESS {
        // SAFETY: the request is live, plain data; nothing else refers to it.
        let message = unsafe { core::slice::from_raw_parts(request_ptr.cast::<u8>(), size_of::<Rq>()) };
        let stray = handed_back_send_once(message, reply, reply_disposition);
        // SAFETY: the request is still ours, as built or as pseudo-received into our
        // space; nothing else refers to its resources.
        unsafe { release_refused(message, Rq::DESCRIPTORS, code) };
        if let Some(port) = stray {
            take_stray_notification(port);
        }
    }
    Error::check(code)
}

/// The caller's own port `reply`, if the refused request was pseudo-received holding a
/// send-once right to it that the caller made (`MAKE_SEND_ONCE`): XNU's
/// `ipc_kmsg_copyout_pseudo` (`osfmk/ipc/ipc_kmsg.c`) names it anew as a
/// `PORT_SEND_ONCE` right, and releasing that right (which the stub must, or it leaks)
/// sends `MACH_NOTIFY_SEND_ONCE` to the port. (A port with reply-port semantics, made by
/// `mach_reply_port` in a hardened process, comes back as `MAKE_SEND_ONCE` under the
/// receive right's name instead, the send-once right dropped without a notification:
/// nothing to release, nothing to take.)
fn handed_back_send_once(
    message: &[u8],
    reply: mach_port_t,
    reply_disposition: mach_msg_type_name_t,
) -> Option<mach_port_t> {
    let word = |at: usize| read_u32(message, at).unwrap_or(0);
    let pseudo_received = word(4) != 0;
    let local_type = (word(0) >> 8) & 0x1f;
    (pseudo_received
        && reply_disposition == sys::MACH_MSG_TYPE_MAKE_SEND_ONCE
        && reply != sys::MACH_PORT_NULL
        && local_type == sys::MACH_MSG_TYPE_PORT_SEND_ONCE)
        .then_some(reply)
}

/// Takes off the caller's port `port` the `MACH_NOTIFY_SEND_ONCE` that releasing a
/// handed-back send-once right to it queued, lest the caller's next call on the port
/// take it for its own server's death (`MIG_SERVER_DIED`). Apple's stubs never release
/// that right (they release only a `MOVE_SEND` local port: `WriteMsgCheckForSendErrors`
/// in bootstrap_cmds' `migcom.tproj/user.c`), which leaks it instead. Messages queued
/// ahead of the notification are destroyed: a call that had been sent would have taken
/// the first of them as its reply, and refused it. Receives never wait.
fn take_stray_notification(port: mach_port_t) {
    // A notification and the largest trailer fit; a larger message ahead of it is
    // destroyed by the kernel (`MACH_RCV_TOO_LARGE` without `MACH_RCV_LARGE`).
    let mut buffer = [0u64; 32];
    loop {
        let head = buffer.as_mut_ptr().cast::<mach_msg_header_t>();
        // SAFETY: `buffer` is writable for its whole size, which is what we tell the
        // kernel; the port is the caller's receive right.
        let result = unsafe {
            sys::mach_msg(
                head,
                sys::MACH_RCV_MSG | sys::MACH_RCV_TIMEOUT,
                0,
                size_of_val(&buffer) as u32,
                port,
                0,
                sys::MACH_PORT_NULL,
            )
        };
        match mach_msg_code(result) {
            sys::MACH_MSG_SUCCESS => {
                // SAFETY: the kernel wrote a message header at the start of the buffer.
                let id = unsafe { (*head).msgh_id };
                // SAFETY: the buffer is ours and holds what the kernel wrote.
                let bytes = unsafe {
                    core::slice::from_raw_parts_mut(buffer.as_mut_ptr().cast::<u8>(), size_of_val(&buffer))
                };
                crate::message::own_received_memory(bytes);
                // SAFETY: a received message, which we own and release exactly once.
                unsafe { sys::mach_msg_destroy(head) };
                if id == MACH_NOTIFY_SEND_ONCE {
                    return;
                }
            }
            sys::MACH_RCV_TOO_LARGE => {}
            _ => return,
        }
    }
}

/// A `mach_msg_return_t` without the bits XNU ors into it (`MACH_MSG_MASK`:
/// `MACH_MSG_IPC_SPACE`, `MACH_MSG_VM_SPACE`, `MACH_MSG_IPC_KERNEL`,
/// `MACH_MSG_VM_KERNEL`), which say what a (pseudo-)receive could not hand over: a send
/// that timed out is `MACH_SEND_TIMED_OUT | MACH_MSG_VM_SPACE` when the returned memory
/// did not fit (`mach_msg_trap_send` in `osfmk/ipc/mach_msg.c` ors in what
/// `mach_msg_receive_pseudo` returned). Codes are compared, and reported, without them.
pub(crate) fn mach_msg_code(result: sys::mach_msg_return_t) -> sys::mach_msg_return_t {
    result & !sys::MACH_MSG_MASK
}

/// Whether `code` (masked) is a `MACH_SEND_*` error: the request was not sent. (After a
/// receive error the request was delivered, and its resources are the server's.)
fn is_send_error(code: sys::mach_msg_return_t) -> bool {
    const SEND_ERRORS: sys::mach_msg_return_t = 0x1000_0000;
    code & !0x3fff == SEND_ERRORS && code != SEND_ERRORS
}

/// What a refused request still holds of what the caller gave away, by XNU's handling of
/// each send error (`osfmk/ipc/mach_msg.c`, `mach_msg_trap_send`; `osfmk/ipc/ipc_kmsg.c`).
#[derive(Clone, Copy, Debug)]
enum Refused {
    /// The kernel copied the message in and handed it back (`mach_msg_receive_pseudo`,
    /// after `ipc_kmsg_send` failed: `MACH_SEND_TIMED_OUT`, `MACH_SEND_INTERRUPTED`):
    /// every right now in it is ours under its received (`PORT_*`) disposition, copied
    /// and made ones included, and every region is a fresh mapping, whatever its
    /// `deallocate` flag says (a physical copy comes back with it clear, possibly where
    /// the given-away original was). All of it is released.
    PseudoReceived,
    /// The kernel took nothing: the header or the format was refused before any right
    /// was copied in (`ipc_kmsg_copyin_header`, the descriptor checks of
    /// `ipc_kmsg_get_and_inflate_from_user`), or a send that timed out left the message
    /// untouched (the loopback's default). What the caller moved is released.
    Untouched,
    /// A right or region in the body could not be copied in (`ipc_kmsg_copyin_body`):
    /// the header's rights and the descriptors before the failing one were taken and
    /// destroyed by the kernel; the failing one and those after it are still the
    /// caller's (`Some((descriptor, element))`: the first borrowed name that does not
    /// hold its right). `None` when the failing entry cannot be found: everything is
    /// taken as consumed, since releasing a name twice could release someone else's.
    ConsumedBefore(Option<(usize, usize)>),
    /// An error after which nothing the caller gave away is known to be left.
    Unknown,
}

impl Refused {
    /// Whether entry `(descriptor, element)` is still the caller's to release.
    fn left(self, at: (usize, usize)) -> bool {
        match self {
            Refused::PseudoReceived | Refused::Untouched => true,
            Refused::ConsumedBefore(failed) => failed.is_some_and(|failed| at >= failed),
            Refused::Unknown => false,
        }
    }

    /// Whether the region of descriptor `index`, if the caller gave it away, is still
    /// the caller's: a failing out-of-line ports descriptor's region was deallocated by
    /// the kernel before its names were copied in.
    fn region_left(self, index: usize) -> bool {
        match self {
            Refused::PseudoReceived | Refused::Untouched => true,
            Refused::ConsumedBefore(failed) => failed.is_some_and(|(failed, _)| index > failed),
            Refused::Unknown => false,
        }
    }
}

/// Releases what a request refused with `code` (masked) still holds of what the caller
/// gave away: the rights it moved and the memory it gave up, or, once pseudo-received,
/// everything the kernel handed back. What the caller only lent stays untouched.
///
/// # Safety
///
/// `message` is the request after `mach_msg` refused it (or before it was ever sent,
/// with a zero `msgh_size`); the names and addresses it holds are the caller's to
/// release.
unsafe fn release_refused(message: &[u8], descriptors: &[Descriptor], code: sys::mach_msg_return_t) {
    let word = |at: usize| read_u32(message, at).unwrap_or(0);
    // The stubs send with a zero `msgh_size`; a pseudo-receive writes the size back.
    let refused = if word(4) != 0 {
        Refused::PseudoReceived
    } else {
        match code {
            sys::MACH_SEND_INVALID_DEST
            | sys::MACH_SEND_INVALID_REPLY
            | sys::MACH_SEND_INVALID_HEADER
            | sys::MACH_SEND_INVALID_VOUCHER
            | sys::MACH_SEND_INVALID_TYPE
            | sys::MACH_SEND_INVALID_DATA
            | sys::MACH_SEND_MSG_TOO_SMALL
            | sys::MACH_SEND_TOO_LARGE
            | sys::MACH_SEND_NO_BUFFER
            | sys::MACH_SEND_TIMED_OUT
            | sys::MACH_SEND_INTERRUPTED => Refused::Untouched,
            // SAFETY: forwarded from the caller.
            sys::MACH_SEND_INVALID_RIGHT | sys::MACH_SEND_INVALID_MEMORY => {
                Refused::ConsumedBefore(unsafe { first_refused(message, descriptors) })
            }
            _ => Refused::Unknown,
        }
    };
    // SAFETY: forwarded from the caller.
    unsafe { release_left(message, descriptors, refused) };
}

/// Where XNU's copyin of the body stopped: the first entry naming a right the caller
/// lent (`COPY_SEND`, `MAKE_SEND`, `MAKE_SEND_ONCE`) that its name does not hold. Those
/// names are not consumed by the attempt, so they can be checked afterwards; a moved
/// right belonged to an owner, so it held its right. Out-of-line name arrays given away
/// with their region (`deallocate`) are skipped: the kernel unmapped them in either
/// case, so their names cannot be read back, and such an array counts as taken whole
/// (if it held the failing name, what comes after it is taken as consumed too: a leak,
/// never a second release). (Another thread of the caller's that drops a lent name
/// during the call can mislead this; that is the caller's race.)
///
/// # Safety
///
/// As [`release_refused`]: `message` is the request as built.
unsafe fn first_refused(message: &[u8], descriptors: &[Descriptor]) -> Option<(usize, usize)> {
    let mut at = FIRST_DESCRIPTOR;
    for (index, d) in descriptors.iter().enumerate() {
        let raw = message.get(at..at + d.size())?;
        let (kind, disposition) = (u32::from(raw[11]), u32::from(raw[10]));
        let word = |at: usize| u32::from_ne_bytes([raw[at], raw[at + 1], raw[at + 2], raw[at + 3]]);
        if kind == sys::MACH_MSG_PORT_DESCRIPTOR {
            if !holds(word(0), disposition) {
                return Some((index, 0));
            }
        } else if kind == sys::MACH_MSG_OOL_PORTS_DESCRIPTOR && raw.len() == 16 && raw[8] == 0 {
            // (An array given away with its region was unmapped by the kernel whether it
            // failed or not, so its names cannot be checked: it counts as taken whole.)
            let region = u64::from(word(0)) | (u64::from(word(4)) << 32);
            if region != 0 {
                for element in 0..word(12) as usize {
                    // SAFETY: as built, the descriptor points at the caller's `count` names.
                    let name = unsafe {
                        (region as usize as *const mach_port_t)
                            .add(element)
                            .read_unaligned()
                    };
                    if !holds(name, disposition) {
                        return Some((index, element));
                    }
                }
            }
        }
        at += d.size();
    }
    None
}

/// Whether `name` holds what `disposition` copies or makes from it (moves are taken as
/// held: an owner gave them).
fn holds(name: mach_port_t, disposition: u32) -> bool {
    if name == sys::MACH_PORT_NULL || name == sys::MACH_PORT_DEAD {
        return true;
    }
    let needed = match disposition {
        sys::MACH_MSG_TYPE_COPY_SEND => sys::MACH_PORT_TYPE_SEND | sys::MACH_PORT_TYPE_DEAD_NAME,
        sys::MACH_MSG_TYPE_MAKE_SEND | sys::MACH_MSG_TYPE_MAKE_SEND_ONCE => sys::MACH_PORT_TYPE_RECEIVE,
        _ => return true,
    };
    let mut held = 0;
    // SAFETY: an out-pointer to a local; asking about our own space.
    let kr = unsafe { sys::mach_port_type(sys::mach_task_self(), name, &mut held) };
    kr == sys::KERN_SUCCESS && held & needed != 0
}

/// Releases the rights and regions of `message` that `refused` says are still the
/// caller's: rights by their disposition (`MOVE_*` as built, `PORT_*` once
/// pseudo-received; copies and makes cost nothing until sent), regions given away
/// (`deallocate`) as built, every region once pseudo-received.
///
/// # Safety
///
/// As [`release_refused`].
unsafe fn release_left(message: &[u8], descriptors: &[Descriptor], refused: Refused) {
    let word = |bytes: &[u8], at: usize| read_u32(bytes, at).unwrap_or(0);
    let bits = word(message, 0);
    if matches!(refused, Refused::PseudoReceived | Refused::Untouched) {
        release_right(word(message, 8), bits & 0x1f);
        release_right(word(message, 12), (bits >> 8) & 0x1f);
    }
    if bits & sys::MACH_MSGH_BITS_COMPLEX == 0 {
        return;
    }
    let pseudo_received = matches!(refused, Refused::PseudoReceived);
    let mut at = FIRST_DESCRIPTOR;
    for (index, d) in descriptors.iter().enumerate() {
        let Some(raw) = message.get(at..at + d.size()) else {
            return;
        };
        at += d.size();
        let kind = u32::from(raw[11]);
        let disposition = u32::from(raw[10]);
        if kind == sys::MACH_MSG_PORT_DESCRIPTOR {
            if refused.left((index, 0)) {
                release_right(word(raw, 0), disposition);
            }
            continue;
        }
        if raw.len() != 16 {
            continue;
        }
        let region = u64::from(word(raw, 0)) | (u64::from(word(raw, 4)) << 32);
        let count = word(raw, 12) as usize;
        let mut bytes = count;
        if kind == sys::MACH_MSG_OOL_PORTS_DESCRIPTOR {
            bytes = count * size_of::<mach_port_t>();
            if region != 0 {
                for element in (0..count).filter(|&element| refused.left((index, element))) {
                    // SAFETY: the descriptor's array holds `count` names, readable
                    // whether it is the caller's or a pseudo-received copy.
                    let name = unsafe {
                        (region as usize as *const mach_port_t)
                            .add(element)
                            .read_unaligned()
                    };
                    release_right(name, disposition);
                }
            }
        }
        let left = pseudo_received || (raw[8] != 0 && refused.region_left(index));
        if left && region != 0 && bytes != 0 {
            // SAFETY: a region the stub was given to move, or the kernel's copy of
            // one: ours to return, once.
            unsafe { sys::mach_vm_deallocate(sys::mach_task_self(), region, bytes as u64) };
        }
    }
}

/// Releases what a request that was never handed to `mach_msg` was moving (its header
/// is not set yet: only the descriptors count).
///
/// # Safety
///
/// As [`release_refused`].
unsafe fn release_unsent(message: &mut [u8], descriptors: &[Descriptor]) {
    if descriptors.is_empty() {
        return;
    }
    message[..4].copy_from_slice(&sys::MACH_MSGH_BITS_COMPLEX.to_ne_bytes());
    message[4..8].fill(0);
    // SAFETY: per the caller; as built, only `deallocate` regions are moved.
    unsafe { release_left(message, descriptors, Refused::Untouched) };
}

/// Releases a right the message was moving: `MOVE_RECEIVE`, `MOVE_SEND` and
/// `MOVE_SEND_ONCE` (the same numbers as the `PORT_*` forms a pseudo-receive leaves).
pub(crate) fn release_right(name: mach_port_t, disposition: u32) {
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
