//! The server side: what a generated `dispatch` relies on, and the receive loop.

use core::cell::Cell;
use core::mem::size_of;

use crate::client::REPLY_ERROR_SIZE;
use crate::client::complex_bit;
use crate::client::mach_msg_code;
use crate::error::{Error, Result};
use crate::message::{
    Message, MessageBuffer, descriptors_match, measure, min_size, out_of_line_sizes_match, port_slots_match,
    release_unused_slots,
};
use crate::sys::{self, NDR_record_t, kern_return_t, mach_msg_header_t, mach_port_t};
use crate::trailer::Trailer;
use crate::wire::{Reader, Shape, Slots, Writer};

/// A subsystem's server: generated as `<subsystem>::Service<S>` for any `S` implementing
/// the subsystem's `Server` trait, and served by [`serve`].
///
/// # Safety
///
/// The server loops send whatever [`demux`](Demux::demux) leaves in the reply buffer, and
/// the kernel takes what that message names as given: an implementation may leave there
/// only a message whose port names are rights it holds to give (or lend, as their
/// dispositions say) and whose out-of-line addresses are memory it may read (and, with
/// `deallocate` set, owns and gives away: the kernel unmaps it). The generated
/// `Service<S>` builds replies only from the handler's owned values; a wrapper that
/// forwards to another `Demux` and writes nothing itself meets this too.
pub unsafe trait Demux {
    /// The msgh_id of the subsystem's first routine.
    const BASE: i32;
    /// One past the msgh_id of its last routine.
    const END: i32;
    /// The largest request any routine accepts, without trailer.
    const MAX_REQUEST_SIZE: usize;
    /// The largest reply any routine sends (at least a `mig_reply_error_t`).
    const MAX_REPLY_SIZE: usize;

    /// Handles one request, MIG's demux: prepares the reply header, validates the
    /// request, calls the handler and builds the reply. Returns `false` when the id is
    /// not one of this subsystem's (the reply then carries `MIG_BAD_ID`). A request
    /// without the proof of a kernel receive (see [`MessageBuffer`]) is refused with
    /// `MIG_BAD_ARGUMENTS`.
    fn demux(&self, request: &mut MessageBuffer, reply: &mut MessageBuffer) -> bool;
}

/// Several subsystems on one port: `mig::serve(port, &(a::Service(x), b::Service(y)))`.
///
/// A request goes to the first subsystem whose msgh_id range holds its id, and that
/// subsystem checks it as usual; an id neither knows gets `MIG_BAD_ID`. Buffers are
/// sized for the larger of the two. Nest pairs for more: `(a, (b, c))`. Like
/// chaining MIG's C demux functions, but decided by range, so one subsystem never
/// sees another's requests.
// SAFETY: forwards to `A` or `B`, which keep the promise; writes nothing itself.
unsafe impl<A: Demux, B: Demux> Demux for (A, B) {
    const BASE: i32 = if A::BASE < B::BASE { A::BASE } else { B::BASE };
    const END: i32 = if A::END > B::END { A::END } else { B::END };
    const MAX_REQUEST_SIZE: usize = max(A::MAX_REQUEST_SIZE, B::MAX_REQUEST_SIZE);
    const MAX_REPLY_SIZE: usize = max(A::MAX_REPLY_SIZE, B::MAX_REPLY_SIZE);

    fn demux(&self, request: &mut MessageBuffer, reply: &mut MessageBuffer) -> bool {
        let id = request.header().msgh_id;
        if (A::BASE..A::END).contains(&id) {
            self.0.demux(request, reply)
        } else {
            self.1.demux(request, reply)
        }
    }
}

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// `mig_reply_error_t`: the reply that carries only a return code.
#[repr(C, packed(4))]
#[derive(Clone, Copy)]
struct ReplyError {
    head: mach_msg_header_t,
    ndr: NDR_record_t,
    ret_code: kern_return_t,
}

// SAFETY: packed(4), starts with the header, plain data.
unsafe impl Message for ReplyError {}

/// The NDR record every MIG message carries: little endian, ASCII, IEEE floats.
pub const NDR: NDR_record_t = crate::ndr::LITTLE_ENDIAN;

/// Sets up `reply` for `request` as MIG's demux does: reply to the request's reply port
/// (remote bits kept, no local port), id + 100, sized as a `mig_reply_error_t`
/// carrying `MIG_BAD_ID` until a routine fills it in.
#[inline]
pub fn prepare_reply(request: &MessageBuffer, reply: &mut MessageBuffer) {
    let req = *request.header();
    reply.write(ReplyError {
        head: mach_msg_header_t {
            msgh_bits: req.msgh_bits & sys::MACH_MSGH_BITS_REMOTE_MASK,
            msgh_size: REPLY_ERROR_SIZE as u32,
            msgh_remote_port: req.msgh_remote_port,
            msgh_local_port: sys::MACH_PORT_NULL,
            msgh_voucher_port: sys::MACH_PORT_NULL,
            msgh_id: req.msgh_id.wrapping_add(100),
        },
        ndr: NDR,
        ret_code: Error::MIG_BAD_ID.code(),
    });
}

/// The request as routine `T`: Apple MIG's `__MIG_check__Request__*`. The size must be
/// `T`'s (between its minimum and maximum when it has variable-size arrays), and the
/// complex bit and descriptor count `T`'s (`MIG_BAD_ARGUMENTS` otherwise); descriptors
/// must have the right types and dispositions (`MIG_TYPE_ERROR`); array counts must be
/// within their maxima and account for the size exactly (`MIG_BAD_ARGUMENTS`). Nothing
/// moves: the returned [`Shape`] says where the fields lie. Misaligned out-of-line
/// regions are realigned (`KERN_RESOURCE_SHORTAGE` if memory runs out).
#[inline]
pub fn request<T: Message>(request: &mut MessageBuffer) -> Result<Shape> {
    let head = *request.header();
    let complex = head.msgh_bits & sys::MACH_MSGH_BITS_COMPLEX != 0;
    let received = head.msgh_size as usize;
    let size = size_of::<T>();
    let count = request
        .bytes()
        .get(24..28)
        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    let shape_ok = (min_size(size, T::VARIABLE)..=size).contains(&received)
        && received <= request.capacity()
        && complex != T::DESCRIPTORS.is_empty()
        && (!complex || count == Some(T::DESCRIPTORS.len() as u32));
    if !shape_ok {
        return Err(Error::MIG_BAD_ARGUMENTS);
    }
    if complex && !descriptors_match(request.bytes(), T::DESCRIPTORS) {
        return Err(Error::MIG_TYPE_ERROR);
    }
    let shape = if T::VARIABLE.is_empty() {
        Shape::FULL
    } else {
        measure(request.bytes(), received, size, T::VARIABLE).ok_or(Error::MIG_BAD_ARGUMENTS)?
    };
    if complex
        && !(out_of_line_sizes_match(request.bytes(), T::DESCRIPTORS, &shape, T::VARIABLE)
            && port_slots_match(request.bytes(), T::DESCRIPTORS, &shape, T::VARIABLE))
    {
        return Err(Error::MIG_TYPE_ERROR);
    }
    if complex
        && const { crate::message::may_need_realigning(T::DESCRIPTORS) }
        && !crate::message::realign_out_of_line(request.bytes_mut_kept(), T::DESCRIPTORS)
    {
        return Err(Error::KERN_RESOURCE_SHORTAGE);
    }
    Ok(shape)
}

