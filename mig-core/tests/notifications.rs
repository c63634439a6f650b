//! Notifications (`mach/notify.h`, `mach_port_request_notification`),
//! checked against XNU: message ids, wire layouts, header bits, and when
//! each notification fires.
//!
//! Tests run in parallel in one space, so each only looks at names it made.

// The loopback kernel exists only off Apple platforms (on macOS `sys` is the real kernel).
#![cfg(not(target_vendor = "apple"))]

use std::ptr;

use mig_core::sys::*;

mod common;

use common::*;

/// `mach_port_request_notification` with a MAKE_SEND_ONCE of `notify`.
fn request(name: mach_port_t, id: i32, sync: u32, notify: mach_port_t) -> Result<mach_port_t, kern_return_t> {
    let mut previous = 0xdead;
    let kr = unsafe {
        mach_port_request_notification(
            task(),
            name,
            id,
            sync,
            notify,
            MACH_MSG_TYPE_MAKE_SEND_ONCE,
            &mut previous,
        )
    };
    match kr {
        KERN_SUCCESS => Ok(previous),
        e => Err(e),
    }
}

fn queue_empty(port: mach_port_t) -> bool {
    loopback_queued_messages(port) == Some(0)
}

/// Receives a notification on `port` and checks what XNU sends for every
/// notification: the id, the size without trailer, a send-once arrival
/// (bits `MACH_MSGH_BITS(0, PORT_SEND_ONCE)`, complex for port-destroyed),
/// remote null and local the notify port; then the NDR record if any.
fn notification(port: mach_port_t, id: i32, size: u32) -> Box<Buf> {
    let buf = recv_now(port);
    let h = buf.header();
    assert_eq!(h.msgh_id, id);
    assert_eq!(h.msgh_size, size);
    let complex = if id == MACH_NOTIFY_PORT_DESTROYED {
        MACH_MSGH_BITS_COMPLEX
    } else {
        0
    };
    assert_eq!(
        h.msgh_bits,
        MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE) | complex
    );
    assert_eq!((h.msgh_remote_port, h.msgh_local_port), (MACH_PORT_NULL, port));
    if size == 36 {
        assert_eq!(&buf.0[24..32], &[0, 0, 0, 0, 1, 0, 0, 0], "NDR_record");
    }
    buf
}

/// Sends a simple message to `dest` with the given header disposition.
fn send(dest: mach_port_t, disposition: u32) -> kern_return_t {
    let mut header = mach_msg_header_t {
        msgh_bits: MACH_MSGH_BITS(disposition, 0),
        msgh_size: 24,
        msgh_remote_port: dest,
        msgh_id: 1000,
        ..Default::default()
    };
    unsafe { mach_msg(&mut header, MACH_SEND_MSG, 24, 0, 0, 0, 0) }
}

// ------------------------------------------------------------------ layouts

/// XNU's notify.h: ids from MACH_NOTIFY_FIRST (64), and the message sizes
/// without the trailer: deleted 36, destroyed 40 (complex, one port
/// descriptor), no-senders 36, send-once 24 (bare header), dead-name 36.
#[test]
fn notification_ids_and_layouts_match_xnu() {
    assert_eq!(
        (
            MACH_NOTIFY_FIRST,
            MACH_NOTIFY_PORT_DELETED,
            MACH_NOTIFY_SEND_POSSIBLE,
            MACH_NOTIFY_PORT_DESTROYED,
            MACH_NOTIFY_NO_SENDERS,
            MACH_NOTIFY_SEND_ONCE,
            MACH_NOTIFY_DEAD_NAME
        ),
        (64, 65, 66, 69, 70, 71, 72)
    );
    let trailer = size_of::<mach_msg_security_trailer_t>();
    assert_eq!(size_of::<mach_port_deleted_notification_t>() - trailer, 36);
    assert_eq!(size_of::<mach_port_destroyed_notification_t>() - trailer, 40);
    assert_eq!(size_of::<mach_no_senders_notification_t>() - trailer, 36);
    assert_eq!(size_of::<mach_send_once_notification_t>() - trailer, 24);
    assert_eq!(size_of::<mach_dead_name_notification_t>() - trailer, 36);
    assert_eq!(std::mem::offset_of!(mach_dead_name_notification_t, not_port), 32);
    assert_eq!(
        std::mem::offset_of!(mach_no_senders_notification_t, not_count),
        32
    );
    assert_eq!(
        std::mem::offset_of!(mach_port_destroyed_notification_t, not_port),
        28
    );
    let _: unsafe extern "C" fn(
        ipc_space_t,
        mach_port_name_t,
        mach_msg_id_t,
        mach_port_mscount_t,
        mach_port_t,
        mach_msg_type_name_t,
        *mut mach_port_t,
    ) -> kern_return_t = mach_port_request_notification;
}

