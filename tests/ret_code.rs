//! A simpleroutine's `RetCode` argument (the "reply simpleroutine" pattern) over the
//! loopback kernel, on the wire as Apple's MIG puts it: left out of a complex request,
//! whose code can then only be 0 (any other code travels alone, shaped like a
//! `mig_reply_error_t` with the request's id, as `migcom.tproj/user.c` writes the stub
//! when `rtRetCArg` is set and the request is not simple), and sent like any 32-bit
//! argument in a simple request. A server takes both shapes, as Apple's does
//! (`migcom.tproj/server.c`: `WriteRetCArgCheckError`, `WriteConditionalCallArg`): the
//! code alone reaches the handler with every other argument zero.

#![cfg(not(target_vendor = "apple"))]

mod common;

use std::sync::Mutex;

use common::Running;
use mig::sys::{self, mach_port_t};
use mig::{MessageBuffer, OutOfLine, ReceiveRight};

mig::mig! {
    subsystem answers 4000;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>
    /// Complex: `kr` is not in the request.
    simpleroutine x_reply(rp: mach_port_t; kr: kern_return_t, RetCode; data: pointer_t);
    /// Simple: `kr` is in the request.
    simpleroutine y_reply(rp: mach_port_t; kr: kern_return_t, RetCode; v: int);
    type boxed_int = ^int;
    /// Complex, with a right, inline data and a value out of line after the code: what
    /// the handler gets for each when the code comes alone.
    simpleroutine z_reply(rp: mach_port_t; kr: kern_return_t, RetCode;
        right: mach_port_move_send_t; v: int; b: boxed_int; data: pointer_t);
}

/// What the handlers were given, in order.
#[derive(Debug, PartialEq)]
enum Seen {
    X(i32, Vec<u8>),
    Y(i32, i32),
    /// The code, the right's name, `v`, `b` and the data.
    Z(i32, mach_port_t, i32, i32, Vec<u8>),
}

static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

struct Answers;

impl answers::Server for Answers {
    fn x_reply(&self, _: mach_port_t, kr: i32, data: OutOfLine<u8>) -> mig::Result<()> {
        SEEN.lock().unwrap().push(Seen::X(kr, data.to_vec()));
        Ok(())
    }
    fn y_reply(&self, _: mach_port_t, kr: i32, v: i32) -> mig::Result<()> {
        SEEN.lock().unwrap().push(Seen::Y(kr, v));
        Ok(())
    }
    fn z_reply(
        &self,
        _: mach_port_t,
        kr: i32,
        right: mig::SendRight,
        v: i32,
        b: i32,
        data: OutOfLine<u8>,
    ) -> mig::Result<()> {
        SEEN.lock()
            .unwrap()
            .push(Seen::Z(kr, right.name(), v, b, data.to_vec()));
        Ok(())
    }
}

/// The request as it arrives on a port nobody serves: size, complex bit, id, and the
/// 32-bit words after the header.
fn sent(send: impl FnOnce(mach_port_t) -> mig::Result<()>) -> (u32, bool, i32, Vec<u32>) {
    let port = ReceiveRight::allocate().unwrap();
    let right = port.make_send().unwrap();
    send(right.name()).unwrap();
    let mut buffer = MessageBuffer::for_receive(256);
    assert_eq!(
        buffer.receive(port.name(), sys::MACH_RCV_TIMEOUT, 0),
        sys::MACH_MSG_SUCCESS
    );
    let head = *buffer.header();
    let words = buffer.bytes()[24..head.msgh_size as usize]
        .chunks(4)
        .map(|w| u32::from_ne_bytes(w.try_into().unwrap()))
        .collect();
    // SAFETY: a message just received into the buffer, destroyed once (its region).
    unsafe { sys::mach_msg_destroy(buffer.as_mut_ptr()) };
    (
        head.msgh_size,
        head.msgh_bits & sys::MACH_MSGH_BITS_COMPLEX != 0,
        head.msgh_id,
        words,
    )
}