/// The request's trailer, for routines whose handler takes trailer values; the others
/// get an empty one (copying it costs as much as checking the request).
fn trailer_of<Rq: Message>(request: &MessageBuffer) -> Trailer {
    if Rq::TRAILER {
        Trailer::of(request)
    } else {
        Trailer::EMPTY
    }
}

/// Checks the request as routine `T` and accepts it: the handler's code then takes its
/// rights and regions out of the buffer (each taken one is cleared there, so destroying
/// the request later cannot release it twice) and reads the rest where it lies.
///
/// Only a buffer with the proof of a kernel receive gets this far (see
/// [`MessageBuffer`]); the proof is used up here, so a request is taken at most once.
#[inline]
fn accept<T: Message>(buffer: &mut MessageBuffer) -> Result<(Shape, Trailer)> {
    if !buffer.take_proof() {
        return Err(Error::MIG_BAD_ARGUMENTS);
    }
    let trailer = trailer_of::<T>(buffer);
    let shape = request::<T>(buffer)?;
    if !T::DESCRIPTORS.is_empty() {
        // Slots past a port array's count have no owner to come: released here.
        release_unused_slots(buffer.bytes_mut_kept(), T::DESCRIPTORS, &shape, T::VARIABLE);
    }
    Ok((shape, trailer))
}

/// Runs a handler so that its panic does not cross the dispatch (nor unwind into a C
/// server loop through [`c_demux`], which would abort): the panic hook reports it as
/// usual, the values the handler owned are dropped as it unwinds, and the request
/// fails with `KERN_FAILURE`, so the client gets an answer, the request's resources are
/// released, and the loop goes on. The server's own state is the handler's to keep
/// consistent, as with any panic that is caught (a `Mutex` it held is poisoned).
fn guarded<T>(handler: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(handler)).unwrap_or(Err(Error::KERN_FAILURE))
}

/// The blocking dispatch's panic guard (`guarded`) for a handler's future: a panic
/// while it is polled ends it with `KERN_FAILURE` (what it held dropped as it unwinds,
/// the rest of it when this future returns), so the request is answered and released as
/// in the blocking loop.
#[cfg(feature = "tokio")]
pub async fn guarded_async<T>(handler: impl core::future::Future<Output = Result<T>>) -> Result<T> {
    crate::asynchronous::contained(handler)
        .await
        .unwrap_or(Err(Error::KERN_FAILURE))
}

/// One `routine` in `dispatch`: checks the request, calls `handler` (which takes its
/// arguments from the request where they lie, and writes its variable `out` arrays
/// into their slots of the reply), and writes the reply that `reply_of` writes from its
/// result straight into the reply buffer, or the error reply.
pub fn routine<Rq: Message, Rp: Message, T>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    handler: impl FnOnce(&mut Reader<'_>, &Trailer, &mut Slots<'_>) -> Result<T>,
    reply_of: impl FnOnce(T, &mut Writer<'_>) -> Result<()>,
) {
    traced::<Rq>(request, reply_buffer, |request, reply_buffer| {
        let result = accept::<Rq>(request).and_then(|(shape, trailer)| {
            guarded(|| {
                let out = handler(
                    &mut request.reader(shape),
                    &trailer,
                    &mut reply_buffer.slots(size_of::<Rp>()),
                )?;
                write_reply::<Rp>(reply_buffer, |writer| reply_of(out, writer))
            })
        });
        if let Err(error) = result {
            failed(request, reply_buffer, error);
        }
    })
}

