//! Several IPC spaces (tasks) in one process: names are per space and
//! rights translate between spaces exactly as between processes on XNU;
//! the bootstrap server is shared; a terminated task's rights are destroyed
//! with the notifications XNU sends.
//!
//! Each test works in tasks of its own, so the per-space accounting it
//! checks is exact even while other tests run.

// The loopback kernel exists only off Apple platforms (on macOS `sys` is the real kernel).
#![cfg(not(target_vendor = "apple"))]

use std::ffi::CString;
use std::thread;

use mig_core::sys::*;

mod common;

use common::task as me;
use common::*;

fn request(name: mach_port_t, id: i32, sync: u32, notify: mach_port_t) {
    let mut previous = 0;
    let kr = unsafe {
        mach_port_request_notification(
            me(),
            name,
            id,
            sync,
            notify,
            MACH_MSG_TYPE_MAKE_SEND_ONCE,
            &mut previous,
        )
    };
    assert_eq!((kr, previous), (KERN_SUCCESS, MACH_PORT_NULL));
}

/// A message: header, then port descriptors, then OOL descriptors.
struct Msg {
    bytes: Vec<u8>,
}

impl Msg {
    fn new(dest: mach_port_t, dest_disp: u32, reply: mach_port_t, reply_disp: u32, id: i32) -> Msg {
        let words = [
            MACH_MSGH_BITS(dest_disp, reply_disp),
            0,
            dest,
            reply,
            0,
            id as u32,
        ];
        Msg {
            bytes: words.iter().flat_map(|w| w.to_ne_bytes()).collect(),
        }
    }

    fn add_descriptor(&mut self) {
        if self.bytes.len() == 24 {
            self.bytes.extend(0u32.to_ne_bytes());
            let bits = u32::from_ne_bytes(self.bytes[0..4].try_into().unwrap()) | MACH_MSGH_BITS_COMPLEX;
            self.bytes[0..4].copy_from_slice(&bits.to_ne_bytes());
        }
        let count = u32::from_ne_bytes(self.bytes[24..28].try_into().unwrap()) + 1;
        self.bytes[24..28].copy_from_slice(&count.to_ne_bytes());
    }

    fn port(mut self, name: mach_port_t, disposition: u32) -> Msg {
        self.add_descriptor();
        self.bytes.extend(name.to_ne_bytes());
        self.bytes.extend([
            0,
            0,
            0,
            0,
            0,
            0,
            disposition as u8,
            MACH_MSG_PORT_DESCRIPTOR as u8,
        ]);
        self
    }

    fn ool(mut self, data: &[u8]) -> Msg {
        self.add_descriptor();
        self.bytes.extend((data.as_ptr() as usize).to_ne_bytes());
        self.bytes
            .extend([0, MACH_MSG_VIRTUAL_COPY as u8, 0, MACH_MSG_OOL_DESCRIPTOR as u8]);
        self.bytes.extend((data.len() as u32).to_ne_bytes());
        self
    }

    fn send(&self) -> kern_return_t {
        let mut buf = Buf::new();
        buf.0[..self.bytes.len()].copy_from_slice(&self.bytes);
        let size = self.bytes.len() as u32;
        unsafe { mach_msg(buf.0.as_mut_ptr().cast(), MACH_SEND_MSG, size, 0, 0, 0, 0) }
    }
}

fn service(name: &str) -> CString {
    CString::new(format!("org.loopback.tasks.{name}")).unwrap()
}

fn check_in(name: &CString) -> mach_port_t {
    let mut port = 0;
    let kr = unsafe { bootstrap_check_in(bootstrap_port, name.as_ptr(), &mut port) };
    assert_eq!(kr, BOOTSTRAP_SUCCESS);
    port
}

fn look_up(name: &CString) -> Result<mach_port_t, kern_return_t> {
    let mut port = 0;
    match unsafe { bootstrap_look_up(bootstrap_port, name.as_ptr(), &mut port) } {
        BOOTSTRAP_SUCCESS => Ok(port),
        e => Err(e),
    }
}

// ------------------------------------------------------------------ tasks

