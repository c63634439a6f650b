//! [`Readiness`]: a port set whose messages announce themselves on a file descriptor.

use crate::error::{Error, Result};
use crate::sys::{self, mach_port_t};

/// A port set and a file descriptor that becomes readable when a message is queued on
/// any of its members, for event loops (tokio's `AsyncFd`, `poll`, `epoll`, a kqueue) to
/// wait on.
///
/// On Apple platforms the descriptor is a kqueue holding one `EVFILT_MACHPORT` filter on
/// the port set. XNU supports that filter on port sets (`bsd/sys/event.h`: "Only
/// portsets are supported at this time"), and without `MACH_RCV_MSG` in its `fflags` the
/// filter only reports that a member has a message (`filt_machportattach` and
/// `filt_pset_filter_result` in `osfmk/ipc/ipc_pset.c`); the kqueue's own descriptor is
/// readable while it has an event to report. On the loopback the descriptor is an
/// eventfd the loopback kernel signals when it queues a message on a member
/// (`sys::loopback_port_set_signal`).
///
/// The contract is the same on both, and the code above it is one code path:
///
/// 1. wait until the descriptor is readable;
/// 2. [`clear`](Readiness::clear) it;
/// 3. receive from [`name`](Readiness::name) with `MACH_RCV_TIMEOUT` and a zero timeout
///    until `MACH_RCV_TIMED_OUT`: one wake-up may stand for many messages (an event loop
///    that takes one message per wake-up strands the rest), and for none;
/// 4. go back to 1.
///
/// A message queued after step 2 makes the descriptor readable again, so none is missed.
///
/// Dropping it destroys the set (its members stay, out of any set) and closes the
/// descriptor.
#[derive(Debug)]
pub struct Readiness {
    set: mach_port_t,
    source: Source,
}

impl Readiness {
    /// A new, empty port set with its descriptor.
    pub fn new() -> Result<Self> {
        let mut set = sys::MACH_PORT_NULL;
        // SAFETY: `set` is a valid out-pointer; the task is our own.
        Error::check(unsafe {
            sys::mach_port_allocate(sys::mach_task_self(), sys::MACH_PORT_RIGHT_PORT_SET, &mut set)
        })?;
        match Source::new(set) {
            Ok(source) => Ok(Readiness { set, source }),
            Err(error) => {
                destroy_set(set);
                Err(error)
            }
        }
    }

    /// The port set's name: receive from it to take a message from any member.
    pub fn name(&self) -> mach_port_t {
        self.set
    }

    /// Adds the receive right `port` to the set (`mach_port_insert_member`). The
    /// descriptor becomes readable at once if the port already has messages. The right
    /// stays the caller's; a port that dies leaves the set.
    pub fn insert(&self, port: mach_port_t) -> Result<()> {
        // SAFETY: takes no pointers; the kernel checks both names.
        Error::check(unsafe { sys::mach_port_insert_member(sys::mach_task_self(), port, self.set) })
    }

    /// Takes the receive right `port` out of the set (`mach_port_extract_member`).
    pub fn remove(&self, port: mach_port_t) -> Result<()> {
        // SAFETY: takes no pointers; the kernel checks both names.
        Error::check(unsafe { sys::mach_port_extract_member(sys::mach_task_self(), port, self.set) })
    }