// ------------------------------------------------------------------ dead name

/// A dead-name request on a send-once right fires when the port dies: the
/// name becomes a dead name holding one more user reference (the one the
/// notification carries), and the notify port gets MACH_NOTIFY_DEAD_NAME
/// (72, 36 bytes) naming it.
#[test]
fn dead_name_notification_when_the_port_dies() {
    let (port, notify) = (new_port(), new_port());
    let so = make_send_once(port);
    assert_eq!(request(so, MACH_NOTIFY_DEAD_NAME, 0, notify), Ok(MACH_PORT_NULL));
    assert!(queue_empty(notify), "nothing fires while the port lives");
    destroy(port);
    assert_eq!(type_of(so), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(so, MACH_PORT_RIGHT_DEAD_NAME), 2);
    let note = notification(notify, MACH_NOTIFY_DEAD_NAME, 36);
    assert_eq!(note.u32_at(32), so);
    assert!(queue_empty(notify));
    // The receiver drops the notification's reference and its own.
    unsafe {
        mach_port_deallocate(task(), so);
        mach_port_deallocate(task(), so);
    }
    assert_eq!(type_of(so), Err(KERN_INVALID_NAME));
    destroy(notify);
}

/// On a name holding receive and send rights, destroying the receive right
/// kills the port: the send rights become a dead name (plus the
/// notification's reference) and the dead-name notification fires, as in
/// XNU's ipc_right_delta.
#[test]
fn dead_name_request_on_a_send_receive_name() {
    let (port, notify) = (new_port(), new_port());
    make_send(port);
    assert_eq!(
        request(port, MACH_NOTIFY_DEAD_NAME, 0, notify),
        Ok(MACH_PORT_NULL)
    );
    assert_eq!(
        unsafe { mach_port_mod_refs(task(), port, MACH_PORT_RIGHT_RECEIVE, -1) },
        KERN_SUCCESS
    );
    assert_eq!(type_of(port), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(port, MACH_PORT_RIGHT_DEAD_NAME), 2);
    assert_eq!(notification(notify, MACH_NOTIFY_DEAD_NAME, 36).u32_at(32), port);
    destroy(port);
    destroy(notify);
}

/// On a name that is already dead, a request with `sync` != 0 fires at once
/// (adding a user reference); without it XNU answers KERN_INVALID_ARGUMENT.
/// Other misuse: NULL name (INVALID_ARGUMENT), unknown name (INVALID_NAME),
/// port set (INVALID_RIGHT).
#[test]
fn dead_name_request_on_a_dead_name_and_errors() {
    let notify = new_port();
    let mut dead = 0;
    assert_eq!(
        unsafe { mach_port_allocate(task(), MACH_PORT_RIGHT_DEAD_NAME, &mut dead) },
        KERN_SUCCESS
    );
    assert_eq!(
        request(dead, MACH_NOTIFY_DEAD_NAME, 0, notify),
        Err(KERN_INVALID_ARGUMENT)
    );
    // A failed request destroys the send-once right it took, whose
    // MACH_NOTIFY_SEND_ONCE then reaches the notify port (XNU's MIG server
    // destroys a request it fails).
    notification(notify, MACH_NOTIFY_SEND_ONCE, 24);
    assert_eq!(
        request(dead, MACH_NOTIFY_DEAD_NAME, 1, notify),
        Ok(MACH_PORT_NULL)
    );
    assert_eq!(refs(dead, MACH_PORT_RIGHT_DEAD_NAME), 2);
    assert_eq!(notification(notify, MACH_NOTIFY_DEAD_NAME, 36).u32_at(32), dead);
    destroy(dead);

    let mut set = 0;
    assert_eq!(
        unsafe { mach_port_allocate(task(), MACH_PORT_RIGHT_PORT_SET, &mut set) },
        KERN_SUCCESS
    );
    assert_eq!(
        request(set, MACH_NOTIFY_DEAD_NAME, 0, notify),
        Err(KERN_INVALID_RIGHT)
    );
    notification(notify, MACH_NOTIFY_SEND_ONCE, 24);
    assert_eq!(
        request(MACH_PORT_NULL, MACH_NOTIFY_DEAD_NAME, 0, notify),
        Err(KERN_INVALID_ARGUMENT)
    );
    notification(notify, MACH_NOTIFY_SEND_ONCE, 24);
    assert_eq!(
        request(0x7777_7703, MACH_NOTIFY_DEAD_NAME, 0, notify),
        Err(KERN_INVALID_NAME)
    );
    notification(notify, MACH_NOTIFY_SEND_ONCE, 24);
    assert!(queue_empty(notify));
    destroy(set);
    destroy(notify);
}