/// loopback_task_create returns a send right to a task port; calls taking
/// that task work on its space; inside loopback_with_task, mach_task_self()
/// and the implicit space are the task's. Terminating it kills its task
/// port (the caller's name becomes a dead name).
#[test]
fn a_task_is_a_separate_space() {
    // Other tests in this file create and end tasks concurrently, so the
    // checks look at this task, not at the global count.
    let b = loopback_task_create();
    assert_eq!(type_of(b), Ok(MACH_PORT_TYPE_SEND));
    assert_eq!(
        loopback_with_task(b, loopback_live_rights),
        0,
        "a new space is empty"
    );
    let mut n = 0;
    assert_eq!(
        unsafe { mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE, &mut n) },
        KERN_SUCCESS
    );
    loopback_with_task(b, || {
        assert_eq!(me(), unsafe { mach_task_self() });
        assert_eq!(type_of(n), Ok(MACH_PORT_TYPE_RECEIVE));
        assert_eq!(loopback_live_rights(), 1);
        assert_eq!(loopback_queued_messages(n), Some(0));
    });

    // Memory belongs to a task: only vm_deallocate on that task frees it.
    let mut region = 0;
    assert_eq!(
        unsafe { vm_allocate(b, &mut region, 100, VM_FLAGS_ANYWHERE) },
        KERN_SUCCESS
    );
    assert_eq!(loopback_with_task(b, loopback_live_ool_bytes), 4096);
    unsafe { vm_deallocate(me(), region, 100) };
    assert!(loopback_vm_is_allocated(region), "not the caller's memory");
    let mut second = 0;
    unsafe { vm_allocate(b, &mut second, 10, VM_FLAGS_ANYWHERE) };

    assert_eq!(loopback_task_terminate(b), KERN_SUCCESS);
    assert!(!loopback_vm_is_allocated(region) && !loopback_vm_is_allocated(second));
    assert_eq!(type_of(b), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(
        unsafe { mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE, &mut n) },
        KERN_INVALID_TASK
    );
    assert_eq!(loopback_task_terminate(b), KERN_INVALID_TASK);
    destroy(b);
}

/// Rights move between spaces as between processes: a MAKE_SEND of A's
/// receive right arrives in B under B's own name; B's messages on that name
/// arrive on A's port; when A's port dies, B's name becomes a dead name and
/// B's dead-name request fires with B's name. The bootstrap server is shared.
#[test]
fn names_translate_between_spaces() {
    // A is a fresh task too, so both name tables are deterministic.
    let a = loopback_task_create();
    loopback_with_task(a, || {
        let b = loopback_task_create();
        let svc = service("translate");
        let (server, notify_b) = loopback_with_task(b, || (check_in(&svc), new_port()));
        let to_server = look_up(&svc).unwrap();
        let a_port = new_port();

        let rpc = Msg::new(
            to_server,
            MACH_MSG_TYPE_COPY_SEND,
            a_port,
            MACH_MSG_TYPE_MAKE_SEND_ONCE,
            10,
        )
        .port(a_port, MACH_MSG_TYPE_MAKE_SEND);
        assert_eq!(rpc.send(), MACH_MSG_SUCCESS);
        assert_eq!(
            loopback_with_task(b, || loopback_queued_messages(server)),
            Some(1)
        );

        let b_name = loopback_with_task(b, || {
            let msg = recv_now(server);
            let h = msg.header();
            assert_eq!(h.msgh_local_port, server);
            assert_eq!(type_of(h.msgh_remote_port), Ok(MACH_PORT_TYPE_SEND_ONCE));
            let name = msg.u32_at(28);
            assert_eq!(type_of(name), Ok(MACH_PORT_TYPE_SEND));
            // B talks back on its own names.
            assert_eq!(
                Msg::new(name, MACH_MSG_TYPE_COPY_SEND, 0, 0, 11).send(),
                MACH_MSG_SUCCESS
            );
            let reply = Msg::new(h.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, 0, 0, 110);
            assert_eq!(reply.send(), MACH_MSG_SUCCESS);
            request(name, MACH_NOTIFY_DEAD_NAME, 0, notify_b);
            name
        });
        assert_ne!(b_name, a_port, "B names A's port with a name of its own");
        assert_ne!(type_of(b_name), Ok(MACH_PORT_TYPE_SEND));
        for id in [11, 110] {
            let msg = recv_now(a_port);
            assert_eq!((msg.header().msgh_id, msg.header().msgh_local_port), (id, a_port));
        }

        destroy(a_port);
        loopback_with_task(b, || {
            assert_eq!(type_of(b_name), Ok(MACH_PORT_TYPE_DEAD_NAME));
            assert_eq!(refs(b_name, MACH_PORT_RIGHT_DEAD_NAME), 2);
            let note = recv_now(notify_b);
            assert_eq!(
                (note.header().msgh_id, note.u32_at(32)),
                (MACH_NOTIFY_DEAD_NAME, b_name)
            );
        });
        assert_eq!(loopback_task_terminate(b), KERN_SUCCESS);
        assert_eq!(look_up(&svc), Err(BOOTSTRAP_UNKNOWN_SERVICE));
        assert_eq!(type_of(to_server), Ok(MACH_PORT_TYPE_DEAD_NAME));
        destroy(to_server);
        destroy(b);
    });
    assert_eq!(loopback_task_terminate(a), KERN_SUCCESS);
    destroy(a);
}

