//! Accounting and introspection: live rights and out-of-line bytes per
//! space, queued messages per port, live ports and tasks, so tests can prove
//! that a scenario leaks nothing.
//!
//! This file is its own process and has a single test, so the global counts
//! (ports, tasks) are exact.

// The loopback kernel exists only off Apple platforms (on macOS `sys` is the real kernel).
#![cfg(not(target_vendor = "apple"))]

use std::ptr;

use mig_core::sys::*;

fn me() -> mach_port_t {
    unsafe { mach_task_self() }
}

fn allocate(right: mach_port_right_t) -> mach_port_t {
    let mut name = 0;
    assert_eq!(
        unsafe { mach_port_allocate(me(), right, &mut name) },
        KERN_SUCCESS
    );
    name
}

/// An 8-byte aligned message buffer.
#[repr(C, align(8))]
struct Buf([u8; 512]);

/// A complex message to `dest` carrying `data` out of line and a
/// MAKE_SEND of `port`, with a send-once reply right made from `reply`.
fn message(dest: mach_port_t, data: &[u8], port: mach_port_t, reply: mach_port_t) -> Box<Buf> {
    let mut buf = Box::new(Buf([0; 512]));
    let mut words: Vec<u8> = [
        MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX,
        0,
        dest,
        reply,
        0,
        42,
        2,
    ]
    .iter()
    .flat_map(|w| w.to_ne_bytes())
    .collect();
    words.extend((data.as_ptr() as usize).to_ne_bytes());
    words.extend([0, MACH_MSG_VIRTUAL_COPY as u8, 0, MACH_MSG_OOL_DESCRIPTOR as u8]);
    words.extend((data.len() as u32).to_ne_bytes());
    words.extend(port.to_ne_bytes());
    words.extend([0, 0, 0, 0, 0, 0, MACH_MSG_TYPE_MAKE_SEND as u8, 0]);
    buf.0[..words.len()].copy_from_slice(&words);
    buf
}

const MESSAGE_SIZE: u32 = 28 + 16 + 12;

/// Every resource a Mach program can hold shows up in the counts while held
/// and is gone once released as XNU requires (deallocate received OOL
/// memory, mach_msg_destroy a refused request, destroy ports); a task's
/// resources go with the task.
#[test]
fn accounting_counts_every_kind_of_resource() {
    let (ports, tasks) = (loopback_live_ports(), loopback_live_tasks());
    let t = loopback_task_create();
    assert_eq!(
        (loopback_live_ports(), loopback_live_tasks()),
        (ports + 1, tasks + 1),
        "task port"
    );

    loopback_with_task(t, || {
        assert_eq!((loopback_live_rights(), loopback_live_ool_bytes()), (0, 0));
        let (service, reply, carried) = (
            allocate(MACH_PORT_RIGHT_RECEIVE),
            allocate(MACH_PORT_RIGHT_RECEIVE),
            allocate(MACH_PORT_RIGHT_RECEIVE),
        );
        let set = allocate(MACH_PORT_RIGHT_PORT_SET);
        let dead = allocate(MACH_PORT_RIGHT_DEAD_NAME);
        assert_eq!(loopback_live_rights(), 5);
        assert_eq!(loopback_live_ports(), ports + 4);
        assert_eq!(loopback_queued_messages(set), None, "not a receive right");
        assert_eq!(loopback_queued_messages(dead), None);

        let data = vec![9u8; 5000];
        for _ in 0..2 {
            let mut msg = message(service, &data, carried, reply);
            let kr = unsafe { mach_msg(msg.0.as_mut_ptr().cast(), MACH_SEND_MSG, MESSAGE_SIZE, 0, 0, 0, 0) };
            assert_eq!(kr, MACH_MSG_SUCCESS);
        }
        assert_eq!(loopback_queued_messages(service), Some(2));
        assert_eq!(loopback_live_ool_bytes(), 0, "data in flight is the kernel's");

        // Receive one: its OOL region (two pages) and rights land in the space.
        let mut buf = Box::new(Buf([0; 512]));
        let kr = unsafe { mach_msg(buf.0.as_mut_ptr().cast(), MACH_RCV_MSG, 0, 512, service, 0, 0) };
        assert_eq!(kr, MACH_MSG_SUCCESS);
        assert_eq!(loopback_queued_messages(service), Some(1));
        assert_eq!(loopback_live_ool_bytes(), 2 * PAGE_SIZE);
        assert_eq!(loopback_live_rights(), 6, "the reply send-once right");
        let region = usize::from_ne_bytes(buf.0[28..36].try_into().unwrap());
        unsafe { vm_deallocate(me(), region, data.len()) };
        assert_eq!(loopback_live_ool_bytes(), 0);
        // Refuse it: the send-once right notifies the reply port.
        unsafe { mach_msg_destroy(buf.0.as_mut_ptr().cast()) };
        assert_eq!(loopback_live_rights(), 5);
        assert_eq!(loopback_queued_messages(reply), Some(1));

        // The second dies with the service port, notifying the reply port.
        unsafe { mach_port_destroy(me(), service) };
        assert_eq!(loopback_queued_messages(reply), Some(2));
        let header: mach_msg_header_t = unsafe { ptr::read_unaligned(buf.0.as_ptr().cast()) };
        assert_eq!(header.msgh_id, 42);
        for name in [reply, carried, set, dead] {
            assert_eq!(unsafe { mach_port_destroy(me(), name) }, KERN_SUCCESS);
        }
        assert_eq!((loopback_live_rights(), loopback_live_ool_bytes()), (0, 0));
    });
    assert_eq!(loopback_live_ports(), ports + 1);

    // What a task still holds goes with it.
    let mut region = 0;
    unsafe { vm_allocate(t, &mut region, 1, VM_FLAGS_ANYWHERE) };
    loopback_with_task(t, || allocate(MACH_PORT_RIGHT_RECEIVE));
    assert_eq!(loopback_with_task(t, loopback_live_ool_bytes), PAGE_SIZE);
    assert_eq!(loopback_task_terminate(t), KERN_SUCCESS);
    assert!(!loopback_vm_is_allocated(region));
    assert_eq!((loopback_live_ports(), loopback_live_tasks()), (ports, tasks));
    unsafe { mach_port_deallocate(me(), t) };
}
