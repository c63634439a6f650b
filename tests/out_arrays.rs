//! Variable `out` arrays written in place: the handler writes them through a
//! `mig::OutArray` straight into the reply (a later array moved down when an earlier one
//! is not full), and the client copies them into the caller's `InlineArray`. Only what
//! the handler wrote is sent, and a handler that fails sends none of it.

mod common;

use common::Running;
use mig::sys::mach_port_t;
use mig::{Error, InlineArray, MessageBuffer, OutArray};

mig::mig! {
    subsystem written 9600;
    #include <mach/std_types.defs>
    type ints_t = array[*:8] of int;
    type wide_t = array[*:4] of int64_t;
    /// `n` ints in `a`, `m` 64-bit values in `b` (at 4-byte offsets when `a` is odd), and
    /// `c` after both; `how` picks a failure after the arrays are written.
    routine two(server: mach_port_t; n: int; m: int; how: int;
        out a: ints_t; out b: wide_t; out c: int);
    /// A handler that holds the reply port answers through `later::reply`, its array an
    /// `InlineArray` in `ServerOutput`.
    routine later(server: mach_port_t; sreplyport reply: mach_port_make_send_once_t; n: int;
        out a: ints_t; out c: int);
}

/// What `how` asks of the handler.
const SUCCEED: i32 = 0;
const FAIL: i32 = 1;
const PANIC: i32 = 2;
const OVERFILL: i32 = 3;

struct Writer;

impl written::Server for Writer {
    fn two(
        &self,
        _: mach_port_t,
        n: i32,
        m: i32,
        how: i32,
        a: &mut OutArray<'_, i32>,
        b: &mut OutArray<'_, i64>,
    ) -> mig::Result<i32> {
        assert_eq!((a.len(), a.capacity(), b.len(), b.capacity()), (0, 8, 0, 4));
        for i in 0..n {
            a.push(100 + i)?;
        }
        for i in 0..m {
            b.push((1 << 40) + i64::from(i))?;
        }
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            (0..n).map(|i| 100 + i).collect::<Vec<_>>()
        );
        match how {
            FAIL => Err(Error::KERN_INVALID_VALUE),
            PANIC => panic!("a handler that panics after writing its arrays"),
            OVERFILL => {
                a.extend_from_slice(&[0; 9])?;
                Ok(0)
            }
            _ => Ok(n * 10 + m),
        }
    }
    fn later(&self, _: mach_port_t, reply: mig::SendOnceRight, n: i32) -> mig::Result<()> {
        let a = InlineArray::from_slice(&(0..n).map(|i| 200 + i).collect::<Vec<_>>());
        written::later::reply(reply, a.map(|a| written::later::ServerOutput { a, c: -n }))
    }
}

#[test]
fn a_deferred_reply_carries_its_array() {
    let server = Running::start(written::Service(Writer));
    let client = written::Client::new(server.right());
    let mut a = InlineArray::from_slice(&[7]).unwrap();
    for n in [0, 3, 8] {
        assert_eq!(client.later(n, &mut a), Ok(-n));
        assert_eq!(a.as_slice(), (0..n).map(|i| 200 + i).collect::<Vec<_>>());
    }
    // Past the maximum: the handler's error is the answer; the caller's array is kept.
    assert_eq!(client.later(9, &mut a), Err(Error::MIG_ARRAY_TOO_LARGE));
    assert_eq!(a.len(), 8);
}

