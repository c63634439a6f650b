//! Reply ports as arguments: a server that answers later, from another thread
//! (`sreplyport`), and a client that brings its own reply port (`ureplyport`).

mod common;

use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;

use common::Running;
use mig::sys::mach_port_t;
use mig::{Error, ReceiveRight, SendOnceRight};

mig::mig! {
    subsystem later 12000;
    #include <mach/mach_types.defs>
    /// The handler gets the reply port and answers when the work is done.
    routine slow_square(server: mach_port_t; sreplyport reply: mach_port_make_send_once_t;
        x: int; out y: int);
    /// The client names its own reply port.
    routine echo(server: mach_port_t; ureplyport reply: mach_port_make_send_once_t;
        x: int; out y: int);
}

struct Later {
    work: Mutex<mpsc::Sender<(SendOnceRight, i32)>>,
}

impl later::Server for Later {
    fn slow_square(&self, _: mach_port_t, reply: SendOnceRight, x: i32) -> mig::Result<()> {
        if x < 0 {
            // Answer at once, with an error.
            return later::slow_square::reply(reply, Err(Error::KERN_INVALID_ARGUMENT));
        }
        self.work.lock().unwrap().send((reply, x)).unwrap();
        Ok(())
    }
    fn echo(&self, _: mach_port_t, x: i32) -> mig::Result<i32> {
        Ok(x)
    }
}

#[test]
fn a_handler_can_answer_from_another_thread() {
    let (tx, rx) = mpsc::channel::<(SendOnceRight, i32)>();
    let worker = thread::spawn(move || {
        for (reply, x) in rx {
            later::slow_square::reply(reply, x.checked_mul(x).ok_or(Error::KERN_INVALID_ARGUMENT)).unwrap();
        }
    });
    let server = Running::start(later::Service(Later { work: Mutex::new(tx) }));
    assert_eq!(later::slow_square(server.port(), 7), Ok(49));
    assert_eq!(
        later::slow_square(server.port(), -1),
        Err(Error::KERN_INVALID_ARGUMENT)
    );
    assert_eq!(
        later::slow_square(server.port(), i32::MAX),
        Err(Error::KERN_INVALID_ARGUMENT)
    );
    drop(server); // ends the loop, drops the handler and its sender: the worker ends
    worker.join().unwrap();
}

#[test]
fn a_client_can_bring_its_own_reply_port() {
    let server = Running::start(later::Service(Later {
        work: Mutex::new(mpsc::channel().0),
    }));
    let mine = ReceiveRight::allocate().unwrap();
    assert_eq!(later::echo(server.port(), mine.name(), 5), Ok(5));
    assert_eq!(later::echo(server.port(), mine.name(), 6), Ok(6));
    // Nothing is left waiting on it (the loopback can count send-once rights).
    #[cfg(not(target_vendor = "apple"))]
    {
        let mut refs = 0;
        // SAFETY: an out-pointer to a local.
        unsafe {
            mig::sys::mach_port_get_refs(
                mig::sys::mach_task_self(),
                mine.name(),
                mig::sys::MACH_PORT_RIGHT_SEND_ONCE,
                &mut refs,
            )
        };
        assert_eq!(refs, 0);
    }
}