/// Writes a routine's reply into the buffer [`prepare_reply`] set up: its header, with
/// the reply's complex bit and size, and what `write` writes after it.
#[inline]
fn write_reply<Rp: Message>(
    reply: &mut MessageBuffer,
    write: impl FnOnce(&mut Writer<'_>) -> Result<()>,
) -> Result<()> {
    let size = {
        // Keeps the header (the writer writes after it, and grows the buffer keeping it).
        let mut writer = reply.writer(size_of::<Rp>());
        write(&mut writer)?;
        writer.size()
    };
    let head = reply.header_mut();
    head.msgh_bits |= complex_bit::<Rp>();
    head.msgh_size = size as u32;
    Ok(())
}

/// The reply to a handler that does not hold the reply right and failed with `error`:
/// a `mig_reply_error_t`, or for `MIG_NO_REPLY` nothing. Such a handler can never
/// answer later (only `sreplyport` handlers get the right), so the reply right is
/// released here, at once: the client learns `MIG_SERVER_DIED` from its send-once
/// notification instead of waiting forever, and no right is left behind (neither
/// [`serve_one`] nor a C `mach_msg_server` releases it on `MIG_NO_REPLY`).
fn failed(request: &mut MessageBuffer, reply_buffer: &mut MessageBuffer, error: Error) {
    if error == Error::MIG_NO_REPLY {
        release_reply_right(request, reply_buffer);
    }
    error_reply(reply_buffer, error);
}

/// Releases the request's reply right, which [`prepare_reply`] copied into the reply,
/// and clears both headers so that nothing releases or uses it again.
fn release_reply_right(request: &mut MessageBuffer, reply_buffer: &mut MessageBuffer) {
    let head = *reply_buffer.header();
    let name = head.msgh_remote_port;
    let disposition = head.msgh_bits & sys::MACH_MSGH_BITS_REMOTE_MASK;
    let held =
        disposition == sys::MACH_MSG_TYPE_MOVE_SEND || disposition == sys::MACH_MSG_TYPE_MOVE_SEND_ONCE;
    if held && name != sys::MACH_PORT_NULL && name != sys::MACH_PORT_DEAD {
        // SAFETY: takes no pointers; the right came with the request and nothing else
        // owns it (both headers are cleared below).
        unsafe { sys::mach_port_deallocate(sys::mach_task_self(), name) };
    }
    reply_buffer.header_mut().msgh_remote_port = sys::MACH_PORT_NULL;
    if request.header().msgh_remote_port == name {
        request.header_mut().msgh_remote_port = sys::MACH_PORT_NULL;
    }
}

/// A routine whose handler takes the reply port (MIG's `sreplyport`/`replyport`): the
/// handler answers when it likes, with the routine's generated `reply` function, and the
/// server loop sends nothing. An `Err` releases the request's resources; the reply port
/// is the handler's either way (dropping it unused tells the client `MIG_SERVER_DIED`).
pub fn deferred_routine<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    handler: impl FnOnce(&mut Reader<'_>, &Trailer, mach_port_t) -> Result<()>,
) {
    traced::<Rq>(request, reply_buffer, |request, reply_buffer| {
        let Some((mut accepted, reply_port)) = accept_deferred::<Rq>(request, reply_buffer) else {
            return;
        };
        let (mut reader, trailer) = accepted.reader(request);
        let result = guarded(|| handler(&mut reader, trailer, reply_port));
        finish_deferred(reply_buffer, result);
    })
}

/// A request a routine's checks accepted (the check part of [`routine`] and its
/// siblings, shared with the `async` dispatch): where its fields lie, its trailer, and
/// for a `RetCode` sent alone the all-zero request that stands in for it.
pub struct Accepted {
    shape: Shape,
    trailer: Trailer,
    /// The zeroed request a code sent alone stands for (see
    /// [`simple_routine_with_ret_code`]).
    zero: Option<MessageBuffer>,
}

impl Accepted {
    #[inline(always)]
    fn new(shape: Shape, trailer: Trailer) -> Self {
        Accepted {
            shape,
            trailer,
            zero: None,
        }
    }

    /// The request's reader (or the zeroed stand-in's) and its trailer, for a handler.
    #[inline(always)]
    pub fn reader<'a>(&'a mut self, request: &'a mut MessageBuffer) -> (Reader<'a>, &'a Trailer) {
        let reader = match &mut self.zero {
            Some(zero) => zero.reader(Shape::FULL),
            None => request.reader(self.shape),
        };
        (reader, &self.trailer)
    }

    /// [`reader`](Self::reader), and the slots of reply `Rp` for the handler's `out`
    /// arrays.
    #[inline(always)]
    pub fn with_slots<'a, Rp: Message>(
        &'a mut self,
        request: &'a mut MessageBuffer,
        reply: &'a mut MessageBuffer,
    ) -> (Reader<'a>, &'a Trailer, Slots<'a>) {
        let (reader, trailer) = self.reader(request);
        (reader, trailer, reply.slots(size_of::<Rp>()))
    }
}

/// The check part of a routine with a reply (see [`routine`]): `None`, the error reply
/// written, if the request is not a well-formed `Rq`.
#[inline]
pub fn accept_routine<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
) -> Option<Accepted> {
    match accept::<Rq>(request) {
        Ok((shape, trailer)) => Some(Accepted::new(shape, trailer)),
        Err(error) => {
            failed(request, reply_buffer, error);
            None
        }
    }
}

/// The finish part of a routine with a reply (see [`routine`]): writes the reply that
/// `reply_of` writes from the handler's `result` (a panic there contained as the
/// handler's), or the error reply.
pub fn finish_routine<Rp: Message, T>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    result: Result<T>,
    reply_of: impl FnOnce(T, &mut Writer<'_>) -> Result<()>,
) {
    let result =
        result.and_then(|out| guarded(|| write_reply::<Rp>(reply_buffer, |writer| reply_of(out, writer))));
    if let Err(error) = result {
        failed(request, reply_buffer, error);
    }
}

/// The check part of a routine whose handler takes the reply port (see
/// [`deferred_routine`]): the accepted request and the reply right, moved out of both
/// buffers; `None`, the error reply written, if the request is not a well-formed `Rq`.
#[inline]
pub fn accept_deferred<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
) -> Option<(Accepted, mach_port_t)> {
    let (shape, trailer) = match accept::<Rq>(request) {
        Ok(accepted) => accepted,
        // A malformed request is answered at once, like any other.
        Err(error) => {
            error_reply(reply_buffer, error);
            return None;
        }
    };
    // The reply port moves to the handler: neither the loop nor the request keep it.
    let reply_port = core::mem::replace(
        &mut request.header_mut_kept().msgh_remote_port,
        sys::MACH_PORT_NULL,
    );
    reply_buffer.header_mut().msgh_remote_port = sys::MACH_PORT_NULL;
    Some((Accepted::new(shape, trailer), reply_port))
}

/// The finish part of [`deferred_routine`]: an `Err` marks the request failed (so the
/// loop releases it); nothing is sent either way.
#[inline]
pub fn finish_deferred(reply_buffer: &mut MessageBuffer, result: Result<()>) {
    match result {
        Ok(()) => success_reply(reply_buffer),
        Err(error) => error_reply(reply_buffer, error),
    }
}

/// The finish part of a simpleroutine (see [`simple_routine`]): success, or the error
/// recorded so that the loop releases the request.
#[inline]
pub fn finish_simple(request: &mut MessageBuffer, reply_buffer: &mut MessageBuffer, result: Result<()>) {
    match result {
        Ok(()) => success_reply(reply_buffer),
        // A peer may send a simpleroutine with a reply right: not kept either.
        Err(error) => failed(request, reply_buffer, error),
    }
}