    /// Consumes the pending wake-up, if any (step 2 of the contract): afterwards the
    /// descriptor is readable again only once another message is queued (or, on XNU,
    /// if one is still queued). Never blocks. Returns whether there was one.
    pub fn clear(&self) -> bool {
        self.source.clear()
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for Readiness {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.source.as_raw_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for Readiness {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.source.as_fd()
    }
}

impl Drop for Readiness {
    fn drop(&mut self) {
        // The descriptor first: on XNU closing the kqueue detaches its filter.
        self.source.close();
        destroy_set(self.set);
    }
}

fn destroy_set(set: mach_port_t) {
    // SAFETY: takes no pointers; we own the port set right under this name.
    unsafe { sys::mach_port_mod_refs(sys::mach_task_self(), set, sys::MACH_PORT_RIGHT_PORT_SET, -1) };
}

/// The loopback's eventfd.
#[cfg(not(target_vendor = "apple"))]
#[derive(Debug)]
struct Source(Option<sys::LoopbackSignal>);

#[cfg(not(target_vendor = "apple"))]
impl Source {
    fn new(set: mach_port_t) -> Result<Self> {
        // SAFETY: none needed: a safe loopback call, named like the others.
        let signal = sys::loopback_port_set_signal(unsafe { sys::mach_task_self() }, set);
        signal
            .map(|s| Source(Some(s)))
            .map_err(|code| Error::from_code(code).unwrap_or(Error::KERN_FAILURE))
    }

    fn clear(&self) -> bool {
        self.0.as_ref().is_some_and(sys::LoopbackSignal::clear)
    }

    fn close(&mut self) {
        self.0 = None;
    }

    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.0.as_ref().map_or(-1, AsRawFd::as_raw_fd)
    }

    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        // Only `close`, from `drop`, empties it.
        self.0.as_ref().expect("open until dropped").as_fd()
    }
}

/// A kqueue with an `EVFILT_MACHPORT` filter on the port set.
#[cfg(target_vendor = "apple")]
#[derive(Debug)]
struct Source(Option<std::os::fd::OwnedFd>);

#[cfg(target_vendor = "apple")]
mod kq {
    //! The kqueue calls of `<sys/event.h>`, declared here: `mach2` has no dependencies
    //! and binds none of them, and mig-core takes no `libc` dependency for three calls.

    /// `struct kevent64_s` (`bsd/sys/event.h`).
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    pub struct Kevent64 {
        pub ident: u64,
        pub filter: i16,
        pub flags: u16,
        pub fflags: u32,
        pub data: i64,
        pub udata: u64,
        pub ext: [u64; 2],
    }

    /// `EVFILT_MACHPORT`: Mach port sets.
    pub const EVFILT_MACHPORT: i16 = -8;
    /// `EV_ADD`: add the event (implies `EV_ENABLE`).
    pub const EV_ADD: u16 = 0x0001;
    /// `EV_ENABLE`.
    pub const EV_ENABLE: u16 = 0x0004;
    /// `EV_ERROR`: the change failed; `data` holds the errno.
    pub const EV_ERROR: u16 = 0x4000;
    /// `KEVENT_FLAG_IMMEDIATE`: a zero timeout.
    pub const KEVENT_FLAG_IMMEDIATE: core::ffi::c_uint = 0x000001;

    unsafe extern "C" {
        pub fn kqueue() -> core::ffi::c_int;
        pub fn kevent64(
            kq: core::ffi::c_int,
            changelist: *const Kevent64,
            nchanges: core::ffi::c_int,
            eventlist: *mut Kevent64,
            nevents: core::ffi::c_int,
            flags: core::ffi::c_uint,
            timeout: *const core::ffi::c_void,
        ) -> core::ffi::c_int;
    }
}

#[cfg(target_vendor = "apple")]
impl Source {
    fn new(set: mach_port_t) -> Result<Self> {
        use std::os::fd::FromRawFd;
        // SAFETY: takes no pointers.
        let fd = unsafe { kq::kqueue() };
        if fd < 0 {
            return Err(Error::KERN_RESOURCE_SHORTAGE);
        }
        // SAFETY: `kqueue` just returned this descriptor, which nothing else owns.
        let owned = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
        // Level-triggered (no `EV_CLEAR`): the filter stays active while a member has a
        // message, and `fflags` without `MACH_RCV_MSG` asks only for that fact.
        let change = kq::Kevent64 {
            ident: u64::from(set),
            filter: kq::EVFILT_MACHPORT,
            flags: kq::EV_ADD | kq::EV_ENABLE,
            ..Default::default()
        };
        let mut result = kq::Kevent64::default();
        // SAFETY: one change in, room for one event out (a failed change is reported
        // there with `EV_ERROR`), immediate: nothing waits.
        let n = unsafe {
            kq::kevent64(
                fd,
                &change,
                1,
                &mut result,
                1,
                kq::KEVENT_FLAG_IMMEDIATE,
                core::ptr::null(),
            )
        };
        if n < 0 || (n == 1 && result.flags & kq::EV_ERROR != 0 && result.data != 0) {
            return Err(Error::KERN_FAILURE);
        }
        Ok(Source(Some(owned)))
    }

