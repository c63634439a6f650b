//! Behaviour of the loopback kernel, checked against what XNU does.
//!
//! Tests share one IPC space (the process) and run in parallel, so they only
//! make assertions about names they created. The accounting tests, which
//! compare global counts, take the gate exclusively.

// The loopback kernel exists only off Apple platforms (on macOS `sys` is the real kernel).
#![cfg(not(target_vendor = "apple"))]

// The loopback kernel exists only off Apple platforms (on macOS `sys` is the real kernel).

use std::ffi::CString;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};

use mig_core::sys::*;

mod common;

use common::*;

static GATE: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    GATE.read().unwrap_or_else(|e| e.into_inner())
}

fn exclusive() -> RwLockWriteGuard<'static, ()> {
    GATE.write().unwrap_or_else(|e| e.into_inner())
}

fn bits(remote: mach_msg_bits_t, local: mach_msg_bits_t) -> mach_msg_bits_t {
    MACH_MSGH_BITS(remote, local)
}

/// Builds a message to send.
struct Msg {
    bytes: Vec<u8>,
    descriptors: u32,
}

impl Msg {
    fn new(remote: mach_port_t, remote_disp: u32, local: mach_port_t, local_disp: u32, id: i32) -> Msg {
        let header = mach_msg_header_t {
            msgh_bits: bits(remote_disp, local_disp),
            msgh_size: 0,
            msgh_remote_port: remote,
            msgh_local_port: local,
            msgh_voucher_port: 0,
            msgh_id: id,
        };
        let mut bytes = Vec::new();
        for v in [
            header.msgh_bits,
            header.msgh_size,
            header.msgh_remote_port,
            header.msgh_local_port,
            header.msgh_voucher_port,
            header.msgh_id as u32,
        ] {
            bytes.extend_from_slice(&v.to_ne_bytes());
        }
        Msg {
            bytes,
            descriptors: 0,
        }
    }

    fn simple(dest: mach_port_t, dest_disp: u32, id: i32) -> Msg {
        Msg::new(dest, dest_disp, MACH_PORT_NULL, 0, id)
    }

    fn data(mut self, data: &[u8]) -> Msg {
        self.bytes.extend_from_slice(data);
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
        self
    }

    fn complex_bit(&mut self) {
        if self.descriptors == 0 {
            self.bytes.extend_from_slice(&0u32.to_ne_bytes());
            let b = u32::from_ne_bytes(self.bytes[0..4].try_into().unwrap()) | MACH_MSGH_BITS_COMPLEX;
            self.bytes[0..4].copy_from_slice(&b.to_ne_bytes());
        }
        self.descriptors += 1;
        let n = self.descriptors;
        self.bytes[24..28].copy_from_slice(&n.to_ne_bytes());
    }

    fn port(mut self, name: mach_port_t, disposition: u32) -> Msg {
        self.complex_bit();
        let d = mach_msg_port_descriptor_t::new(name, disposition);
        self.bytes.extend_from_slice(&d.name.to_ne_bytes());
        self.bytes.extend_from_slice(&d.pad1.to_ne_bytes());
        self.bytes.extend_from_slice(&d.pad2.to_ne_bytes());
        self.bytes.extend_from_slice(&[d.disposition, d.type_]);
        self
    }

    fn ool_raw(mut self, address: usize, dealloc: bool, third: u8, kind: u32, count: u32) -> Msg {
        self.complex_bit();
        self.bytes.extend_from_slice(&address.to_ne_bytes());
        self.bytes
            .extend_from_slice(&[u8::from(dealloc), MACH_MSG_VIRTUAL_COPY as u8, third, kind as u8]);
        self.bytes.extend_from_slice(&count.to_ne_bytes());
        self
    }

    fn ool(self, address: usize, size: u32, dealloc: bool) -> Msg {
        self.ool_raw(address, dealloc, 0, MACH_MSG_OOL_DESCRIPTOR, size)
    }

    fn ool_ports(self, names: &[mach_port_t], disposition: u32) -> Msg {
        self.ool_raw(
            names.as_ptr() as usize,
            false,
            disposition as u8,
            MACH_MSG_OOL_PORTS_DESCRIPTOR,
            names.len() as u32,
        )
    }

    /// Overwrites byte `at` of the message: what C leaves in fields it never sets.
    fn poke(mut self, at: usize, byte: u8) -> Msg {
        self.bytes[at] = byte;
        self
    }

    fn buf(&self) -> Box<Buf> {
        let mut buf = Buf::new();
        buf.0[..self.bytes.len()].copy_from_slice(&self.bytes);
        buf
    }

    fn size(&self) -> u32 {
        self.bytes.len() as u32
    }

    fn send_with(&self, option: mach_msg_option_t, timeout: u32) -> kern_return_t {
        let mut buf = self.buf();
        unsafe { mach_msg(buf.ptr(), MACH_SEND_MSG | option, self.size(), 0, 0, timeout, 0) }
    }

    fn send(&self) -> kern_return_t {
        self.send_with(0, 0)
    }
}

/// Receives on `port` into `buf` (whole buffer), with extra options.
fn recv_with(
    port: mach_port_t,
    buf: &mut Buf,
    option: mach_msg_option_t,
    size: u32,
    timeout: u32,
) -> kern_return_t {
    unsafe { mach_msg(buf.ptr(), MACH_RCV_MSG | option, 0, size, port, timeout, 0) }
}

fn queue_empty(port: mach_port_t) -> bool {
    let mut buf = Buf::new();
    recv_with(port, &mut buf, MACH_RCV_TIMEOUT, 4096, 0) == MACH_RCV_TIMED_OUT
}

// ------------------------------------------------------------------ ABI

/// The `#[repr(C)]` layouts and constant values are XNU's (LP64).
#[test]
fn abi_layouts_and_constants_match_xnu() {
    assert_eq!(size_of::<mach_msg_header_t>(), 24);
    assert_eq!(size_of::<mach_msg_body_t>(), 4);
    assert_eq!(size_of::<mach_msg_base_t>(), 28);
    assert_eq!(size_of::<mach_msg_port_descriptor_t>(), 12);
    assert_eq!(size_of::<mach_msg_ool_descriptor_t>(), 16);
    assert_eq!(size_of::<mach_msg_ool_ports_descriptor_t>(), 16);
    assert_eq!(size_of::<mach_msg_type_descriptor_t>(), 12);
    assert_eq!(size_of::<mach_msg_trailer_t>(), 8);
    assert_eq!(size_of::<mach_msg_seqno_trailer_t>(), 12);
    assert_eq!(size_of::<mach_msg_security_trailer_t>(), 20);
    assert_eq!(size_of::<mach_msg_audit_trailer_t>(), 52);
    assert_eq!(size_of::<mach_msg_context_trailer_t>(), 60);
    assert_eq!(size_of::<mach_msg_max_trailer_t>(), 68);
    assert_eq!(size_of::<NDR_record_t>(), 8);
    assert_eq!(size_of::<mach_port_options_t>(), 24);
    assert_eq!(size_of::<boolean_t>(), 4);
    let ndr: [u8; 8] = unsafe { std::mem::transmute(NDR_record) };
    assert_eq!(ndr, [0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(
        MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
        0x1513
    );
    assert_eq!(MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT), 0x0300_0000);
    assert_eq!(MACH_PORT_TYPE_SEND_RECEIVE, 0x3_0000);
    let t = task();
    assert!(t != MACH_PORT_NULL && t != MACH_PORT_DEAD);
    assert_eq!(type_of(t), Ok(MACH_PORT_TYPE_SEND));
}

/// Every function has mach2's exact signature (checked by coercion to the
/// function-pointer types mach2's declarations have).
#[test]
fn signatures_match_mach2() {
    use std::ffi::c_char;
    let _: unsafe extern "C" fn(
        *mut mach_msg_header_t,
        mach_msg_option_t,
        mach_msg_size_t,
        mach_msg_size_t,
        mach_port_name_t,
        mach_msg_timeout_t,
        mach_port_name_t,
    ) -> mach_msg_return_t = mach_msg;
    let _: unsafe extern "C" fn(*mut mach_msg_header_t) -> mach_msg_return_t = mach_msg_send;
    let _: unsafe extern "C" fn(*mut mach_msg_header_t) = mach_msg_destroy;
    let _: unsafe extern "C" fn(ipc_space_t, mach_port_right_t, *mut mach_port_name_t) -> kern_return_t =
        mach_port_allocate;
    let _: unsafe extern "C" fn(ipc_space_t, mach_port_name_t) -> kern_return_t = mach_port_destroy;
    let _: unsafe extern "C" fn(ipc_space_t, mach_port_name_t) -> kern_return_t = mach_port_deallocate;
    let _: unsafe extern "C" fn(
        ipc_space_t,
        mach_port_name_t,
        mach_port_t,
        mach_msg_type_name_t,
    ) -> kern_return_t = mach_port_insert_right;
    let _: unsafe extern "C" fn(
        ipc_space_t,
        mach_port_name_t,
        mach_msg_type_name_t,
        *mut mach_port_t,
        *mut mach_msg_type_name_t,
    ) -> kern_return_t = mach_port_extract_right;
    let _: unsafe extern "C" fn(
        ipc_space_t,
        mach_port_name_t,
        mach_port_right_t,
        mach_port_delta_t,
    ) -> kern_return_t = mach_port_mod_refs;
    let _: unsafe fn() -> mach_port_t = mach_task_self;
    let _: unsafe extern "C" fn() -> mach_port_t = mig_get_reply_port;
    let _: unsafe extern "C" fn(mach_port_t) = mig_dealloc_reply_port;
    let _: unsafe extern "C" fn(mach_port_t) = mig_put_reply_port;
    let _: unsafe extern "C" fn(mach_port_t, *mut c_char, mach_port_t) -> kern_return_t = bootstrap_register;
    let _: unsafe extern "C" fn(mach_port_t, *const c_char, *mut mach_port_t) -> kern_return_t =
        bootstrap_check_in;
    let _: unsafe extern "C" fn(mach_port_t, *const c_char, *mut mach_port_t) -> kern_return_t =
        bootstrap_look_up;
    let _: unsafe extern "C" fn(vm_map_t, vm_address_t, vm_size_t) -> kern_return_t = vm_deallocate;
    let _: &NDR_record_t = &NDR_record;
    let _: mach_port_t = bootstrap_port;
    let _: (boolean_t, integer_t, natural_t) = (0, 0, 0);
    let _ = (
        BOOTSTRAP_SUCCESS,
        BOOTSTRAP_NAME_IN_USE,
        BOOTSTRAP_UNKNOWN_SERVICE,
    );
}

// ------------------------------------------------------------------ rights

/// mach_port_allocate/deallocate/mod_refs/get_refs follow XNU's rules and
/// error codes (INVALID_RIGHT on a receive-only deallocate, INVALID_VALUE on
/// bad deltas, UREFS_OVERFLOW past 0xffff, INVALID_NAME once gone).
#[test]
fn allocate_deallocate_mod_refs_and_refcounts() {
    let _g = shared();
    let t = task();
    let p = new_port();
    assert_eq!(p & 0xff, 3, "XNU-style name {p:#x}");
    assert_eq!(type_of(p), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(refs(p, MACH_PORT_RIGHT_RECEIVE), 1);
    assert_eq!(refs(p, MACH_PORT_RIGHT_SEND), 0);
    unsafe {
        assert_eq!(mach_port_deallocate(t, p), KERN_INVALID_RIGHT);
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_SEND, 1),
            KERN_INVALID_RIGHT
        );
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_RECEIVE, 1),
            KERN_INVALID_VALUE
        );
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_NUMBER, 0),
            KERN_INVALID_VALUE
        );
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_SEND_ONCE, -1),
            KERN_INVALID_RIGHT
        );
        make_send(p);
        assert_eq!(mach_port_mod_refs(t, p, MACH_PORT_RIGHT_SEND, 2), KERN_SUCCESS);
        assert_eq!(refs(p, MACH_PORT_RIGHT_SEND), 3);
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_SEND, -4),
            KERN_INVALID_VALUE
        );
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_SEND, 0xffff),
            KERN_UREFS_OVERFLOW
        );
        assert_eq!(mach_port_deallocate(t, p), KERN_SUCCESS);
        assert_eq!(mach_port_mod_refs(t, p, MACH_PORT_RIGHT_SEND, -2), KERN_SUCCESS);
        assert_eq!(type_of(p), Ok(MACH_PORT_TYPE_RECEIVE));
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_RECEIVE, -1),
            KERN_SUCCESS
        );
        assert!(gone(p));
        assert_eq!(mach_port_deallocate(t, p), KERN_INVALID_NAME);
        // XNU's `mach_port_deallocate_kernel`: NULL and DEAD name nothing to release.
        assert_eq!(mach_port_deallocate(t, MACH_PORT_NULL), KERN_SUCCESS);
        assert_eq!(mach_port_deallocate(t, MACH_PORT_DEAD), KERN_SUCCESS);
        assert_eq!(
            mach_port_mod_refs(t, MACH_PORT_NULL, MACH_PORT_RIGHT_SEND, -1),
            KERN_SUCCESS
        );
        let mut n = 0;
        assert_eq!(
            mach_port_allocate(t + 1, MACH_PORT_RIGHT_RECEIVE, &mut n),
            KERN_INVALID_TASK
        );
        assert_eq!(
            mach_port_allocate(t, MACH_PORT_RIGHT_SEND, &mut n),
            KERN_INVALID_VALUE
        );
    }
}