/// Terminating a task destroys every right in its space, with XNU's
/// notifications: its ports die (dead names and dead-name notifications
/// elsewhere; queued requests' send-once rights notify their reply ports),
/// send-once rights it held notify, send rights it held go (no-senders), a
/// receive right with a port-destroyed request is handed over, its received
/// memory is freed and its bootstrap registrations end.
#[test]
fn terminating_a_task_destroys_its_rights() {
    let b = loopback_task_create();
    let svc = service("terminate");
    let server = loopback_with_task(b, || check_in(&svc));
    let to_server = look_up(&svc).unwrap();
    let (dn_notify, reply, watched, heir) = (new_port(), new_port(), new_port(), new_port());
    request(to_server, MACH_NOTIFY_DEAD_NAME, 0, dn_notify);
    request(watched, MACH_NOTIFY_NO_SENDERS, 1, watched);

    // Two requests: B receives the first (holding its send-once reply
    // right, a send right to `watched`, and OOL memory), the second stays
    // queued.
    let data = [7u8; 300];
    let first = Msg::new(
        to_server,
        MACH_MSG_TYPE_COPY_SEND,
        reply,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
        1,
    )
    .port(watched, MACH_MSG_TYPE_MAKE_SEND)
    .ool(&data);
    assert_eq!(first.send(), MACH_MSG_SUCCESS);
    let second = Msg::new(
        to_server,
        MACH_MSG_TYPE_COPY_SEND,
        reply,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
        2,
    );
    assert_eq!(second.send(), MACH_MSG_SUCCESS);
    let region = loopback_with_task(b, || {
        let msg = recv_now(server);
        assert_eq!(loopback_live_ool_bytes(), 4096);
        msg.usize_at(40)
    });
    assert!(loopback_vm_is_allocated(region));

    // A port of B's whose receive right A asked to inherit.
    let mut orphan = 0;
    assert_eq!(
        unsafe { mach_port_allocate(b, MACH_PORT_RIGHT_RECEIVE, &mut orphan) },
        KERN_SUCCESS
    );
    let mut previous = 0;
    let kr = unsafe {
        mach_port_request_notification(
            b,
            orphan,
            MACH_NOTIFY_PORT_DESTROYED,
            0,
            heir,
            MACH_MSG_TYPE_MAKE_SEND_ONCE,
            &mut previous,
        )
    };
    assert_eq!(kr, KERN_SUCCESS);

    assert_eq!(loopback_task_terminate(b), KERN_SUCCESS);
    assert_eq!(loopback_task_terminate(b), KERN_INVALID_TASK, "the task is gone");
    assert!(!loopback_vm_is_allocated(region));
    assert_eq!(type_of(to_server), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(to_server, MACH_PORT_RIGHT_DEAD_NAME), 2);
    let note = recv_now(dn_notify);
    assert_eq!(
        (note.header().msgh_id, note.u32_at(32)),
        (MACH_NOTIFY_DEAD_NAME, to_server)
    );
    for _ in 0..2 {
        assert_eq!(recv_now(reply).header().msgh_id, MACH_NOTIFY_SEND_ONCE);
    }
    let note = recv_now(watched);
    assert_eq!(
        (note.header().msgh_id, note.u32_at(32)),
        (MACH_NOTIFY_NO_SENDERS, 1)
    );
    let note = recv_now(heir);
    assert_eq!(note.header().msgh_id, MACH_NOTIFY_PORT_DESTROYED);
    assert_eq!(type_of(note.u32_at(28)), Ok(MACH_PORT_TYPE_RECEIVE), "inherited");
    assert_eq!(look_up(&svc), Err(BOOTSTRAP_UNKNOWN_SERVICE));
    assert_eq!(type_of(b), Ok(MACH_PORT_TYPE_DEAD_NAME));
    for name in [note.u32_at(28), to_server, dn_notify, reply, watched, heir, b] {
        destroy(name);
    }
}

