//! Readiness of a port set as a file descriptor: the loopback's counterpart of a kqueue
//! holding an `EVFILT_MACHPORT` filter on a port set (XNU documents the filter for
//! port sets only: `bsd/sys/event.h`; its filter is `filt_machport` in
//! `osfmk/ipc/ipc_pset.c`, which reports the set active while any member has a message
//! queued).
//!
//! [`loopback_port_set_signal`] attaches an eventfd to a port set. The kernel adds to its
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

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, RawFd};
use std::sync::Arc;

use super::ids::ObjId;
use super::kern_return::{KERN_INVALID_NAME, KERN_INVALID_RIGHT, KERN_RESOURCE_SHORTAGE, kern_return_t};
use super::kernel::{self, Kernel};
use super::space::Right;
use super::types::{ipc_space_t, mach_port_name_t};

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
    fn new() -> std::io::Result<Self> {
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
    fn signal(&self) {
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

impl Kernel {
    /// A message was queued on `port`: signals its set's descriptor, if any.
    pub(super) fn signal_ready(&self, port: ObjId) {
        let set = self.ports.get(&port).and_then(|p| p.set);
        if let Some(signal) = set
            .and_then(|s| self.sets.get(&s))
            .and_then(|s| s.signal.as_ref())
        {
            signal.signal();
        }
    }

    /// `port` joined a set: signals it if messages are already queued.
    pub(super) fn signal_if_queued(&self, port: ObjId) {
        if self.ports.get(&port).is_some_and(|p| !p.queue.is_empty()) {
            self.signal_ready(port);
        }
    }
}

/// Attaches a fresh eventfd to the port set `pset` in `task`'s space and returns it: the
/// loopback signals it whenever a message is queued on a member (see the module docs).
/// A set has one descriptor at a time; attaching another replaces it. The descriptor is
/// signalled at once if a member already has messages.
///
/// `KERN_INVALID_NAME` if `pset` names nothing, `KERN_INVALID_RIGHT` if it is not a
/// port set, `KERN_RESOURCE_SHORTAGE` if no descriptor can be made.
pub fn loopback_port_set_signal(
    task: ipc_space_t,
    pset: mach_port_name_t,
) -> Result<LoopbackSignal, kern_return_t> {
    let signal = LoopbackSignal::new().map_err(|_| KERN_RESOURCE_SHORTAGE)?;
    let mut k = kernel::lock();
    let sid = k.task_space(task)?;
    let set = match k.lookup(sid, pset) {
        Some(Right::PortSet { set }) => set,
        Some(_) => return Err(KERN_INVALID_RIGHT),
        None => return Err(KERN_INVALID_NAME),
    };
    let entry = k.sets.get_mut(&set).ok_or(KERN_INVALID_NAME)?;
    entry.signal = Some(signal.clone());
    let members = entry.members.clone();
    for member in members {
        k.signal_if_queued(member);
    }
    Ok(signal)
}
