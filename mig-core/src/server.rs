//! The server side: what a generated `dispatch` relies on, and the receive loop.

use core::cell::RefCell;
use core::mem::size_of;

use crate::client::REPLY_ERROR_SIZE;
use crate::client::complex_bit;
use crate::error::{Error, Result};
use crate::message::{
    Message, MessageBuffer, descriptors_match, forget_resources, min_size, out_of_line_sizes_match, pack,
    unpack,
};
use crate::sys::{self, NDR_record_t, kern_return_t, mach_msg_header_t, mach_port_t};
use crate::trailer::{RECEIVE_TRAILER_OPTIONS, Trailer};

/// A subsystem's server: generated as `<subsystem>::Service<S>` for any `S` implementing
/// the subsystem's `Server` trait, and served by [`serve`].
pub trait Demux {
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
    /// not one of this subsystem's (the reply then carries `MIG_BAD_ID`).
    fn demux(&self, request: &mut MessageBuffer, reply: &mut MessageBuffer) -> bool;
}

/// Several subsystems on one port: `mig::serve(port, &(a::Service(x), b::Service(y)))`.
///
/// A request goes to the first subsystem whose msgh_id range holds its id, and that
/// subsystem checks it as usual; an id neither knows gets `MIG_BAD_ID`. Buffers are
/// sized for the larger of the two. Nest pairs for more: `(a, (b, c))`. Like
/// chaining MIG's C demux functions, but decided by range, so one subsystem never
/// sees another's requests.
impl<A: Demux, B: Demux> Demux for (A, B) {
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
/// within their maxima and account for the size exactly (`MIG_BAD_ARGUMENTS`). Variable
/// arrays are then unpacked in place, so the buffer holds a `T` at its maximum layout.
pub fn request<T: Message>(request: &mut MessageBuffer) -> Result<&T> {
    let head = *request.header();
    let complex = head.msgh_bits & sys::MACH_MSGH_BITS_COMPLEX != 0;
    let received = head.msgh_size as usize;
    let size = size_of::<T>();
    let count = request
        .bytes()
        .get(24..28)
        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    let shape_ok = (min_size(size, T::VARIABLE)..=size).contains(&received)
        && complex != T::DESCRIPTORS.is_empty()
        && (!complex || count == Some(T::DESCRIPTORS.len() as u32));
    if !shape_ok {
        return Err(Error::MIG_BAD_ARGUMENTS);
    }
    if complex && !descriptors_match(request.bytes(), T::DESCRIPTORS) {
        return Err(Error::MIG_TYPE_ERROR);
    }
    if !T::VARIABLE.is_empty() && !unpack(request.bytes_mut(), received, size, T::VARIABLE) {
        return Err(Error::MIG_BAD_ARGUMENTS);
    }
    if complex && !out_of_line_sizes_match(request.bytes(), T::DESCRIPTORS) {
        return Err(Error::MIG_TYPE_ERROR);
    }
    if complex && !crate::message::realign_out_of_line(request.bytes_mut(), T::DESCRIPTORS) {
        return Err(Error::KERN_RESOURCE_SHORTAGE);
    }
    request.view::<T>().ok_or(Error::MIG_BAD_ARGUMENTS)
}

/// The request's trailer, read before unpacking the message may overwrite it, for
/// routines whose handler takes trailer values; the others get an empty one (copying it
/// costs as much as checking the request).
fn trailer_of<Rq: Message>(request: &MessageBuffer) -> Trailer {
    if Rq::TRAILER {
        Trailer::of(request)
    } else {
        Trailer::EMPTY
    }
}

/// Checks the request and takes it: a copy of the message for the handler, whose port
/// rights now belong to the typed values the handler receives, so the names are
/// cleared in the buffer (destroying it later cannot release them twice).
fn take<T: Message>(buffer: &mut MessageBuffer) -> Result<T> {
    let taken = *request::<T>(buffer)?;
    if !T::DESCRIPTORS.is_empty() {
        forget_resources(buffer.bytes_mut(), T::DESCRIPTORS);
    }
    Ok(taken)
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

/// One `routine` in `dispatch`: checks the request, calls `handler`, and writes the
/// reply that `reply_of` builds from its result, or the error reply.
pub fn routine<Rq: Message, Rp: Message, T>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    handler: impl FnOnce(Rq, &Trailer) -> Result<T>,
    reply_of: impl FnOnce(T) -> Result<Rp>,
) {
    let trailer = &trailer_of::<Rq>(request);
    match take::<Rq>(request).and_then(|r| guarded(|| handler(r, trailer).and_then(reply_of))) {
        Ok(message) => reply(reply_buffer, message),
        Err(error) => error_reply(reply_buffer, error),
    }
}

/// A routine whose handler takes the reply port (MIG's `sreplyport`/`replyport`): the
/// handler answers when it likes, with the routine's generated `reply` function, and the
/// server loop sends nothing. An `Err` releases the request's resources; the reply port
/// is the handler's either way (dropping it unused tells the client `MIG_SERVER_DIED`).
pub fn deferred_routine<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    handler: impl FnOnce(Rq, &Trailer, mach_port_t) -> Result<()>,
) {
    let trailer = &trailer_of::<Rq>(request);
    let taken = match take::<Rq>(request) {
        Ok(taken) => taken,
        // A malformed request is answered at once, like any other.
        Err(error) => return error_reply(reply_buffer, error),
    };
    // The reply port moves to the handler: neither the loop nor the request keep it.
    let reply_port = core::mem::replace(&mut request.header_mut().msgh_remote_port, sys::MACH_PORT_NULL);
    reply_buffer.header_mut().msgh_remote_port = sys::MACH_PORT_NULL;
    match guarded(|| handler(taken, trailer, reply_port)) {
        Ok(()) => success_reply(reply_buffer),
        Err(error) => error_reply(reply_buffer, error),
    }
}