/// The check part of [`simple_routine_with_ret_code`]: the accepted request (or the
/// zeroed stand-in of a code sent alone) and the code; `None`, the error recorded, if
/// the request is neither.
pub fn accept_with_ret_code<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
) -> Option<(Accepted, kern_return_t)> {
    let head = *request.header();
    let code_only =
        head.msgh_bits & sys::MACH_MSGH_BITS_COMPLEX == 0 && head.msgh_size as usize == REPLY_ERROR_SIZE;
    if !code_only {
        return accept_routine::<Rq>(request, reply_buffer).map(|accepted| (accepted, sys::KERN_SUCCESS));
    }
    if !request.take_proof() {
        failed(request, reply_buffer, Error::MIG_BAD_ARGUMENTS);
        return None;
    }
    let trailer = trailer_of::<Rq>(request);
    let Some(code) = crate::message::read_u32(request.bytes(), REPLY_ERROR_SIZE - 4) else {
        failed(request, reply_buffer, Error::MIG_BAD_ARGUMENTS);
        return None;
    };
    // The arguments the code stands in for: a zeroed request of the routine's maximum
    // size (every count 0, every descriptor null), with the received header.
    let mut zero = MessageBuffer::with_capacity(size_of::<Rq>());
    *zero.header_mut() = mach_msg_header_t {
        msgh_size: size_of::<Rq>() as u32,
        ..head
    };
    let accepted = Accepted {
        shape: Shape::FULL,
        trailer,
        zero: Some(zero),
    };
    Some((accepted, code as kern_return_t))
}

/// Builds a routine's reply for a deferred answer: what `write` writes, in a buffer of
/// its own, whose header [`send_reply`] completes. Fails as `write` fails, having sent
/// nothing.
pub fn build_reply<Rp: Message>(write: impl FnOnce(&mut Writer<'_>) -> Result<()>) -> Result<MessageBuffer> {
    let mut buffer = MessageBuffer::with_capacity(size_of::<Rp>());
    let mut writer = buffer.writer(size_of::<Rp>());
    write(&mut writer)?;
    let size = writer.size() as u32;
    let head = buffer.header_mut();
    head.msgh_bits = complex_bit::<Rp>();
    head.msgh_size = size;
    Ok(buffer)
}

/// Sends a reply [`build_reply`] built, later, to the send-once right `to` (a deferred
/// reply), with id `id`. The right is used up either way.
///
/// # Safety
///
/// As for the requests of [`call`](crate::__private::call): what `reply` names is the
/// caller's to lend or give away.
pub unsafe fn send_reply(to: mach_port_t, id: i32, mut reply: MessageBuffer) -> Result<()> {
    let head = reply.header_mut();
    head.msgh_bits |= sys::MACH_MSG_TYPE_MOVE_SEND_ONCE;
    head.msgh_remote_port = to;
    head.msgh_local_port = sys::MACH_PORT_NULL;
    head.msgh_voucher_port = sys::MACH_PORT_NULL;
    head.msgh_id = id;
    send_buffer(&mut reply)
}

/// Sends a `mig_reply_error_t` carrying `error` to the send-once right `to`.
pub fn send_error_reply(to: mach_port_t, id: i32, error: Error) -> Result<()> {
    let mut buffer = MessageBuffer::with_capacity(REPLY_ERROR_SIZE);
    buffer.write(ReplyError {
        head: mach_msg_header_t {
            msgh_bits: sys::MACH_MSG_TYPE_MOVE_SEND_ONCE,
            msgh_size: REPLY_ERROR_SIZE as u32,
            msgh_remote_port: to,
            msgh_local_port: sys::MACH_PORT_NULL,
            msgh_voucher_port: sys::MACH_PORT_NULL,
            msgh_id: id,
        },
        ndr: NDR,
        ret_code: error.code(),
    });
    send_buffer(&mut buffer)
}

fn send_buffer(buffer: &mut MessageBuffer) -> Result<()> {
    let size = buffer.header().msgh_size;
    // SAFETY: the buffer holds a complete message of `msgh_size` bytes.
    let sent =
        mach_msg_code(unsafe { sys::mach_msg(buffer.as_mut_ptr(), sys::MACH_SEND_MSG, size, 0, 0, 0, 0) });
    if sent != sys::MACH_MSG_SUCCESS {
        consume_unsent(buffer, sent);
    }
    Error::check(sent)
}

/// After a reply's send failed with `sent`, does what libsystem's `mach_msg_server`
/// does (`mach_msg_server_is_recoverable_send_error`,
/// `mach_msg_server_consume_unsent_message` in `libsyscall/mach/mach_msg.c`): on
/// `MACH_SEND_INVALID_DEST`, `MACH_SEND_TIMED_OUT` and `MACH_SEND_INTERRUPTED` the
/// kernel handed the whole message back, so it is destroyed (its reply right, rights
/// and memory), simple or complex; after any other error the kernel may have
/// consumed part of it, and releasing the rest could release what is no longer ours.
fn consume_unsent(message: &mut MessageBuffer, sent: sys::mach_msg_return_t) {
    let recoverable = matches!(
        mach_msg_code(sent),
        sys::MACH_SEND_INVALID_DEST | sys::MACH_SEND_TIMED_OUT | sys::MACH_SEND_INTERRUPTED
    );
    if !recoverable {
        return;
    }
    let head = *message.header();
    let local = head.msgh_bits >> 8 & 0x1f;
    if head.msgh_local_port != sys::MACH_PORT_NULL
        && head.msgh_local_port != sys::MACH_PORT_DEAD
        && (local == sys::MACH_MSG_TYPE_MOVE_SEND || local == sys::MACH_MSG_TYPE_MOVE_SEND_ONCE)
    {
        // SAFETY: takes no pointers; the right is the unsent message's own.
        unsafe { sys::mach_port_deallocate(sys::mach_task_self(), head.msgh_local_port) };
        message.header_mut().msgh_local_port = sys::MACH_PORT_NULL;
    }
    // SAFETY: an unsent message we built and own; its resources are released once.
    unsafe { sys::mach_msg_destroy(message.as_mut_ptr()) };
}

/// One `simpleroutine` in `dispatch`: checks the request and calls `handler`. Nothing
/// is sent back, but an error is recorded so the server loop releases the request.
pub fn simple_routine<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    handler: impl FnOnce(&mut Reader<'_>, &Trailer) -> Result<()>,
) {
    traced::<Rq>(request, reply_buffer, |request, reply_buffer| {
        simple_routine_body::<Rq>(request, reply_buffer, handler)
    })
}

/// [`simple_routine`] without its span.
#[inline(always)]
fn simple_routine_body<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    handler: impl FnOnce(&mut Reader<'_>, &Trailer) -> Result<()>,
) {
    let Some(mut accepted) = accept_routine::<Rq>(request, reply_buffer) else {
        return;
    };
    let (mut reader, trailer) = accepted.reader(request);
    let result = guarded(|| handler(&mut reader, trailer));
    finish_simple(request, reply_buffer, result);
}

/// Runs the server side of `Rq` on a request in its span (feature `tracing`), which
/// records the code the reply carries.
#[inline(always)]
fn traced<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    body: impl FnOnce(&mut MessageBuffer, &mut MessageBuffer),
) {
    let span = crate::trace::server::<Rq>(request.header().msgh_id);
    body(request, reply_buffer);
    span.finish_code(ret_code(reply_buffer));
}

