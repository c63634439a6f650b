//! Faults around a call: a dead server, a full queue, a late reply, a reply too large.
//! Each returns an error within its timeout, and the loopback's accounting shows that
//! whatever the call was moving was released, not leaked. (Loopback only: the
//! accounting is the loopback's.)

#![cfg(not(target_vendor = "apple"))]

mod common;

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use common::{Running, accounting, in_new_task};

use mig::sys::{self, mach_port_t};
use mig::{Error, MessageBuffer, OutOfLine, ReceiveRight};

mig::mig! {
    subsystem faults 4800;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>

    /// Apple's stubs clean up after a send timeout only with this statement; ours always
    /// release what the caller moved into the call (see `give`).
    ConsumeOnSendError Timeout;
    waittime 100;
    /// Moves a send right and memory to the server.
    routine give(server: mach_port_t; right: mach_port_move_send_t; data: pointer_t, dealloc; out len: int);
    /// Lends memory: the caller keeps it, whatever happens.
    routine lend(server: mach_port_t; data: pointer_t; out len: int);
    /// `give` without a reply.
    simpleroutine drop_off(server: mach_port_t; right: mach_port_move_send_t; data: pointer_t, dealloc);
    waittime 50;
    /// Answers after the caller has given up.
    routine slow(server: mach_port_t; out n: int);
    nowaittime;
    /// Answers at once.
    routine next(server: mach_port_t; out n: int);
    /// Its handler panics.
    routine explode(server: mach_port_t; right: mach_port_move_send_t; data: pointer_t, dealloc);
    /// Its handler panics too, and there is nobody to answer.
    simpleroutine fizzle(server: mach_port_t; right: mach_port_move_send_t; data: pointer_t, dealloc);
}

/// A right and a region to move into a call.
fn gifts() -> (ReceiveRight, mig::SendRight, OutOfLine<u8>) {
    let port = ReceiveRight::allocate().unwrap();
    let send = port.make_send().unwrap();
    (port, send, OutOfLine::copy_from(&[7u8; 5000]).unwrap())
}

#[test]
fn a_dead_server_gets_invalid_dest_and_the_moved_resources_are_released() {
    in_new_task(|_| {
        let server = ReceiveRight::allocate().unwrap();
        let dest = server.make_send().unwrap();
        drop(server);
        // The thread's reply port exists from here on; a failed send keeps it.
        // SAFETY: asking for this thread's reply port has no precondition.
        let _ = unsafe { sys::mig_get_reply_port() };
        let before = accounting();

        let (port, send, data) = gifts();
        assert_eq!(
            faults::give(dest.name(), send, data),
            Err(Error::MACH_SEND_INVALID_DEST)
        );
        drop(port);
        assert_eq!(accounting(), before, "the moved right and memory were released");

        let (port, send, data) = gifts();
        assert_eq!(
            faults::drop_off(dest.name(), send, data),
            Err(Error::MACH_SEND_INVALID_DEST)
        );
        drop(port);
        assert_eq!(accounting(), before);
    });
}

#[test]
fn a_full_queue_is_a_send_timeout_that_releases_only_what_was_moved() {
    in_new_task(|_| {
        let server = ReceiveRight::allocate().unwrap();
        let dest = server.make_send().unwrap();
        // `mach_port_limits_t`: one integer, the queue limit.
        let mut qlimit: sys::integer_t = 1;
        // SAFETY: our receive right, and an info of one integer.
        let kr = unsafe {
            sys::mach_port_set_attributes(
                sys::mach_task_self(),
                server.name(),
                sys::MACH_PORT_LIMITS_INFO,
                &mut qlimit,
                1,
            )
        };
        assert_eq!(kr, sys::KERN_SUCCESS);
        // Nobody serves the port: one message fills its queue.
        let (gift_port, send, data) = gifts();
        faults::drop_off(dest.name(), send, data).unwrap();
        assert_eq!(sys::loopback_queued_messages(server.name()), Some(1));
        // SAFETY: asking for this thread's reply port has no precondition.
        let _ = unsafe { sys::mig_get_reply_port() };
        let before = accounting();

        let started = Instant::now();
        let (port, send, data) = gifts();
        assert_eq!(
            faults::drop_off(dest.name(), send, data),
            Err(Error::MACH_SEND_TIMED_OUT)
        );
        drop(port);
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(accounting(), before, "a simpleroutine's moved resources");

        let (port, send, data) = gifts();
        assert_eq!(
            faults::give(dest.name(), send, data),
            Err(Error::MACH_SEND_TIMED_OUT)
        );
        drop(port);
        // As Apple's stubs after a send timeout, the reply port was discarded too.
        assert_eq!(
            accounting(),
            (before.0 - 1, before.1),
            "a routine's moved resources"
        );

        // Lent memory stays the caller's: not released, still readable.
        let lent = OutOfLine::copy_from(&[3u8; 5000]).unwrap();
        let before = accounting();
        assert_eq!(
            faults::lend(dest.name(), lent.as_slice()),
            Err(Error::MACH_SEND_TIMED_OUT)
        );
        assert_eq!(accounting().1, before.1);
        assert!(lent.as_slice().iter().all(|&b| b == 3));
        drop(lent);

        // The queued request still holds the first gift until its port goes.
        drop(server);
        drop(gift_port);
        drop(dest);
    });
}