/// Registering again returns the previous send-once right; a null notify
/// cancels. Dropping a returned right sends its port MACH_NOTIFY_SEND_ONCE.
#[test]
fn request_returns_the_previous_right() {
    let (port, first, second) = (new_port(), new_port(), new_port());
    let so = make_send_once(port);
    assert_eq!(request(so, MACH_NOTIFY_DEAD_NAME, 0, first), Ok(MACH_PORT_NULL));
    let previous = request(so, MACH_NOTIFY_DEAD_NAME, 0, second).unwrap();
    assert_eq!(type_of(previous), Ok(MACH_PORT_TYPE_SEND_ONCE));
    unsafe { mach_port_deallocate(task(), previous) };
    notification(first, MACH_NOTIFY_SEND_ONCE, 24);
    let mut cancelled = 0;
    let kr = unsafe {
        mach_port_request_notification(
            task(),
            so,
            MACH_NOTIFY_DEAD_NAME,
            0,
            MACH_PORT_NULL,
            MACH_MSG_TYPE_MOVE_SEND_ONCE,
            &mut cancelled,
        )
    };
    assert_eq!(kr, KERN_SUCCESS);
    assert_eq!(type_of(cancelled), Ok(MACH_PORT_TYPE_SEND_ONCE));
    destroy(port);
    assert!(queue_empty(second), "a cancelled request does not fire");
    unsafe { mach_port_deallocate(task(), cancelled) };
    notification(second, MACH_NOTIFY_SEND_ONCE, 24);
    for name in [so, first, second] {
        destroy(name);
    }
}

// ------------------------------------------------------------------ port deleted

/// Deleting a name that carries a dead-name request while its port lives
/// (deallocating the last reference, or moving the right away in a message)
/// sends MACH_NOTIFY_PORT_DELETED (65, 36 bytes) naming it.
#[test]
fn port_deleted_when_the_name_goes_first() {
    let (port, notify) = (new_port(), new_port());
    let so = make_send_once(port);
    request(so, MACH_NOTIFY_DEAD_NAME, 0, notify).unwrap();
    unsafe { mach_port_deallocate(task(), so) };
    assert_eq!(notification(notify, MACH_NOTIFY_PORT_DELETED, 36).u32_at(32), so);
    // The destroyed send-once right also notified its own port.
    notification(port, MACH_NOTIFY_SEND_ONCE, 24);

    // Moving the right away in a message deletes the name too.
    let so = make_send_once(port);
    request(so, MACH_NOTIFY_DEAD_NAME, 0, notify).unwrap();
    assert_eq!(send(so, MACH_MSG_TYPE_MOVE_SEND_ONCE), MACH_MSG_SUCCESS);
    assert_eq!(notification(notify, MACH_NOTIFY_PORT_DELETED, 36).u32_at(32), so);
    assert_eq!(recv_now(port).header().msgh_id, 1000);

    // A receive-only name whose port is destroyed is deleted before the
    // port dies: port-deleted, not dead-name.
    let victim = new_port();
    request(victim, MACH_NOTIFY_DEAD_NAME, 0, notify).unwrap();
    destroy(victim);
    assert_eq!(
        notification(notify, MACH_NOTIFY_PORT_DELETED, 36).u32_at(32),
        victim
    );
    assert!(queue_empty(notify));
    destroy(port);
    destroy(notify);
}

// ------------------------------------------------------------------ no senders

/// MACH_NOTIFY_NO_SENDERS (70, 36 bytes) fires when the last send right
/// goes away, whatever its user references, and carries the make-send
/// count. It is one-shot.
#[test]
fn no_senders_when_the_last_send_right_goes() {
    let (port, notify) = (new_port(), new_port());
    make_send(port);
    make_send(port);
    assert_eq!(refs(port, MACH_PORT_RIGHT_SEND), 2);
    assert_eq!(
        request(port, MACH_NOTIFY_NO_SENDERS, 0, notify),
        Ok(MACH_PORT_NULL)
    );
    unsafe { mach_port_deallocate(task(), port) };
    assert!(queue_empty(notify), "one user reference is left");
    unsafe { mach_port_deallocate(task(), port) };
    let note = notification(notify, MACH_NOTIFY_NO_SENDERS, 36);
    assert_eq!(note.u32_at(32), 2, "make-send count");
    make_send(port);
    unsafe { mach_port_deallocate(task(), port) };
    assert!(queue_empty(notify), "the request was used up");
    destroy(port);
    destroy(notify);
}