/// Dead names carry user references like send rights; at zero the name is freed.
#[test]
fn dead_names_count_user_references() {
    let _g = shared();
    let t = task();
    let mut d = 0;
    unsafe {
        assert_eq!(
            mach_port_allocate(t, MACH_PORT_RIGHT_DEAD_NAME, &mut d),
            KERN_SUCCESS
        );
        assert_eq!(type_of(d), Ok(MACH_PORT_TYPE_DEAD_NAME));
        assert_eq!(
            mach_port_mod_refs(t, d, MACH_PORT_RIGHT_DEAD_NAME, 2),
            KERN_SUCCESS
        );
        assert_eq!(refs(d, MACH_PORT_RIGHT_DEAD_NAME), 3);
        assert_eq!(
            mach_port_mod_refs(t, d, MACH_PORT_RIGHT_SEND, -1),
            KERN_INVALID_RIGHT
        );
        assert_eq!(mach_port_deallocate(t, d), KERN_SUCCESS);
        assert_eq!(
            mach_port_mod_refs(t, d, MACH_PORT_RIGHT_DEAD_NAME, -2),
            KERN_SUCCESS
        );
    }
    assert!(gone(d));
}

/// XNU coalesces a space's send and receive rights for one port under one
/// name; send-once rights always get names of their own; inserting a send
/// right under a second name is KERN_RIGHT_EXISTS, a taken name KERN_NAME_EXISTS.
#[test]
fn send_rights_coalesce_with_the_receive_name() {
    const CUSTOM: mach_port_t = 0x00ab_cd03;
    let _g = shared();
    let t = task();
    let p = new_port();
    let q = new_port();
    unsafe {
        make_send(p);
        assert_eq!(type_of(p), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
        let (mut name, mut kind) = (0, 0);
        assert_eq!(
            mach_port_extract_right(t, p, MACH_MSG_TYPE_MAKE_SEND, &mut name, &mut kind),
            KERN_SUCCESS
        );
        assert_eq!((name, kind), (p, MACH_MSG_TYPE_PORT_SEND));
        assert_eq!(
            mach_port_extract_right(t, p, MACH_MSG_TYPE_COPY_SEND, &mut name, &mut kind),
            KERN_SUCCESS
        );
        assert_eq!(name, p);
        assert_eq!(refs(p, MACH_PORT_RIGHT_SEND), 3);
        let mut so = 0;
        assert_eq!(
            mach_port_extract_right(t, p, MACH_MSG_TYPE_MAKE_SEND_ONCE, &mut so, &mut kind),
            KERN_SUCCESS
        );
        assert_ne!(so, p);
        assert_eq!(kind, MACH_MSG_TYPE_PORT_SEND_ONCE);
        assert_eq!(type_of(so), Ok(MACH_PORT_TYPE_SEND_ONCE));
        // p's rights already have a name: p.
        assert_eq!(
            mach_port_insert_right(t, q, p, MACH_MSG_TYPE_MAKE_SEND),
            KERN_RIGHT_EXISTS
        );
        let custom = CUSTOM;
        assert_eq!(
            mach_port_insert_right(t, custom, p, MACH_MSG_TYPE_COPY_SEND),
            KERN_RIGHT_EXISTS
        );
        assert_eq!(
            mach_port_insert_right(t, custom, q, MACH_MSG_TYPE_MAKE_SEND_ONCE),
            KERN_SUCCESS
        );
        assert_eq!(type_of(custom), Ok(MACH_PORT_TYPE_SEND_ONCE));
        assert_eq!(
            mach_port_insert_right(t, custom, q, MACH_MSG_TYPE_MAKE_SEND_ONCE),
            KERN_NAME_EXISTS
        );
        assert_eq!(
            mach_port_insert_right(t, q, 0x0bad_0b03, MACH_MSG_TYPE_MAKE_SEND),
            KERN_INVALID_NAME
        );
        assert_eq!(
            mach_port_insert_right(t, q, so, MACH_MSG_TYPE_MAKE_SEND),
            KERN_INVALID_RIGHT
        );
        // Destroying the unused send-once rights notifies their ports.
        assert_eq!(mach_port_deallocate(t, custom), KERN_SUCCESS);
        assert_eq!(recv_now(q).header().msgh_id, MACH_NOTIFY_SEND_ONCE);
        assert_eq!(mach_port_deallocate(t, so), KERN_SUCCESS);
        assert_eq!(recv_now(p).header().msgh_id, MACH_NOTIFY_SEND_ONCE);
    }
    destroy(p);
    destroy(q);
    assert!(gone(p) && gone(q) && gone(CUSTOM));
}

/// When the receive right goes, every send right for the port in the space
/// becomes a dead name with the same name and user references, and every
/// send-once right becomes a dead name with one reference.
#[test]
fn port_death_turns_send_rights_into_dead_names() {
    let _g = shared();
    let t = task();
    let p = new_port();
    make_send(p);
    unsafe {
        assert_eq!(mach_port_mod_refs(t, p, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);
        let (mut so, mut kind) = (0, 0);
        assert_eq!(
            mach_port_extract_right(t, p, MACH_MSG_TYPE_MAKE_SEND_ONCE, &mut so, &mut kind),
            KERN_SUCCESS
        );
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_RECEIVE, -1),
            KERN_SUCCESS
        );
        assert_eq!(type_of(p), Ok(MACH_PORT_TYPE_DEAD_NAME));
        assert_eq!(refs(p, MACH_PORT_RIGHT_DEAD_NAME), 2);
        assert_eq!(type_of(so), Ok(MACH_PORT_TYPE_DEAD_NAME));
        assert_eq!(refs(so, MACH_PORT_RIGHT_DEAD_NAME), 1);
        assert_eq!(mach_port_deallocate(t, so), KERN_SUCCESS);
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_DEAD_NAME, -2),
            KERN_SUCCESS
        );
        assert!(gone(p) && gone(so));
    }
}

// ------------------------------------------------------------------ messages

/// A received header is translated as XNU does: remote and local swapped,
/// bits = MACH_MSGH_BITS(reply type, dest type) as received rights, remote =
/// the reply right's name here, size without trailer, voucher 0, and a
/// format-0 trailer (type 0, size 8) right after the message.
#[test]
fn plain_message_header_translation_and_trailer() {
    let _g = shared();
    let (p, r) = (new_port(), new_port());
    let payload = 0xfeed_beef_u32.to_ne_bytes();
    let msg = Msg::new(p, MACH_MSG_TYPE_MAKE_SEND, r, MACH_MSG_TYPE_MAKE_SEND_ONCE, 1234)
        .data(&payload)
        .data(&[7; 4]);
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    let buf = recv_now(p);
    let h = buf.header();
    assert_eq!(
        h.msgh_bits,
        bits(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND)
    );
    assert_eq!(h.msgh_size, 32);
    assert_eq!(h.msgh_local_port, p);
    assert_ne!(h.msgh_remote_port, r, "a send-once right gets its own name");
    assert_eq!(type_of(h.msgh_remote_port), Ok(MACH_PORT_TYPE_SEND_ONCE));
    assert_eq!((h.msgh_voucher_port, h.msgh_id), (0, 1234));
    assert_eq!(buf.u32_at(24), 0xfeed_beef);
    let trailer: mach_msg_trailer_t = buf.read(32);
    assert_eq!(
        (trailer.msgh_trailer_type, trailer.msgh_trailer_size),
        (MACH_MSG_TRAILER_FORMAT_0, 8)
    );

    // A MAKE_SEND reply coalesces with the receive name the space already has.
    let msg = Msg::new(p, MACH_MSG_TYPE_MAKE_SEND_ONCE, r, MACH_MSG_TYPE_MAKE_SEND, 5);
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    let h = recv_now(p).header();
    assert_eq!(
        h.msgh_bits,
        bits(MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE)
    );
    assert_eq!((h.msgh_remote_port, h.msgh_size), (r, 24));
    assert_eq!(type_of(r), Ok(MACH_PORT_TYPE_SEND_RECEIVE));

    // Replying through the send-once right consumes it.
    let so = buf.header().msgh_remote_port;
    assert_eq!(
        Msg::simple(so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 1334).send(),
        MACH_MSG_SUCCESS
    );
    assert!(gone(so));
    let h = recv_now(r).header();
    assert_eq!(
        (h.msgh_bits, h.msgh_remote_port, h.msgh_local_port),
        (bits(0, MACH_MSG_TYPE_PORT_SEND_ONCE), 0, r)
    );
    destroy(p);
    destroy(r);
}