struct Late {
    calls: AtomicI32,
}

impl faults::Server for Late {
    fn give(&self, _: mach_port_t, _: mig::SendRight, data: OutOfLine<u8>) -> mig::Result<i32> {
        Ok(data.as_slice().len() as i32)
    }
    fn lend(&self, _: mach_port_t, data: OutOfLine<u8>) -> mig::Result<i32> {
        Ok(data.as_slice().len() as i32)
    }
    fn drop_off(&self, _: mach_port_t, _: mig::SendRight, _: OutOfLine<u8>) -> mig::Result<()> {
        Ok(())
    }
    fn slow(&self, _: mach_port_t) -> mig::Result<i32> {
        std::thread::sleep(Duration::from_millis(300));
        Ok(100 + self.calls.fetch_add(1, Ordering::SeqCst))
    }
    fn next(&self, _: mach_port_t) -> mig::Result<i32> {
        Ok(self.calls.fetch_add(1, Ordering::SeqCst))
    }
    fn explode(&self, _: mach_port_t, _: mig::SendRight, _: OutOfLine<u8>) -> mig::Result<()> {
        panic!("a handler that panics (expected by the test)");
    }
    fn fizzle(&self, _: mach_port_t, _: mig::SendRight, _: OutOfLine<u8>) -> mig::Result<()> {
        panic!("a handler that panics (expected by the test)");
    }
}

#[test]
fn a_panicking_handler_fails_the_call_and_the_server_goes_on() {
    let server = Running::start(faults::Service(Late {
        calls: AtomicI32::new(0),
    }));
    let (_port, send, data) = gifts();
    assert_eq!(
        faults::explode(server.port(), send, data),
        Err(Error::KERN_FAILURE)
    );
    assert_eq!(faults::next(server.port()), Ok(0), "the loop survived");
    // What the request carried was released: serve one in a task of its own, and count.
    in_new_task(|_| {
        let port = ReceiveRight::allocate().unwrap();
        let dest = port.make_send().unwrap();
        let before = accounting();
        let (gift_port, send, data) = gifts();
        faults::fizzle(dest.name(), send, data).unwrap();
        let service = faults::Service(Late {
            calls: AtomicI32::new(0),
        });
        let mut request = MessageBuffer::for_receive(faults::MAX_REQUEST_SIZE);
        let mut reply = MessageBuffer::with_capacity(faults::MAX_REPLY_SIZE);
        assert_eq!(
            mig::serve_one(port.name(), &service, &mut request, &mut reply),
            Ok(mig::Served::Handled)
        );
        drop(gift_port);
        assert_eq!(accounting(), before);
    });
}

#[test]
fn a_late_reply_is_not_taken_for_the_next_calls() {
    let server = Running::start(faults::Service(Late {
        calls: AtomicI32::new(0),
    }));
    let started = Instant::now();
    assert_eq!(faults::slow(server.port()), Err(Error::MACH_RCV_TIMED_OUT));
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "gave up at the wait time"
    );
    // The server answers `slow` while this call waits; that answer goes to the
    // discarded reply port, and this call gets its own.
    assert_eq!(faults::next(server.port()), Ok(1));
    assert_eq!(faults::next(server.port()), Ok(2));
}

#[test]
fn a_reply_larger_than_any_the_routine_has_is_refused() {
    let port = ReceiveRight::allocate().unwrap();
    let send = port.make_send().unwrap();
    let name = port.name();
    // A rogue server: answers with the right id but 4 KiB more than `next`'s reply.
    let rogue = std::thread::spawn(move || {
        let mut request = MessageBuffer::for_receive(256);
        // SAFETY: a writable buffer of `capacity()` bytes.
        let kr = unsafe {
            sys::mach_msg(
                request.as_mut_ptr(),
                sys::MACH_RCV_MSG,
                0,
                request.capacity() as u32,
                name,
                sys::MACH_MSG_TIMEOUT_NONE,
                sys::MACH_PORT_NULL,
            )
        };
        assert_eq!(kr, sys::MACH_MSG_SUCCESS);
        let asked = *request.header();
        let mut reply = MessageBuffer::with_capacity(4096 + 64);
        let header = reply.header_mut();
        header.msgh_bits = asked.msgh_bits & sys::MACH_MSGH_BITS_REMOTE_MASK;
        header.msgh_size = 4096 + 40;
        header.msgh_remote_port = asked.msgh_remote_port;
        header.msgh_id = asked.msgh_id + 100;
        // SAFETY: the reply buffer holds `msgh_size` bytes.
        unsafe {
            sys::mach_msg(
                reply.as_mut_ptr(),
                sys::MACH_SEND_MSG,
                4096 + 40,
                0,
                sys::MACH_PORT_NULL,
                sys::MACH_MSG_TIMEOUT_NONE,
                sys::MACH_PORT_NULL,
            )
        }
    });
    assert_eq!(faults::next(send.name()), Err(Error::MACH_RCV_TOO_LARGE));
    assert_eq!(rogue.join().unwrap(), sys::MACH_MSG_SUCCESS);
    // The reply port was discarded with the message; the next call works.
    let server = Running::start(faults::Service(Late {
        calls: AtomicI32::new(5),
    }));
    assert_eq!(faults::next(server.port()), Ok(5));
}