/// One `simpleroutine` whose complex request leaves its `RetCode` out (see
/// `send_ret_code`): a nonzero code travels alone, as a simple message of exactly a
/// `mig_reply_error_t`'s size. Apple's server takes such a message before checking the
/// request (`WriteRetCArgCheckError` in `migcom.tproj/server.c`) and calls the handler
/// with the code and every other argument zero (`WriteConditionalCallArg`); so does
/// this: the handler reads its arguments from an all-zero request (a null name, empty
/// arrays and strings, zeroed data) with the received header, and gets the code. Any
/// other request is checked as usual, and the handler gets `KERN_SUCCESS`.
pub fn simple_routine_with_ret_code<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    handler: impl FnOnce(&mut Reader<'_>, &Trailer, kern_return_t) -> Result<()>,
) {
    traced::<Rq>(request, reply_buffer, |request, reply_buffer| {
        let Some((mut accepted, code)) = accept_with_ret_code::<Rq>(request, reply_buffer) else {
            return;
        };
        let (mut reader, trailer) = accepted.reader(request);
        let result = guarded(|| handler(&mut reader, trailer, code));
        finish_simple(request, reply_buffer, result);
    })
}

/// Turns the prepared reply into a `mig_reply_error_t` carrying `error`.
pub fn error_reply(reply: &mut MessageBuffer, error: Error) {
    let head = *reply.header();
    reply.write(ReplyError {
        head: mach_msg_header_t {
            msgh_size: REPLY_ERROR_SIZE as u32,
            msgh_bits: head.msgh_bits & !sys::MACH_MSGH_BITS_COMPLEX,
            ..head
        },
        ndr: NDR,
        ret_code: error.code(),
    });
}

/// Marks the prepared reply as a success with nothing to send back (a simpleroutine).
pub fn success_reply(reply: &mut MessageBuffer) {
    let head = *reply.header();
    reply.write(ReplyError {
        head,
        ndr: NDR,
        ret_code: 0,
    });
}

/// The code a reply carries: none (success) in a complex reply, else its `RetCode` (0
/// when the reply is too short to hold one).
#[inline(always)]
fn ret_code(reply: &MessageBuffer) -> kern_return_t {
    if reply.header().msgh_bits & sys::MACH_MSGH_BITS_COMPLEX != 0 {
        return sys::KERN_SUCCESS;
    }
    crate::message::read_u32(reply.bytes(), REPLY_ERROR_SIZE - 4)
        .map_or(sys::KERN_SUCCESS, |code| code as kern_return_t)
}

/// What [`serve_one`] did with one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// A request was handled (a reply was sent if the routine has one).
    Handled,
    /// The port was destroyed: there is nothing left to serve.
    PortGone,
}

/// Receives one request on `port`, dispatches it and sends the reply, as libsystem's
/// `mach_msg_server_once` does: an error reply releases the request's resources,
/// `MIG_NO_REPLY` sends nothing, a simpleroutine gets no reply, and a reply that cannot
/// be delivered is destroyed. Buffers smaller than `D` needs are replaced by ones of
/// its sizes. A request the kernel delivered only in part (`MACH_RCV_BODY_ERROR`) is
/// destroyed unanswered; a receive that ended without a message
/// (`MACH_RCV_PORT_CHANGED`, `MACH_RCV_INTERRUPTED`) is retried.
pub fn serve_one<D: Demux>(
    port: mach_port_t,
    demux: &D,
    request: &mut MessageBuffer,
    reply: &mut MessageBuffer,
) -> Result<Served> {
    // Buffers too small for the subsystem would lose every large request (the kernel
    // destroys what does not fit) and could not hold its replies: replace them.
    if request.capacity() < D::MAX_REQUEST_SIZE + crate::MAX_TRAILER_SIZE {
        *request = MessageBuffer::for_receive(D::MAX_REQUEST_SIZE);
    }
    if reply.capacity() < D::MAX_REPLY_SIZE.max(REPLY_ERROR_SIZE) {
        *reply = MessageBuffer::with_capacity(D::MAX_REPLY_SIZE.max(REPLY_ERROR_SIZE));
    }
    // Codes are matched without the bits XNU may or into them (`MACH_MSG_MASK`).
    loop {
        let code = mach_msg_code(request.receive(port, sys::MACH_RCV_VOUCHER, sys::MACH_MSG_TIMEOUT_NONE));
        match receipt(code, request) {
            Receipt::Request => break,
            Receipt::Again => continue,
            Receipt::Done(served) => return Ok(served),
            Receipt::Failed(error) => return Err(error),
        }
    }
    serve_received(demux, request, reply, false);
    Ok(Served::Handled)
}

/// What a server's receive came to.
pub(crate) enum Receipt {
    /// A request to serve is in the buffer.
    Request,
    /// Nothing was received: receive again.
    Again,
    /// Nothing to serve: the port is gone, or what arrived was dealt with here.
    Done(Served),
    /// The receive failed.
    Failed(Error),
}

