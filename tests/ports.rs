//! Port rights and fixed-size inline data in messages, over the loopback kernel: every
//! disposition a port argument can travel with, in both directions, and who owns what
//! afterwards (checked with the loopback's reference counts).

#![cfg(not(target_vendor = "apple"))]

mod common;

use std::sync::Mutex;

use mig::sys::{self, mach_port_t};
use mig::{Error, ReceiveRight, SendOnceRight, SendRight};

mig::mig! {
    subsystem porter 5000;
    #include <mach/mach_types.defs>

    type point_t = struct[2] of int;
    type bytes_t = array[6] of uint8_t;

    /// The server gets a send right of its own; the client keeps its right.
    routine copy_in(server: mach_port_t; right: mach_port_copy_send_t);
    /// The client's send right moves to the server.
    routine move_in(server: mach_port_t; right: mach_port_move_send_t);
    /// The server makes a send right from its receive right; the client owns it.
    routine make_out(server: mach_port_t; out right: mach_port_make_send_t);
    /// A send-once right comes back.
    routine once_out(server: mach_port_t; out right: mach_port_make_send_once_t);
    /// A receive right moves to the client, next to inline data.
    routine receive_out(server: mach_port_t; p: point_t; b: bytes_t;
        out q: point_t; out right: mach_port_move_receive_t; out sum: int);
    /// Several outs, one of them a made right: the handler returns a name, the client
    /// gets an owned right.
    routine mixed_out(server: mach_port_t; out a: mach_port_make_send_t; out b: int);
}

fn refs(name: mach_port_t, right: u32) -> u32 {
    let mut refs = 0;
    // SAFETY: an out-pointer to a local.
    let kr = unsafe { sys::mach_port_get_refs(sys::mach_task_self(), name, right, &mut refs) };
    if kr == 0 { refs } else { 0 }
}

#[derive(Default)]
struct Porter {
    kept: Mutex<Vec<SendRight>>,
    port: Mutex<Option<ReceiveRight>>,
}

impl porter::Server for Porter {
    fn copy_in(&self, _: mach_port_t, right: SendRight) -> mig::Result<()> {
        self.kept.lock().unwrap().push(right);
        Ok(())
    }
    fn move_in(&self, _: mach_port_t, right: SendRight) -> mig::Result<()> {
        // Dropped here: the server releases what it was given.
        drop(right);
        Ok(())
    }
    fn make_out(&self, _: mach_port_t) -> mig::Result<mach_port_t> {
        Ok(self.port.lock().unwrap().as_ref().unwrap().name())
    }
    fn once_out(&self, _: mach_port_t) -> mig::Result<mach_port_t> {
        Ok(self.port.lock().unwrap().as_ref().unwrap().name())
    }
    fn receive_out(
        &self,
        _: mach_port_t,
        p: [i32; 2],
        b: [u8; 6],
    ) -> mig::Result<porter::receive_out::Output> {
        Ok(porter::receive_out::Output {
            q: [p[1], p[0]],
            right: ReceiveRight::allocate()?,
            sum: b.iter().map(|&x| i32::from(x)).sum(),
        })
    }
    fn mixed_out(&self, _: mach_port_t) -> mig::Result<porter::mixed_out::ServerOutput> {
        Ok(porter::mixed_out::ServerOutput {
            a: self.port.lock().unwrap().as_ref().unwrap().name(),
            b: 7,
        })
    }
}

fn serve() -> common::Running {
    let porter = Porter::default();
    *porter.port.lock().unwrap() = Some(ReceiveRight::allocate().unwrap());
    common::Running::start(porter::Service(porter))
}