#[test]
fn arrays_written_in_place_round_trip() {
    let server = Running::start(written::Service(Writer));
    let (mut a, mut b) = (InlineArray::new(), InlineArray::new());
    for (n, m) in [(0, 0), (1, 1), (3, 4), (8, 0), (0, 4), (8, 4), (5, 2)] {
        let c = written::Client::new(server.right())
            .two(n, m, SUCCEED, &mut a, &mut b)
            .unwrap();
        assert_eq!(c, n * 10 + m);
        assert_eq!(a.as_slice(), (0..n).map(|i| 100 + i).collect::<Vec<_>>());
        assert_eq!(
            b.as_slice(),
            (0..m).map(|i| (1 << 40) + i64::from(i)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_failing_handler_sends_nothing_it_wrote_and_leaves_the_callers_arrays() {
    let server = Running::start(written::Service(Writer));
    let client = written::Client::new(server.right());
    let mut a = InlineArray::from_slice(&[7]).unwrap();
    let mut b = InlineArray::from_slice(&[9]).unwrap();
    for (how, error) in [
        (FAIL, Error::KERN_INVALID_VALUE),
        (PANIC, Error::KERN_FAILURE),
        (OVERFILL, Error::MIG_ARRAY_TOO_LARGE),
    ] {
        assert_eq!(client.two(3, 2, how, &mut a, &mut b), Err(error));
        assert_eq!((a.as_slice(), b.as_slice()), (&[7][..], &[9][..]));
    }
    // Past the maximum, on the client's side: before anything is sent.
    assert_eq!(
        client.two(9, 0, SUCCEED, &mut a, &mut b),
        Err(Error::MIG_ARRAY_TOO_LARGE)
    );
    assert_eq!(
        client.two(0, 5, SUCCEED, &mut a, &mut b),
        Err(Error::MIG_ARRAY_TOO_LARGE)
    );
    assert_eq!((a.as_slice(), b.as_slice()), (&[7][..], &[9][..]));
}

/// A `two` request as a client sends it, delivered through the kernel.
fn request(n: i32, m: i32, how: i32) -> MessageBuffer {
    let mut buffer = MessageBuffer::for_receive(written::MAX_REQUEST_SIZE);
    buffer.write(written::two::Request {
        Head: mig::sys::mach_msg_header_t {
            msgh_size: size_of::<written::two::Request>() as u32,
            msgh_id: written::two::ID,
            ..Default::default()
        },
        NDR: mig::__private::NDR,
        n,
        m,
        how,
    });
    common::deliver(&mut buffer).unwrap();
    buffer
}

#[test]
fn replies_carry_only_what_was_written() {
    // One reply buffer for every request, as a server loop keeps it: what a full reply
    // left in it must never travel with a shorter one.
    let mut reply = MessageBuffer::with_capacity(written::MAX_REPLY_SIZE);
    for (n, m) in [(8, 4), (1, 1), (8, 4), (0, 0), (3, 2)] {
        assert!(written::dispatch(
            &Writer,
            &mut request(n, m, SUCCEED),
            &mut reply
        ));
        let bytes = reply.bytes();
        // Header, NDR, RetCode, aCnt, a, bCnt, b, c: packed as Apple's MIG packs them.
        let (n, m) = (n as usize, m as usize);
        let size = 24 + 8 + 4 + 4 + 4 * n + 4 + 8 * m + 4;
        assert_eq!(bytes.len(), size, "n {n}, m {m}");
        let word = |at: usize| i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        assert_eq!((word(32), word(36)), (0, n as i32));
        for i in 0..n {
            assert_eq!(word(40 + 4 * i), 100 + i as i32);
        }
        let b = 40 + 4 * n;
        assert_eq!(word(b), m as i32);
        for i in 0..m {
            let at = b + 4 + 8 * i;
            let value = i64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
            assert_eq!(value, (1 << 40) + i as i64);
        }
        assert_eq!(word(size - 4), (n * 10 + m) as i32);
    }
    // A handler that fails after writing both arrays: MIG's 36-byte error reply.
    for (how, error) in [(FAIL, Error::KERN_INVALID_VALUE), (PANIC, Error::KERN_FAILURE)] {
        assert!(written::dispatch(&Writer, &mut request(5, 3, how), &mut reply));
        assert_eq!(reply.bytes().len(), 36);
        assert_eq!(&reply.bytes()[32..36], &error.code().to_le_bytes());
    }
}

#[test]
fn a_reply_buffer_too_small_grows_keeping_its_header() {
    // A loop whose reply buffer holds only a header: the arrays' slots are made in a
    // grown buffer, which the reply then goes out of.
    let mut reply = MessageBuffer::with_capacity(0);
    let mut request = request(2, 1, SUCCEED);
    assert!(written::dispatch(&Writer, &mut request, &mut reply));
    let head = *reply.header();
    assert_eq!(
        (head.msgh_id, head.msgh_size),
        (written::two::ID + 100, 24 + 8 + 4 + 4 + 8 + 4 + 8 + 4)
    );
    assert_eq!(&reply.bytes()[40..44], &100i32.to_le_bytes());
}
