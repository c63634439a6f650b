//! [`serve_async`]: the server loop as a future.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use super::{Drained, backoff, watch};
use crate::client::{REPLY_ERROR_SIZE, mach_msg_code};
use crate::error::Result;
use crate::message::MessageBuffer;
use crate::readiness::Readiness;
use crate::server::{Demux, Receipt, Served, receipt, release_unsent, resend_reply, serve_received};
use crate::sys;

/// Requests served between two yields to the runtime, so a busy server shares its thread.
pub(super) const BATCH: usize = 64;

/// How long a reply to a full queue is tried again before it is given up (released).
pub(super) const REPLY_PATIENCE: Duration = Duration::from_secs(2);

/// Serves every port in `readiness`'s set with `demux`, from the current task, until
/// `shutdown` completes (or the set is destroyed): tokio's [`serve_until`](crate::serve_until).
///
/// Each request goes through the same [`Demux::demux`] and reply handling as
/// the blocking loops ([`serve_one`](crate::serve_one)): the same validation, the same
/// release of what a request or an undeliverable reply holds, handler panics contained.
/// Several ports share the loop by being members of the set
/// ([`Readiness::insert`]), several subsystems by a tuple of `Demux`es; several loops
/// (each with its own `Readiness`) run on one task with `tokio::join!`.
///
/// Nothing blocks the runtime: requests are received without waiting, once the
/// descriptor says there are some, in batches between which the task yields. A reply to
/// a send-once right (every MIG reply) is never held up by a full queue; a reply to a
/// send right whose queue is full is kept and sent again later, while other requests are
/// served, and released if it still cannot be sent after two seconds or when the loop
/// ends.
///
/// On `shutdown` the loop finishes the batch in hand and returns `Ok(())`, leaving the
/// ports, their receive rights and any queued requests alone. Dropping the future
/// instead stops it at its last `.await` (between two requests) and releases kept
/// replies too. `Err` means a receive failed in a way the blocking loop reports too.
///
/// One task at a time may wait on a `Readiness`. Needs a runtime with I/O and time.
pub async fn serve_async<D: Demux>(
    readiness: &Readiness,
    demux: &D,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let fd = watch(readiness)?;
    let mut request = MessageBuffer::for_receive(D::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(D::MAX_REPLY_SIZE.max(REPLY_ERROR_SIZE));
    let mut kept = Kept::default();
    let mut shutdown = pin!(shutdown);
    loop {
        let mut retry = kept
            .next_try()
            .map(|at| Box::pin(tokio::time::sleep_until(at.into())));
        // Whichever comes first: the stop, a kept reply's turn, or requests.
        let event = std::future::poll_fn(|cx| {
            if shutdown.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Event::Stop);
            }
            if let Some(sleep) = retry.as_mut()
                && sleep.as_mut().poll(cx).is_ready()
            {
                return Poll::Ready(Event::Retry);
            }
            match fd.poll_read_ready(cx) {
                Poll::Ready(Ok(guard)) => Poll::Ready(Event::Ready(guard)),
                Poll::Ready(Err(_)) => Poll::Ready(Event::Broken),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        match event {
            Event::Stop => {
                kept.last_try();
                return Ok(());
            }
            Event::Retry => kept.retry(),
            Event::Broken => return Err(crate::Error::KERN_FAILURE),
            Event::Ready(mut guard) => {
                readiness.clear();
                match drain(readiness, demux, &mut request, &mut reply, &mut kept)? {
                    Drained::Empty => guard.clear_ready(),
                    // More may be queued: keep the descriptor ready and let others run.
                    Drained::Batch => {
                        drop(guard);
                        tokio::task::yield_now().await;
                    }
                    Drained::Gone => {
                        kept.last_try();
                        return Ok(());
                    }
                }
            }
        }
    }
}

enum Event<'a> {
    Stop,
    Retry,
    Broken,
    Ready(tokio::io::unix::AsyncFdReadyGuard<'a, super::Watched<'a>>),
}

/// Receives and serves up to [`BATCH`] requests without waiting (step 3 of the
/// [`Readiness`] contract).
fn drain<D: Demux>(
    readiness: &Readiness,
    demux: &D,
    request: &mut MessageBuffer,
    reply: &mut MessageBuffer,
    kept: &mut Kept,
) -> Result<Drained> {
    for _ in 0..BATCH {
        let code = mach_msg_code(request.receive(
            readiness.name(),
            sys::MACH_RCV_VOUCHER | sys::MACH_RCV_TIMEOUT,
            0,
        ));
        if code == sys::MACH_RCV_TIMED_OUT {
            return Ok(Drained::Empty);
        }
        match receipt(code, request) {
            Receipt::Request => {
                if serve_received(demux, request, reply, true) {
                    // The reply's queue is full: keep it, and serve on with a new buffer.
                    let fresh = MessageBuffer::with_capacity(reply.capacity());
                    kept.keep(std::mem::replace(reply, fresh));
                }
            }
            Receipt::Again | Receipt::Done(Served::Handled) => {}
            Receipt::Done(Served::PortGone) => return Ok(Drained::Gone),
            Receipt::Failed(error) => return Err(error),
        }
    }
    Ok(Drained::Batch)
}

/// Replies whose queue was full, to be sent again; released if given up or dropped.
#[derive(Default)]
struct Kept {
    replies: VecDeque<KeptReply>,
    /// Tries since the last one that sent something.
    attempt: u32,
    /// When the next try is due.
    next: Option<Instant>,
}

struct KeptReply {
    reply: MessageBuffer,
    give_up: Instant,
}

impl Kept {
    fn keep(&mut self, reply: MessageBuffer) {
        let now = Instant::now();
        self.replies.push_back(KeptReply {
            reply,
            give_up: now + REPLY_PATIENCE,
        });
        if self.next.is_none() {
            self.attempt = 0;
            self.next = Some(now + backoff(0));
        }
    }

    fn next_try(&self) -> Option<Instant> {
        self.next.filter(|_| !self.replies.is_empty())
    }

    /// Sends again what it can, gives up what waited too long.
    fn retry(&mut self) {
        let now = Instant::now();
        let before = self.replies.len();
        self.replies.retain_mut(|kept| {
            if resend_reply(&mut kept.reply) {
                return false;
            }
            if now >= kept.give_up {
                release_unsent(&mut kept.reply);
                return false;
            }
            true
        });
        self.attempt = if self.replies.len() < before {
            0
        } else {
            self.attempt + 1
        };
        self.next = (!self.replies.is_empty()).then(|| now + backoff(self.attempt));
    }

    /// One last try for each reply, then releases the rest.
    fn last_try(&mut self) {
        for mut kept in self.replies.drain(..) {
            if !resend_reply(&mut kept.reply) {
                release_unsent(&mut kept.reply);
            }
        }
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        for mut kept in self.replies.drain(..) {
            release_unsent(&mut kept.reply);
        }
    }
}
