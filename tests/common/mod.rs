//! What the integration tests share: a server on its own thread.

// Each test crate uses a part of it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use mig::sys::{self, mach_port_t};
use mig::{ReceiveRight, SendRight};

/// A server on its own thread, serving a fresh port; dropping it (or [`Running::stop`])
/// stops the loop with a [`mig::Shutdown`] and joins the thread, whose receive right
/// then goes away with the port.
pub struct Running {
    send: SendRight,
    shutdown: Arc<mig::Shutdown>,
    thread: Option<thread::JoinHandle<mig::Result<()>>>,
}

impl Running {
    /// Serves `demux` on a new port.
    pub fn start<D: mig::Demux + Send + Sync + 'static>(demux: D) -> Running {
        let receive = ReceiveRight::allocate().unwrap();
        let send = receive.make_send().unwrap();
        let shutdown = Arc::new(mig::Shutdown::new(receive.make_send().unwrap()));
        let stop = Arc::clone(&shutdown);
        // The thread owns the receive right: the port dies when the loop returns.
        let thread = thread::spawn(move || mig::serve_until(receive.name(), &demux, &stop));
        Running {
            send,
            shutdown,
            thread: Some(thread),
        }
    }

    /// A send right to the server's port (the client's view).
    pub fn port(&self) -> mach_port_t {
        self.send.name()
    }

    /// That send right, borrowed: for a client handle (`foo::Client::new(server.right())`).
    pub fn right(&self) -> &SendRight {
        &self.send
    }

    /// Another reference to that send right, to outlive the server.
    pub fn send_right(&self) -> SendRight {
        self.send.clone()
    }

    /// Stops the server and waits for its loop to end (and its port to die).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.shutdown.request().unwrap();
            thread.join().unwrap().unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A turn alone among the tests of one test crate that take turns: a test that counts
/// the process's live rights or memory holds it, and so does every test of its crate
/// that allocates, since tests run in parallel threads of one process.
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    // A failed test poisons the lock; the others still run.
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sends the message in `message` (its first `msgh_size` bytes) through the kernel and
/// receives it back into `message`, as a server would receive it: the only safe way to
/// give a buffer the proof of a receive that `dispatch` asks for. What the kernel
/// refuses to carry comes back as its error code.
pub fn deliver(message: &mut mig::MessageBuffer) -> Result<(), sys::mach_msg_return_t> {
    let port = ReceiveRight::allocate().unwrap();
    let size = message.header().msgh_size;
    let head = message.header_mut();
    head.msgh_remote_port = port.name();
    head.msgh_bits = (head.msgh_bits & !0x1f) | sys::MACH_MSG_TYPE_MAKE_SEND;
    // SAFETY: the buffer holds `size` bytes of a message the caller built; the kernel
    // checks everything in it, as for any sender's.
    let sent = unsafe {
        sys::mach_msg(
            message.as_mut_ptr(),
            sys::MACH_SEND_MSG | sys::MACH_SEND_TIMEOUT,
            size,
            0,
            sys::MACH_PORT_NULL,
            0,
            sys::MACH_PORT_NULL,
        )
    };
    if sent != sys::MACH_MSG_SUCCESS {
        return Err(sent);
    }
    match message.receive(port.name(), sys::MACH_RCV_TIMEOUT, 0) {
        sys::MACH_MSG_SUCCESS => Ok(()),
        code => Err(code),
    }
}

/// Runs `f` in a new task (a name space of its own), so that the accounting it reads is
/// its own: tests run in parallel threads of one process. `f` gets the task's name, for
/// threads that join it.
#[cfg(not(target_vendor = "apple"))]
pub fn in_new_task<R>(f: impl FnOnce(mach_port_t) -> R) -> R {
    let task = sys::loopback_task_create();
    assert_ne!(task, sys::MACH_PORT_NULL);
    let result = sys::loopback_with_task(task, || f(task));
    assert_eq!(sys::loopback_task_terminate(task), sys::KERN_SUCCESS);
    // SAFETY: our send right to the (now dead) task port.
    unsafe { sys::mach_port_deallocate(sys::mach_task_self(), task) };
    result
}

/// Live rights and out-of-line bytes in the current space.
#[cfg(not(target_vendor = "apple"))]
pub fn accounting() -> (usize, usize) {
    (sys::loopback_live_rights(), sys::loopback_live_ool_bytes())
}

/// A port whose queue holds one message and is full (queue limit 1), and a send right to
/// it: a send to it with a timeout times out.
#[cfg(not(target_vendor = "apple"))]
pub fn full_queue() -> (ReceiveRight, SendRight) {
    let port = port_with_queue_limit(1);
    let send = port.make_send().unwrap();
    let mut head = sys::mach_msg_header_t {
        msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, 0),
        msgh_size: 0,
        msgh_remote_port: send.name(),
        msgh_local_port: sys::MACH_PORT_NULL,
        msgh_voucher_port: sys::MACH_PORT_NULL,
        msgh_id: 1,
    };
    // SAFETY: a complete header-only message.
    let sent = unsafe {
        sys::mach_msg(
            &mut head,
            sys::MACH_SEND_MSG,
            core::mem::size_of::<sys::mach_msg_header_t>() as u32,
            0,
            sys::MACH_PORT_NULL,
            0,
            sys::MACH_PORT_NULL,
        )
    };
    assert_eq!(sent, sys::MACH_MSG_SUCCESS);
    (port, send)
}

/// A new port whose queue holds at most `limit` messages.
#[cfg(not(target_vendor = "apple"))]
pub fn port_with_queue_limit(limit: sys::integer_t) -> ReceiveRight {
    let port = ReceiveRight::allocate().unwrap();
    // `mach_port_limits_t`: one integer, the queue limit.
    let mut qlimit = limit;
    // SAFETY: our receive right, and an info of one integer.
    let kr = unsafe {
        sys::mach_port_set_attributes(
            sys::mach_task_self(),
            port.name(),
            sys::MACH_PORT_LIMITS_INFO,
            &mut qlimit,
            1,
        )
    };
    assert_eq!(kr, sys::KERN_SUCCESS);
    port
}