/// With no send rights and a make-send count of at least `sync`, the request
/// fires at once (XNU's ipc_port_nsrequest); with `sync` above the count it
/// waits for a send right to come and go.
#[test]
fn no_senders_immediate_and_sync() {
    let (port, notify) = (new_port(), new_port());
    request(port, MACH_NOTIFY_NO_SENDERS, 0, notify).unwrap();
    assert_eq!(notification(notify, MACH_NOTIFY_NO_SENDERS, 36).u32_at(32), 0);
    request(port, MACH_NOTIFY_NO_SENDERS, 1, notify).unwrap();
    assert!(queue_empty(notify), "sync 1 > make-send count 0");
    make_send(port);
    assert!(queue_empty(notify));
    unsafe { mach_port_deallocate(task(), port) };
    assert_eq!(notification(notify, MACH_NOTIFY_NO_SENDERS, 36).u32_at(32), 1);
    destroy(port);
    destroy(notify);
}

/// Send rights in messages count: a MAKE_SEND in flight keeps the port from
/// having no senders until the message is received (the destination right is
/// used up on receipt, as in XNU's copyout).
#[test]
fn no_senders_counts_rights_in_messages() {
    let (port, notify) = (new_port(), new_port());
    request(port, MACH_NOTIFY_NO_SENDERS, 1, notify).unwrap();
    assert_eq!(send(port, MACH_MSG_TYPE_MAKE_SEND), MACH_MSG_SUCCESS);
    assert!(queue_empty(notify), "the queued message holds a send right");
    assert_eq!(recv_now(port).header().msgh_id, 1000);
    assert_eq!(notification(notify, MACH_NOTIFY_NO_SENDERS, 36).u32_at(32), 1);
    destroy(port);
    destroy(notify);
}

/// NO_SENDERS needs the receive right (KERN_INVALID_RIGHT otherwise). A
/// port dying with a request pending destroys the request's send-once
/// right, which sends MACH_NOTIFY_SEND_ONCE; but mach_port_destroy of a
/// send+receive name drops the send right first, so no-senders fires before
/// the port dies (XNU's ipc_right_destroy).
#[test]
fn no_senders_errors_and_death() {
    let (port, notify) = (new_port(), new_port());
    let so = make_send_once(port);
    assert_eq!(
        request(so, MACH_NOTIFY_NO_SENDERS, 0, notify),
        Err(KERN_INVALID_RIGHT)
    );
    notification(notify, MACH_NOTIFY_SEND_ONCE, 24);
    make_send(port);
    request(port, MACH_NOTIFY_NO_SENDERS, 0, notify).unwrap();
    let kr = unsafe { mach_port_mod_refs(task(), port, MACH_PORT_RIGHT_RECEIVE, -1) };
    assert_eq!(kr, KERN_SUCCESS);
    notification(notify, MACH_NOTIFY_SEND_ONCE, 24);
    assert!(queue_empty(notify));
    destroy(port);
    destroy(so);

    let port = new_port();
    make_send(port);
    request(port, MACH_NOTIFY_NO_SENDERS, 0, notify).unwrap();
    destroy(port);
    assert_eq!(notification(notify, MACH_NOTIFY_NO_SENDERS, 36).u32_at(32), 1);
    assert!(queue_empty(notify));
    destroy(notify);
}

// ------------------------------------------------------------------ port destroyed