/// MOVE_SEND takes one user reference from the sender, COPY_SEND none.
#[test]
fn move_send_consumes_a_reference_copy_send_does_not() {
    let _g = shared();
    let p = new_port();
    make_send(p);
    unsafe { mach_port_mod_refs(task(), p, MACH_PORT_RIGHT_SEND, 1) };
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 1).send(),
        MACH_MSG_SUCCESS
    );
    assert_eq!(refs(p, MACH_PORT_RIGHT_SEND), 2);
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_MOVE_SEND, 2).send(),
        MACH_MSG_SUCCESS
    );
    assert_eq!(refs(p, MACH_PORT_RIGHT_SEND), 1);
    // Receiving does not give the consumed destination right back.
    recv_now(p);
    recv_now(p);
    assert_eq!(refs(p, MACH_PORT_RIGHT_SEND), 1);
    destroy(p);
}

/// Header validation: size < 24 or not a multiple of 4 is MSG_TOO_SMALL;
/// a non-send destination disposition, or a reply name without disposition,
/// is INVALID_HEADER; NULL, unknown or dead destinations are INVALID_DEST;
/// an unusable reply right is INVALID_REPLY; receiving on a name without a
/// receive right is RCV_INVALID_NAME.
#[test]
fn send_and_receive_validation_errors() {
    let _g = shared();
    let p = new_port();
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1);
    let mut buf = msg.buf();
    unsafe {
        assert_eq!(
            mach_msg(buf.ptr(), MACH_SEND_MSG, 20, 0, 0, 0, 0),
            MACH_SEND_MSG_TOO_SMALL
        );
        assert_eq!(
            mach_msg(buf.ptr(), MACH_SEND_MSG, 26, 0, 0, 0, 0),
            MACH_SEND_MSG_TOO_SMALL
        );
    }
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_MOVE_RECEIVE, 1).send(),
        MACH_SEND_INVALID_HEADER
    );
    assert_eq!(Msg::simple(p, 0, 1).send(), MACH_SEND_INVALID_HEADER);
    assert_eq!(
        Msg::new(p, MACH_MSG_TYPE_MAKE_SEND, p, 0, 1).send(),
        MACH_SEND_INVALID_HEADER
    );
    assert_eq!(
        Msg::simple(MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND, 1).send(),
        MACH_SEND_INVALID_DEST
    );
    assert_eq!(
        Msg::simple(0x0bad_0b03, MACH_MSG_TYPE_COPY_SEND, 1).send(),
        MACH_SEND_INVALID_DEST
    );
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 1).send(),
        MACH_SEND_INVALID_DEST,
        "no send right yet"
    );
    assert_eq!(
        Msg::new(
            p,
            MACH_MSG_TYPE_MAKE_SEND,
            0x0bad_0b03,
            MACH_MSG_TYPE_MAKE_SEND_ONCE,
            1
        )
        .send(),
        MACH_SEND_INVALID_REPLY
    );
    let r = new_port();
    assert_eq!(
        Msg::new(p, MACH_MSG_TYPE_MAKE_SEND, r, MACH_MSG_TYPE_MOVE_SEND, 1).send(),
        MACH_SEND_INVALID_REPLY
    );
    assert!(queue_empty(p));
    let mut buf = Buf::new();
    assert_eq!(
        recv_with(0x0bad_0b03, &mut buf, MACH_RCV_TIMEOUT, 4096, 0),
        MACH_RCV_INVALID_NAME
    );
    make_send(r);
    unsafe { mach_port_mod_refs(task(), r, MACH_PORT_RIGHT_RECEIVE, -1) };
    assert_eq!(
        recv_with(r, &mut buf, MACH_RCV_TIMEOUT, 4096, 0),
        MACH_RCV_INVALID_NAME
    );
    destroy(r);
    destroy(p);
}

/// The RPC pattern across threads: the client sends with a MAKE_SEND_ONCE
/// reply port and SEND|RCV; the server receives and replies with
/// MOVE_SEND_ONCE to msgh_remote_port; the reply bypasses the queue limit.
#[test]
fn rpc_round_trips_between_threads() {
    let _g = shared();
    let service = new_port();
    make_send(service);
    let server = thread::spawn(move || {
        for _ in 0..20 {
            let mut buf = Buf::new();
            assert_eq!(recv_with(service, &mut buf, 0, 4096, 0), MACH_MSG_SUCCESS);
            let request = buf.header();
            assert_eq!(
                request.msgh_bits,
                bits(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND)
            );
            let arg = buf.u32_at(24);
            let reply = Msg::simple(
                request.msgh_remote_port,
                MACH_MSG_TYPE_MOVE_SEND_ONCE,
                request.msgh_id + 100,
            )
            .data(&(arg * 2).to_ne_bytes());
            assert_eq!(reply.send(), MACH_MSG_SUCCESS);
            assert!(gone(request.msgh_remote_port));
        }
    });
    let client = thread::spawn(move || {
        let reply_port = unsafe { mig_get_reply_port() };
        assert_eq!(unsafe { mig_get_reply_port() }, reply_port, "cached per thread");
        for i in 0..20u32 {
            let msg = Msg::new(
                service,
                MACH_MSG_TYPE_COPY_SEND,
                reply_port,
                MACH_MSG_TYPE_MAKE_SEND_ONCE,
                400,
            )
            .data(&i.to_ne_bytes());
            let mut buf = msg.buf();
            let kr = unsafe {
                mach_msg(
                    buf.ptr(),
                    MACH_SEND_MSG | MACH_RCV_MSG,
                    msg.size(),
                    4096,
                    reply_port,
                    0,
                    0,
                )
            };
            assert_eq!(kr, MACH_MSG_SUCCESS);
            let h = buf.header();
            assert_eq!(
                (h.msgh_id, h.msgh_local_port, h.msgh_remote_port),
                (500, reply_port, 0)
            );
            assert_eq!(h.msgh_bits, bits(0, MACH_MSG_TYPE_PORT_SEND_ONCE));
            assert_eq!(buf.u32_at(24), i * 2);
        }
        reply_port
    });
    server.join().unwrap();
    let reply_port = client.join().unwrap();
    assert!(
        gone(reply_port),
        "the thread's MIG reply port dies with the thread"
    );
    assert_eq!(refs(service, MACH_PORT_RIGHT_SEND), 1);
    destroy(service);
}

/// mig_dealloc_reply_port destroys the thread's reply port; the next
/// mig_get_reply_port allocates a fresh one. mig_put_reply_port keeps it.
#[test]
fn mig_reply_port_is_per_thread_and_replaceable() {
    let _g = shared();
    thread::spawn(|| unsafe {
        let a = mig_get_reply_port();
        assert_eq!(type_of(a), Ok(MACH_PORT_TYPE_RECEIVE));
        mig_put_reply_port(a);
        assert_eq!(mig_get_reply_port(), a);
        let other = thread::spawn(|| mig_get_reply_port()).join().unwrap();
        assert_ne!(other, a);
        mig_dealloc_reply_port(a);
        assert!(gone(a));
        let b = mig_get_reply_port();
        assert_ne!(a, b);
        mig_dealloc_reply_port(b);
        let fresh = mach_reply_port();
        assert_eq!(type_of(fresh), Ok(MACH_PORT_TYPE_RECEIVE));
        destroy(fresh);
    })
    .join()
    .unwrap();
}

// ------------------------------------------------------------------ blocking

/// MACH_RCV_TIMEOUT with 0 polls; with n ms waits about n ms and returns
/// MACH_RCV_TIMED_OUT.
#[test]
fn receive_timeout_and_poll() {
    let _g = shared();
    let p = new_port();
    let mut buf = Buf::new();
    let start = Instant::now();
    assert_eq!(
        recv_with(p, &mut buf, MACH_RCV_TIMEOUT, 4096, 0),
        MACH_RCV_TIMED_OUT
    );
    assert!(start.elapsed() < Duration::from_millis(500));
    let start = Instant::now();
    assert_eq!(
        recv_with(p, &mut buf, MACH_RCV_TIMEOUT, 4096, 60),
        MACH_RCV_TIMED_OUT
    );
    assert!(start.elapsed() >= Duration::from_millis(60));
    destroy(p);
}

