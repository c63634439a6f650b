//! The built-in `mig::notify` subsystem handles the notifications the (loopback) kernel
//! sends: the kernel's messages and the module's layouts agree.

#![cfg(not(target_vendor = "apple"))]

use std::sync::Mutex;

use mig::sys::{self, mach_port_t};
use mig::{MessageBuffer, ReceiveRight};

// The built-in notify.defs subsystem.
use mig::notify;

#[derive(Debug, PartialEq)]
enum Seen {
    Deleted(u32),
    Destroyed,
    NoSenders(u32),
    SendOnce,
    DeadName(u32),
}

#[derive(Default)]
struct Watcher {
    seen: Mutex<Vec<Seen>>,
}

impl notify::Server for Watcher {
    fn do_mach_notify_port_deleted(&self, _: mach_port_t, name: u32) -> mig::Result<()> {
        self.seen.lock().unwrap().push(Seen::Deleted(name));
        Ok(())
    }
    fn do_mach_notify_port_destroyed(&self, _: mach_port_t, rights: ReceiveRight) -> mig::Result<()> {
        drop(rights);
        self.seen.lock().unwrap().push(Seen::Destroyed);
        Ok(())
    }
    fn do_mach_notify_no_senders(&self, _: mach_port_t, mscount: u32) -> mig::Result<()> {
        self.seen.lock().unwrap().push(Seen::NoSenders(mscount));
        Ok(())
    }
    fn do_mach_notify_send_once(&self, _: mach_port_t) -> mig::Result<()> {
        self.seen.lock().unwrap().push(Seen::SendOnce);
        Ok(())
    }
    fn do_mach_notify_dead_name(&self, _: mach_port_t, name: u32) -> mig::Result<()> {
        self.seen.lock().unwrap().push(Seen::DeadName(name));
        Ok(())
    }
}

/// Receives one message on `port` and dispatches it to `watcher`.
fn handle_one(port: &ReceiveRight, watcher: &Watcher) {
    let mut request = MessageBuffer::for_receive(notify::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(notify::MAX_REPLY_SIZE);
    let served = mig::serve_one(port.name(), &notify::Service(watcher), &mut request, &mut reply);
    assert_eq!(served, Ok(mig::Served::Handled));
}

fn request(name: mach_port_t, id: i32, notify_port: &ReceiveRight, sync: u32) {
    let mut previous = 0;
    // SAFETY: valid names and an out-pointer to a local.
    let kr = unsafe {
        sys::mach_port_request_notification(
            sys::mach_task_self(),
            name,
            id,
            sync,
            notify_port.name(),
            sys::MACH_MSG_TYPE_MAKE_SEND_ONCE,
            &mut previous,
        )
    };
    assert_eq!(kr, 0);
}

#[test]
fn kernel_notifications_reach_a_generated_server() {
    let notifications = ReceiveRight::allocate().unwrap();
    let watcher = Watcher::default();

    // No senders: the last send right of a port goes.
    let port = ReceiveRight::allocate().unwrap();
    let send = port.make_send().unwrap();
    request(port.name(), sys::MACH_NOTIFY_NO_SENDERS, &notifications, 0);
    drop(send);
    handle_one(&notifications, &watcher);

    // Dead name: the port behind a send right loses its receive right (here the same
    // name holds both, so the name becomes dead while a reference stays).
    let other = ReceiveRight::allocate().unwrap();
    let other_send = other.make_send().unwrap();
    request(other_send.name(), sys::MACH_NOTIFY_DEAD_NAME, &notifications, 0);
    drop(other);
    handle_one(&notifications, &watcher);

    // Port destroyed: instead of dying, the port's receive right comes to us.
    let doomed = ReceiveRight::allocate().unwrap();
    request(doomed.name(), sys::MACH_NOTIFY_PORT_DESTROYED, &notifications, 0);
    drop(doomed);
    handle_one(&notifications, &watcher);

    // Send once: a send-once right to the notification port, destroyed unused.
    let once = {
        let mut name = 0;
        let mut disposition = 0;
        // SAFETY: out-pointers to locals; we hold the receive right.
        let kr = unsafe {
            sys::mach_port_extract_right(
                sys::mach_task_self(),
                notifications.name(),
                sys::MACH_MSG_TYPE_MAKE_SEND_ONCE,
                &mut name,
                &mut disposition,
            )
        };
        assert_eq!(kr, 0);
        // SAFETY: extract_right gave us this send-once right.
        unsafe { mig::SendOnceRight::from_raw(name) }
    };
    drop(once);
    handle_one(&notifications, &watcher);

    let seen = watcher.seen.lock().unwrap();
    assert_eq!(
        *seen,
        [
            Seen::NoSenders(1),
            Seen::DeadName(other_send.name()),
            Seen::Destroyed,
            Seen::SendOnce
        ]
    );
}