/// Sorts out the (masked) code of a server's receive into `request`, releasing a request
/// the kernel delivered only in part.
#[inline]
pub(crate) fn receipt(code: sys::mach_msg_return_t, request: &mut MessageBuffer) -> Receipt {
    match code {
        sys::MACH_MSG_SUCCESS => Receipt::Request,
        // Nothing was received (`ipc_mqueue_receive_results` in XNU's
        // osfmk/ipc/ipc_mqueue.c: the wait was restarted or interrupted): receive
        // again, which tells whether the port is still ours.
        sys::MACH_RCV_PORT_CHANGED | sys::MACH_RCV_INTERRUPTED => Receipt::Again,
        sys::MACH_RCV_PORT_DIED | sys::MACH_RCV_INVALID_NAME => Receipt::Done(Served::PortGone),
        // The kernel destroyed a request too large for any routine; its sender learns
        // from the reply right's death.
        sys::MACH_RCV_TOO_LARGE => Receipt::Done(Served::Handled),
        // A message was received, but some of its body's rights or memory could not be
        // (XNU's `ipc_kmsg_copyout_descriptors`; the code carries `MACH_MSG_IPC_SPACE` or
        // `MACH_MSG_VM_SPACE` bits): an incomplete request is no request. Release what
        // did arrive, the reply right too, so its sender gets `MIG_SERVER_DIED`.
        sys::MACH_RCV_BODY_ERROR => {
            // SAFETY: a received message we own; what failed to arrive is null.
            unsafe { sys::mach_msg_destroy(request.as_mut_ptr()) };
            Receipt::Done(Served::Handled)
        }
        code => Receipt::Failed(Error::from_code(code).unwrap_or(Error::KERN_FAILURE)),
    }
}

/// Serves a request just received into `request`: dispatches it and sends its reply.
/// With `keep_timed_out`, a reply to a send right whose queue is full
/// (`MACH_SEND_TIMED_OUT`) is left in `reply`, as the kernel handed it back, for the
/// caller to send again or release ([`release_unsent`]), and `true` is returned.
#[inline]
pub(crate) fn serve_received<D: Demux>(
    demux: &D,
    request: &mut MessageBuffer,
    reply: &mut MessageBuffer,
    keep_timed_out: bool,
) -> bool {
    // As libsystem's `mach_msg_server` (`libsyscall/mach/mach_msg.c`): the request is
    // received with its voucher (`MACH_RCV_VOUCHER`), which the thread adopts while the
    // handler runs and the reply is sent, so the client's QoS and importance carry
    // over; adopting takes the voucher right out of the request, so it is released
    // once, by the revert, whatever becomes of the request.
    // Through the header, keeping the proof of the receive: adopting edits only the
    // voucher fields, which nothing downstream trusts.
    let head: *mut mach_msg_header_t = request.header_mut_kept();
    // SAFETY: `head` points at the received message's header, in the request buffer.
    let adopted = unsafe { sys::voucher_mach_msg_adopt(head) };
    let kept = handle(demux, request, reply, keep_timed_out);
    // SAFETY: the state the adopt above returned, restored once.
    unsafe { sys::voucher_mach_msg_revert(adopted) };
    kept
}

/// Sends a reply [`serve_received`] kept, without waiting: `true` if it is gone (sent,
/// or refused and released), `false` if the queue is still full and it is still in
/// `reply`.
#[cfg(feature = "tokio")]
pub(crate) fn resend_reply(reply: &mut MessageBuffer) -> bool {
    send_prepared(reply, true)
}

/// Releases a reply [`serve_received`] kept, which will not be sent.
#[cfg(feature = "tokio")]
pub(crate) fn release_unsent(reply: &mut MessageBuffer) {
    consume_unsent(reply, sys::MACH_SEND_TIMED_OUT);
}

/// Dispatches a received request and sends its reply (see [`serve_one`]), returning
/// whether a timed-out reply was kept (see [`serve_received`]).
fn handle<D: Demux>(
    demux: &D,
    request: &mut MessageBuffer,
    reply: &mut MessageBuffer,
    keep_timed_out: bool,
) -> bool {
    demux.demux(request, reply);
    reply_to(request, reply, keep_timed_out)
}

/// What a loop does once a request is dispatched (see [`serve_one`]): releases a failed
/// request's resources, and sends the reply, if there is one; returns whether a
/// timed-out reply was kept (see [`serve_received`]).
#[inline(always)]
pub(crate) fn reply_to(request: &mut MessageBuffer, reply: &mut MessageBuffer, keep_timed_out: bool) -> bool {
    let code = ret_code(reply);
    if code == Error::MIG_NO_REPLY.code() {
        return false;
    }
    if code != 0 {
        // The request failed: release what it carried, but not the reply right, which
        // the error reply uses.
        request.header_mut().msgh_remote_port = sys::MACH_PORT_NULL;
        crate::message::own_received_memory(request.bytes_mut());
        // SAFETY: a received message we own; its resources are released exactly once.
        unsafe { sys::mach_msg_destroy(request.as_mut_ptr()) };
    }
    if reply.header().msgh_remote_port == sys::MACH_PORT_NULL {
        // No reply port: a simpleroutine, or a sender that wants no answer.
        destroy_if_complex(reply);
        return false;
    }
    !send_prepared(reply, keep_timed_out)
}

/// Sends the reply in `reply`; `true` if it is gone (sent, or refused and released),
/// `false` if, with `keep_timed_out`, it timed out and is still there.
#[inline]
fn send_prepared(reply: &mut MessageBuffer, keep_timed_out: bool) -> bool {
    let send_once =
        reply.header().msgh_bits & sys::MACH_MSGH_BITS_REMOTE_MASK == sys::MACH_MSG_TYPE_MOVE_SEND_ONCE;
    // A send-once reply always gets through; to a send right, never block the server.
    let options = if send_once {
        sys::MACH_SEND_MSG
    } else {
        sys::MACH_SEND_MSG | sys::MACH_SEND_TIMEOUT
    };
    let size = reply.header().msgh_size;
    // SAFETY: the reply buffer holds a complete message of `msgh_size` bytes.
    let sent = unsafe {
        sys::mach_msg(
            reply.as_mut_ptr(),
            options,
            size,
            0,
            sys::MACH_PORT_NULL,
            0,
            sys::MACH_PORT_NULL,
        )
    };
    let code = mach_msg_code(sent);
    if code == sys::MACH_SEND_TIMED_OUT && keep_timed_out {
        // The kernel handed it back whole (XNU pseudo-received it: its rights renamed in
        // our space with dispositions that send them again as they are, its size written
        // into the header); it can be sent again.
        return false;
    }
    if code != sys::MACH_MSG_SUCCESS {
        consume_unsent(reply, sent);
    }
    true
}

