//! [`serve_async_concurrent`]: a server loop whose requests' handlers run concurrently,
//! each in a task of its own, for [`AsyncDemux`]es (a subsystem's generated
//! `AsyncService`, serving its `AsyncServer` trait).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use tokio::task::JoinSet;

use super::{Drained, backoff, contained, watch};
use crate::client::{REPLY_ERROR_SIZE, mach_msg_code};
use crate::error::{Error, Result};
use crate::message::MessageBuffer;
use crate::readiness::Readiness;
use crate::server::{
    Receipt, Served, error_reply, prepare_reply, receipt, release_unsent, reply_to, resend_reply,
};
use crate::sys;

use super::server::{BATCH, REPLY_PATIENCE};

/// A subsystem's server whose handlers are `async`: generated as
/// `<subsystem>::AsyncService<S>` for any `S` implementing the subsystem's `AsyncServer`
/// trait (with the `tokio` feature), and served by [`serve_async_concurrent`].
///
/// # Safety
///
/// As for [`Demux`](crate::Demux): the loop sends whatever the future of
/// [`demux`](AsyncDemux::demux) leaves in the reply buffer when it completes, so an
/// implementation may leave there only a message whose port names are rights it holds to
/// give (or lend) and whose out-of-line addresses are memory it may read (and, with
/// `deallocate` set, owns). It must also leave the request buffer naming only what is
/// still the request's (each right or region it hands a handler cleared there), at any
/// `.await` as at the end: the loop releases what the request still names if the
/// future is dropped, or if the routine failed.
pub unsafe trait AsyncDemux: Send + Sync {
    /// The msgh_id of the subsystem's first routine.
    const BASE: i32;
    /// One past the msgh_id of its last routine.
    const END: i32;
    /// The largest request any routine accepts, without trailer.
    const MAX_REQUEST_SIZE: usize;
    /// The largest reply any routine sends (at least a `mig_reply_error_t`).
    const MAX_REPLY_SIZE: usize;

    /// Handles one request as [`Demux::demux`](crate::Demux::demux) does (prepares the
    /// reply header, validates the request, calls the handler and builds the reply),
    /// awaiting the handler. The future resolves to `false` when the id is not one of
    /// this subsystem's (the reply then carries `MIG_BAD_ID`). A request without the
    /// proof of a kernel receive is refused with `MIG_BAD_ARGUMENTS`.
    fn demux<'a>(
        &'a self,
        request: &'a mut MessageBuffer,
        reply: &'a mut MessageBuffer,
    ) -> impl Future<Output = bool> + Send + 'a;
}

/// Several subsystems on one port, as the [`Demux`](crate::Demux) of a pair: a request
/// goes to the first subsystem whose msgh_id range holds its id.
// SAFETY: forwards to `A` or `B`, which keep the promise; writes nothing itself.
unsafe impl<A: AsyncDemux, B: AsyncDemux> AsyncDemux for (A, B) {
    const BASE: i32 = if A::BASE < B::BASE { A::BASE } else { B::BASE };
    const END: i32 = if A::END > B::END { A::END } else { B::END };
    const MAX_REQUEST_SIZE: usize = max(A::MAX_REQUEST_SIZE, B::MAX_REQUEST_SIZE);
    const MAX_REPLY_SIZE: usize = max(A::MAX_REPLY_SIZE, B::MAX_REPLY_SIZE);