/// A port queues MACH_PORT_QLIMIT_DEFAULT (5) messages; a sender then blocks
/// or, with MACH_SEND_TIMEOUT, fails with MACH_SEND_TIMED_OUT having consumed
/// nothing. Send-once messages bypass the limit; mach_port_set_attributes
/// changes it; a blocked sender proceeds when the receiver dequeues.
#[test]
fn send_timeout_on_full_queue_and_qlimit() {
    let _g = shared();
    let t = task();
    let p = new_port();
    make_send(p);
    for i in 0..MACH_PORT_QLIMIT_DEFAULT {
        assert_eq!(
            Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, i as i32).send(),
            MACH_MSG_SUCCESS
        );
    }
    let start = Instant::now();
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_MOVE_SEND, 99).send_with(MACH_SEND_TIMEOUT, 0),
        MACH_SEND_TIMED_OUT
    );
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_MOVE_SEND, 99).send_with(MACH_SEND_TIMEOUT, 50),
        MACH_SEND_TIMED_OUT
    );
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert_eq!(
        refs(p, MACH_PORT_RIGHT_SEND),
        1,
        "a timed-out send consumes nothing"
    );
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND_ONCE, 6).send_with(MACH_SEND_TIMEOUT, 0),
        MACH_MSG_SUCCESS
    );

    let mut limits = mach_port_limits_t { mpl_qlimit: 7 };
    let info = (&raw mut limits).cast::<integer_t>();
    unsafe {
        assert_eq!(
            mach_port_set_attributes(t, p, MACH_PORT_LIMITS_INFO, info, MACH_PORT_LIMITS_INFO_COUNT),
            KERN_SUCCESS
        );
        let mut count = MACH_PORT_LIMITS_INFO_COUNT;
        limits.mpl_qlimit = 0;
        assert_eq!(
            mach_port_get_attributes(t, p, MACH_PORT_LIMITS_INFO, info, &mut count),
            KERN_SUCCESS
        );
    }
    assert_eq!(limits.mpl_qlimit, 7);
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 7).send_with(MACH_SEND_TIMEOUT, 0),
        MACH_MSG_SUCCESS
    );
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 8).send_with(MACH_SEND_TIMEOUT, 0),
        MACH_SEND_TIMED_OUT
    );

    let blocked = thread::spawn(move || Msg::simple(p, MACH_MSG_TYPE_MOVE_SEND, 9).send());
    thread::sleep(Duration::from_millis(50));
    assert!(!blocked.is_finished());
    // Blocking receives: the blocked sender gets in once the first is taken.
    let ids: Vec<i32> = (0..8)
        .map(|_| {
            let mut buf = Buf::new();
            assert_eq!(recv_with(p, &mut buf, 0, 4096, 0), MACH_MSG_SUCCESS);
            buf.header().msgh_id
        })
        .collect();
    assert_eq!(ids, [0, 1, 2, 3, 4, 6, 7, 9]);
    assert_eq!(blocked.join().unwrap(), MACH_MSG_SUCCESS);
    assert_eq!(
        type_of(p),
        Ok(MACH_PORT_TYPE_RECEIVE),
        "the blocked MOVE_SEND consumed the last reference"
    );
    destroy(p);
}

/// A thread blocked in a receive wakes with MACH_RCV_PORT_DIED when the port
/// is destroyed.
#[test]
fn blocked_receiver_gets_port_died() {
    let _g = shared();
    let p = new_port();
    let receiver = thread::spawn(move || {
        let mut buf = Buf::new();
        recv_with(p, &mut buf, 0, 4096, 0)
    });
    thread::sleep(Duration::from_millis(50));
    destroy(p);
    assert_eq!(receiver.join().unwrap(), MACH_RCV_PORT_DIED);
}

/// A thread blocked sending to a full queue wakes with MACH_SEND_INVALID_DEST
/// when the port dies; sending to the resulting dead name is INVALID_DEST too.
#[test]
fn sending_to_a_dead_port_is_invalid_dest() {
    let _g = shared();
    let p = new_port();
    make_send(p);
    for _ in 0..MACH_PORT_QLIMIT_DEFAULT {
        assert_eq!(
            Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 1).send(),
            MACH_MSG_SUCCESS
        );
    }
    let sender = thread::spawn(move || Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 2).send());
    thread::sleep(Duration::from_millis(50));
    assert_eq!(
        unsafe { mach_port_mod_refs(task(), p, MACH_PORT_RIGHT_RECEIVE, -1) },
        KERN_SUCCESS
    );
    assert_eq!(sender.join().unwrap(), MACH_SEND_INVALID_DEST);
    assert_eq!(type_of(p), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 3).send(),
        MACH_SEND_INVALID_DEST
    );
    unsafe { mach_port_deallocate(task(), p) };
    assert!(gone(p));
}

// ------------------------------------------------------------------ notifications

/// A send-once right destroyed unused (server destroys the request, or the
/// server's port dies with the request queued) sends its port a
/// MACH_NOTIFY_SEND_ONCE (71) message: a bare 24-byte header received as
/// MACH_MSGH_BITS(0, PORT_SEND_ONCE), remote NULL, local the reply port.
#[test]
fn send_once_notification_reaches_the_reply_port() {
    let _g = shared();
    let (service, reply) = (new_port(), new_port());
    let request = Msg::new(
        service,
        MACH_MSG_TYPE_MAKE_SEND,
        reply,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
        7,
    )
    .data(&[1; 8]);
    assert_eq!(request.send(), MACH_MSG_SUCCESS);
    let mut buf = recv_now(service);
    let so = buf.header().msgh_remote_port;
    unsafe { mach_msg_destroy(buf.ptr()) };
    assert!(gone(so));
    assert_eq!(
        type_of(service),
        Ok(MACH_PORT_TYPE_RECEIVE),
        "the local port is left alone"
    );
    let note = recv_now(reply);
    let h = note.header();
    assert_eq!(h.msgh_id, MACH_NOTIFY_SEND_ONCE);
    assert_eq!(h.msgh_size, 24);
    assert_eq!(h.msgh_bits, bits(0, MACH_MSG_TYPE_PORT_SEND_ONCE));
    assert_eq!((h.msgh_remote_port, h.msgh_local_port), (MACH_PORT_NULL, reply));

    // The server dies with the request still queued.
    assert_eq!(request.send(), MACH_MSG_SUCCESS);
    destroy(service);
    assert_eq!(recv_now(reply).header().msgh_id, MACH_NOTIFY_SEND_ONCE);
    assert!(queue_empty(reply));
    destroy(reply);
}

/// Receiving a message too large for the buffer: without MACH_RCV_LARGE the
/// message is dequeued and destroyed (its send-once reply right notifies the
/// reply port); with MACH_RCV_LARGE it stays queued and msgh_size reports the
/// room needed (message plus trailer).
#[test]
fn receive_too_large_with_and_without_rcv_large() {
    let _g = shared();
    let (p, reply) = (new_port(), new_port());
    let msg = Msg::new(p, MACH_MSG_TYPE_MAKE_SEND, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE, 3).data(&[9; 40]);
    assert_eq!(msg.size(), 64);
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    let mut buf = Buf::new();
    assert_eq!(
        recv_with(p, &mut buf, MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 64, 0),
        MACH_RCV_TOO_LARGE
    );
    assert_eq!(buf.header().msgh_size, 72);
    assert_eq!(
        recv_with(p, &mut buf, MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 72, 0),
        MACH_MSG_SUCCESS
    );
    assert_eq!(buf.header().msgh_size, 64);
    unsafe { mach_msg_destroy(buf.ptr()) };
    assert_eq!(recv_now(reply).header().msgh_id, MACH_NOTIFY_SEND_ONCE);

    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    assert_eq!(
        recv_with(p, &mut buf, MACH_RCV_TIMEOUT, 40, 0),
        MACH_RCV_TOO_LARGE
    );
    assert!(queue_empty(p), "destroyed, not left queued");
    assert_eq!(recv_now(reply).header().msgh_id, MACH_NOTIFY_SEND_ONCE);
    destroy(p);
    destroy(reply);
}

/// Requested trailers: the audit trailer (52 bytes) carries the per-port
/// sequence number (from 0), the effective uid/gid as security token, and the
/// audit token [auid, euid, egid, ruid, rgid, pid, asid, pidversion].
#[test]
fn audit_trailer_contents() {
    let _g = shared();
    let p = new_port();
    for _ in 0..2 {
        assert_eq!(
            Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1).data(&[0; 4]).send(),
            MACH_MSG_SUCCESS
        );
    }
    let option = MACH_RCV_TIMEOUT
        | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0)
        | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);
    let mut buf = Buf::new();
    let large = option | MACH_RCV_LARGE;
    assert_eq!(
        recv_with(p, &mut buf, large, 28 + 51, 0),
        MACH_RCV_TOO_LARGE,
        "the trailer must fit"
    );
    assert_eq!(buf.header().msgh_size, 28 + 52);
    for seqno in 0..2 {
        assert_eq!(recv_with(p, &mut buf, option, 4096, 0), MACH_MSG_SUCCESS);
        let trailer: mach_msg_audit_trailer_t = buf.read(28);
        assert_eq!(trailer.msgh_trailer_type, MACH_MSG_TRAILER_FORMAT_0);
        assert_eq!(trailer.msgh_trailer_size, 52);
        assert_eq!(trailer.msgh_seqno, seqno);
        let audit = trailer.msgh_audit.val;
        assert_eq!(audit[5], std::process::id());
        assert_eq!(trailer.msgh_sender.val, [audit[1], audit[2]]);
        assert_eq!(audit[6..], [0, 0]);
    }
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1).send(),
        MACH_MSG_SUCCESS
    );
    let option = MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO);
    assert_eq!(recv_with(p, &mut buf, option, 4096, 0), MACH_MSG_SUCCESS);
    let trailer: mach_msg_seqno_trailer_t = buf.read(24);
    assert_eq!((trailer.msgh_trailer_size, trailer.msgh_seqno), (12, 2));
    destroy(p);
}

/// mach_port_construct applies MPO_QLIMIT and MPO_INSERT_SEND_RIGHT and sets
/// the port context, which a MACH_RCV_TRAILER_CTX trailer (60 bytes)
/// reports; mach_port_destruct drops send references and the receive right.
#[test]
fn construct_context_trailer_and_destruct() {
    let _g = shared();
    let t = task();
    let mut options = mach_port_options_t {
        flags: MPO_QLIMIT | MPO_INSERT_SEND_RIGHT,
        mpl: mach_port_limits_t { mpl_qlimit: 1 },
        reserved: [0; 2],
    };
    let mut p = 0;
    unsafe {
        assert_eq!(mach_port_construct(t, &mut options, 0x5eed, &mut p), KERN_SUCCESS);
    }
    assert_eq!(type_of(p), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 1).send(),
        MACH_MSG_SUCCESS
    );
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 2).send_with(MACH_SEND_TIMEOUT, 0),
        MACH_SEND_TIMED_OUT
    );
    let mut buf = Buf::new();
    let option = MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX);
    assert_eq!(recv_with(p, &mut buf, option, 4096, 0), MACH_MSG_SUCCESS);
    let trailer: mach_msg_context_trailer_t = buf.read(24);
    assert_eq!({ trailer.msgh_trailer_size }, 60);
    assert_eq!({ trailer.msgh_context }, 0x5eed);
    unsafe {
        assert_eq!(mach_port_destruct(t, p, -2, 0), KERN_INVALID_VALUE);
        assert_eq!(mach_port_destruct(t, p, -1, 0), KERN_SUCCESS);
    }
    assert!(gone(p));
}

