//! The slots of variable inline port arrays (`array[*:n] of <port>`), as a hostile peer
//! fills them: a right in a slot past the count, and a receive right in a slot of a
//! send-right array. Requests and replies are forged and go through the loopback kernel,
//! so what the other side receives is what a kernel delivers.
//!
//! Apple's MIG checks only each slot's type (bootstrap_cmds `migcom.tproj/server.c`,
//! `WriteTCheckKPD_port`: "We can't check disposition on varArray"; `user.c` likewise)
//! and takes the first `count` names as the array's element type. `mig!` also checks the
//! disposition of every slot within the count: Apple's senders give every slot the
//! array's disposition (`WriteInitKPD_port`), and XNU's `ipc_kmsg_copyin_port_descriptor`
//! turns it into the received one even for a null name, so nothing they send is refused.

#![cfg(not(target_vendor = "apple"))]

mod common;

use std::mem::size_of;
use std::thread;

use common::{Running, one_at_a_time};
use mig::sys::{self, mach_msg_header_t, mach_msg_port_descriptor_t, mach_port_t};
use mig::{Error, ReceiveRight, SendRight};

mig::mig! {
    subsystem slots 9100;
    #include <mach/mach_types.defs>
    routine give(server: mach_port_t; h: exception_handler_array_t; out n: int);
    routine take(server: mach_port_t; out h: exception_handler_array_t);
}

struct Slots;

impl slots::Server for Slots {
    fn give(&self, _: mach_port_t, h: Vec<SendRight>) -> mig::Result<i32> {
        Ok(h.len() as i32)
    }
    fn take(&self, _: mach_port_t) -> mig::Result<Vec<mach_port_t>> {
        Ok(Vec::new())
    }
}

fn send_refs(name: mach_port_t) -> u32 {
    let mut refs = 0;
    // SAFETY: an out-pointer to a local.
    unsafe { sys::mach_port_get_refs(sys::mach_task_self(), name, sys::MACH_PORT_RIGHT_SEND, &mut refs) };
    refs
}

fn slot(name: mach_port_t, disposition: u32) -> mach_msg_port_descriptor_t {
    mig::__private::port(name, disposition as u8)
}

/// The 32 slots of an `exception_handler_array_t`, as MIG fills them (null names, the
/// array's disposition), with `used` placed first.
fn slots_with(used: &[(mach_port_t, u32)], disposition: u32) -> [mach_msg_port_descriptor_t; 32] {
    let mut slots = [slot(sys::MACH_PORT_NULL, disposition); 32];
    for (s, &(name, d)) in slots.iter_mut().zip(used) {
        *s = slot(name, d);
    }
    slots
}

/// A fresh port this task holds the receive right and a send right of, under one raw
/// name: once the receive right is moved away and destroyed, the name is a dead name.
fn fresh_port() -> mach_port_t {
    let receive = ReceiveRight::allocate().unwrap();
    let _ = receive.make_send().unwrap().into_raw();
    receive.into_raw()
}

/// Whether the port `name` named has been destroyed (its send right is a dead name);
/// releases the name.
fn destroyed(name: mach_port_t) -> bool {
    let mut held = 0;
    // SAFETY: an out-pointer to a local.
    let kr = unsafe { sys::mach_port_type(sys::mach_task_self(), name, &mut held) };
    // SAFETY: the test's own send right or dead name.
    unsafe { sys::mach_port_deallocate(sys::mach_task_self(), name) };
    kr == sys::KERN_SUCCESS && held == sys::MACH_PORT_TYPE_DEAD_NAME
}

/// Sends a forged `give` request carrying `h` and `count` to `server` and returns the
/// reply's `RetCode` and `n`, once the server has answered.
fn forged_give(server: mach_port_t, h: [mach_msg_port_descriptor_t; 32], count: u32) -> (i32, i32) {
    let reply = ReceiveRight::allocate().unwrap();
    #[repr(C)]
    union Buffer {
        request: slots::give::Request,
        bytes: [u8; 1024],
    }
    let mut buffer = Buffer { bytes: [0; 1024] };
    // Writing a whole `Copy` field of a union is safe.
    buffer.request = slots::give::Request {
        Head: mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, sys::MACH_MSG_TYPE_MAKE_SEND_ONCE)
                | sys::MACH_MSGH_BITS_COMPLEX,
            msgh_size: 0,
            msgh_remote_port: server,
            msgh_local_port: reply.name(),
            msgh_voucher_port: 0,
            msgh_id: slots::give::ID,
        },
        msgh_body: sys::mach_msg_body_t {
            msgh_descriptor_count: 32,
        },
        h,
        NDR: mig::__private::NDR,
        hCnt: count,
    };
    // SAFETY: the buffer holds the request and has room for the reply and its trailer.
    let sent = unsafe {
        sys::mach_msg(
            &raw mut buffer.request.Head,
            sys::MACH_SEND_MSG | sys::MACH_RCV_MSG,
            size_of::<slots::give::Request>() as u32,
            1024,
            reply.name(),
            0,
            sys::MACH_PORT_NULL,
        )
    };
    assert_eq!(sent, sys::MACH_MSG_SUCCESS);
    // SAFETY: the kernel wrote a reply into the buffer; every byte is initialized.
    let bytes = unsafe { &buffer.bytes };
    let word = |at: usize| i32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(32), word(36))
}