    async fn demux(&self, request: &mut MessageBuffer, reply: &mut MessageBuffer) -> bool {
        let id = request.header().msgh_id;
        if (A::BASE..A::END).contains(&id) {
            self.0.demux(request, reply).await
        } else {
            self.1.demux(request, reply).await
        }
    }
}

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// Serves every port in `readiness`'s set with `demux`, running each request's handler
/// in a task of its own, at most `max_in_flight` at a time (at least one), until
/// `shutdown` completes (or the set is destroyed).
///
/// Requests are received as [`serve_async`](crate::serve_async) receives them (without
/// waiting, once the descriptor says there are some, in batches), and each goes to a
/// task spawned on the current runtime with its own request and reply buffers, which
/// runs [`AsyncDemux::demux`] (the same checks, reply writing and release of a failed
/// request's resources as the blocking loops; a handler's panic is contained and
/// answered with `KERN_FAILURE`) and sends the reply when the handler's future
/// completes. Tasks, not futures polled by this loop: handlers run in parallel on a
/// multi-threaded runtime, and a handler that computes does not hold up the loop.
///
/// With `max_in_flight` handlers running, the loop stops receiving: requests wait in the
/// port's queue (and senders, once it is full, in theirs) until one finishes. A reply to
/// a send-once right (every MIG reply) is sent at once and never blocks; a reply to a
/// send right whose queue is full is tried again by its task (1 ms, doubling to 16 ms)
/// and released after two seconds, its task still counted as in flight.
///
/// On `shutdown` the loop stops receiving, waits for the handlers in flight to finish
/// and their replies to go, and returns `Ok(())`, leaving the ports, their receive
/// rights and any queued requests alone. Dropping the future instead aborts the tasks in
/// flight: each, when the runtime drops it (at once, or when the runtime shuts down),
/// drops its handler's future (and with it what the handler took from the request),
/// releases what its request still holds (its reply right too: the client gets
/// `MIG_SERVER_DIED`) and an unsent reply. `Err` means a receive failed in a way the
/// blocking loop reports too; the tasks in flight are then aborted the same way.
///
/// The client's voucher is released when its request is received: a handler that
/// awaits runs on whatever thread polls it, so the voucher is not adopted as the
/// blocking loops adopt it.
///
/// One task at a time may wait on a `Readiness`. Needs a runtime with I/O and time.
pub async fn serve_async_concurrent<D: AsyncDemux + 'static>(
    readiness: &Readiness,
    demux: Arc<D>,
    max_in_flight: usize,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let fd = watch(readiness)?;
    let max_in_flight = max_in_flight.max(1);
    let mut tasks = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        // Whichever comes first: the stop, or (with room for one more) requests; tasks
        // that finished are reaped meanwhile.
        let event = std::future::poll_fn(|cx| {
            if shutdown.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Event::Stop);
            }
            while let Poll::Ready(Some(_)) = tasks.poll_join_next(cx) {}
            if tasks.len() >= max_in_flight {
                // Full: woken when a task finishes (`poll_join_next` returned `Pending`).
                return Poll::Pending;
            }
            match fd.poll_read_ready(cx) {
                Poll::Ready(Ok(guard)) => Poll::Ready(Event::Ready(guard)),
                Poll::Ready(Err(_)) => Poll::Ready(Event::Broken),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        match event {
            Event::Stop => break,
            Event::Broken => return Err(Error::KERN_FAILURE),
            Event::Ready(mut guard) => {
                readiness.clear();
                let room = max_in_flight - tasks.len();
                match receive(readiness, &demux, &mut tasks, room.min(BATCH))? {
                    Drained::Empty => guard.clear_ready(),
                    // More may be queued: keep the descriptor ready (it is polled again
                    // once there is room) and let others run.
                    Drained::Batch => {
                        drop(guard);
                        tokio::task::yield_now().await;
                    }
                    Drained::Gone => break,
                }
            }
        }
    }
    // Stop receiving; the handlers in flight finish, and their replies go.
    while tasks.join_next().await.is_some() {}
    Ok(())
}

enum Event<'a> {
    Stop,
    Broken,
    Ready(tokio::io::unix::AsyncFdReadyGuard<'a, super::Watched<'a>>),
}