/// Sends a routine's reply later, to the send-once right `to` (a deferred reply).
pub fn send_reply<T: Message>(to: mach_port_t, id: i32, mut message: T) -> Result<()> {
    let head = mach_msg_header_t {
        msgh_bits: sys::MACH_MSG_TYPE_MOVE_SEND_ONCE | complex_bit::<T>(),
        msgh_size: 0,
        msgh_remote_port: to,
        msgh_local_port: sys::MACH_PORT_NULL,
        msgh_voucher_port: sys::MACH_PORT_NULL,
        msgh_id: id,
    };
    // SAFETY: `T` starts with a header (`Message` contract) and is 4-byte aligned.
    unsafe { (&raw mut message).cast::<mach_msg_header_t>().write(head) };
    let mut buffer = MessageBuffer::with_capacity(size_of::<T>());
    buffer.write(message);
    let size = pack(buffer.bytes_mut(), size_of::<T>(), T::VARIABLE)?;
    buffer.header_mut().msgh_size = size as u32;
    send_buffer(&mut buffer)
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
    let sent = unsafe { sys::mach_msg(buffer.as_mut_ptr(), sys::MACH_SEND_MSG, size, 0, 0, 0, 0) };
    if sent != sys::MACH_MSG_SUCCESS {
        destroy_if_complex(buffer);
    }
    Error::check(sent)
}

/// One `simpleroutine` in `dispatch`: checks the request and calls `handler`. Nothing
/// is sent back, but an error is recorded so the server loop releases the request.
pub fn simple_routine<Rq: Message>(
    request: &mut MessageBuffer,
    reply_buffer: &mut MessageBuffer,
    handler: impl FnOnce(Rq, &Trailer) -> Result<()>,
) {
    let trailer = &trailer_of::<Rq>(request);
    match take::<Rq>(request).and_then(|r| guarded(|| handler(r, trailer))) {
        Ok(()) => success_reply(reply_buffer),
        Err(error) => error_reply(reply_buffer, error),
    }
}