// ------------------------------------------------------------------ bootstrap

/// bootstrap_check_in creates (once) the service's receive right;
/// bootstrap_look_up hands out send rights to it; a live name cannot be
/// registered twice (BOOTSTRAP_NAME_IN_USE); unknown names are
/// BOOTSTRAP_UNKNOWN_SERVICE; registrations end when the port dies.
#[test]
fn bootstrap_register_check_in_look_up() {
    let _g = shared();
    let bp = bootstrap_port;
    let name = CString::new("org.loopback.test.checkin").unwrap();
    let other = CString::new("org.loopback.test.registered").unwrap();
    let missing = CString::new("org.loopback.test.missing").unwrap();
    unsafe {
        let (mut server, mut again, mut client) = (0, 0, 0);
        assert_eq!(
            bootstrap_check_in(bp, name.as_ptr(), &mut server),
            BOOTSTRAP_SUCCESS
        );
        assert_eq!(type_of(server), Ok(MACH_PORT_TYPE_RECEIVE));
        assert_eq!(
            bootstrap_check_in(bp, name.as_ptr(), &mut again),
            BOOTSTRAP_SUCCESS
        );
        assert_eq!(again, server);
        assert_eq!(
            bootstrap_look_up(bp, name.as_ptr(), &mut client),
            BOOTSTRAP_SUCCESS
        );
        assert_eq!(client, server, "coalesced with the receive right");
        assert_eq!(refs(server, MACH_PORT_RIGHT_SEND), 1);
        assert_eq!(
            bootstrap_look_up(bp, missing.as_ptr(), &mut client),
            BOOTSTRAP_UNKNOWN_SERVICE
        );
        assert_eq!(
            bootstrap_look_up(bp + 1, name.as_ptr(), &mut client),
            MACH_SEND_INVALID_DEST
        );

        let port = new_port();
        assert_eq!(
            bootstrap_register(bp, name.as_ptr().cast_mut(), port),
            BOOTSTRAP_NAME_IN_USE
        );
        assert_eq!(
            bootstrap_register(bp, other.as_ptr().cast_mut(), port),
            BOOTSTRAP_SUCCESS
        );
        assert_eq!(
            bootstrap_register(bp, other.as_ptr().cast_mut(), port),
            BOOTSTRAP_NAME_IN_USE
        );
        assert_eq!(
            bootstrap_check_in(bp, other.as_ptr(), &mut again),
            BOOTSTRAP_SERVICE_ACTIVE
        );
        assert_eq!(
            bootstrap_look_up(bp, other.as_ptr(), &mut client),
            BOOTSTRAP_SUCCESS
        );
        assert_eq!(client, port);
        assert_eq!(
            bootstrap_register(bp, missing.as_ptr().cast_mut(), 0x0bad_0b03),
            MACH_SEND_INVALID_RIGHT
        );

        // A message to the looked-up right reaches the checked-in server.
        assert_eq!(
            Msg::simple(server, MACH_MSG_TYPE_MOVE_SEND, 77).send(),
            MACH_MSG_SUCCESS
        );
        assert_eq!(recv_now(server).header().msgh_id, 77);

        destroy(server);
        destroy(port);
        assert_eq!(
            bootstrap_look_up(bp, name.as_ptr(), &mut client),
            BOOTSTRAP_UNKNOWN_SERVICE
        );
        assert_eq!(
            bootstrap_look_up(bp, other.as_ptr(), &mut client),
            BOOTSTRAP_UNKNOWN_SERVICE
        );
        assert_eq!(
            bootstrap_check_in(bp, name.as_ptr(), &mut server),
            BOOTSTRAP_SUCCESS
        );
        destroy(server);
    }
}

// ------------------------------------------------------------------ descriptors

/// Port descriptors move rights: a MAKE_SEND arrives as PORT_SEND coalesced
/// with the receiver's existing name, a MOVE_RECEIVE as PORT_RECEIVE under a
/// new name (the sender's name is gone), COPY_SEND of a dead name as
/// MACH_PORT_DEAD; the COMPLEX bit is kept.
#[test]
fn port_descriptors_transfer_rights() {
    let _g = shared();
    let (p, x, y) = (new_port(), new_port(), new_port());
    let mut dead = 0;
    unsafe { mach_port_allocate(task(), MACH_PORT_RIGHT_DEAD_NAME, &mut dead) };
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 11)
        .port(x, MACH_MSG_TYPE_MAKE_SEND)
        .port(y, MACH_MSG_TYPE_MOVE_RECEIVE)
        .port(dead, MACH_MSG_TYPE_COPY_SEND)
        .data(&[5; 4]);
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    assert!(gone(y), "the receive right left with the message");
    let mut buf = recv_now(p);
    let h = buf.header();
    assert_eq!(
        h.msgh_bits,
        MACH_MSGH_BITS_COMPLEX | bits(0, MACH_MSG_TYPE_PORT_SEND)
    );
    assert_eq!(buf.u32_at(24), 3);
    let d: [mach_msg_port_descriptor_t; 3] = buf.read(28);
    assert_eq!(
        (d[0].name, u32::from(d[0].disposition)),
        (x, MACH_MSG_TYPE_PORT_SEND)
    );
    assert_eq!(type_of(x), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    assert_eq!(u32::from(d[1].disposition), MACH_MSG_TYPE_PORT_RECEIVE);
    assert_ne!(d[1].name, y);
    assert_eq!(type_of(d[1].name), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(
        (d[2].name, u32::from(d[2].disposition)),
        (MACH_PORT_DEAD, MACH_MSG_TYPE_PORT_SEND)
    );
    assert_eq!(buf.u32_at(28 + 36), 0x0505_0505);
    let moved = d[1].name;
    unsafe { mach_msg_destroy(buf.ptr()) };
    assert!(
        gone(moved),
        "mach_msg_destroy released the received receive right"
    );
    assert_eq!(type_of(x), Ok(MACH_PORT_TYPE_RECEIVE));
    destroy(x);
    destroy(p);
    destroy(dead);
}

/// Body errors. An unknown descriptor type or disposition is
/// MACH_SEND_INVALID_TYPE, which XNU finds while reading the descriptors in
/// (`ipc_kmsg_inflate_*` in osfmk/ipc/ipc_kmsg.c), before any right is taken:
/// nothing is consumed. A name without the right is MACH_SEND_INVALID_RIGHT,
/// found while copying the body in (`ipc_kmsg_copyin_body`), after the
/// header's rights and the descriptors before it were taken: those are
/// destroyed (`ipc_kmsg_clean_header`, `ipc_kmsg_clean_descriptors`), and
/// what follows the bad name stays the sender's.
#[test]
fn bad_descriptors_consume_what_xnu_took_before_them() {
    let _g = shared();
    let (p, x, y) = (new_port(), new_port(), new_port());
    make_send(x);
    make_send(y);
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1)
        .port(0x0bad_0b03, MACH_MSG_TYPE_COPY_SEND)
        .port(x, MACH_MSG_TYPE_MOVE_SEND);
    assert_eq!(msg.send(), MACH_SEND_INVALID_RIGHT);
    assert_eq!(
        refs(x, MACH_PORT_RIGHT_SEND),
        1,
        "after the failing right: untouched"
    );
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1)
        .port(x, MACH_MSG_TYPE_MOVE_SEND)
        .port(0x0bad_0b03, MACH_MSG_TYPE_COPY_SEND)
        .port(y, MACH_MSG_TYPE_MOVE_SEND);
    assert_eq!(msg.send(), MACH_SEND_INVALID_RIGHT);
    assert_eq!(
        type_of(x),
        Ok(MACH_PORT_TYPE_RECEIVE),
        "the right before the bad name was taken, and destroyed"
    );
    assert_eq!(
        refs(y, MACH_PORT_RIGHT_SEND),
        1,
        "the right after it is still ours"
    );
    make_send(x);
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1)
        .port(x, MACH_MSG_TYPE_MOVE_SEND)
        .port(x, MACH_MSG_TYPE_MOVE_SEND);
    assert_eq!(msg.send(), MACH_SEND_INVALID_RIGHT, "only one reference to move");
    assert_eq!(type_of(x), Ok(MACH_PORT_TYPE_RECEIVE));
    make_send(x);
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1)
        .port(x, MACH_MSG_TYPE_MOVE_SEND)
        .ool_raw(0, false, 0, 9, 0);
    assert_eq!(msg.send(), MACH_SEND_INVALID_TYPE);
    // XNU checks a port descriptor's disposition only by copying in its (valid) name
    // (`ipc_kmsg_copyin_port_descriptor`), which fails: an invalid right.
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1).port(x, MACH_MSG_TYPE_COPY_RECEIVE);
    // XNU: a disposition that is none is refused by the right's copyin
    // (`ipc_right_copyin`: KERN_INVALID_RIGHT), with the name it goes with.
    assert_eq!(msg.send(), MACH_SEND_INVALID_RIGHT);
    assert_eq!(
        refs(x, MACH_PORT_RIGHT_SEND),
        1,
        "the failing right stays the sender's"
    );
    assert!(queue_empty(p));
    destroy(p);
    destroy(x);
    destroy(y);
}

