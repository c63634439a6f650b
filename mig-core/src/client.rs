//! What a client stub does around its message: MIG's user-side protocol.
//!
//! The generated stub writes the request's fields into the stub's buffer and reads its
//! results where they lie in the reply (see `wire`); these functions set the header, call
//! `mach_msg` on the thread's reply port, release what a refused request still holds,
//! and check the reply the way Apple MIG's `__MIG_check__Reply__*` functions do.

use core::mem::size_of;

use crate::error::{Error, Result};
use core::mem::MaybeUninit;

use crate::message::{
    Descriptor, FIRST_DESCRIPTOR, Message, descriptors_match, measure, min_size, out_of_line_sizes_match,
    port_slots_match, read_u32, release_unused_slots,
};
use crate::sys::{self, mach_msg_header_t, mach_msg_id_t, mach_msg_type_name_t, mach_port_t};
use crate::trace;
use crate::trailer::{Trailer, receive_options};
use crate::wire::{Reader, Shape, Writer};

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
pub(crate) struct Received<Rp: Copy> {
    message: Rp,
    /// Room for the largest trailer (`mach_msg_max_trailer_t`): replies whose routine
    /// has `UserSecToken` or `UserAuditToken` arguments ask for more than format 0.
    trailer: [u8; crate::MAX_TRAILER_SIZE],
}

/// Composes an outgoing request of type `Rq` at `start`: the fields `write` writes after
/// the header, then the header (`dest` with `dest_disposition` as the remote port, the
/// reply port and disposition `reply` gives as the local port, `id`, and the complex bit
/// `Rq` calls for) and the thread's voucher. Returns the request's size and its reply
/// port. `reply` is asked once the fields are written, as Apple's stubs call
/// `mig_get_reply_port()` after storing the arguments (asking first kept the arguments live across that call: 3 to 10
/// Ir more per call in `benches/callgrind.sh`).
///
/// As Apple's stubs do, the size goes to `mach_msg`, not into the header; and the voucher
/// is put in as `voucher_mach_msg_set` does (bootstrap_cmds' `migcom.tproj/user.c` emits it
/// after the header): `COPY_SEND`, so the thread keeps its reference and nothing needs
/// releasing, whether the send succeeds, is refused, or is handed back after a timeout
/// (`ipc_kmsg_copyout_pseudo` puts a copied voucher's name and disposition back as they
/// were). A thread without a voucher, and the loopback's threads, leave the header as it
/// is.
///
/// # Safety
///
/// `start` points at `capacity` writable bytes (possibly uninitialized), 4-byte aligned,
/// which nothing else refers to until this returns; `capacity >= size_of::<Rq>()`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) unsafe fn compose_request<Rq: Message>(
    start: *mut u8,
    capacity: usize,
    write: impl FnOnce(&mut Writer<'_>),
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    reply: impl FnOnce() -> (mach_port_t, mach_msg_type_name_t),
    id: mach_msg_id_t,
) -> (usize, mach_port_t) {
    // SAFETY: per the contract above, the buffer's bytes, borrowed by the writer alone
    // until it is dropped.
    let buffer = unsafe { core::slice::from_raw_parts_mut(start.cast::<MaybeUninit<u8>>(), capacity) };
    let mut writer = Writer::new(buffer, size_of::<Rq>());
    write(&mut writer);
    let size = writer.size();
    let (reply, reply_disposition) = reply();
    let head = start.cast::<mach_msg_header_t>();
    let header = mach_msg_header_t {
        msgh_bits: sys::MACH_MSGH_BITS(dest_disposition, reply_disposition) | complex_bit::<Rq>(),
        msgh_size: 0,
        msgh_remote_port: dest,
        msgh_local_port: reply,
        msgh_voucher_port: 0,
        msgh_id: id,
    };
    // SAFETY: per the contract above, room for the header; `write` needs no initialized
    // target.
    unsafe { head.write(header) };
    // SAFETY: `head` points at the header just written; the call reads and writes only it.
    unsafe { sys::voucher_mach_msg_set(head) };
    (size, reply)
}