/// A task port is an ordinary send right: it travels in messages and works
/// as the `task` argument in the receiving space. Messages to it are
/// answered as XNU answers an unknown routine: a 36-byte mig_reply_error_t
/// with id + 100 and MIG_BAD_ID.
#[test]
fn task_ports_travel_and_answer_messages() {
    let (b, c) = (loopback_task_create(), loopback_task_create());
    let inbox = loopback_with_task(b, new_port);
    let mut to_inbox = 0;
    let mut kind = 0;
    assert_eq!(
        unsafe { mach_port_extract_right(b, inbox, MACH_MSG_TYPE_MAKE_SEND, &mut to_inbox, &mut kind) },
        KERN_SUCCESS
    );
    assert_eq!(kind, MACH_MSG_TYPE_PORT_SEND);
    let msg = Msg::new(to_inbox, MACH_MSG_TYPE_MOVE_SEND, 0, 0, 5).port(c, MACH_MSG_TYPE_COPY_SEND);
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    let made = loopback_with_task(b, || {
        let c_in_b = recv_now(inbox).u32_at(28);
        let mut n = 0;
        assert_eq!(
            unsafe { mach_port_allocate(c_in_b, MACH_PORT_RIGHT_RECEIVE, &mut n) },
            KERN_SUCCESS
        );
        n
    });
    assert_eq!(
        loopback_with_task(c, || type_of(made)),
        Ok(MACH_PORT_TYPE_RECEIVE)
    );

    let reply = new_port();
    let msg = Msg::new(
        c,
        MACH_MSG_TYPE_COPY_SEND,
        reply,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
        3000,
    );
    assert_eq!(msg.send(), MACH_MSG_SUCCESS);
    let answer = recv_now(reply);
    let h = answer.header();
    assert_eq!((h.msgh_id, h.msgh_size), (3100, 36));
    assert_eq!(h.msgh_bits, MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE));
    assert_eq!(answer.u32_at(32) as i32, -303, "MIG_BAD_ID");

    for t in [b, c] {
        assert_eq!(loopback_task_terminate(t), KERN_SUCCESS);
        destroy(t);
    }
    destroy(reply);
}

/// Misuse: the process's own space cannot be terminated; a thread running
/// in a task that does not exist sees every call fail.
#[test]
fn terminated_and_bogus_tasks_fail_cleanly() {
    assert_eq!(loopback_task_terminate(me()), KERN_INVALID_ARGUMENT);
    assert_eq!(loopback_task_terminate(0x1234_5603), KERN_INVALID_TASK);
    let b = loopback_task_create();
    let port = loopback_with_task(b, new_port);
    assert_eq!(loopback_task_terminate(b), KERN_SUCCESS);
    for task in [b, 0x1234_5603] {
        loopback_with_task(task, || {
            let mut n = 0;
            assert_eq!(
                unsafe { mach_port_allocate(me(), MACH_PORT_RIGHT_RECEIVE, &mut n) },
                KERN_INVALID_TASK
            );
            assert_eq!(try_recv(port).err(), Some(MACH_RCV_INVALID_NAME));
            assert_eq!(
                Msg::new(port, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1).send(),
                MACH_SEND_INVALID_DEST
            );
            assert_eq!(look_up(&service("none")), Err(MACH_SEND_INVALID_DEST));
            assert_eq!(loopback_task_create(), MACH_PORT_NULL);
            assert_eq!(unsafe { mig_get_reply_port() }, MACH_PORT_NULL);
            assert_eq!(loopback_live_rights(), 0);
        });
    }
    destroy(b);
}

/// mig_get_reply_port is per thread and per space; a thread's reply ports
/// in every space it ran in are destroyed when it exits.
#[test]
fn reply_ports_are_per_thread_and_space() {
    let b = loopback_task_create();
    let here = unsafe { mig_get_reply_port() };
    let (there, again) = loopback_with_task(b, || unsafe { (mig_get_reply_port(), mig_get_reply_port()) });
    assert_eq!(there, again);
    assert_eq!(
        loopback_with_task(b, || type_of(there)),
        Ok(MACH_PORT_TYPE_RECEIVE)
    );
    assert_eq!(
        unsafe { mig_get_reply_port() },
        here,
        "back in the caller's space"
    );
    thread::spawn(move || {
        loopback_with_task(b, || {
            let port = unsafe { mig_get_reply_port() };
            assert_ne!(port, there);
            assert_eq!(loopback_live_rights(), 2);
        })
    })
    .join()
    .unwrap();
    assert_eq!(
        loopback_with_task(b, loopback_live_rights),
        1,
        "the thread's port died with it"
    );
    assert_eq!(loopback_task_terminate(b), KERN_SUCCESS);
    destroy(b);
}
