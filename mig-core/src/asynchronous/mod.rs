//! Mach IPC on tokio (the `tokio` feature): [`serve_async`] serves the ports of a
//! [`Readiness`] from a task, [`serve_async_concurrent`] serves them with `async`
//! handlers running concurrently ([`AsyncDemux`]), and every generated client stub has an `_async` form that
//! awaits its reply (through [`call_async`](crate::__private::call_async)).
//!
//! Both wait on a [`Readiness`] descriptor with tokio's `AsyncFd` and follow its
//! contract: once the descriptor is readable, clear it, then receive without waiting
//! until `MACH_RCV_TIMED_OUT`. Nothing here blocks a runtime thread: receives and sends
//! use a zero timeout, and a send that finds a full queue (`MACH_SEND_TIMED_OUT`) is
//! retried later from the task that made it (Mach has no portable "room again" event:
//! XNU's `MACH_NOTIFY_SEND_POSSIBLE` is not in the loopback).
//!
//! A call's reply port, its port set and descriptor, and the descriptor's registration
//! are kept for the next call once the call has received and accepted its reply (see
//! `reply_pool` and [`release_pooled_reply_ports`]).
//!
//! The runtime must have its I/O and time drivers (`Runtime::new`, or a builder with
//! `enable_all`).

mod client;
mod concurrent;
mod reply_pool;
mod server;

use std::future::Future;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use crate::error::{Error, Result};
use crate::readiness::Readiness;

pub use client::{call_async, post_async, send_ret_code_async};
pub use concurrent::{AsyncDemux, serve_async_concurrent};
pub use reply_pool::{CAPACITY as REPLY_POOL_CAPACITY, pooled_reply_ports, release_pooled_reply_ports};
pub use server::serve_async;

/// A [`Readiness`] descriptor tokio watches but does not own: borrowed, so the
/// `AsyncFd` holding it cannot outlive the `Readiness`, which keeps it open.
struct Watched<'a>(BorrowedFd<'a>);

impl AsRawFd for Watched<'_> {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

/// Registers `readiness`'s descriptor with the current runtime's reactor.
fn watch(readiness: &Readiness) -> Result<AsyncFd<Watched<'_>>> {
    // SAFETY: the descriptor is open, and stays open and the same for as long as the
    // `AsyncFd` lives: it is borrowed from `readiness` (see `Watched`), which closes it
    // only when dropped.
    unsafe { AsyncFd::register_with_interest(Watched(readiness.as_fd()), Interest::READABLE) }
        .map_err(|_| Error::KERN_RESOURCE_SHORTAGE)
}

/// Waits until `readiness` may have a message, then clears it (steps 1 and 2 of its
/// contract). The returned guard is to be cleared once a receive finds nothing.
async fn ready<'a, T: AsRawFd>(
    fd: &'a AsyncFd<T>,
    readiness: &Readiness,
) -> Result<tokio::io::unix::AsyncFdReadyGuard<'a, T>> {
    let guard = fd.readable().await.map_err(|_| Error::KERN_FAILURE)?;
    readiness.clear();
    Ok(guard)
}

/// How long to wait before sending again to a full queue, after `attempt` tries: 1 ms,
/// doubling, at most 16 ms.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(1 << attempt.min(4))
}

/// `future`'s output, or `None` if polling it panicked (what it held is dropped as it
/// unwinds, the rest of it when this future returns).
pub(crate) async fn contained<T>(future: impl Future<Output = T>) -> Option<T> {
    let mut future = pin!(future);
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Some(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(None),
        }
    })
    .await
}

/// What one round of receiving from a [`Readiness`] set without waiting came to.
enum Drained {
    /// The set had no more messages.
    Empty,
    /// As many requests were taken as the round allows (a batch, or the room left for
    /// handlers); there may be more.
    Batch,
    /// The set is gone.
    Gone,
}