/// Receives up to `room` requests without waiting (step 3 of the [`Readiness`]
/// contract) and spawns a task for each.
fn receive<D: AsyncDemux + 'static>(
    readiness: &Readiness,
    demux: &Arc<D>,
    tasks: &mut JoinSet<()>,
    room: usize,
) -> Result<Drained> {
    let mut taken = 0;
    while taken < room {
        let mut request = MessageBuffer::for_receive(D::MAX_REQUEST_SIZE);
        let code = mach_msg_code(request.receive(
            readiness.name(),
            sys::MACH_RCV_VOUCHER | sys::MACH_RCV_TIMEOUT,
            0,
        ));
        if code == sys::MACH_RCV_TIMED_OUT {
            return Ok(Drained::Empty);
        }
        match receipt(code, &mut request) {
            Receipt::Request => {
                release_voucher(&mut request);
                let in_flight = InFlight {
                    request,
                    reply: MessageBuffer::with_capacity(D::MAX_REPLY_SIZE.max(REPLY_ERROR_SIZE)),
                    state: State::Handling,
                };
                tasks.spawn(serve_request(Arc::clone(demux), in_flight));
                taken += 1;
            }
            Receipt::Again | Receipt::Done(Served::Handled) => {}
            Receipt::Done(Served::PortGone) => return Ok(Drained::Gone),
            Receipt::Failed(error) => return Err(error),
        }
    }
    Ok(Drained::Batch)
}

/// Adopts the request's voucher and reverts at once, which takes the voucher right out
/// of the request and releases it (see the voucher note on [`serve_async_concurrent`]).
fn release_voucher(request: &mut MessageBuffer) {
    let head: *mut sys::mach_msg_header_t = request.header_mut_kept();
    // SAFETY: `head` points at the received message's header, in the request buffer.
    let adopted = unsafe { sys::voucher_mach_msg_adopt(head) };
    // SAFETY: the state the adopt above returned, restored once.
    unsafe { sys::voucher_mach_msg_revert(adopted) };
}

/// One request in flight, with its buffers; what it still holds is released if it is
/// dropped before its end (its task aborted).
struct InFlight {
    request: MessageBuffer,
    reply: MessageBuffer,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Being dispatched: the request names what the handler has not taken.
    Handling,
    /// Dispatched; the reply is kept for another try (its queue was full).
    Kept,
    /// Replied, or released: nothing left.
    Done,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        match self.state {
            State::Handling => {
                // What the handler took is cleared in the request and dropped with its
                // future; the rest (the reply right too) is released here.
                crate::message::own_received_memory(self.request.bytes_mut());
                // SAFETY: a received message we own, naming only what is still its
                // own; released once (the state is `Done` after).
                unsafe { sys::mach_msg_destroy(self.request.as_mut_ptr()) };
            }
            State::Kept => release_unsent(&mut self.reply),
            State::Done => {}
        }
        self.state = State::Done;
    }
}

/// A request's task: dispatches it, awaiting its handler, and sends the reply.
async fn serve_request<D: AsyncDemux>(demux: Arc<D>, mut in_flight: InFlight) {
    let InFlight { request, reply, .. } = &mut in_flight;
    if contained(demux.demux(request, reply)).await.is_none() {
        // Only a hand-written `AsyncDemux` gets here (the generated dispatch contains
        // its handlers' panics): answer `KERN_FAILURE`, as `c_demux` does.
        prepare_reply(request, reply);
        error_reply(reply, Error::KERN_FAILURE);
    }
    let kept = reply_to(request, reply, true);
    if !kept {
        in_flight.state = State::Done;
        return;
    }
    in_flight.state = State::Kept;
    let give_up = Instant::now() + REPLY_PATIENCE;
    let mut attempt = 0;
    loop {
        tokio::time::sleep(backoff(attempt)).await;
        if resend_reply(&mut in_flight.reply) {
            break;
        }
        if Instant::now() >= give_up {
            release_unsent(&mut in_flight.reply);
            break;
        }
        attempt += 1;
    }
    in_flight.state = State::Done;
}
