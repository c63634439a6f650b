//! What the loopback test files share: names in the process's own space, a receive
//! buffer, and receiving what is already queued.

// Each test file uses a part of it.
#![allow(dead_code)]

use std::ptr;

use mig_core::sys::*;

/// The process's own task.
pub fn task() -> mach_port_t {
    unsafe { mach_task_self() }
}

/// A fresh receive right.
pub fn new_port() -> mach_port_t {
    let mut name = MACH_PORT_NULL;
    let kr = unsafe { mach_port_allocate(task(), MACH_PORT_RIGHT_RECEIVE, &mut name) };
    assert_eq!(kr, KERN_SUCCESS);
    name
}

/// A send right to `name`'s port, under the same name.
pub fn make_send(name: mach_port_t) {
    let kr = unsafe { mach_port_insert_right(task(), name, name, MACH_MSG_TYPE_MAKE_SEND) };
    assert_eq!(kr, KERN_SUCCESS);
}

/// A send-once right to `name`'s port, under a name of its own.
pub fn make_send_once(name: mach_port_t) -> mach_port_t {
    let (mut right, mut kind) = (0, 0);
    let kr =
        unsafe { mach_port_extract_right(task(), name, MACH_MSG_TYPE_MAKE_SEND_ONCE, &mut right, &mut kind) };
    assert_eq!(kr, KERN_SUCCESS);
    right
}

/// `mach_port_type` of `name`.
pub fn type_of(name: mach_port_t) -> Result<mach_port_type_t, kern_return_t> {
    let mut t = 0;
    match unsafe { mach_port_type(task(), name, &mut t) } {
        KERN_SUCCESS => Ok(t),
        e => Err(e),
    }
}

/// User references `name` holds of `right`.
pub fn refs(name: mach_port_t, right: mach_port_right_t) -> mach_port_urefs_t {
    let mut r = 0;
    assert_eq!(
        unsafe { mach_port_get_refs(task(), name, right, &mut r) },
        KERN_SUCCESS
    );
    r
}

/// Whether `name` names nothing any more.
pub fn gone(name: mach_port_t) -> bool {
    type_of(name) == Err(KERN_INVALID_NAME)
}

/// `mach_port_destroy`, which must succeed.
pub fn destroy(name: mach_port_t) {
    assert_eq!(unsafe { mach_port_destroy(task(), name) }, KERN_SUCCESS);
}

/// Bytes a [`Buf`] holds.
pub const BUF_SIZE: usize = 4096;

/// An 8-byte aligned message buffer.
#[repr(C, align(8))]
pub struct Buf(pub [u8; BUF_SIZE]);

impl Buf {
    pub fn new() -> Box<Buf> {
        Box::new(Buf([0; BUF_SIZE]))
    }

    pub fn ptr(&mut self) -> *mut mach_msg_header_t {
        self.0.as_mut_ptr().cast()
    }

    pub fn header(&self) -> mach_msg_header_t {
        unsafe { ptr::read_unaligned(self.0.as_ptr().cast()) }
    }

    pub fn u32_at(&self, at: usize) -> u32 {
        u32::from_ne_bytes(self.0[at..at + 4].try_into().unwrap())
    }

    pub fn usize_at(&self, at: usize) -> usize {
        usize::from_ne_bytes(self.0[at..at + 8].try_into().unwrap())
    }

    pub fn read<T: Copy>(&self, at: usize) -> T {
        assert!(at + size_of::<T>() <= self.0.len());
        unsafe { ptr::read_unaligned(self.0.as_ptr().add(at).cast()) }
    }
}

/// Receives a message already queued on `port` (or fails at once).
pub fn try_recv(port: mach_port_t) -> Result<Box<Buf>, kern_return_t> {
    let mut buf = Buf::new();
    let kr = unsafe {
        mach_msg(
            buf.ptr(),
            MACH_RCV_MSG | MACH_RCV_TIMEOUT,
            0,
            BUF_SIZE as u32,
            port,
            0,
            0,
        )
    };
    match kr {
        MACH_MSG_SUCCESS => Ok(buf),
        e => Err(e),
    }
}

/// Receives one message that must already be queued.
pub fn recv_now(port: mach_port_t) -> Box<Buf> {
    try_recv(port).expect("a queued message")
}