    fn clear(&self) -> bool {
        use std::os::fd::AsRawFd;
        let Some(fd) = &self.0 else { return false };
        let mut events = [kq::Kevent64::default(); 4];
        // SAFETY: room for `events.len()` events; immediate, so it never blocks. Taking
        // the events is what clears the kqueue's readability; a filter whose set still
        // has a message is reported again, as XNU re-queues level-triggered knotes.
        let n = unsafe {
            kq::kevent64(
                fd.as_raw_fd(),
                core::ptr::null(),
                0,
                events.as_mut_ptr(),
                events.len() as core::ffi::c_int,
                kq::KEVENT_FLAG_IMMEDIATE,
                core::ptr::null(),
            )
        };
        n > 0
    }

    fn close(&mut self) {
        self.0 = None;
    }

    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.0.as_ref().map_or(-1, AsRawFd::as_raw_fd)
    }

    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        // Only `close`, from `drop`, empties it.
        self.0.as_ref().expect("open until dropped").as_fd()
    }
}

#[cfg(all(test, not(target_vendor = "apple")))]
mod tests {
    use super::*;
    use crate::ReceiveRight;

    fn send_empty(port: mach_port_t) {
        let mut head = sys::mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_MAKE_SEND, 0),
            msgh_size: 0,
            msgh_remote_port: port,
            msgh_local_port: sys::MACH_PORT_NULL,
            msgh_voucher_port: sys::MACH_PORT_NULL,
            msgh_id: 7,
        };
        // SAFETY: a header-only message carrying a send right made from our receive right.
        let sent = unsafe {
            sys::mach_msg(
                &mut head,
                sys::MACH_SEND_MSG,
                size_of::<sys::mach_msg_header_t>() as u32,
                0,
                0,
                0,
                0,
            )
        };
        assert_eq!(sent, sys::MACH_MSG_SUCCESS);
    }

    fn receive_now(set: mach_port_t) -> sys::mach_msg_return_t {
        let mut buffer = crate::MessageBuffer::for_receive(64);
        let code = buffer.receive(set, sys::MACH_RCV_TIMEOUT, 0);
        buffer.destroy();
        code
    }

    /// The descriptor is signalled by a message queued on any member, and by a member
    /// that joins with messages queued; one wake-up stands for every message queued
    /// before it was cleared, all of which the set then hands out.
    #[test]
    fn members_signal_their_set() {
        let readiness = Readiness::new().unwrap();
        let (a, b) = (
            ReceiveRight::allocate().unwrap(),
            ReceiveRight::allocate().unwrap(),
        );
        readiness.insert(a.name()).unwrap();
        assert!(!readiness.clear(), "an empty set is not ready");
        send_empty(a.name());
        send_empty(a.name());
        send_empty(b.name());
        assert!(readiness.clear(), "a message on a member signals");
        assert!(!readiness.clear(), "cleared until the next message");
        readiness.insert(b.name()).unwrap();
        assert!(readiness.clear(), "a member joining with messages queued signals");
        for _ in 0..3 {
            assert_eq!(receive_now(readiness.name()), sys::MACH_MSG_SUCCESS);
        }
        assert_eq!(receive_now(readiness.name()), sys::MACH_RCV_TIMED_OUT);
        readiness.remove(a.name()).unwrap();
        send_empty(a.name());
        assert!(!readiness.clear(), "a port out of the set no longer signals it");
        assert_eq!(receive_now(a.name()), sys::MACH_MSG_SUCCESS);
    }
}
