//! Thread safety under load: producer tasks on several threads send to one
//! receiver through a small queue (so senders block), while ports die under
//! traffic: producers replace their reply ports as they go, and one producer
//! task is terminated mid-stream. Mach's guarantees must hold: every message
//! whose send succeeded arrives exactly once, in order per sender, and
//! afterwards every count is back where it started.
//!
//! This file is its own process with a single test, so global counts are exact.

// The loopback kernel exists only off Apple platforms (on macOS `sys` is the real kernel).
#![cfg(not(target_vendor = "apple"))]

use std::ffi::CString;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use mig_core::sys::*;

const PRODUCERS: u32 = 4;
const MESSAGES: u32 = 250;
/// The producer whose task is terminated after it sent this many messages.
const DOOMED: u32 = 3;
const DOOMED_AFTER: usize = 60;
const STOP: i32 = 500;

fn me() -> mach_port_t {
    unsafe { mach_task_self() }
}

fn new_port() -> mach_port_t {
    let mut name = 0;
    assert_eq!(
        unsafe { mach_port_allocate(me(), MACH_PORT_RIGHT_RECEIVE, &mut name) },
        KERN_SUCCESS
    );
    name
}

/// An 8-byte aligned message buffer.
#[repr(C, align(8))]
struct Buf([u8; 256]);

impl Buf {
    fn header(&self) -> mach_msg_header_t {
        unsafe { ptr::read_unaligned(self.0.as_ptr().cast()) }
    }

    fn u32_at(&self, at: usize) -> u32 {
        u32::from_ne_bytes(self.0[at..at + 4].try_into().unwrap())
    }

    fn ptr(&mut self) -> *mut mach_msg_header_t {
        self.0.as_mut_ptr().cast()
    }
}

/// Header, body, a MAKE_SEND of `ack`, `ool` bytes out of line, then the
/// producer number and sequence number.
const SIZE: u32 = 24 + 4 + 12 + 16 + 8;
const BODY_AT: usize = 56;

fn request(dest: mach_port_t, ack: mach_port_t, producer: u32, seq: u32, ool: &[u8]) -> Box<Buf> {
    let mut buf = Box::new(Buf([0; 256]));
    let mut bytes: Vec<u8> = [
        MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX,
        0,
        dest,
        ack,
        0,
        1000 + producer,
        2,
        ack,
        0,
    ]
    .iter()
    .flat_map(|w| w.to_ne_bytes())
    .collect();
    bytes.extend([
        0,
        0,
        MACH_MSG_TYPE_MAKE_SEND as u8,
        MACH_MSG_PORT_DESCRIPTOR as u8,
    ]);
    bytes.extend((ool.as_ptr() as usize).to_ne_bytes());
    bytes.extend([0, MACH_MSG_PHYSICAL_COPY as u8, 0, MACH_MSG_OOL_DESCRIPTOR as u8]);
    bytes.extend((ool.len() as u32).to_ne_bytes());
    bytes.extend(producer.to_ne_bytes());
    bytes.extend(seq.to_ne_bytes());
    buf.0[..bytes.len()].copy_from_slice(&bytes);
    buf
}

fn simple(dest: mach_port_t, id: i32) -> kern_return_t {
    let mut header = mach_msg_header_t {
        msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
        msgh_remote_port: dest,
        msgh_id: id,
        ..Default::default()
    };
    unsafe { mach_msg(&mut header, MACH_SEND_MSG, 24, 0, 0, 0, 0) }
}

/// One producer, as a thread of its own task: sends `MESSAGES` requests,
/// replacing its reply port every 25 (the replaced port dies with acks and
/// send rights to it still in flight). The doomed producer stops after
/// `DOOMED_AFTER` and waits for its task to be terminated; its sends then
/// fail. Returns how many sends succeeded.
fn produce(task: mach_port_t, service: &CString, producer: u32, progress: &AtomicUsize) -> u32 {
    loopback_with_task(task, || {
        let mut inbox = 0;
        let kr = unsafe { bootstrap_look_up(bootstrap_port, service.as_ptr(), &mut inbox) };
        assert_eq!(kr, BOOTSTRAP_SUCCESS);
        let data = [producer as u8; 100];
        let mut ack = new_port();
        let mut sent = 0;
        for seq in 0..MESSAGES {
            if producer == DOOMED && seq as usize == DOOMED_AFTER {
                // Wait, blocked in a receive, for the task to be terminated
                // (the port dies under us), unless that already happened.
                let mut park = 0;
                if unsafe { mach_port_allocate(me(), MACH_PORT_RIGHT_RECEIVE, &mut park) } == KERN_SUCCESS {
                    let mut buf = Box::new(Buf([0; 256]));
                    let kr = unsafe { mach_msg(buf.ptr(), MACH_RCV_MSG, 0, 256, park, 0, 0) };
                    // Died while we waited, or was gone before we began.
                    assert!(kr == MACH_RCV_PORT_DIED || kr == MACH_RCV_INVALID_NAME, "{kr:#x}");
                }
            }
            if seq % 25 == 24 {
                unsafe { mach_port_destroy(me(), ack) };
                ack = new_port();
            }
            let ool = if seq % 10 == 0 { &data[..] } else { &[] };
            let mut msg = request(inbox, ack, producer, seq, ool);
            match unsafe { mach_msg(msg.ptr(), MACH_SEND_MSG, SIZE, 0, 0, 0, 0) } {
                MACH_MSG_SUCCESS => sent += 1,
                // The task was terminated under us.
                MACH_SEND_INVALID_DEST => break,
                kr => panic!("send failed: {kr:#x}"),
            }
            progress.fetch_add(1, Ordering::SeqCst);
        }
        unsafe {
            mach_port_destroy(me(), ack);
            mach_port_deallocate(me(), inbox);
        }
        sent
    })
}

