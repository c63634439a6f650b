//! The `async` forms of the client stubs' runtime calls: [`call_async`],
//! [`post_async`] and [`send_ret_code_async`].

use core::mem::{MaybeUninit, size_of};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;

use super::reply_pool::PooledPort;
use super::{backoff, ready, watch};
use crate::client::{
    Exchange, ReplyPort, RetCodeOnly, compose_request, handed_back_send_once, is_send_error, mach_msg_code,
    release_refused, take_reply, take_stray_notification,
};
use crate::error::{Error, Result};
use crate::message::{Descriptor, Message};
use crate::readiness::Readiness;
use crate::sys::{self, mach_msg_id_t, mach_msg_type_name_t, mach_port_t};
use crate::trailer::{Trailer, receive_options};
use crate::wire::{Reader, Writer};

/// A message buffer owned by one call's future.
struct Buffer<B>(Box<MaybeUninit<B>>);

// SAFETY: plain bytes that this call alone owns and uses. The names and addresses a
// request holds are used only by the `mach_msg` calls this future makes, from whichever
// thread polls it; names and mappings belong to the task, not to a thread.
unsafe impl<B> Send for Buffer<B> {}

impl<B> Buffer<B> {
    fn new() -> Self {
        Buffer(Box::new(MaybeUninit::uninit()))
    }

    fn start(&mut self) -> *mut u8 {
        self.0.as_mut_ptr().cast()
    }
}

/// A request being sent: while `refused` holds the code of a send that handed it back
/// (or [`UNSENT`]), it still owns what it carries, and dropping it (the caller's future
/// dropped while it waits for room) releases that as a refused request's stub does.
struct Outgoing<B> {
    buffer: Buffer<B>,
    size: usize,
    descriptors: &'static [Descriptor],
    /// The caller's reply port and the disposition the request makes for it.
    reply: (mach_port_t, mach_msg_type_name_t),
    refused: Option<sys::mach_msg_return_t>,
}