/// A server that answers one `take` request with a forged reply carrying `h` and `count`.
fn hostile_take_server(
    h: [mach_msg_port_descriptor_t; 32],
    count: u32,
) -> (SendRight, thread::JoinHandle<()>) {
    let receive = ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let server = thread::spawn(move || {
        let mut request = [0u64; 128];
        // SAFETY: a writable, aligned buffer of 1024 bytes.
        let received = unsafe {
            sys::mach_msg(
                request.as_mut_ptr().cast(),
                sys::MACH_RCV_MSG,
                0,
                1024,
                receive.name(),
                0,
                sys::MACH_PORT_NULL,
            )
        };
        assert_eq!(received, sys::MACH_MSG_SUCCESS);
        // SAFETY: a received header sits at the start of the aligned buffer.
        let reply_to = unsafe { (*request.as_ptr().cast::<mach_msg_header_t>()).msgh_remote_port };
        let mut reply = slots::take::Reply {
            Head: mach_msg_header_t {
                msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_MOVE_SEND_ONCE, 0)
                    | sys::MACH_MSGH_BITS_COMPLEX,
                msgh_size: 0,
                msgh_remote_port: reply_to,
                msgh_local_port: 0,
                msgh_voucher_port: 0,
                msgh_id: slots::take::ID + 100,
            },
            msgh_body: sys::mach_msg_body_t {
                msgh_descriptor_count: 32,
            },
            h,
            NDR: mig::__private::NDR,
            hCnt: count,
        };
        // SAFETY: a complete reply of its own size.
        let sent = unsafe {
            sys::mach_msg(
                &raw mut reply.Head,
                sys::MACH_SEND_MSG,
                size_of::<slots::take::Reply>() as u32,
                0,
                sys::MACH_PORT_NULL,
                0,
                sys::MACH_PORT_NULL,
            )
        };
        assert_eq!(sent, sys::MACH_MSG_SUCCESS);
    });
    (send, server)
}

#[test]
fn servers_release_rights_in_port_array_slots_past_the_count() {
    let _turn = one_at_a_time();
    let server = Running::start(slots::Service(Slots));
    let extra = ReceiveRight::allocate().unwrap();
    // One used slot (null), and slot 1, past the count, making a send right to `extra`.
    let h = slots_with(
        &[
            (sys::MACH_PORT_NULL, sys::MACH_MSG_TYPE_COPY_SEND),
            (extra.name(), sys::MACH_MSG_TYPE_MAKE_SEND),
        ],
        sys::MACH_MSG_TYPE_COPY_SEND,
    );
    assert_eq!(forged_give(server.port(), h, 1), (0, 1));
    assert_eq!(
        send_refs(extra.name()),
        0,
        "the send right made in the unused slot was released"
    );
    server.stop();
}

#[test]
fn servers_refuse_a_receive_right_in_a_send_right_array() {
    let _turn = one_at_a_time();
    let server = Running::start(slots::Service(Slots));
    let moved = fresh_port();
    let h = slots_with(
        &[(moved, sys::MACH_MSG_TYPE_MOVE_RECEIVE)],
        sys::MACH_MSG_TYPE_COPY_SEND,
    );
    let (ret_code, _) = forged_give(server.port(), h, 1);
    assert_eq!(ret_code, Error::MIG_TYPE_ERROR.code());
    assert!(
        destroyed(moved),
        "the receive right was destroyed with the refused request"
    );
    server.stop();
}

#[test]
fn clients_release_rights_in_port_array_slots_past_the_count() {
    let _turn = one_at_a_time();
    let extra = ReceiveRight::allocate().unwrap();
    let h = slots_with(
        &[
            (sys::MACH_PORT_NULL, sys::MACH_MSG_TYPE_COPY_SEND),
            (extra.name(), sys::MACH_MSG_TYPE_MAKE_SEND),
        ],
        sys::MACH_MSG_TYPE_COPY_SEND,
    );
    let (port, server) = hostile_take_server(h, 1);
    let handlers = slots::take(port.name()).unwrap();
    assert_eq!(handlers.len(), 1);
    drop(handlers);
    server.join().unwrap();
    assert_eq!(
        send_refs(extra.name()),
        0,
        "the send right made in the unused slot was released"
    );
}

#[test]
fn clients_refuse_a_receive_right_in_a_send_right_array() {
    let _turn = one_at_a_time();
    let moved = fresh_port();
    let h = slots_with(
        &[(moved, sys::MACH_MSG_TYPE_MOVE_RECEIVE)],
        sys::MACH_MSG_TYPE_COPY_SEND,
    );
    let (port, server) = hostile_take_server(h, 1);
    assert_eq!(
        slots::take(port.name()).map(|h| h.len()),
        Err(Error::MIG_TYPE_ERROR)
    );
    server.join().unwrap();
    drop(port);
    assert!(
        destroyed(moved),
        "the receive right was destroyed with the refused reply"
    );
}
