//! A server on the built-in `mig::notify` module receiving the kernel's notifications:
//! no-senders when the last client lets go of a port, dead-name when a port we talk to
//! dies.
//!
//! `cargo run --example notifications`

use mig::sys::{self, mach_port_t};
use mig::{MessageBuffer, ReceiveRight};

// The built-in `notify.defs` subsystem (ids 64 to 72).
use mig::notify;

struct Watcher;

impl notify::Server for Watcher {
    fn do_mach_notify_port_deleted(&self, _: mach_port_t, name: u32) -> mig::Result<()> {
        println!("port-deleted: {name:#x}");
        Ok(())
    }
    fn do_mach_notify_port_destroyed(&self, _: mach_port_t, rights: ReceiveRight) -> mig::Result<()> {
        println!("port-destroyed: got the receive right {:#x} back", rights.name());
        Ok(())
    }
    fn do_mach_notify_no_senders(&self, _: mach_port_t, mscount: u32) -> mig::Result<()> {
        println!("no-senders: every client let go ({mscount} send right(s) were ever made)");
        Ok(())
    }
    fn do_mach_notify_send_once(&self, _: mach_port_t) -> mig::Result<()> {
        println!("send-once: a send-once right died unused");
        Ok(())
    }
    fn do_mach_notify_dead_name(&self, _: mach_port_t, name: u32) -> mig::Result<()> {
        println!("dead-name: the port behind {name:#x} died");
        Ok(())
    }
}

/// Asks the kernel to send `id` notifications about `name` to `to`.
fn request(name: mach_port_t, id: i32, to: &ReceiveRight) -> mig::Result<()> {
    let mut previous = sys::MACH_PORT_NULL;
    // SAFETY: names we hold and an out-pointer to a local.
    mig::Error::check(unsafe {
        sys::mach_port_request_notification(
            sys::mach_task_self(),
            name,
            id,
            0,
            to.name(),
            sys::MACH_MSG_TYPE_MAKE_SEND_ONCE,
            &mut previous,
        )
    })
}

fn main() -> mig::Result<()> {
    let notifications = ReceiveRight::allocate()?;
    let mut request_buffer = MessageBuffer::for_receive(notify::MAX_REQUEST_SIZE);
    let mut reply_buffer = MessageBuffer::with_capacity(notify::MAX_REPLY_SIZE);
    let mut handle_one = || {
        mig::serve_one(
            notifications.name(),
            &notify::Service(Watcher),
            &mut request_buffer,
            &mut reply_buffer,
        )
    };

    // A service port: tell us when its last client goes away.
    let service = ReceiveRight::allocate()?;
    let client = service.make_send()?;
    request(service.name(), sys::MACH_NOTIFY_NO_SENDERS, &notifications)?;
    drop(client);
    handle_one()?;

    // A peer we hold a send right to: tell us when it dies.
    let peer = ReceiveRight::allocate()?;
    let to_peer = peer.make_send()?;
    request(to_peer.name(), sys::MACH_NOTIFY_DEAD_NAME, &notifications)?;
    drop(peer);
    handle_one()?;
    Ok(())
}
