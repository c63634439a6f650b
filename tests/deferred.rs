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
    waittime 0;
    /// `echo`, giving up at once when the server's queue is full.
    routine echo_now(server: mach_port_t; ureplyport reply: mach_port_make_send_once_t;
        x: int; out y: int);
    /// A one-way message naming the client's port, given up at once too.
    simpleroutine note_now(server: mach_port_t; ureplyport reply: mach_port_make_send_once_t;
        x: int);
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
    fn echo_now(&self, _: mach_port_t, x: i32) -> mig::Result<i32> {
        Ok(x)
    }
    fn note_now(&self, _: mach_port_t, _: i32) -> mig::Result<()> {
        Ok(())
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

#[cfg(not(target_vendor = "apple"))]
mod timed_out_on_own_port {
    //! A request naming the client's own port (`MAKE_SEND_ONCE`) whose send times out.
    //! XNU hands it back (`mach_msg_receive_pseudo`, `osfmk/ipc/mach_msg.c`) with the
    //! send-once right named anew in the client's space as `PORT_SEND_ONCE`
    //! (`ipc_kmsg_copyout_pseudo` and `ipc_kmsg_copyout_port`, `osfmk/ipc/ipc_kmsg.c`);
    //! the loopback does the same with `loopback_pseudo_receive_timeouts`.

    use super::*;
    use common::full_queue;
    use mig::sys;

    /// Both stubs time out against a full queue, pseudo-received as on XNU.
    fn time_out_twice(mine: mach_port_t) {
        let (full, to_full) = full_queue();
        sys::loopback_pseudo_receive_timeouts(Some(0));
        let call = later::echo_now(to_full.name(), mine, 1);
        let note = later::note_now(to_full.name(), mine, 2);
        sys::loopback_pseudo_receive_timeouts(None);
        assert_eq!(
            (call, note),
            (Err(Error::MACH_SEND_TIMED_OUT), Err(Error::MACH_SEND_TIMED_OUT))
        );
        drop((full, to_full));
    }

    /// The send-once rights handed back are released, and the notifications their
    /// release sends to the client's port do not wait there for its next call, which
    /// gets its own reply, not `MIG_SERVER_DIED`.
    #[test]
    fn a_call_after_a_timed_out_one_on_the_same_port_gets_its_own_reply() {
        let server = Running::start(later::Service(Later {
            work: Mutex::new(mpsc::channel().0),
        }));
        let mine = ReceiveRight::allocate().unwrap();
        time_out_twice(mine.name());
        assert_eq!(sys::loopback_queued_messages(mine.name()), Some(0));
        assert_eq!(later::echo(server.port(), mine.name(), 5), Ok(5));
        assert_eq!(later::echo(server.port(), mine.name(), 6), Ok(6));
    }

    /// No right is left behind: not the handed-back send-once rights, not the
    /// notifications their release sent (counted in a task of the test's own).
    #[test]
    fn a_timed_out_call_on_the_callers_port_leaks_no_right() {
        let task = sys::loopback_task_create();
        sys::loopback_with_task(task, || {
            let mine = ReceiveRight::allocate().unwrap();
            let before = sys::loopback_live_rights();
            time_out_twice(mine.name());
            assert_eq!(sys::loopback_live_rights(), before);
            assert_eq!(sys::loopback_queued_messages(mine.name()), Some(0));
        });
        assert_eq!(sys::loopback_task_terminate(task), sys::KERN_SUCCESS);
        // SAFETY: our send right to the (now dead) task port.
        unsafe { sys::mach_port_deallocate(sys::mach_task_self(), task) };
    }
}