fn destroy_if_complex(reply: &mut MessageBuffer) {
    if reply.header().msgh_bits & sys::MACH_MSGH_BITS_COMPLEX != 0 {
        // SAFETY: an unsent message we built and own.
        unsafe { sys::mach_msg_destroy(reply.as_mut_ptr()) };
    }
}

/// Serves `port` until it is destroyed: receive, dispatch, reply, repeat.
///
/// Returns `Ok(())` once the port's receive right is gone, and the error if receiving
/// fails otherwise. Buffers are allocated once, sized from the subsystem.
pub fn serve<D: Demux>(port: mach_port_t, demux: &D) -> Result<()> {
    let mut request = MessageBuffer::for_receive(D::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(D::MAX_REPLY_SIZE);
    while serve_one(port, demux, &mut request, &mut reply)? == Served::Handled {}
    Ok(())
}

/// A graceful stop for [`serve_until`] loops: they finish the request in hand and
/// return, leaving the port, its receive right and any queued requests alone (another
/// loop may serve them later; destroying the port releases them).
///
/// ```no_run
/// fn run<D: mig_core::Demux + Sync>(service: &D) -> mig_core::Result<()> {
///     let port = mig_core::ReceiveRight::allocate()?;
///     let shutdown = mig_core::Shutdown::new(port.make_send()?);
///     std::thread::scope(|s| {
///         let server = s.spawn(|| mig_core::serve_until(port.name(), service, &shutdown));
///         // ... clients call through send rights to `port` ...
///         shutdown.request()?;
///         server.join().unwrap()
///     })
/// }
/// ```
#[derive(Debug)]
pub struct Shutdown {
    requested: core::sync::atomic::AtomicBool,
    port: crate::SendRight,
}

/// The msgh_id of the message that wakes a [`serve_until`] loop. Only a loop whose
/// [`Shutdown`] was requested acts on it; to any other it is an unknown id.
const WAKE_ID: i32 = i32::MIN;

impl Shutdown {
    /// A shutdown for loops serving the port `port` sends to.
    pub fn new(port: crate::SendRight) -> Self {
        Shutdown {
            requested: core::sync::atomic::AtomicBool::new(false),
            port,
        }
    }

    /// Asks every [`serve_until`] loop using this shutdown to stop. Each finishes the
    /// request in hand; one woken loop wakes the next, so loops blocked in a receive
    /// stop too.
    pub fn request(&self) -> Result<()> {
        self.requested.store(true, core::sync::atomic::Ordering::SeqCst);
        self.wake()
    }

    /// Whether [`request`](Self::request) was called.
    pub fn is_requested(&self) -> bool {
        self.requested.load(core::sync::atomic::Ordering::SeqCst)
    }

    /// Queues a bare wake-up message on the port, unless its queue is full: then the
    /// loops are busy with requests, and see the request when done with one.
    ///
    /// A wake-up that times out is handed back by XNU (`mach_msg_receive_pseudo` in
    /// `osfmk/ipc/mach_msg.c`, `ipc_kmsg_copyout_pseudo` in `osfmk/ipc/ipc_kmsg.c`)
    /// holding the copied send right as a `PORT_SEND` under the same name: one more
    /// user reference, released here, or the port would never see no-senders.
    fn wake(&self) -> Result<()> {
        let mut head = mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, 0),
            // Zero: the kernel writes the size back only when it hands the message back.
            msgh_size: 0,
            msgh_remote_port: self.port.name(),
            msgh_local_port: sys::MACH_PORT_NULL,
            msgh_voucher_port: sys::MACH_PORT_NULL,
            msgh_id: WAKE_ID,
        };
        // SAFETY: a complete header-only message carrying no rights but a copied send.
        let sent = unsafe {
            sys::mach_msg(
                &mut head,
                sys::MACH_SEND_MSG | sys::MACH_SEND_TIMEOUT,
                size_of::<mach_msg_header_t>() as u32,
                0,
                sys::MACH_PORT_NULL,
                0,
                sys::MACH_PORT_NULL,
            )
        };
        let code = mach_msg_code(sent);
        if matches!(code, sys::MACH_SEND_TIMED_OUT | sys::MACH_SEND_INTERRUPTED) && head.msgh_size != 0 {
            crate::client::release_right(
                head.msgh_remote_port,
                head.msgh_bits & sys::MACH_MSGH_BITS_REMOTE_MASK,
            );
        }
        match code {
            // A port that is gone has no loop left to stop.
            sys::MACH_MSG_SUCCESS | sys::MACH_SEND_TIMED_OUT | sys::MACH_SEND_INVALID_DEST => Ok(()),
            code => Err(Error::from_code(code).unwrap_or(Error::KERN_FAILURE)),
        }
    }
}

/// [`serve`] until `shutdown` is requested (or the port is destroyed). Any number of
/// threads may serve one port this way with one `Shutdown`; all of them return `Ok`.
pub fn serve_until<D: Demux>(port: mach_port_t, demux: &D, shutdown: &Shutdown) -> Result<()> {
    let mut request = MessageBuffer::for_receive(D::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(D::MAX_REPLY_SIZE);
    let wake = Waking { demux, shutdown };
    loop {
        if shutdown.is_requested() {
            return Ok(());
        }
        match serve_one(port, &wake, &mut request, &mut reply)? {
            Served::Handled => {}
            Served::PortGone => return Ok(()),
        }
    }
}

/// A demux that recognizes the wake-up of a requested [`Shutdown`] and passes it on
/// to the next loop.
struct Waking<'a, D> {
    demux: &'a D,
    shutdown: &'a Shutdown,
}