/// With `loopback_pseudo_receive_timeouts`, a send that times out hands the
/// message back as XNU's `mach_msg_receive_pseudo` does (`osfmk/ipc/mach_msg.c`,
/// `ipc_kmsg_copyout_pseudo` in `osfmk/ipc/ipc_kmsg.c`): the header keeps its
/// order with received dispositions, a copied right comes back as a send right
/// (one more user reference), memory given away comes back (here where it was)
/// with `deallocate` set only for a virtual copy, the size is written back, and
/// the switch's bits are or-ed into `MACH_SEND_TIMED_OUT`.
#[test]
fn a_timed_out_send_is_pseudo_received_when_asked() {
    let _g = shared();
    let t = task();
    let (p, x) = (new_port(), new_port());
    make_send(p);
    make_send(x);
    for i in 0..MACH_PORT_QLIMIT_DEFAULT {
        assert_eq!(
            Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, i as i32).send(),
            MACH_MSG_SUCCESS
        );
    }
    let mut region: vm_address_t = 0;
    unsafe {
        assert_eq!(vm_allocate(t, &mut region, 100, VM_FLAGS_ANYWHERE), KERN_SUCCESS);
    }
    let msg = Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 9)
        .port(x, MACH_MSG_TYPE_COPY_SEND)
        .ool(region, 100, true);
    let mut buf = msg.buf();
    // The out-of-line descriptor's `copy` byte: a physical copy.
    buf.0[28 + 12 + 9] = MACH_MSG_PHYSICAL_COPY as u8;
    loopback_pseudo_receive_timeouts(Some(MACH_MSG_VM_SPACE));
    let sent = unsafe {
        mach_msg(
            buf.ptr(),
            MACH_SEND_MSG | MACH_SEND_TIMEOUT,
            msg.size(),
            0,
            0,
            0,
            0,
        )
    };
    loopback_pseudo_receive_timeouts(None);
    assert_eq!(sent, MACH_SEND_TIMED_OUT | MACH_MSG_VM_SPACE);
    let head = buf.header();
    assert_eq!(
        (
            head.msgh_bits & 0xffff,
            head.msgh_size,
            head.msgh_remote_port,
            head.msgh_local_port
        ),
        (
            MACH_MSGH_BITS_COMPLEX & 0xffff | MACH_MSG_TYPE_PORT_SEND,
            msg.size(),
            p,
            0
        )
    );
    assert_eq!(head.msgh_bits & MACH_MSGH_BITS_COMPLEX, MACH_MSGH_BITS_COMPLEX);
    assert_eq!((buf.u32_at(28), buf.0[38]), (x, MACH_MSG_TYPE_PORT_SEND as u8));
    assert_eq!(
        (refs(p, MACH_PORT_RIGHT_SEND), refs(x, MACH_PORT_RIGHT_SEND)),
        (2, 2)
    );
    assert_eq!(buf.usize_at(40), region, "given away, handed back where it was");
    assert_eq!(buf.0[48], 0, "deallocate is set only for a virtual copy");
    assert!(loopback_vm_is_allocated(region));
    unsafe { mach_msg_destroy(buf.ptr()) };
    unsafe { vm_deallocate(t, region, 100) };
    assert_eq!(
        (refs(p, MACH_PORT_RIGHT_SEND), refs(x, MACH_PORT_RIGHT_SEND)),
        (1, 1)
    );
    destroy(p);
    destroy(x);
}

/// A send-once right made for the reply (`MAKE_SEND_ONCE`) of a send that times out comes
/// back as XNU's `ipc_kmsg_copyout_pseudo` (`osfmk/ipc/ipc_kmsg.c`) hands back a port
/// without reply-port semantics: `ipc_kmsg_copyout_port` names the send-once right anew
/// (`PORT_SEND_ONCE`, a name of its own, not the receive right's), and releasing it
/// sends `MACH_NOTIFY_SEND_ONCE` to the port.
#[test]
fn a_timed_out_sends_made_send_once_reply_comes_back_as_a_send_once_right() {
    let _g = shared();
    let (p, mine) = (new_port(), new_port());
    make_send(p);
    for i in 0..MACH_PORT_QLIMIT_DEFAULT {
        assert_eq!(
            Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, i as i32).send(),
            MACH_MSG_SUCCESS
        );
    }
    let msg = Msg::new(p, MACH_MSG_TYPE_COPY_SEND, mine, MACH_MSG_TYPE_MAKE_SEND_ONCE, 9);
    let mut buf = msg.buf();
    loopback_pseudo_receive_timeouts(Some(0));
    let sent = unsafe {
        mach_msg(
            buf.ptr(),
            MACH_SEND_MSG | MACH_SEND_TIMEOUT,
            msg.size(),
            0,
            0,
            0,
            0,
        )
    };
    loopback_pseudo_receive_timeouts(None);
    assert_eq!(sent, MACH_SEND_TIMED_OUT);
    let head = buf.header();
    assert_eq!(
        (head.msgh_bits >> 8) & 0x1f,
        MACH_MSG_TYPE_PORT_SEND_ONCE,
        "the local right comes back as a send-once right"
    );
    let once = head.msgh_local_port;
    assert_ne!(once, mine, "under a name of its own");
    assert_eq!(refs(once, MACH_PORT_RIGHT_SEND_ONCE), 1);
    assert_eq!(loopback_queued_messages(mine), Some(0));
    assert_eq!(unsafe { mach_port_deallocate(task(), once) }, KERN_SUCCESS);
    let mut notification = Buf::new();
    assert_eq!(
        recv_with(mine, &mut notification, MACH_RCV_TIMEOUT, BUF_SIZE as u32, 0),
        MACH_MSG_SUCCESS
    );
    assert_eq!(notification.header().msgh_id, MACH_NOTIFY_SEND_ONCE);
    // The pseudo-received message's copied destination reference.
    assert_eq!(
        unsafe { mach_port_deallocate(task(), head.msgh_remote_port) },
        KERN_SUCCESS
    );
    destroy(p);
    destroy(mine);
}

/// Each descriptor field is checked as XNU's copyin checks it, so the bytes C leaves
/// in fields it never sets pass (`ipc_kmsg_measure_descriptors_from_user`,
/// `ipc_kmsg_inflate_*_descriptor` and `ipc_kmsg_copyin_*_descriptor` in
/// osfmk/ipc/ipc_kmsg.c):
/// - port descriptor: pad bytes ignored; the disposition matters only for a valid name
///   (a null name with a garbage disposition arrives as `MACH_MSG_TYPE_PORT_NONE`);
/// - OOL port array: `copy` never read (Apple's MIG leaves it unset: 0x7f from a C
///   stack, old bytes of a reused reply buffer), nor the disposition without names;
/// - OOL memory: the pad byte ignored, `copy` must be physical or virtual.
#[test]
fn descriptor_bytes_real_c_leaves_are_accepted_as_xnu_accepts_them() {
    let _g = shared();
    let (p, x) = (new_port(), new_port());
    make_send(x);
    let names = [x];
    let data = [7u8; 40];
    // Descriptors at 28 (port, 12 bytes), 40 (port array, 16), 56 (memory, 16),
    // 72 (null port, 12), 84 (empty port array, 16).
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1)
        .port(x, MACH_MSG_TYPE_COPY_SEND)
        .ool_ports(&names, MACH_MSG_TYPE_COPY_SEND)
        .ool(data.as_ptr() as usize, data.len() as u32, false)
        .port(MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND)
        .ool_ports(&[], MACH_MSG_TYPE_COPY_SEND);
    let mut msg = msg;
    for at in 32..38 {
        msg = msg.poke(at, 0x7f); // the port descriptor's pad1 and pad2
    }
    let msg = msg
        .poke(40 + 9, 0x7f) // the port array's `copy`
        .poke(56 + 10, 0x7f) // the memory descriptor's pad byte
        .poke(72 + 10, 0x7f) // a garbage disposition beside a null name
        .poke(84 + 9, 0x7f)
        .poke(84 + 10, 0x7f); // garbage `copy` and disposition, no names
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    let mut buf = recv_now(p);
    assert_eq!(buf.u32_at(28), x);
    assert_eq!(&buf.0[32..38], &[0; 6], "the receiver sees zeroed pads");
    assert_eq!(buf.0[28 + 10], MACH_MSG_TYPE_PORT_SEND as u8);
    let array = buf.usize_at(40);
    assert_eq!(unsafe { *(array as *const mach_port_t) }, x);
    assert_eq!(
        (buf.0[40 + 8], buf.0[40 + 9]),
        (1, MACH_MSG_VIRTUAL_COPY as u8),
        "a received port array: deallocate, virtual copy"
    );
    assert_eq!(buf.0[56 + 10], 0);
    assert_eq!(
        (buf.u32_at(72), buf.0[72 + 10]),
        (MACH_PORT_NULL, MACH_MSG_TYPE_PORT_NONE as u8)
    );
    assert_eq!(buf.0[84 + 10], MACH_MSG_TYPE_PORT_NONE as u8);
    assert_eq!(refs(x, MACH_PORT_RIGHT_SEND), 3);
    unsafe { mach_msg_destroy(buf.ptr()) };
    assert_eq!(refs(x, MACH_PORT_RIGHT_SEND), 1);

    // What XNU does refuse: a memory descriptor's `copy` that is no copy option, and a
    // garbage disposition beside a valid name, in a port array as in a port descriptor.
    let bad_copy = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1)
        .ool(data.as_ptr() as usize, data.len() as u32, false)
        .poke(28 + 9, 0x7f);
    assert_eq!(bad_copy.send(), MACH_SEND_INVALID_TYPE);
    let bad_array = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1)
        .ool_ports(&names, MACH_MSG_TYPE_COPY_SEND)
        .poke(28 + 10, 0x7f);
    assert_eq!(bad_array.send(), MACH_SEND_INVALID_RIGHT);
    assert_eq!(refs(x, MACH_PORT_RIGHT_SEND), 1);
    assert!(queue_empty(p));
    destroy(p);
    destroy(x);
}

/// XNU marks received memory deallocate-on-destroy only for a virtual copy
/// (`ipc_kmsg_deflate_memory_descriptor`), and libsystem's `mach_msg_destroy` frees a
/// region only when its descriptor is so marked (libsyscall/mach/mach_msg.c): a
/// received physical copy survives `mach_msg_destroy` and its owner frees it.
#[test]
fn received_memory_is_marked_deallocate_only_for_virtual_copies() {
    let _g = shared();
    let p = new_port();
    let data = [3u8; 100];
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1)
        .ool(data.as_ptr() as usize, data.len() as u32, false)
        .ool(data.as_ptr() as usize, data.len() as u32, false)
        .poke(28 + 9, MACH_MSG_PHYSICAL_COPY as u8);
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    let mut buf = recv_now(p);
    let (physical, virtual_) = (buf.usize_at(28), buf.usize_at(44));
    assert_eq!((buf.0[28 + 8], buf.0[28 + 9]), (0, MACH_MSG_PHYSICAL_COPY as u8));
    assert_eq!((buf.0[44 + 8], buf.0[44 + 9]), (1, MACH_MSG_VIRTUAL_COPY as u8));
    unsafe { mach_msg_destroy(buf.ptr()) };
    assert!(!loopback_vm_is_allocated(virtual_));
    assert!(
        loopback_vm_is_allocated(physical),
        "mach_msg_destroy leaves a physical copy"
    );
    assert_eq!(
        unsafe { vm_deallocate(mach_task_self(), physical, 100) },
        KERN_SUCCESS
    );
    assert!(!loopback_vm_is_allocated(physical));
    destroy(p);
}