/// The receiver: acknowledges each request through its send-once right
/// (which may be dead by now), frees what it carried, and records it.
fn consume(inbox: mach_port_t) -> Vec<Vec<u32>> {
    let mut seen = vec![Vec::new(); PRODUCERS as usize];
    loop {
        let mut buf = Box::new(Buf([0; 256]));
        let kr = unsafe { mach_msg(buf.ptr(), MACH_RCV_MSG, 0, 256, inbox, 0, 0) };
        assert_eq!(kr, MACH_MSG_SUCCESS);
        let h = buf.header();
        if h.msgh_id == STOP {
            return seen;
        }
        let (producer, seq) = (buf.u32_at(BODY_AT), buf.u32_at(BODY_AT + 4));
        assert_eq!(h.msgh_id as u32, 1000 + producer);
        assert_eq!(h.msgh_size, SIZE);
        seen[producer as usize].push(seq);
        let mut ack = mach_msg_header_t {
            msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0),
            msgh_remote_port: h.msgh_remote_port,
            msgh_id: h.msgh_id + 100,
            ..Default::default()
        };
        if unsafe { mach_msg(&mut ack, MACH_SEND_MSG, 24, 0, 0, 0, 0) } == MACH_MSG_SUCCESS {
            // Consumed by the send: mach_msg_destroy must not see it again.
            buf.0[8..12].copy_from_slice(&MACH_PORT_NULL.to_ne_bytes());
        }
        // A received physical copy is not marked deallocate-on-destroy (XNU's
        // `ipc_kmsg_deflate_memory_descriptor`), so mach_msg_destroy leaves it: the
        // receiver frees it, then clears the descriptor.
        let address = usize::from_ne_bytes(buf.0[40..48].try_into().unwrap());
        let size = buf.u32_at(52);
        assert_eq!(buf.0[40 + 8], 0, "not marked deallocate");
        unsafe { vm_deallocate(me(), address, size as usize) };
        buf.0[40..48].fill(0);
        unsafe { mach_msg_destroy(buf.ptr()) };
    }
}

#[test]
fn producers_and_port_deaths_lose_or_duplicate_nothing() {
    let (ports, tasks) = (loopback_live_ports(), loopback_live_tasks());
    let service = CString::new("org.loopback.stress").unwrap();
    let server = loopback_task_create();
    let inbox = loopback_with_task(server, || {
        let mut port = 0;
        let kr = unsafe { bootstrap_check_in(bootstrap_port, service.as_ptr(), &mut port) };
        assert_eq!(kr, BOOTSTRAP_SUCCESS);
        port
    });
    let receiver = thread::spawn(move || loopback_with_task(server, || consume(inbox)));

    let producer_tasks: Vec<mach_port_t> = (0..PRODUCERS).map(|_| loopback_task_create()).collect();
    let progress: Arc<Vec<AtomicUsize>> = Arc::new((0..PRODUCERS).map(|_| AtomicUsize::new(0)).collect());
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (task, service, progress) = (producer_tasks[p as usize], service.clone(), progress.clone());
            thread::spawn(move || produce(task, &service, p, &progress[p as usize]))
        })
        .collect();
    while progress[DOOMED as usize].load(Ordering::SeqCst) < DOOMED_AFTER {
        thread::yield_now();
    }
    assert_eq!(
        loopback_task_terminate(producer_tasks[DOOMED as usize]),
        KERN_SUCCESS
    );
    let sent: Vec<u32> = producers.into_iter().map(|t| t.join().unwrap()).collect();

    let mut to_inbox = 0;
    let kr = unsafe { bootstrap_look_up(bootstrap_port, service.as_ptr(), &mut to_inbox) };
    assert_eq!(kr, BOOTSTRAP_SUCCESS);
    assert_eq!(simple(to_inbox, STOP), MACH_MSG_SUCCESS);
    let seen = receiver.join().unwrap();

    for (p, seqs) in seen.iter().enumerate() {
        let expected: Vec<u32> = (0..sent[p]).collect();
        assert_eq!(seqs, &expected, "producer {p}: every message once, in order");
    }
    assert_eq!(
        sent[DOOMED as usize] as usize, DOOMED_AFTER,
        "terminated mid-stream"
    );

    // Nothing leaked: the server holds only its inbox, no memory; once every
    // task is gone, so are their ports.
    loopback_with_task(server, || {
        assert_eq!(loopback_live_rights(), 1);
        assert_eq!(loopback_live_ool_bytes(), 0);
        assert_eq!(loopback_queued_messages(inbox), Some(0));
    });
    unsafe { mach_port_deallocate(me(), to_inbox) };
    for task in producer_tasks.iter().copied().chain([server]) {
        loopback_task_terminate(task);
        unsafe { mach_port_deallocate(me(), task) };
    }
    assert_eq!((loopback_live_ports(), loopback_live_tasks()), (ports, tasks));
    assert_eq!(loopback_live_rights(), 0);
}
