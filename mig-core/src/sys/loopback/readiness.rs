//! Readiness of a port set as a file descriptor: the loopback's counterpart of a kqueue
//! holding an `EVFILT_MACHPORT` filter on a port set (XNU documents the filter for
//! port sets only: `bsd/sys/event.h`; its filter is `filt_machport` in
//! `osfmk/ipc/ipc_pset.c`, which reports the set active while any member has a message
//! queued).
//!
//! `loopback_port_set_signal` (in `mach_port.rs`) attaches an eventfd to a port set. The kernel adds to its
//! counter whenever a message is queued on a member port, and when a port joins the set
//! with messages already queued, so the descriptor is readable while something may be
//! waiting. As with a kqueue, one wake-up may stand for many messages, and a wake-up may
//! find nothing (another receiver took it): the reader clears the descriptor
//! ([`LoopbackSignal::clear`]) *before* draining the set with non-blocking receives until
//! `MACH_RCV_TIMED_OUT`, so a message queued during the drain signals anew.
//!
//! The descriptor is shared between the set and the caller, so it stays open for the
//! kernel to write to until both are done with it: destroying the set drops the
//! kernel's reference, dropping the [`LoopbackSignal`] the caller's.
//!
//! Only Linux (and Android) have eventfd; elsewhere the loopback offers no descriptor.
//!
//! This module holds the descriptor only, part of a port set's state; the kernel
//! signals it (`Kernel::signal_ready` in `kernel.rs`).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, RawFd};
use std::sync::Arc;

// glibc's (and bionic's) `eventfd(2)` wrapper, declared here rather than through the
// `libc` crate: mig-core has no dependencies off Apple platforms, and this is the one
// call std has no wrapper for. Reading and writing the counter goes through `File`, and
// closing through its `OwnedFd`.
unsafe extern "C" {
    fn eventfd(initval: core::ffi::c_uint, flags: core::ffi::c_int) -> core::ffi::c_int;
}

/// `EFD_NONBLOCK` (`O_NONBLOCK`) and `EFD_CLOEXEC` (`O_CLOEXEC`) on the generic Linux ABI
/// (x86, Arm, RISC-V, ...). The kernel writes under its lock and must never block on a
/// full counter, and the reader must never block on an empty one.
const EFD_FLAGS: core::ffi::c_int = 0o4000 | 0o2000000;

/// The eventfd the loopback signals when a message may be waiting on a port set.
///
/// Readable (to `poll`, `epoll`, tokio's `AsyncFd`) from the first signal until
/// [`clear`](Self::clear). Clones share the descriptor.
#[derive(Clone, Debug)]
pub struct LoopbackSignal(Arc<File>);

impl LoopbackSignal {
    pub(super) fn new() -> std::io::Result<Self> {
        // SAFETY: takes no pointers; the flags are valid for `eventfd`.
        let fd = unsafe { eventfd(0, EFD_FLAGS) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `eventfd` just returned this descriptor, which nothing else owns.
        Ok(LoopbackSignal(Arc::new(unsafe { File::from_raw_fd(fd) })))
    }

    /// Adds one to the counter: the descriptor becomes (or stays) readable. Never blocks
    /// (the counter would need 2^64 - 2 signals without a read to be full).
    pub(super) fn signal(&self) {
        let _ = (&*self.0).write(&1u64.to_ne_bytes());
    }

    /// Resets the counter: the descriptor is no longer readable until the next signal.
    /// Returns whether it was signalled. Never blocks.
    pub fn clear(&self) -> bool {
        let mut count = [0u8; 8];
        matches!((&*self.0).read(&mut count), Ok(8))
    }
}

impl AsRawFd for LoopbackSignal {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl AsFd for LoopbackSignal {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}