impl<B> Outgoing<B> {
    /// Sends the request, trying again while the destination's queue is full
    /// (`MACH_SEND_TIMED_OUT`), until `deadline` if there is one. Returns the masked
    /// code of the last try; on failure the request is still the caller's (`refused`).
    async fn send(
        &mut self,
        options: sys::mach_msg_option_t,
        deadline: Option<Instant>,
    ) -> sys::mach_msg_return_t {
        let mut attempt = 0;
        loop {
            let head = self.buffer.start().cast();
            // SAFETY: the buffer holds the request's `size` bytes, all written (or as a
            // timed-out send handed them back: XNU's pseudo-receive leaves every right
            // under a disposition that sends it again as it is).
            let code = mach_msg_code(unsafe {
                sys::mach_msg(
                    head,
                    sys::MACH_SEND_MSG | sys::MACH_SEND_TIMEOUT | options,
                    self.size as u32,
                    0,
                    sys::MACH_PORT_NULL,
                    0,
                    sys::MACH_PORT_NULL,
                )
            });
            self.refused = (code != sys::MACH_MSG_SUCCESS).then_some(code);
            let wait = backoff(attempt);
            let in_time = deadline.is_none_or(|d| Instant::now() + wait <= d);
            if code != sys::MACH_SEND_TIMED_OUT || !in_time {
                return code;
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Releases what a refused request still holds (see [`call`](crate::__private::call)).
    fn release(&mut self) {
        let Some(code) = self.refused.take() else { return };
        let start = self.buffer.start();
        if !is_send_error(code) {
            return;
        }
        // SAFETY: the refused request's `size` bytes, ours alone.
        let message = unsafe { core::slice::from_raw_parts(start, self.size) };
        let stray = handed_back_send_once(message, self.reply.0, self.reply.1);
        // SAFETY: as above; what the request holds is ours to release, once.
        unsafe { release_refused(message, self.descriptors, code) };
        if let Some(port) = stray {
            take_stray_notification(port);
        }
    }
}

impl<B> Drop for Outgoing<B> {
    fn drop(&mut self) {
        self.release();
    }
}

/// What [`Outgoing::refused`] holds before the first send: a request dropped unsent
/// (its future dropped before it was polled) is released as one the kernel refused
/// without touching it, which leaves a request as it was built.
const UNSENT: Option<sys::mach_msg_return_t> = Some(sys::MACH_SEND_INVALID_DEST);

/// The port a call's reply comes to, in a [`Readiness`] set: a port of the pool's
/// (see `reply_pool`), for this call alone, or the caller's own port (`ureplyport`),
/// put in a set made for the call.
enum ReplyTo {
    /// Given back to the pool by [`finish`](ReplyTo::finish), once the call received
    /// and accepted its reply; dropped otherwise, which destroys the port and with it
    /// a reply still to come (XNU and the loopback destroy a message sent to a dead
    /// port).
    Pooled(PooledPort),
    /// Taken out of the set again when dropped.
    Callers(CallersPort),
}

/// The caller's reply port in a set of the call's own.
struct CallersPort {
    readiness: Readiness,
    name: mach_port_t,
}

impl Drop for CallersPort {
    fn drop(&mut self) {
        // The caller's port goes back out of our set, which is destroyed next.
        let _ = self.readiness.remove(self.name);
    }
}

impl ReplyTo {
    fn new(reply: ReplyPort) -> Result<(Self, mach_msg_type_name_t)> {
        match reply {
            ReplyPort::Callers(name, disposition) => {
                let readiness = Readiness::new()?;
                readiness.insert(name)?;
                Ok((ReplyTo::Callers(CallersPort { readiness, name }), disposition))
            }
            ReplyPort::Mig | ReplyPort::Special => Ok((
                ReplyTo::Pooled(PooledPort::take()?),
                sys::MACH_MSG_TYPE_MAKE_SEND_ONCE,
            )),
        }
    }

    fn name(&self) -> mach_port_t {
        match self {
            ReplyTo::Pooled(port) => port.name(),
            ReplyTo::Callers(port) => port.name,
        }
    }

    /// The call received its reply, which used up the one right to the port it made,
    /// and accepted it: the port is clean, and goes back to the pool.
    fn finish(self) {
        if let ReplyTo::Pooled(port) = self {
            port.give_back();
        }
    }
}

/// Receives a reply on `name`, a member of `readiness`, whose descriptor `fd` watches,
/// into `buffer`, of which the kernel may write `limit` bytes (the reply and its
/// trailer; never more than the buffer holds): waits for the descriptor, clears it,
/// receives without waiting, and again until a receive finds a message or fails.
async fn receive<T: AsRawFd, B>(
    fd: &AsyncFd<T>,
    readiness: &Readiness,
    name: mach_port_t,
    buffer: &mut Buffer<B>,
    options: sys::mach_msg_option_t,
    limit: u32,
) -> Result<()> {
    let limit = limit.min(u32::try_from(size_of::<B>()).unwrap_or(u32::MAX));
    loop {
        let mut guard = ready(fd, readiness).await?;
        let start = buffer.start();
        // SAFETY: the buffer is ours alone and writable for `size_of::<B>()` bytes, at
        // least `limit`: the most the kernel writes.
        let code = mach_msg_code(unsafe {
            sys::mach_msg(
                start.cast(),
                sys::MACH_RCV_MSG | sys::MACH_RCV_TIMEOUT | options,
                0,
                limit,
                name,
                0,
                sys::MACH_PORT_NULL,
            )
        });
        match code {
            sys::MACH_RCV_TIMED_OUT => guard.clear_ready(),
            sys::MACH_RCV_PORT_CHANGED | sys::MACH_RCV_INTERRUPTED => {}
            code => {
                // The one message the call waits for (or a failure, after which the
                // port is destroyed): the wake-up is used up, and a pooled port's next
                // call must wait for a wake-up of its own.
                guard.clear_ready();
                return Error::check(code);
            }
        }
    }
}

/// The deadline `MACH_*_TIMEOUT` in `options` sets, `timeout` milliseconds from now.
fn deadline(options: sys::mach_msg_option_t, flag: sys::mach_msg_option_t, timeout: u32) -> Option<Instant> {
    (options & flag != 0).then(|| Instant::now() + Duration::from_millis(u64::from(timeout)))
}

/// [`call`](crate::__private::call) as a future: what the `_async` client stubs call.
/// The same request, the same checks of the reply and the same release of what a refused
/// request or a failed reply holds, with the waiting done by the runtime:
///
/// - the reply comes to a port of the call's own (or to the caller's port, for
///   `ureplyport` routines), watched through a [`Readiness`]: one from the process's
///   pool, given back there once the call has received and accepted its reply (see
///   [`release_pooled_reply_ports`](crate::release_pooled_reply_ports)); dropping the
///   future, or any other ending, destroys that port, and with it a reply that comes
///   late;
/// - a request to a full queue is sent again after a short sleep rather than blocking a
///   thread; with `MACH_SEND_TIMEOUT` in `options` (MIG's `waittime`/`sendtime`), only
///   until `timeout` milliseconds have passed (then `MACH_SEND_TIMED_OUT`);
/// - with `MACH_RCV_TIMEOUT`, the reply is awaited for at most `timeout` milliseconds
///   (`MACH_RCV_TIMED_OUT`, the port and any later reply destroyed); any other time limit
///   is the caller's `tokio::time::timeout` around the future.
///
/// The request is written here, before the future is returned: `write` runs (or, if no
/// reply port can be had, is dropped unrun) in this call, and neither it nor what it
/// captures is part of the future, which is `Send` whenever `read` is. The future still
/// names `write`'s type, so it cannot outlive what `write` borrowed: the memory and names
/// the request lends stay borrowed until the future completes or is dropped.
///
/// # Safety
///
/// As for [`call`](crate::__private::call): every right and region the request names is
/// the caller's to lend or give away, until the future completes or is dropped.
#[allow(clippy::too_many_arguments)]
pub unsafe fn call_async<Rq: Message, Rp: Message, T>(
    write: impl FnOnce(&mut Writer<'_>),
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: ReplyPort,
    trailer_elements: Option<u32>,
    read: impl FnOnce(&mut Reader<'_>, &Trailer) -> Result<T>,
) -> impl Future<Output = Result<T>> {
    let capacity = size_of::<Exchange<Rq, Rp>>();
    // The reply port first: if there is none, `write` is dropped unrun, and what it would
    // have moved into the request is released by its owners.
    let prepared = ReplyTo::new(reply).map(|(reply_to, reply_disposition)| {
        let mut buffer = Buffer::<Exchange<Rq, Rp>>::new();
        // SAFETY: the exchange's `capacity` bytes, 8-byte aligned and ours alone; it
        // holds an `Rq`.
        let (size, _) = unsafe {
            compose_request::<Rq>(
                buffer.start(),
                capacity,
                write,
                dest,
                dest_disposition,
                || (reply_to.name(), reply_disposition),
                id,
            )
        };
        let request = Outgoing {
            buffer,
            size,
            descriptors: Rq::DESCRIPTORS,
            reply: (reply_to.name(), reply_disposition),
            refused: UNSENT,
        };
        (reply_to, request)
    });
    let call = async move {
        let (reply_to, mut request) = prepared?;
        let receive_deadline = deadline(options, sys::MACH_RCV_TIMEOUT, timeout);
        let send_deadline = deadline(options, sys::MACH_SEND_TIMEOUT, timeout);
        let send_options = options & !(sys::MACH_RCV_TIMEOUT | sys::MACH_SEND_TIMEOUT);
        let receive_options = send_options | trailer_elements.map_or(0, receive_options);
        let code = request.send(send_options, send_deadline).await;
        if let Some(error) = Error::from_code(code) {
            request.release();
            return Err(error);
        }
        let limit = size_of::<crate::client::Received<Rp>>() as u32;
        let received = async {
            let name = reply_to.name();
            match &reply_to {
                ReplyTo::Pooled(port) => {
                    receive(
                        port.fd(),
                        port.readiness(),
                        name,
                        &mut request.buffer,
                        receive_options,
                        limit,
                    )
                    .await
                }
                ReplyTo::Callers(port) => {
                    let fd = watch(&port.readiness)?;
                    receive(
                        &fd,
                        &port.readiness,
                        name,
                        &mut request.buffer,
                        receive_options,
                        limit,
                    )
                    .await
                }
            }
        };
        match receive_deadline {
            None => received.await?,
            Some(at) => tokio::time::timeout_at(at.into(), received)
                .await
                .map_err(|_| Error::from_code(sys::MACH_RCV_TIMED_OUT).unwrap_or(Error::KERN_FAILURE))??,
        }
        let start = request.buffer.start();
        // SAFETY: the kernel just wrote the reply and its trailer at the start of the
        // exchange, of `capacity` bytes, which nothing else refers to.
        let result = unsafe { take_reply::<Rp, T>(start, capacity, id, trailer_elements, read) };
        if result.is_ok() {
            reply_to.finish();
        }
        result
    };
    crate::trace::client_async::<Rq, _>(id, call)
}

/// [`post`](crate::__private::post) as a future: a simpleroutine's request, sent again
/// after a short sleep while the destination's queue is full (until `timeout`
/// milliseconds with `MACH_SEND_TIMEOUT` in `options`). Dropping the future while it
/// waits releases the request as a refused one.
///
/// As with [`call_async`], the request is written here, before the future is returned,
/// and the future does not hold `write`, only its borrows.
///
/// # Safety
///
/// As for [`post`](crate::__private::post), until the future completes or is dropped.
#[allow(clippy::too_many_arguments)]
pub unsafe fn post_async<Rq: Message>(
    write: impl FnOnce(&mut Writer<'_>),
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: mach_port_t,
    reply_disposition: mach_msg_type_name_t,
) -> impl Future<Output = Result<()>> {
    let mut buffer = Buffer::<Rq>::new();
    // SAFETY: the request's bytes, ours alone; the buffer is aligned for `Rq`.
    let (size, _) = unsafe {
        compose_request::<Rq>(
            buffer.start(),
            size_of::<Rq>(),
            write,
            dest,
            dest_disposition,
            || (reply, reply_disposition),
            id,
        )
    };
    let mut request = Outgoing {
        buffer,
        size,
        descriptors: Rq::DESCRIPTORS,
        reply: (reply, reply_disposition),
        refused: UNSENT,
    };
    let call = async move {
        let send_deadline = deadline(options, sys::MACH_SEND_TIMEOUT, timeout);
        let options = options & !(sys::MACH_RCV_TIMEOUT | sys::MACH_SEND_TIMEOUT);
        let code = request.send(options, send_deadline).await;
        request.release();
        Error::check(code)
    };
    crate::trace::client_async::<Rq, _>(id, call)
}

/// [`send_ret_code`](crate::__private::send_ret_code) as a future, sent as
/// [`post_async`] sends (the message written before the future is returned).
#[allow(clippy::too_many_arguments)]
pub fn send_ret_code_async(
    code: sys::kern_return_t,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
    options: sys::mach_msg_option_t,
    timeout: sys::mach_msg_timeout_t,
    reply: mach_port_t,
    reply_disposition: mach_msg_type_name_t,
) -> impl Future<Output = Result<()>> {
    // SAFETY: the message carries no descriptors; its header names only what the caller
    // passes, as for any stub.
    unsafe {
        post_async::<RetCodeOnly>(
            crate::client::write_ret_code(code),
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
