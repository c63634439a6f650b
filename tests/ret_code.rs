//! A simpleroutine's `RetCode` argument (the "reply simpleroutine" pattern) over the
//! loopback kernel, on the wire as Apple's MIG puts it: left out of a complex request,
//! whose code can then only be 0 (any other code travels alone, shaped like a
//! `mig_reply_error_t` with the request's id, as `migcom.tproj/user.c` writes the stub
//! when `rtRetCArg` is set and the request is not simple), and sent like any 32-bit
//! argument in a simple request.

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
}

/// What the handlers were given, in order.
#[derive(Debug, PartialEq)]
enum Seen {
    X(i32, Vec<u8>),
    Y(i32, i32),
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