/// XNU maps out-of-line memory at the sender's offset within the page
/// (`ipc_kmsg_copyout_ool_descriptor` adds `copy->offset & page_mask`); the loopback
/// does so when the receiving thread asks (`loopback_set_ool_placement`), or at any
/// offset, and `vm_deallocate` of the region as received frees it all.
#[test]
fn ool_memory_can_arrive_at_the_senders_page_offset() {
    let _g = shared();
    let p = new_port();
    let mut region: vm_address_t = 0;
    unsafe {
        assert_eq!(
            vm_allocate(mach_task_self(), &mut region, 8192, VM_FLAGS_ANYWHERE),
            KERN_SUCCESS
        );
        for i in 0..8192 {
            *(region as *mut u8).add(i) = i as u8;
        }
    }
    let before = loopback_live_ool_bytes();
    for (placement, expected) in [
        (OolPlacement::SendersOffset, 4094),
        (OolPlacement::Offset(6), 6),
        (OolPlacement::PageAligned, 0),
    ] {
        let previous = loopback_set_ool_placement(placement);
        let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 1).ool(region + 4094, 100, false);
        assert_eq!(msg.send(), MACH_MSG_SUCCESS);
        let buf = recv_now(p);
        loopback_set_ool_placement(previous);
        let address = buf.usize_at(28);
        assert_eq!(address % PAGE_SIZE, expected, "{placement:?}");
        let data = unsafe { std::slice::from_raw_parts(address as *const u8, 100) };
        assert!(data.iter().enumerate().all(|(i, b)| *b == (4094 + i) as u8));
        assert!(loopback_vm_is_allocated(address));
        assert_eq!(
            unsafe { vm_deallocate(mach_task_self(), address, 100) },
            KERN_SUCCESS
        );
        assert_eq!(loopback_live_ool_bytes(), before, "{placement:?}: freed whole");
    }
    assert_eq!(
        unsafe { vm_deallocate(mach_task_self(), region, 8192) },
        KERN_SUCCESS
    );
    destroy(p);
}

/// Out-of-line memory is copied into fresh page-aligned memory for the
/// receiver, which frees it with vm_deallocate; deallocate=1 frees the
/// sender's vm_allocate'd region on send. OOL port arrays arrive as names in
/// fresh memory, freed (with their rights) by mach_msg_destroy.
#[test]
fn ool_memory_is_copied_and_freed_with_vm_deallocate() {
    let _g = shared();
    let t = task();
    let p = new_port();
    let (a, b) = (new_port(), new_port());
    make_send(a);
    make_send(b);
    let mut region: vm_address_t = 0;
    let size = 10_000;
    unsafe {
        assert_eq!(vm_allocate(t, &mut region, size, VM_FLAGS_ANYWHERE), KERN_SUCCESS);
        for i in 0..size {
            *(region as *mut u8).add(i) = (i % 251) as u8;
        }
    }
    let kept = b"inline-owned".to_vec();
    // The port names must outlive the send, which reads them (AddressSanitizer caught a
    // temporary array here).
    let ports = [a, b];
    let msg = Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 12)
        .ool(region, size as u32, true)
        .ool(kept.as_ptr() as usize, kept.len() as u32, true)
        .ool_ports(&ports, MACH_MSG_TYPE_COPY_SEND);
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    assert!(
        !loopback_vm_is_allocated(region),
        "deallocate=1 freed the sender's region"
    );

    let mut buf = recv_now(p);
    let first = buf.usize_at(28);
    assert_ne!(first, region);
    assert_eq!(first % PAGE_SIZE, 0);
    assert!(loopback_vm_is_allocated(first));
    assert_eq!(buf.u32_at(28 + 12), size as u32);
    let data = unsafe { std::slice::from_raw_parts(first as *const u8, size) };
    assert!(data.iter().enumerate().all(|(i, byte)| *byte == (i % 251) as u8));
    let second = buf.usize_at(44);
    assert_eq!(
        unsafe { std::slice::from_raw_parts(second as *const u8, kept.len()) },
        kept
    );
    let ports = buf.usize_at(60);
    assert_eq!(buf.0[60 + 10], MACH_MSG_TYPE_PORT_SEND as u8);
    assert_eq!(buf.u32_at(60 + 12), 2);
    let names = unsafe { std::slice::from_raw_parts(ports as *const mach_port_t, 2) };
    assert_eq!(names, [a, b]);
    assert_eq!(refs(a, MACH_PORT_RIGHT_SEND), 2);

    assert_eq!(unsafe { vm_deallocate(t, first, size) }, KERN_SUCCESS);
    assert!(!loopback_vm_is_allocated(first));
    // mach_msg_destroy frees what is left: the second region, the port array
    // and the rights it names. The first descriptor is cleared so it does not
    // free memory that may have been reused since.
    buf.0[28..36].fill(0);
    buf.0[40..44].fill(0);
    unsafe { mach_msg_destroy(buf.ptr()) };
    assert!(!loopback_vm_is_allocated(second) && !loopback_vm_is_allocated(ports));
    assert_eq!(refs(a, MACH_PORT_RIGHT_SEND), 1);
    assert_eq!(refs(b, MACH_PORT_RIGHT_SEND), 1);
    for n in [p, a, b] {
        destroy(n);
    }
}

