//! `dealloc` on out-of-line arrays of ports (`array[] of <port>`), which Apple's MIG
//! accepts and answers by setting the ports descriptor's `deallocate` bit
//! (`migcom.tproj/utils.c`, `WriteTemplateKPD_oolport`, writes the argument's
//! `argDeallocate` there): the region holding the names leaves the sender with the
//! message, as XNU's `ipc_kmsg_copyin_ool_ports_descriptor` deallocates it once the
//! names are copied in.

#![cfg(not(target_vendor = "apple"))]

mod common;

use common::Running;
use mig::sys::{self, mach_port_t};
use mig::{MessageBuffer, OutOfLine, ReceiveRight, SendRight};

mig::mig! {
    subsystem moving 9100;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>

    type mach_port_move_send_array_t = array[] of mach_port_move_send_t;

    /// Names the caller keeps rights to, in a region of its own that moves.
    routine give_names(server: mach_port_t; names: mach_port_array_t, dealloc; out n: int);
    /// Rights that move, as in the definition.
    routine give_rights(server: mach_port_t; ports: mach_port_move_send_array_t, dealloc; out n: int);
    /// Returned rights: `dealloc` is accepted; returned memory always moves.
    routine get_rights(server: mach_port_t; n: int; out ports: mach_port_move_send_array_t, dealloc);
    /// `give_names` without a reply.
    simpleroutine drop_names(server: mach_port_t; names: mach_port_array_t, dealloc);
}

struct Mover {
    /// A receive right whose send rights `get_rights` hands out.
    port: ReceiveRight,
}

impl moving::Server for Mover {
    fn give_names(&self, _: mach_port_t, names: Vec<SendRight>) -> mig::Result<i32> {
        Ok(names.len() as i32)
    }
    fn give_rights(&self, _: mach_port_t, ports: Vec<SendRight>) -> mig::Result<i32> {
        Ok(ports.len() as i32)
    }
    fn get_rights(&self, _: mach_port_t, n: i32) -> mig::Result<Vec<SendRight>> {
        (0..n).map(|_| self.port.make_send()).collect()
    }
    fn drop_names(&self, _: mach_port_t, _: Vec<SendRight>) -> mig::Result<()> {
        Ok(())
    }
}

fn names_region(names: &[mach_port_t]) -> OutOfLine<mach_port_t> {
    OutOfLine::copy_from(names).unwrap()
}

#[test]
fn dealloc_on_a_ports_array_keeps_apple_migs_layout() {
    // Head, msgh_body, the ports descriptor (16 bytes on 64-bit), NDR, the count.
    let request = moving::ROUTINES[0].request;
    let fields: Vec<_> = request
        .fields
        .iter()
        .map(|f| (f.name, f.offset, f.size))
        .collect();
    assert_eq!(
        fields,
        [
            ("Head", 0, 24),
            ("msgh_body", 24, 4),
            ("names", 28, 16),
            ("NDR", 44, 8),
            ("namesCnt", 52, 4)
        ]
    );
    assert_eq!(
        (request.size, request.complex, request.descriptors),
        (56, true, 1)
    );
}

#[test]
fn a_dealloc_ports_array_region_leaves_the_sender_with_the_request() {
    let _turn = common::one_at_a_time();
    let port = ReceiveRight::allocate().unwrap();
    let dest = port.make_send().unwrap();
    let kept = port.make_send().unwrap();
    let rights = sys::loopback_live_rights();
    let before = sys::loopback_live_ool_bytes();
    let region = names_region(&[kept.name(), kept.name()]);
    assert!(
        sys::loopback_live_ool_bytes() > before,
        "the names' region is the sender's"
    );
    moving::drop_names(dest.name(), region).unwrap();
    // Queued, not yet received: the region is in the message, no longer the sender's.
    assert_eq!(sys::loopback_queued_messages(port.name()), Some(1));
    assert_eq!(
        sys::loopback_live_ool_bytes(),
        before,
        "the region moved with the request"
    );
    let mut buffer = MessageBuffer::for_receive(256);
    assert_eq!(
        buffer.receive(port.name(), sys::MACH_RCV_TIMEOUT, 0),
        sys::MACH_MSG_SUCCESS
    );
    // The ports descriptor after the header and body: its count is at bytes 12..16.
    let count = u32::from_ne_bytes(buffer.bytes()[28 + 12..28 + 16].try_into().unwrap());
    assert_eq!(count, 2);
    // SAFETY: a message just received, destroyed once (its rights, its region).
    unsafe { sys::mach_msg_destroy(buffer.as_mut_ptr()) };
    assert_eq!(
        (sys::loopback_live_rights(), sys::loopback_live_ool_bytes()),
        (rights, before)
    );
}

#[test]
fn ports_arrays_with_dealloc_round_trip() {
    let _turn = common::one_at_a_time();
    let server_port = ReceiveRight::allocate().unwrap();
    let server = Running::start(moving::Service(Mover { port: server_port }));
    let mine = ReceiveRight::allocate().unwrap();
    let kept = mine.make_send().unwrap();
    // SAFETY: asking for this thread's reply port has no precondition.
    let _ = unsafe { sys::mig_get_reply_port() };
    let before = (sys::loopback_live_rights(), sys::loopback_live_ool_bytes());

    // The caller's region of names moves; the caller keeps its rights.
    let region = names_region(&[kept.name(), kept.name(), kept.name()]);
    assert_eq!(moving::give_names(server.port(), region), Ok(3));
    assert_eq!(
        (sys::loopback_live_rights(), sys::loopback_live_ool_bytes()),
        before,
        "the caller's region left with the request, its rights stayed"
    );

    // Rights that move.
    let rights = vec![mine.make_send().unwrap(), mine.make_send().unwrap()];
    assert_eq!(moving::give_rights(server.port(), rights), Ok(2));
    assert_eq!(
        (sys::loopback_live_rights(), sys::loopback_live_ool_bytes()),
        before
    );

    // Returned rights.
    let got = moving::get_rights(server.port(), 2).unwrap();
    assert_eq!(got.len(), 2);
    drop(got);
    assert_eq!(
        (sys::loopback_live_rights(), sys::loopback_live_ool_bytes()),
        before
    );
    server.stop();
}