/// Writes a routine's reply: `message`'s header is replaced by the one
/// [`prepare_reply`] set up, with the reply's own size.
pub fn reply<T: Message>(reply: &mut MessageBuffer, mut message: T) {
    let mut head = *reply.header();
    head.msgh_bits |= complex_bit::<T>();
    // SAFETY: `T` starts with a header (`Message` contract) and is 4-byte aligned.
    unsafe { (&raw mut message).cast::<mach_msg_header_t>().write(head) };
    reply.write(message);
    let size = match pack(reply.bytes_mut(), size_of::<T>(), T::VARIABLE) {
        Ok(size) => size,
        // A count beyond its maximum cannot come from an `InlineArray`; refuse anyway.
        Err(error) => return error_reply(reply, error),
    };
    reply.header_mut().msgh_size = size as u32;
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

/// The `RetCode` of a non-complex reply.
fn ret_code(reply: &MessageBuffer) -> kern_return_t {
    if reply.header().msgh_bits & sys::MACH_MSGH_BITS_COMPLEX != 0 {
        return 0;
    }
    reply.view::<ReplyError>().map_or(0, |r| r.ret_code)
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
/// be delivered is destroyed.
pub fn serve_one<D: Demux>(
    port: mach_port_t,
    demux: &D,
    request: &mut MessageBuffer,
    reply: &mut MessageBuffer,
) -> Result<Served> {
    // SAFETY: `request` is a writable buffer of `capacity()` bytes.
    let received = unsafe {
        sys::mach_msg(
            request.as_mut_ptr(),
            sys::MACH_RCV_MSG | RECEIVE_TRAILER_OPTIONS,
            0,
            request.capacity() as u32,
            port,
            sys::MACH_MSG_TIMEOUT_NONE,
            sys::MACH_PORT_NULL,
        )
    };
    match received {
        sys::MACH_MSG_SUCCESS => {}
        sys::MACH_RCV_PORT_DIED | sys::MACH_RCV_INVALID_NAME => return Ok(Served::PortGone),
        // The kernel destroyed a request too large for any routine; its sender learns
        // from the reply right's death.
        sys::MACH_RCV_TOO_LARGE => return Ok(Served::Handled),
        code => return Err(Error::from_code(code).unwrap_or(Error::KERN_FAILURE)),
    }
    handle(demux, request, reply);
    Ok(Served::Handled)
}

/// Dispatches a received request and sends its reply (see [`serve_one`]).
fn handle<D: Demux>(demux: &D, request: &mut MessageBuffer, reply: &mut MessageBuffer) {
    demux.demux(request, reply);
    let code = ret_code(reply);
    if code == Error::MIG_NO_REPLY.code() {
        return;
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
        return;
    }
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
    if sent != sys::MACH_MSG_SUCCESS {
        destroy_if_complex(reply);
    }
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
    fn wake(&self) -> Result<()> {
        let mut head = mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, 0),
            msgh_size: size_of::<mach_msg_header_t>() as u32,
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
        match sent {
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

impl<D: Demux> Demux for Waking<'_, D> {
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
        // Send nothing back.
        error_reply(reply, Error::MIG_NO_REPLY);
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
    /// loop allocates once.
    static C_BUFFERS: RefCell<Option<(MessageBuffer, MessageBuffer)>> = const { RefCell::new(None) };
}

/// MIG's C demux: `boolean_t demux(mach_msg_header_t *request, mach_msg_header_t *reply)`.
///
/// # Safety
///
/// As for a C MIG demux: `request` points at a received message followed by its trailer,
/// and `reply` at a writable buffer of at least `D::MAX_REPLY_SIZE` bytes.
pub unsafe fn c_demux<D: Demux>(
    demux: &D,
    request: *mut mach_msg_header_t,
    reply: *mut mach_msg_header_t,
) -> sys::boolean_t {
    C_BUFFERS.with_borrow_mut(|buffers| {
        let (req, rep) = buffers.get_or_insert_with(|| {
            (
                MessageBuffer::for_receive(D::MAX_REQUEST_SIZE),
                MessageBuffer::with_capacity(D::MAX_REPLY_SIZE),
            )
        });
        // SAFETY: the caller guarantees a header at `request`.
        let size = unsafe { (*request).msgh_size } as usize;
        // The message and its format-0 trailer, as far as our buffer goes: a longer
        // request is not one this subsystem accepts, and fails its size check.
        let len = (size.next_multiple_of(4) + size_of::<sys::mach_msg_trailer_t>()).min(req.capacity());
        // SAFETY: the caller guarantees the message and its trailer are readable; `len`
        // fits our buffer.
        unsafe { core::ptr::copy_nonoverlapping(request.cast::<u8>(), req.bytes_mut().as_mut_ptr(), len) };
        let known = demux.demux(req, rep);
        let code = ret_code(rep);
        if code != 0 && code != Error::MIG_NO_REPLY.code() {
            // The caller's loop destroys a failed request with `mach_msg_destroy`,
            // which leaves received physical copies (XNU does not mark them
            // `deallocate`): mark every region, as our own loop does.
            crate::message::own_received_memory(req.bytes_mut());
        }
        // The caller destroys its request when the routine fails: give it back the
        // descriptors as the dispatch left them (names and regions handed to the
        // handler cleared, misaligned regions moved), lest they be released twice.
        let named = crate::message::descriptors_end(req.whole()).min(len);
        // SAFETY: the first `named` bytes of the caller's message were copied from it
        // above, so they are writable message bytes; our buffer is a distinct allocation.
        unsafe { core::ptr::copy_nonoverlapping(req.whole().as_ptr(), request.cast::<u8>(), named) };
        let out = rep.header().msgh_size as usize;
        // SAFETY: the caller's reply buffer holds `MAX_REPLY_SIZE` bytes, and no reply
        // is larger.
        unsafe {
            core::ptr::copy_nonoverlapping(
                rep.bytes().as_ptr(),
                reply.cast::<u8>(),
                out.min(D::MAX_REPLY_SIZE),
            )
        };
        sys::boolean_t::from(known)
    })
}