#[test]
fn a_complex_request_carries_no_ret_code_and_a_simple_one_does() {
    let _turn = common::one_at_a_time();
    // Header 24, body 4, out-of-line descriptor 16, NDR 8, dataCnt 4: no `kr`.
    let (size, complex, id, words) = sent(|p| answers::x_reply(p, 0, b"hello"));
    assert_eq!((size, complex, id), (56, true, 4000));
    // Body count, descriptor (4 words), NDR (2 words), then at once dataCnt.
    assert_eq!(words.len(), 8);
    assert_eq!(words[7], 5, "dataCnt follows the NDR at once");
    // A nonzero code: only the code travels, as a 36-byte simple message with the
    // request's id (header, NDR, RetCode).
    let (size, complex, id, words) = sent(|p| answers::x_reply(p, 17, b"hello"));
    assert_eq!((size, complex, id), (36, false, 4000));
    assert_eq!(words[2], 17);
    // Simple: header 24, NDR 8, kr 4, v 4.
    let (size, complex, id, words) = sent(|p| answers::y_reply(p, 17, 3));
    assert_eq!((size, complex, id), (40, false, 4001));
    assert_eq!(&words[2..], &[17, 3]);
}

#[test]
fn ret_code_round_trips_through_a_server() {
    let _turn = common::one_at_a_time();
    let before = sys::loopback_live_ool_bytes();
    let server = Running::start(answers::Service(Answers));
    answers::x_reply(server.port(), 0, b"hello").unwrap();
    answers::y_reply(server.port(), 17, 3).unwrap();
    // Nothing comes back from a simpleroutine: wait for the handlers.
    let started = std::time::Instant::now();
    while SEEN.lock().unwrap().len() < 2 && started.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    server.stop();
    assert_eq!(
        *SEEN.lock().unwrap(),
        [Seen::X(0, b"hello".to_vec()), Seen::Y(17, 3)]
    );
    assert_eq!(
        sys::loopback_live_ool_bytes(),
        before,
        "the received region was freed"
    );
}

/// Waits until the handlers have seen `n` requests (a simpleroutine sends nothing back).
fn wait_for(n: usize) {
    let started = std::time::Instant::now();
    while SEEN.lock().unwrap().len() < n && started.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn a_server_takes_a_code_sent_alone_as_apples_does() {
    let _turn = common::one_at_a_time();
    SEEN.lock().unwrap().clear();
    let (rights, bytes) = (sys::loopback_live_rights(), sys::loopback_live_ool_bytes());
    let server = Running::start(answers::Service(Answers));
    let port = ReceiveRight::allocate().unwrap();
    // Both shapes of one routine: the complex request (code 0), then the code alone,
    // which Apple's server hands to the handler with every other argument zero.
    answers::x_reply(server.port(), 0, b"hello").unwrap();
    answers::x_reply(server.port(), 17, b"hello").unwrap();
    answers::z_reply(server.port(), 0, port.make_send().unwrap(), 3, &4, b"hi").unwrap();
    answers::z_reply(server.port(), 5, port.make_send().unwrap(), 3, &4, b"hi").unwrap();
    wait_for(4);
    server.stop();
    let seen = std::mem::take(&mut *SEEN.lock().unwrap());
    assert_eq!(
        seen[..2],
        [Seen::X(0, b"hello".to_vec()), Seen::X(17, Vec::new())]
    );
    assert!(
        matches!(seen[2], Seen::Z(0, name, 3, 4, ref data) if name != sys::MACH_PORT_NULL && data == b"hi")
    );
    assert_eq!(seen[3], Seen::Z(5, sys::MACH_PORT_NULL, 0, 0, Vec::new()));
    drop(port);
    // The right and regions of the complex requests were released by their handlers'
    // values, and the code-only ones carried none (the client released what it held).
    assert_eq!(sys::loopback_live_rights(), rights, "no right leaked");
    assert_eq!(sys::loopback_live_ool_bytes(), bytes, "no region leaked");
}