#[test]
fn layouts_match_apple_mig_rules() {
    let copy_in = porter::ROUTINES[0].request;
    assert!(copy_in.complex);
    assert_eq!(copy_in.descriptors, 1);
    assert_eq!(copy_in.size, 40, "header, body, one port descriptor, no NDR");
    let receive_out = porter::ROUTINES[4];
    let fields: Vec<_> = receive_out
        .request
        .fields
        .iter()
        .map(|f| (f.name, f.offset, f.size))
        .collect();
    assert_eq!(
        fields,
        [
            ("Head", 0, 24),
            ("NDR", 24, 8),
            ("p", 32, 8),
            ("b", 40, 6),
            ("bPad", 46, 2)
        ]
    );
    let reply = receive_out.reply.unwrap();
    let fields: Vec<_> = reply.fields.iter().map(|f| (f.name, f.offset, f.size)).collect();
    assert_eq!(
        fields,
        [
            ("Head", 0, 24),
            ("msgh_body", 24, 4),
            ("right", 28, 12),
            ("NDR", 40, 8),
            ("q", 48, 8),
            ("sum", 56, 4)
        ],
        "a complex reply has no RetCode"
    );
    let make_out = porter::ROUTINES[2].reply.unwrap();
    assert_eq!(make_out.size, 40, "a complex reply without data has no NDR");
}

#[test]
fn rights_travel_with_their_dispositions() {
    let server = serve();

    // COPY_SEND: the client keeps its reference, the server holds one more.
    let mine = ReceiveRight::allocate().unwrap();
    let send = mine.make_send().unwrap();
    let client = porter::Client::new(server.right());
    client.copy_in(send.name()).unwrap();
    assert_eq!(refs(mine.name(), sys::MACH_PORT_RIGHT_SEND), 2);

    // MOVE_SEND: the client's reference goes; the server dropped it.
    client.move_in(send).unwrap();
    assert_eq!(
        refs(mine.name(), sys::MACH_PORT_RIGHT_SEND),
        1,
        "only the server's copy is left"
    );

    // MAKE_SEND out: the client owns a new send right to the server's port.
    let made: SendRight = client.make_out().unwrap();
    assert_eq!(refs(made.name(), sys::MACH_PORT_RIGHT_SEND), 1);

    // MAKE_SEND_ONCE out: a send-once right.
    let once: SendOnceRight = client.once_out().unwrap();
    assert_eq!(refs(once.name(), sys::MACH_PORT_RIGHT_SEND_ONCE), 1);
    drop(once);

    // MOVE_RECEIVE out, with inline structs and a padded byte array.
    let out = client.receive_out([1, 2], [1, 2, 3, 4, 5, 6]).unwrap();
    assert_eq!(out.q, [2, 1]);
    assert_eq!(out.sum, 21);
    assert_eq!(refs(out.right.name(), sys::MACH_PORT_RIGHT_RECEIVE), 1);

    let mixed = client.mixed_out().unwrap();
    assert_eq!(mixed.b, 7);
    assert_eq!(
        mixed.a.name(),
        made.name(),
        "the same port, under the same name in this task"
    );
    assert_eq!(refs(made.name(), sys::MACH_PORT_RIGHT_SEND), 2);

    server.stop();
    drop(out);
}

#[test]
fn a_wrong_disposition_is_a_type_error() {
    // A `move_in` request whose descriptor carries a send-once right instead of a send right.
    let mut request = mig::MessageBuffer::for_receive(porter::MAX_REQUEST_SIZE);
    request.write(porter::move_in::Request {
        Head: sys::mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS_COMPLEX,
            msgh_size: core::mem::size_of::<porter::move_in::Request>() as u32,
            msgh_id: porter::move_in::ID,
            ..Default::default()
        },
        msgh_body: sys::mach_msg_body_t {
            msgh_descriptor_count: 1,
        },
        right: mig::__private::port(0, sys::MACH_MSG_TYPE_PORT_SEND_ONCE as u8),
    });
    let mut reply = mig::MessageBuffer::with_capacity(porter::MAX_REPLY_SIZE);
    common::deliver(&mut request).unwrap();
    porter::dispatch(&Porter::default(), &mut request, &mut reply);
    assert_eq!(
        &reply.bytes()[32..36],
        &Error::MIG_TYPE_ERROR.code().to_le_bytes()
    );

    // Without the complex bit it is not even the right shape.
    request.header_mut().msgh_bits = 0;
    request.header_mut().msgh_local_port = sys::MACH_PORT_NULL;
    common::deliver(&mut request).unwrap();
    porter::dispatch(&Porter::default(), &mut request, &mut reply);
    assert_eq!(
        &reply.bytes()[32..36],
        &Error::MIG_BAD_ARGUMENTS.code().to_le_bytes()
    );
}