/// Calls a MIG `routine`: `write` writes the request's fields into the stub's buffer
/// (after its header), the request goes to `dest`, and `read` takes the results from the
/// checked reply where it lies.
///
/// The header is set here: `dest` with `dest_disposition` as the remote port, the reply
/// port that `reply` names as the local port, and `id`. Transport errors, a reply that
/// fails MIG's checks (Apple MIG's `__MIG_check__Reply__*`: see `check_reply`) and a
/// non-zero `RetCode` all come back as `Err`, and so does an `Err` of `read`; the reply
/// is then destroyed, releasing whatever `read` did not take. With `trailer_elements`,
/// the reply is received with a trailer holding everything up to them
/// (`MACH_RCV_TRAILER_SENDER` or `_AUDIT`, for `UserSecToken`/`UserAuditToken`
/// arguments), which `read` gets; a reply without it is refused with
/// `MIG_TRAILER_ERROR`, as Apple's stubs refuse it.
///
/// `options` are ORed into `MACH_SEND_MSG | MACH_RCV_MSG` (`MACH_SEND_TIMEOUT` and
/// `MACH_RCV_TIMEOUT` from `waittime`, anything from `msgoption`); `timeout` is in
/// milliseconds. With the special reply port (`UseSpecialReplyPort`), the
/// synchronous-IPC options Apple's stubs add are ORed in too
/// (`MACH_SEND_SYNC_OVERRIDE | MACH_SEND_SYNC_USE_THRPRI | MACH_RCV_SYNC_WAIT`), which
/// let XNU lend the waiting client's priority to the server.
///
/// When the kernel refuses the request, what the caller gave away (moved rights,
/// `deallocate` memory) and the kernel did not consume is released; the error code comes
/// back without the bits XNU may or into it (`MACH_MSG_MASK`). With the caller's own
/// reply port, a send that timed out and was handed back holding a send-once right made
/// for the port has that right released and the `MACH_NOTIFY_SEND_ONCE` that sends taken
/// off the port again (with any message queued ahead of it, which this call would have
/// taken for its reply), so the port's next call does not read it as its server's death.
///
/// # Safety
///
/// The kernel takes what the request names as given: every port descriptor `write`
/// writes must name a right the caller holds (one it may give away, for a `MOVE_*`
/// disposition), and every out-of-line descriptor's address memory the caller may read
/// for the descriptor's size (and, with `deallocate` set, owns and gives away: the kernel
/// unmaps it). `read` may take each right and region of the reply once (the `Reader`
/// clears what it hands out). The generated stubs write requests from owned and
/// borrowed arguments and read replies through the `Reader`, which meets this.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub unsafe fn call<Rq: Message, Rp: Message, T>(
    write: impl FnOnce(&mut Writer<'_>),
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: ReplyPort,
    trailer_elements: Option<u32>,
    read: impl FnOnce(&mut Reader<'_>, &Trailer) -> Result<T>,
) -> Result<T> {
    let span = trace::client::<Rq>(id);
    // SAFETY: the caller's promise, passed on unchanged.
    let result = unsafe {
        exchange::<Rq, Rp, T>(
            write,
            dest,
            dest_disposition,
            id,
            options,
            timeout,
            reply,
            trailer_elements,
            read,
        )
    };
    span.finish(&result);
    result
}

/// [`call`] without its span: sends the request and reads the reply.
///
/// # Safety
///
/// As [`call`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn exchange<Rq: Message, Rp: Message, T>(
    write: impl FnOnce(&mut Writer<'_>),
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: ReplyPort,
    trailer_elements: Option<u32>,
    read: impl FnOnce(&mut Reader<'_>, &Trailer) -> Result<T>,
) -> Result<T> {
    let options = options | trailer_elements.map_or(0, receive_options);
    const { assert!(size_of::<Rp>() >= REPLY_ERROR_SIZE) };
    // Never initialized as a whole: the request is written field by field and the kernel
    // writes the reply; only what either wrote is ever read.
    let mut exchange = MaybeUninit::<Exchange<Rq, Rp>>::uninit();
    let capacity = size_of::<Exchange<Rq, Rp>>();
    let start = exchange.as_mut_ptr().cast::<u8>();
    let head = start.cast::<mach_msg_header_t>();
    let reply_port = || match reply {
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
    // SAFETY: the exchange's `capacity` bytes, 8-byte aligned and ours alone; it holds an
    // `Rq`.
    let (send_size, reply_port) =
        unsafe { compose_request::<Rq>(start, capacity, write, dest, dest_disposition, reply_port, id) };
    // The synchronous-IPC options Apple's stubs add for the special reply port.
    let options = match reply {
        ReplyPort::Special => {
            options | sys::MACH_SEND_SYNC_OVERRIDE | sys::MACH_SEND_SYNC_USE_THRPRI | sys::MACH_RCV_SYNC_WAIT
        }
        _ => options,
    };
    // SAFETY: `head` points at a buffer of `capacity` bytes, which covers both the
    // request we send (its first `send_size` bytes, all written) and the reply plus
    // trailer we let the kernel write (at most `Received<Rp>`, as Apple's stubs pass
    // `sizeof(Reply)`: a larger reply is `MACH_RCV_TOO_LARGE`, destroyed by the kernel).
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
            // SAFETY: after a failed send the exchange still holds the request (its
            // first `send_size` bytes, as built or as pseudo-received into our space);
            // nothing else refers to it or its resources.
            let request = unsafe { core::slice::from_raw_parts(start, send_size) };
            let stray = match reply {
                ReplyPort::Callers(port, disposition) => handed_back_send_once(request, port, disposition),
                _ => None,
            };
            // SAFETY: as above.
            unsafe { release_refused(request, Rq::DESCRIPTORS, code) };
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
    // SAFETY: the kernel just wrote the reply and its trailer at the start of the
    // exchange, of `capacity` bytes.
    unsafe { take_reply::<Rp, T>(start, capacity, id, trailer_elements, read) }
}

/// The end of [`call`] (and of its `async` form), once the reply is received: checks it,
/// lets `read` take the results where they lie, and on any error destroys it.
///
/// # Safety
///
/// A receive into the `capacity` bytes at `start` (8-byte aligned) just succeeded, and
/// nothing else refers to them.
#[inline(always)]
pub(crate) unsafe fn take_reply<Rp: Message, T>(
    start: *mut u8,
    capacity: usize,
    id: mach_msg_id_t,
    trailer_elements: Option<u32>,
    read: impl FnOnce(&mut Reader<'_>, &Trailer) -> Result<T>,
) -> Result<T> {
    let head = start.cast::<mach_msg_header_t>();
    // SAFETY: per the contract above.
    let received = unsafe { received_bytes(start, capacity) };
    let trailer = match trailer_elements {
        Some(_) => Trailer::after(received),
        None => Trailer::EMPTY,
    };
    let checked = check_reply::<Rp>(received, id + 100).and_then(|shape| match trailer_elements {
        Some(n) if !trailer.holds(n) => Err(Error::MIG_TRAILER_ERROR),
        _ => Ok(shape),
    });
    let result = checked.and_then(|shape| {
        if !Rp::DESCRIPTORS.is_empty() {
            // Slots past a port array's count have no owner to come: released here.
            release_unused_slots(received, Rp::DESCRIPTORS, &shape, Rp::VARIABLE);
        }
        let size = read_u32(received, 4)
            .map_or(0, |s| s as usize)
            .min(received.len());
        read(&mut Reader::new(&mut received[..size], shape), &trailer)
    });
    if result.is_err() {
        // As Apple's stubs, whatever failed: release what the reply carried and `read`
        // did not take, physical copies included.
        crate::message::own_received_memory(received);
        // SAFETY: a received message, which we own; what was taken from it was cleared,
        // so the rest is released exactly once.
        unsafe { sys::mach_msg_destroy(head) };
    }
    result
}

/// The stub's one buffer: the request goes out of it and the reply comes back into it.
#[repr(C)]
pub(crate) union Exchange<Rq: Copy, Rp: Copy> {
    request: Rq,
    reply: Received<Rp>,
}

/// The bytes the kernel wrote into a receive buffer of `capacity` bytes at `start`: the
/// message and its trailer (at most the buffer).
///
/// # Safety
///
/// A receive into the buffer just succeeded, and nothing else refers to it while the
/// slice lives.
#[inline]
unsafe fn received_bytes<'a>(start: *mut u8, capacity: usize) -> &'a mut [u8] {
    // SAFETY: a received message starts with its header, and the kernel appends at least
    // a format-0 trailer (`mach_msg_trailer_t`), whose second word is its size.
    let (size, trailer) = unsafe {
        let size = start.add(4).cast::<u32>().read_unaligned() as usize;
        let at = size.next_multiple_of(4).min(capacity - 8);
        (size, start.add(at + 4).cast::<u32>().read_unaligned() as usize)
    };
    let len = size.next_multiple_of(4).saturating_add(trailer).min(capacity);
    // SAFETY: the kernel wrote those `len` bytes (see above), within the buffer.
    unsafe { core::slice::from_raw_parts_mut(start, len) }
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

/// Apple MIG's `__MIG_check__Reply__*`, made where the reply lies:
/// 1. the id (`MIG_SERVER_DIED` for a send-once notification, else `MIG_REPLY_MISMATCH`);
/// 2. the shape: `Rp`'s complex bit, descriptor count and size (between its minimum and
///    maximum when it has variable arrays), unless it is a 36-byte
///    `mig_reply_error_t` carrying an error;
/// 3. no remote port;
/// 4. the server's `RetCode`;
/// 5. descriptor types and dispositions, and the array counts against the size.
///
/// Any mismatch is `MIG_TYPE_ERROR`. Returns where the reply's fields lie; misaligned
/// out-of-line regions are realigned (`KERN_RESOURCE_SHORTAGE` if memory runs out).
#[inline(always)]
fn check_reply<Rp: Message>(bytes: &mut [u8], reply_id: mach_msg_id_t) -> Result<Shape> {
    let read = |bytes: &[u8], at: usize| read_u32(bytes, at).unwrap_or(0);
    let bits = read(bytes, 0);
    let received = read(bytes, 4) as usize;
    let remote = read(bytes, 8);
    let id = read(bytes, 20) as i32;
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
        read(bytes, RETCODE_OFFSET) as i32
    } else {
        0
    };
    let count_ok = !complex || read(bytes, 24) as usize == Rp::DESCRIPTORS.len();
    let shape_ok = complex != Rp::DESCRIPTORS.is_empty()
        && count_ok
        && (min..=size).contains(&received)
        && received <= bytes.len();
    let error_reply = !complex && received == REPLY_ERROR_SIZE && retcode != 0;
    if !(shape_ok || error_reply) || remote != sys::MACH_PORT_NULL {
        return Err(Error::MIG_TYPE_ERROR);
    }
    Error::check(retcode)?;
    if complex && !descriptors_match(bytes, Rp::DESCRIPTORS) {
        return Err(Error::MIG_TYPE_ERROR);
    }
    let shape = if Rp::VARIABLE.is_empty() {
        Shape::FULL
    } else {
        measure(bytes, received, size, Rp::VARIABLE).ok_or(Error::MIG_TYPE_ERROR)?
    };
    if complex
        && !(out_of_line_sizes_match(bytes, Rp::DESCRIPTORS, &shape, Rp::VARIABLE)
            && port_slots_match(bytes, Rp::DESCRIPTORS, &shape, Rp::VARIABLE))
    {
        return Err(Error::MIG_TYPE_ERROR);
    }
    if complex
        && const { crate::message::may_need_realigning(Rp::DESCRIPTORS) }
        && !crate::message::realign_out_of_line(bytes, Rp::DESCRIPTORS)
    {
        return Err(Error::KERN_RESOURCE_SHORTAGE);
    }
    Ok(shape)
}

/// A simpleroutine's request reduced to its `RetCode` argument: a `mig_reply_error_t`
/// with the request's id.
#[repr(C, packed(4))]
#[derive(Clone, Copy)]
pub(crate) struct RetCodeOnly {
    head: mach_msg_header_t,
    ndr: sys::NDR_record_t,
    ret_code: sys::kern_return_t,
}

// SAFETY: packed(4), starts with the header, plain data with no padding.
unsafe impl Message for RetCodeOnly {}

/// [`post`] for a simpleroutine whose complex request has a `RetCode` argument that
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
    // SAFETY: the message carries no descriptors; its header names only what the
    // caller passes, as for any stub.
    unsafe {
        post::<RetCodeOnly>(
            write_ret_code(code),
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

/// Writes the body of a code-only `RetCodeOnly` message: NDR and the code.
#[inline(always)]
pub(crate) fn write_ret_code(code: sys::kern_return_t) -> impl FnOnce(&mut Writer<'_>) {
    move |writer| {
        writer.put(24, crate::ndr::LITTLE_ENDIAN);
        writer.put(32, code);
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

/// Sends a MIG `simpleroutine` without waiting: `write` writes the request's fields after
/// its header, which is set here (`dest` with `dest_disposition`, `id`, and `reply` with
/// `reply_disposition` as the local port: a `replyport`/`ureplyport` argument, on which
/// the receiver may answer; `MACH_PORT_NULL` and 0 without one). A refused request is
/// handled as [`call`] handles it.
///
/// # Safety
///
/// As for [`call`]: what the request names is the caller's to lend or give away.
#[allow(clippy::too_many_arguments)]
pub unsafe fn post<Rq: Message>(
    write: impl FnOnce(&mut Writer<'_>),
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: mach_port_t,
    reply_disposition: mach_msg_type_name_t,
) -> Result<()> {
    let span = trace::client::<Rq>(id);
    // SAFETY: the caller's promise, passed on unchanged.
    let result = unsafe {
        send::<Rq>(
            write,
            dest,
            dest_disposition,
            id,
            options,
            timeout,
            reply,
            reply_disposition,
        )
    };
    span.finish(&result);
    result
}

/// [`post`] without its span: sends the request.
///
/// # Safety
///
/// As [`post`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn send<Rq: Message>(
    write: impl FnOnce(&mut Writer<'_>),
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: mach_port_t,
    reply_disposition: mach_msg_type_name_t,
) -> Result<()> {
    let mut request = MaybeUninit::<Rq>::uninit();
    let start = request.as_mut_ptr().cast::<u8>();
    let head = start.cast::<mach_msg_header_t>();
    // SAFETY: the request's bytes, ours alone; `Rq` is 4-byte aligned (`Message` contract).
    let (send_size, _) = unsafe {
        compose_request::<Rq>(
            start,
            size_of::<Rq>(),
            write,
            dest,
            dest_disposition,
            || (reply, reply_disposition),
            id,
        )
    };
    // SAFETY: `mach_msg` reads the `send_size` bytes of the request, all written.
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
        // SAFETY: the request's first `send_size` bytes, as built or as pseudo-received
        // into our space; nothing else refers to them.
        let message = unsafe { core::slice::from_raw_parts(start, send_size) };
        let stray = handed_back_send_once(message, reply, reply_disposition);
        // SAFETY: the request is still ours; nothing else refers to its resources.
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
pub(crate) fn handed_back_send_once(
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
pub(crate) fn take_stray_notification(port: mach_port_t) {
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
pub(crate) fn is_send_error(code: sys::mach_msg_return_t) -> bool {
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
pub(crate) unsafe fn release_refused(
    message: &[u8],
    descriptors: &[Descriptor],
    code: sys::mach_msg_return_t,
) {
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
        let check = |mut b: [u8; 48]| check_reply::<Reply40>(&mut b, 200).map(|_| ());
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