/// A port set receives from any member; the message's local port is the
/// member's receive name. Destroying the set leaves the members alone.
#[test]
fn port_set_receives_from_members() {
    let _g = shared();
    let t = task();
    let (a, b) = (new_port(), new_port());
    let mut set = 0;
    unsafe {
        assert_eq!(
            mach_port_allocate(t, MACH_PORT_RIGHT_PORT_SET, &mut set),
            KERN_SUCCESS
        );
        assert_eq!(type_of(set), Ok(MACH_PORT_TYPE_PORT_SET));
        assert_eq!(mach_port_move_member(t, a, set), KERN_SUCCESS);
        assert_eq!(mach_port_move_member(t, b, set), KERN_SUCCESS);
    }
    assert_eq!(
        Msg::simple(b, MACH_MSG_TYPE_MAKE_SEND, 2).send(),
        MACH_MSG_SUCCESS
    );
    assert_eq!(
        Msg::simple(a, MACH_MSG_TYPE_MAKE_SEND, 1).send(),
        MACH_MSG_SUCCESS
    );
    let first = recv_now(set).header();
    assert_eq!(
        (first.msgh_local_port, first.msgh_id),
        (b, 2),
        "oldest message first"
    );
    assert_eq!(recv_now(set).header().msgh_local_port, a);
    let waiter = thread::spawn(move || {
        let mut buf = Buf::new();
        recv_with(set, &mut buf, 0, 4096, 0)
    });
    thread::sleep(Duration::from_millis(30));
    destroy(set);
    assert_eq!(waiter.join().unwrap(), MACH_RCV_PORT_DIED);
    assert_eq!(type_of(a), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(
        unsafe { mach_port_move_member(t, a, MACH_PORT_NULL) },
        KERN_NOT_IN_SET
    );
    destroy(a);
    destroy(b);
}

/// `mach_port_insert_member` and `mach_port_extract_member` (osfmk/ipc/ipc_pset.c,
/// `ipc_pset_add`/`ipc_pset_remove`): adding a member twice is
/// `KERN_ALREADY_IN_SET`, removing a port that is not a member `KERN_NOT_IN_SET`;
/// the set receives what its members are sent, and a removed port no longer feeds it.
#[test]
fn insert_and_extract_member() {
    let _g = shared();
    let t = task();
    let (a, set) = (new_port(), {
        let mut set = 0;
        assert_eq!(
            unsafe { mach_port_allocate(t, MACH_PORT_RIGHT_PORT_SET, &mut set) },
            KERN_SUCCESS
        );
        set
    });
    unsafe {
        assert_eq!(mach_port_insert_member(t, a, set), KERN_SUCCESS);
        assert_eq!(mach_port_insert_member(t, a, set), KERN_ALREADY_IN_SET);
        assert_eq!(mach_port_insert_member(t, a, a), KERN_INVALID_RIGHT, "not a set");
    }
    assert_eq!(
        Msg::simple(a, MACH_MSG_TYPE_MAKE_SEND, 7).send(),
        MACH_MSG_SUCCESS
    );
    assert_eq!(recv_now(set).header().msgh_id, 7);
    unsafe {
        assert_eq!(mach_port_extract_member(t, a, set), KERN_SUCCESS);
        assert_eq!(mach_port_extract_member(t, a, set), KERN_NOT_IN_SET);
    }
    assert_eq!(
        Msg::simple(a, MACH_MSG_TYPE_MAKE_SEND, 8).send(),
        MACH_MSG_SUCCESS
    );
    let mut buf = Buf::new();
    assert_eq!(
        recv_with(set, &mut buf, MACH_RCV_TIMEOUT, 4096, 0),
        MACH_RCV_TIMED_OUT,
        "no longer a member"
    );
    assert_eq!(recv_now(a).header().msgh_id, 8);
    destroy(set);
    destroy(a);
}

/// Sending a port's receive right to that same port would make an
/// unreachable cycle: XNU accepts the send and destroys the message, which
/// destroys the port.
#[test]
fn circular_receive_right_destroys_the_port() {
    let _g = shared();
    let p = new_port();
    make_send(p);
    let msg = Msg::simple(p, MACH_MSG_TYPE_COPY_SEND, 1).port(p, MACH_MSG_TYPE_MOVE_RECEIVE);
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    assert_eq!(type_of(p), Ok(MACH_PORT_TYPE_DEAD_NAME));
    unsafe { mach_port_deallocate(task(), p) };
    assert!(gone(p));
}

// ------------------------------------------------------------------ accounting

/// Waits until no other thread is still tearing down (e.g. a finished
/// test's thread-local reply port), so global counts are stable.
fn settled_counts() -> (usize, usize) {
    let mut last = (loopback_live_rights(), loopback_live_ports());
    for _ in 0..50 {
        thread::sleep(Duration::from_millis(20));
        let now = (loopback_live_rights(), loopback_live_ports());
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

/// Every scenario, cleaned up as a Mach program would, leaves the space as it
/// found it: no leaked names, ports, or out-of-line regions.
#[test]
fn accounting_returns_to_baseline_after_every_scenario() {
    let _g = exclusive();
    let baseline = settled_counts();

    // RPC with a server thread, a thread reply port, and a request the
    // server refuses (destroys), whose notification the client drains.
    let service = new_port();
    let server = thread::spawn(move || {
        for round in 0..2 {
            let mut buf = Buf::new();
            assert_eq!(recv_with(service, &mut buf, 0, 4096, 0), MACH_MSG_SUCCESS);
            let h = buf.header();
            if round == 0 {
                let reply = Msg::simple(h.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, 1);
                assert_eq!(reply.send(), MACH_MSG_SUCCESS);
            } else {
                unsafe { mach_msg_destroy(buf.ptr()) };
            }
        }
    });
    make_send(service);
    thread::spawn(move || {
        let reply = unsafe { mig_get_reply_port() };
        for expected in [1, MACH_NOTIFY_SEND_ONCE] {
            let msg = Msg::new(
                service,
                MACH_MSG_TYPE_COPY_SEND,
                reply,
                MACH_MSG_TYPE_MAKE_SEND_ONCE,
                0,
            );
            let mut buf = msg.buf();
            let kr = unsafe {
                mach_msg(
                    buf.ptr(),
                    MACH_SEND_MSG | MACH_RCV_MSG,
                    msg.size(),
                    4096,
                    reply,
                    0,
                    0,
                )
            };
            assert_eq!(kr, MACH_MSG_SUCCESS);
            assert_eq!(buf.header().msgh_id, expected);
        }
    })
    .join()
    .unwrap();
    server.join().unwrap();
    assert_eq!(settled_counts(), (baseline.0 + 1, baseline.1 + 1));

    // Rights in queued messages die with the port: receive rights (whose
    // own queues hold rights too), send-once rights, OOL memory.
    let inner = new_port();
    assert_eq!(
        Msg::simple(inner, MACH_MSG_TYPE_MAKE_SEND, 1)
            .port(service, MACH_MSG_TYPE_MAKE_SEND_ONCE)
            .send(),
        MACH_MSG_SUCCESS
    );
    let bytes = [3u8; 100];
    let msg = Msg::simple(service, MACH_MSG_TYPE_COPY_SEND, 2)
        .port(inner, MACH_MSG_TYPE_MOVE_RECEIVE)
        .ool(bytes.as_ptr() as usize, 100, false);
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    unsafe { mach_port_deallocate(task(), service) };
    destroy(service);

    // Bootstrap registrations hold no names of their own.
    let name = CString::new("org.loopback.test.accounting").unwrap();
    let mut server_port = 0;
    unsafe {
        assert_eq!(
            bootstrap_check_in(bootstrap_port, name.as_ptr(), &mut server_port),
            BOOTSTRAP_SUCCESS
        );
        let mut client = 0;
        assert_eq!(
            bootstrap_look_up(bootstrap_port, name.as_ptr(), &mut client),
            BOOTSTRAP_SUCCESS
        );
        mach_port_deallocate(task(), client);
    }
    destroy(server_port);

    // A received OOL region, freed with vm_deallocate.
    let p = new_port();
    assert_eq!(
        Msg::simple(p, MACH_MSG_TYPE_MAKE_SEND, 3)
            .ool(bytes.as_ptr() as usize, 100, false)
            .send(),
        MACH_MSG_SUCCESS
    );
    let buf = recv_now(p);
    let region = buf.usize_at(28);
    assert!(loopback_vm_is_allocated(region));
    unsafe { vm_deallocate(task(), region, 100) };
    assert!(!loopback_vm_is_allocated(region));
    destroy(p);

    assert_eq!(settled_counts(), baseline);
}

/// Releasing a right under a name that holds none is a Mach port guard exception on
/// XNU (`mach_port_guard_exception(name, 0, kGUARD_EXC_INVALID_NAME)` in
/// `mach_port_deallocate_kernel` and `mach_port_mod_refs`, osfmk/ipc/mach_port.c):
/// silent for an ordinary process, fatal for a hardened one, and always a name released
/// twice, which may by then be someone else's right. The loopback counts them per task;
/// NULL and DEAD are not names and raise nothing.
#[test]
fn releasing_a_name_twice_is_a_guard_exception() {
    let _g = shared();
    let t = task();
    let before = loopback_guard_exceptions();
    let p = new_port();
    unsafe {
        assert_eq!(
            mach_port_insert_right(t, p, p, MACH_MSG_TYPE_MAKE_SEND),
            KERN_SUCCESS
        );
        // The pattern the examples had: destroy the name, then drop its owners.
        assert_eq!(mach_port_destroy(t, p), KERN_SUCCESS);
        assert_eq!(loopback_guard_exceptions(), before);
        assert_eq!(mach_port_deallocate(t, p), KERN_INVALID_NAME);
        assert_eq!(loopback_guard_exceptions(), before + 1);
        assert_eq!(
            mach_port_mod_refs(t, p, MACH_PORT_RIGHT_RECEIVE, -1),
            KERN_INVALID_NAME
        );
        assert_eq!(loopback_guard_exceptions(), before + 2);
        assert_eq!(mach_port_deallocate(t, MACH_PORT_NULL), KERN_SUCCESS);
        assert_eq!(mach_port_deallocate(t, MACH_PORT_DEAD), KERN_SUCCESS);
    }
    assert_eq!(loopback_guard_exceptions(), before + 2);
}

/// Sends a header-only message to `dest` (copied send) with the given voucher bits and
/// field; returns the send's result.
fn send_with_voucher(dest: mach_port_t, voucher_type: u32, voucher: mach_port_t) -> mach_msg_return_t {
    let mut head = mach_msg_header_t {
        msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | (voucher_type << 16),
        msgh_size: 0,
        msgh_remote_port: dest,
        msgh_local_port: MACH_PORT_NULL,
        msgh_voucher_port: voucher,
        msgh_id: 77,
    };
    unsafe { mach_msg(&mut head, MACH_SEND_MSG, 24, 0, 0, 0, 0) }
}

/// The voucher field of a header, as XNU checks and carries it
/// (`ipc_kmsg_copyin_header_validate`, `ipc_kmsg_copyin_header_rights` and
/// `ipc_kmsg_copyout_header` in osfmk/ipc/ipc_kmsg.c):
/// - a voucher disposition other than `MOVE_SEND`/`COPY_SEND`, a dead name, or a name
///   that is not a send right to a voucher is `MACH_SEND_INVALID_VOUCHER` (the loopback
///   has no vouchers, so every name but null is refused), and nothing is taken;
/// - with no voucher disposition the field is not a name, and reaches the receiver as
///   the sender wrote it;
/// - a voucher disposition with a null name shows as `MOVE_SEND` and a null name to a
///   receiver asking with `MACH_RCV_VOUCHER`, and as nothing to others.
#[test]
fn voucher_fields_are_checked_and_carried_as_xnu_does() {
    let _g = shared();
    let (p, other) = (new_port(), new_port());
    make_send(p);
    make_send(other);
    assert_eq!(
        send_with_voucher(p, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL),
        MACH_SEND_INVALID_VOUCHER
    );
    assert_eq!(
        send_with_voucher(p, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_DEAD),
        MACH_SEND_INVALID_VOUCHER
    );
    assert_eq!(
        send_with_voucher(p, MACH_MSG_TYPE_MOVE_SEND, other),
        MACH_SEND_INVALID_VOUCHER
    );
    assert_eq!(refs(other, MACH_PORT_RIGHT_SEND), 1, "nothing taken");
    assert_eq!(loopback_queued_messages(p), Some(0));

    let mut buf = Buf::new();
    assert_eq!(send_with_voucher(p, 0, 0x1234_5678), MACH_MSG_SUCCESS);
    assert_eq!(
        recv_with(p, &mut buf, MACH_RCV_VOUCHER, BUF_SIZE as u32, 0),
        MACH_MSG_SUCCESS
    );
    let head = buf.header();
    assert_eq!(
        (
            head.msgh_bits & MACH_MSGH_BITS_VOUCHER_MASK,
            head.msgh_voucher_port
        ),
        (0, 0x1234_5678),
        "no voucher disposition: the field travels untouched"
    );

    for (option, seen) in [(0, 0), (MACH_RCV_VOUCHER, MACH_MSG_TYPE_MOVE_SEND << 16)] {
        assert_eq!(
            send_with_voucher(p, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL),
            MACH_MSG_SUCCESS
        );
        assert_eq!(
            recv_with(p, &mut buf, option, BUF_SIZE as u32, 0),
            MACH_MSG_SUCCESS
        );
        let head = buf.header();
        assert_eq!(
            (
                head.msgh_bits & MACH_MSGH_BITS_VOUCHER_MASK,
                head.msgh_voucher_port
            ),
            (seen, MACH_PORT_NULL),
            "receive option {option:#x}"
        );
    }
    destroy(p);
    destroy(other);
}

/// The loopback's `voucher_mach_msg_adopt` takes the voucher right out of a received
/// header, as libsystem's does (`<mach/mach.h>`: "ownership of the mach voucher in the
/// message is transferred to the current thread and the message header voucher fields
/// are cleared"), so `mach_msg_destroy` cannot release it a second time; having no
/// vouchers to adopt, it releases the right itself. A header without a voucher
/// disposition is left alone: its field is not a name.
#[test]
fn adopting_a_voucher_takes_its_right_once() {
    let _g = shared();
    let p = new_port();
    make_send(p);
    make_send(p);
    assert_eq!(refs(p, MACH_PORT_RIGHT_SEND), 2);
    let mut head = mach_msg_header_t {
        msgh_bits: MACH_MSG_TYPE_MOVE_SEND << 16,
        msgh_size: 24,
        msgh_remote_port: MACH_PORT_NULL,
        msgh_local_port: MACH_PORT_NULL,
        msgh_voucher_port: p,
        msgh_id: 1,
    };
    let state = unsafe { voucher_mach_msg_adopt(&mut head) };
    assert_eq!(state, VOUCHER_MACH_MSG_STATE_UNCHANGED);
    assert_eq!(
        (head.msgh_bits, head.msgh_voucher_port),
        (0, MACH_PORT_NULL),
        "taken out of the header"
    );
    assert_eq!(refs(p, MACH_PORT_RIGHT_SEND), 1);
    unsafe { mach_msg_destroy(&mut head) };
    unsafe { voucher_mach_msg_revert(state) };
    assert_eq!(refs(p, MACH_PORT_RIGHT_SEND), 1, "released once");

    let mut raw = mach_msg_header_t {
        msgh_voucher_port: p,
        msgh_bits: 0,
        ..head
    };
    unsafe { voucher_mach_msg_adopt(&mut raw) };
    assert_eq!((raw.msgh_voucher_port, refs(p, MACH_PORT_RIGHT_SEND)), (p, 1));
    destroy(p);
}