/// With a port-destroyed request, destroying the receive right does not
/// kill the port: the right arrives in MACH_NOTIFY_PORT_DESTROYED (69, 40
/// bytes, complex, one port descriptor received as PORT_RECEIVE) with its
/// queued messages, and send rights still reach it. The request is one-shot.
#[test]
fn port_destroyed_hands_the_receive_right_over() {
    let (port, notify) = (new_port(), new_port());
    let so = make_send_once(port);
    assert_eq!(send(so, MACH_MSG_TYPE_MOVE_SEND_ONCE), MACH_MSG_SUCCESS);
    assert_eq!(
        request(port, MACH_NOTIFY_PORT_DESTROYED, 0, notify),
        Ok(MACH_PORT_NULL)
    );
    let sender = make_send_once(port);
    destroy(port);
    assert_eq!(type_of(sender), Ok(MACH_PORT_TYPE_SEND_ONCE), "the port lives");
    let note = notification(notify, MACH_NOTIFY_PORT_DESTROYED, 40);
    assert_eq!(note.u32_at(24), 1, "one descriptor");
    let d: mach_msg_port_descriptor_t = unsafe { ptr::read_unaligned(note.0.as_ptr().add(28).cast()) };
    assert_eq!(
        (d.disposition as u32, d.type_ as u32),
        (MACH_MSG_TYPE_PORT_RECEIVE, MACH_MSG_PORT_DESCRIPTOR)
    );
    let revived = d.name;
    assert_eq!(type_of(revived), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(
        loopback_queued_messages(revived),
        Some(1),
        "queued messages travel with it"
    );
    assert_eq!(send(sender, MACH_MSG_TYPE_MOVE_SEND_ONCE), MACH_MSG_SUCCESS);
    assert_eq!(loopback_queued_messages(revived), Some(2));
    let so = make_send_once(revived);
    destroy(revived);
    assert_eq!(
        type_of(so),
        Ok(MACH_PORT_TYPE_DEAD_NAME),
        "no request left: the port dies"
    );
    assert!(queue_empty(notify));
    destroy(so);
    destroy(notify);
}

/// PORT_DESTROYED takes `sync` 0 (KERN_INVALID_VALUE otherwise); if the
/// notification cannot be delivered (notify port dead) the port dies after
/// all. SEND_POSSIBLE is not implemented; unknown ids are INVALID_VALUE.
#[test]
fn port_destroyed_errors_and_undeliverable() {
    let (port, notify) = (new_port(), new_port());
    assert_eq!(
        request(port, MACH_NOTIFY_PORT_DESTROYED, 1, notify),
        Err(KERN_INVALID_VALUE)
    );
    notification(notify, MACH_NOTIFY_SEND_ONCE, 24);
    assert_eq!(
        request(port, MACH_NOTIFY_SEND_POSSIBLE, 0, notify),
        Err(KERN_NOT_SUPPORTED)
    );
    notification(notify, MACH_NOTIFY_SEND_ONCE, 24);
    assert_eq!(request(port, 1234, 0, notify), Err(KERN_INVALID_VALUE));
    notification(notify, MACH_NOTIFY_SEND_ONCE, 24);

    request(port, MACH_NOTIFY_PORT_DESTROYED, 0, notify).unwrap();
    let so = make_send_once(port);
    destroy(notify);
    destroy(port);
    assert_eq!(type_of(so), Ok(MACH_PORT_TYPE_DEAD_NAME));
    destroy(so);

    // A request naming the port itself would send the port into its own
    // queue: the message is destroyed and the port dies.
    let port = new_port();
    request(port, MACH_NOTIFY_PORT_DESTROYED, 0, port).unwrap();
    let so = make_send_once(port);
    destroy(port);
    assert_eq!(type_of(so), Ok(MACH_PORT_TYPE_DEAD_NAME));
    destroy(so);
}

/// A notify right must be a send-once right: other dispositions are a MIG
/// type error; a name without the right fails the send (nothing taken).
#[test]
fn notify_right_must_be_send_once() {
    let (port, notify) = (new_port(), new_port());
    let mut previous = 0;
    let kr = unsafe {
        mach_port_request_notification(
            task(),
            port,
            MACH_NOTIFY_NO_SENDERS,
            0,
            notify,
            MACH_MSG_TYPE_MAKE_SEND,
            &mut previous,
        )
    };
    assert_eq!(kr, -300, "MIG_TYPE_ERROR");
    let kr = unsafe {
        mach_port_request_notification(
            task(),
            port,
            MACH_NOTIFY_NO_SENDERS,
            0,
            notify,
            MACH_MSG_TYPE_MOVE_SEND_ONCE,
            &mut previous,
        )
    };
    assert_eq!(kr, MACH_SEND_INVALID_RIGHT);
    let kr = unsafe {
        mach_port_request_notification(
            task(),
            port,
            MACH_NOTIFY_NO_SENDERS,
            0,
            notify,
            MACH_MSG_TYPE_MAKE_SEND_ONCE,
            ptr::null_mut(),
        )
    };
    assert_eq!(kr, KERN_INVALID_ARGUMENT);
    assert!(queue_empty(notify));
    destroy(port);
    destroy(notify);
}