// SAFETY: forwards to `D`, or writes a bare `MIG_NO_REPLY` error reply (no rights, no
// memory).
unsafe impl<D: Demux> Demux for Waking<'_, D> {
    const BASE: i32 = D::BASE;
    const END: i32 = D::END;
    const MAX_REQUEST_SIZE: usize = D::MAX_REQUEST_SIZE;
    const MAX_REPLY_SIZE: usize = D::MAX_REPLY_SIZE;

    fn demux(&self, request: &mut MessageBuffer, reply: &mut MessageBuffer) -> bool {
        let head = *request.header();
        let wake_up = head.msgh_id == WAKE_ID
            && head.msgh_size as usize == size_of::<mach_msg_header_t>()
            && self.shutdown.is_requested();
        if !wake_up {
            return self.demux.demux(request, reply);
        }
        // Another loop may still be blocked in a receive: wake it in turn. (The last
        // wake-up stays queued, harmless, until the port is served or destroyed.)
        let _ = self.shutdown.wake();
        prepare_reply(request, reply);
        // Send nothing back (and keep no reply right a sender may have attached).
        failed(request, reply, Error::MIG_NO_REPLY);
        true
    }
}

/// A server reachable without context, for the C demux signature, which has none: the
/// generated `demux::<S>` function dispatches to `S::instance()`.
pub trait StaticServer: 'static {
    /// The one instance that serves requests.
    fn instance() -> &'static Self;
}

std::thread_local! {
    /// Buffers the C demux copies messages through, kept per thread so that a C server
    /// loop allocates once. A call takes them out and puts them back: a handler that
    /// re-enters the C demux on its thread finds none and uses fresh ones.
    static C_BUFFERS: Cell<Option<(MessageBuffer, MessageBuffer)>> = const { Cell::new(None) };
}

/// MIG's C demux: `boolean_t demux(mach_msg_header_t *request, mach_msg_header_t *reply)`.
///
/// The request is copied (with its trailer, as long as the trailer says it is) into a
/// buffer of this thread, sized for the request and for `D`, however many subsystems'
/// demuxes share the thread. Afterwards the request's header and descriptors are
/// copied back, so the caller's buffer no longer names the rights and memory the
/// handler took: a C loop that destroys a failed request (as `mach_msg_server` does)
/// releases only what is still the request's. A panic (which only a hand-written
/// [`Demux`] can raise; handlers' panics are caught in the dispatch) is caught here and
/// answered with `KERN_FAILURE`, since it must not unwind into C.
///
/// # Safety
///
/// As for a C MIG demux: `request` points at a message received by `mach_msg` followed
/// by its trailer, and `reply` at a writable buffer of at least `D::MAX_REPLY_SIZE`
/// bytes.
pub unsafe fn c_demux<D: Demux>(
    demux: &D,
    request: *mut mach_msg_header_t,
    reply: *mut mach_msg_header_t,
) -> sys::boolean_t {
    // (`try_with`: a C loop may run in a thread-local destructor, after ours is gone.)
    let kept = C_BUFFERS.try_with(Cell::take).ok().flatten();
    let (mut req, mut rep) = kept.unwrap_or_else(|| {
        (
            MessageBuffer::for_receive(D::MAX_REQUEST_SIZE),
            MessageBuffer::with_capacity(D::MAX_REPLY_SIZE),
        )
    });
    // SAFETY: the caller guarantees a header at `request`.
    let size = unsafe { (*request).msgh_size } as usize;
    let at = size.next_multiple_of(4);
    // SAFETY: the caller guarantees the trailer follows the message, and every trailer
    // starts with its type and size (8 bytes); `at` is a multiple of 4.
    let trailer_size = unsafe { request.cast::<u8>().add(at + 4).cast::<u32>().read_unaligned() } as usize;
    // What the kernel wrote, at most the largest trailer (its header always).
    let trailer = trailer_size.clamp(8, crate::MAX_TRAILER_SIZE);
    if req.capacity() < at.max(D::MAX_REQUEST_SIZE) + crate::MAX_TRAILER_SIZE {
        req = MessageBuffer::for_receive(at.max(D::MAX_REQUEST_SIZE));
    }
    if rep.capacity() < D::MAX_REPLY_SIZE.max(REPLY_ERROR_SIZE) {
        rep = MessageBuffer::with_capacity(D::MAX_REPLY_SIZE.max(REPLY_ERROR_SIZE));
    }
    let bytes = req.bytes_mut();
    // SAFETY: the caller guarantees the message and its trailer are readable: the
    // trailer's 8-byte header, and `trailer_size` >= `trailer` - 8 bytes after it when
    // it says it is longer; `at + trailer` bytes fit our buffer (sized just above).
    unsafe { core::ptr::copy_nonoverlapping(request.cast::<u8>(), bytes.as_mut_ptr(), at + trailer) };
    // Whatever an earlier request left where a longer trailer would be reads as zeros,
    // never as a sequence number or token the kernel did not write.
    bytes[at + trailer..at + crate::MAX_TRAILER_SIZE].fill(0);
    // SAFETY: the caller guarantees a received message whose rights and regions are the
    // demux's to take, and we copied it, and the trailer the kernel wrote, byte for byte.
    unsafe { req.assume_received() };
    let known = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| demux.demux(&mut req, &mut rep)))
        .unwrap_or_else(|_| {
            prepare_reply(&req, &mut rep);
            error_reply(&mut rep, Error::KERN_FAILURE);
            true
        });
    let code = ret_code(&rep);
    if code != 0 && code != Error::MIG_NO_REPLY.code() {
        // The caller's loop destroys a failed request with `mach_msg_destroy`, which
        // leaves received physical copies (XNU does not mark them `deallocate`): mark
        // every region, as our own loop does.
        crate::message::own_received_memory(req.bytes_mut());
    }
    // The caller destroys its request when the routine fails: give it back the header
    // and descriptors as the dispatch left them (names and regions handed to the
    // handler cleared, misaligned regions moved), lest they be released twice.
    let back = crate::message::descriptors_end(req.bytes(), size);
    // SAFETY: `back` <= `size`: these bytes are the caller's message, and our copy of
    // them differs only in names and addresses the dispatch took, moved or cleared.
    unsafe { core::ptr::copy_nonoverlapping(req.bytes().as_ptr(), request.cast::<u8>(), back) };
    let built = rep.bytes();
    let out = built.len().min(D::MAX_REPLY_SIZE);
    // SAFETY: the caller's reply buffer holds `MAX_REPLY_SIZE` bytes, and `out` is no
    // more, nor more than `built` holds.
    unsafe { core::ptr::copy_nonoverlapping(built.as_ptr(), reply.cast::<u8>(), out) };
    let _ = C_BUFFERS.try_with(|kept| kept.set(Some((req, rep))));
    sys::boolean_t::from(known)
}
