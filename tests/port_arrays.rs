//! Arrays of ports, inline (one descriptor per slot) and out of line, and `SameCount`:
//! the shapes of `task_get_exception_ports`, `mach_eventlink_create` and `task_threads`.

#![cfg(not(target_vendor = "apple"))]

mod common;

use common::Running;
use mig::sys::{self, mach_port_t};
use mig::{InlineArray, OutArray, ReceiveRight, SendRight};

mig::mig! {
    subsystem xports 9000;
    #include <mach/mach_types.defs>

    routine get_ports(task: mach_port_t; mask: exception_mask_t;
        out masks: exception_mask_array_t;
        out old_handlers: exception_handler_array_t, SameCount;
        out old_behaviors: exception_behavior_array_t, SameCount;
        out old_flavors: exception_flavor_array_t, SameCount);
    routine pair(server: mach_port_t; out pair: eventlink_port_pair_t);
    routine give_list(server: mach_port_t; list: mach_port_array_t; out count: int);
    routine get_list(server: mach_port_t; n: int; out list: mach_port_array_t);

    /// `^array[n] of <port>`: always `n` names out of line, unused ones null, no count.
    type three_ports_t = ^array[3] of mach_port_t;
    routine give_three(server: mach_port_t; ports: three_ports_t; out nulls: int);
    routine get_three(server: mach_port_t; out ports: three_ports_t);
}

fn fields(l: &mig::Layout) -> Vec<(&'static str, usize, usize)> {
    l.fields.iter().map(|f| (f.name, f.offset, f.size)).collect()
}

#[test]
fn layouts_match_apple_mig() {
    // task_get_exception_ports's reply, as Apple MIG lays it out.
    let reply = xports::ROUTINES[0].reply.unwrap();
    assert_eq!((reply.size, reply.complex, reply.descriptors), (808, true, 32));
    assert_eq!(
        fields(&reply),
        [
            ("Head", 0, 24),
            ("msgh_body", 24, 4),
            ("old_handlers", 28, 384),
            ("NDR", 412, 8),
            ("masksCnt", 420, 4),
            ("masks", 424, 128),
            ("old_behaviors", 552, 128),
            ("old_flavors", 680, 128)
        ]
    );
    // mach_eventlink_create's reply: two descriptors and nothing else.
    let pair = xports::ROUTINES[1].reply.unwrap();
    assert_eq!((pair.size, pair.descriptors), (52, 2));
    // task_threads's reply: an out-of-line ports descriptor, NDR, the count.
    let list = xports::ROUTINES[3].reply.unwrap();
    assert_eq!(
        fields(&list)[1..],
        [
            ("msgh_body", 24, 4),
            ("list", 28, 16),
            ("NDR", 44, 8),
            ("listCnt", 52, 4)
        ]
    );
}

struct Ports {
    /// The server's own send right: what it copies into replies (`COPY_SEND`).
    handler: SendRight,
}

impl xports::Server for Ports {
    fn get_ports(
        &self,
        _: mach_port_t,
        mask: i32,
        masks: &mut OutArray<'_, i32>,
        old_behaviors: &mut OutArray<'_, i32>,
        old_flavors: &mut OutArray<'_, i32>,
    ) -> mig::Result<Vec<mach_port_t>> {
        let n = mask as usize;
        masks.extend_from_slice(&vec![1; n])?;
        old_behaviors.extend_from_slice(&vec![2; n])?;
        old_flavors.extend_from_slice(&vec![3; n])?;
        Ok(vec![self.handler.name(); n])
    }
    fn pair(&self, _: mach_port_t) -> mig::Result<Vec<mach_port_t>> {
        Ok(vec![self.handler.name(), self.handler.name()])
    }
    fn give_list(&self, _: mach_port_t, list: Vec<SendRight>) -> mig::Result<i32> {
        Ok(list.len() as i32)
    }
    fn get_list(&self, _: mach_port_t, n: i32) -> mig::Result<Vec<mach_port_t>> {
        Ok(vec![self.handler.name(); n as usize])
    }
    fn give_three(&self, _: mach_port_t, ports: Vec<SendRight>) -> mig::Result<i32> {
        assert_eq!(ports.len(), 3, "a fixed array always arrives whole");
        Ok(ports.iter().filter(|p| p.name() == sys::MACH_PORT_NULL).count() as i32)
    }
    fn get_three(&self, _: mach_port_t) -> mig::Result<Vec<mach_port_t>> {
        Ok(vec![self.handler.name(); 2])
    }
}

fn refs(name: mach_port_t) -> u32 {
    let mut refs = 0;
    // SAFETY: an out-pointer to a local.
    unsafe { sys::mach_port_get_refs(sys::mach_task_self(), name, sys::MACH_PORT_RIGHT_SEND, &mut refs) };
    refs
}

#[test]
fn port_arrays_round_trip() {
    let handler_port = ReceiveRight::allocate().unwrap();
    let handler = handler_port.make_send().unwrap();
    let handler_name = handler.name();
    let server = Running::start(xports::Service(Ports { handler }));
    let port = server.port();

    let (mut masks, mut old_behaviors, mut old_flavors) =
        (InlineArray::new(), InlineArray::new(), InlineArray::new());
    let old_handlers = xports::get_ports(port, 3, &mut masks, &mut old_behaviors, &mut old_flavors).unwrap();
    assert_eq!(
        (&*masks, &*old_behaviors, &*old_flavors),
        (&[1, 1, 1][..], &[2, 2, 2][..], &[3, 3, 3][..])
    );
    assert_eq!(old_handlers.len(), 3);
    assert!(old_handlers.iter().all(|h| h.name() == handler_name));
    // Client and server share this task, so the copies coalesce under one name: the
    // server's reference and the client's three.
    assert_eq!(refs(handler_name), 4, "three references copied to the client");
    drop(old_handlers);
    assert_eq!(refs(handler_name), 1);

    let empty = xports::get_ports(port, 0, &mut masks, &mut old_behaviors, &mut old_flavors).unwrap();
    assert!(empty.is_empty() && masks.is_empty());

    let pair = xports::pair(port).unwrap();
    assert_eq!(pair.len(), 2);
    drop(pair);

    let a = ReceiveRight::allocate().unwrap();
    let a_send = a.make_send().unwrap();
    assert_eq!(xports::give_list(port, &[a_send.name(), a_send.name()]), Ok(2));
    assert_eq!(
        refs(a_send.name()),
        1,
        "the server's copies were released with its Vec"
    );
    let list = xports::get_list(port, 5).unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(refs(handler_name), 6);
    drop(list);
    assert_eq!(refs(handler_name), 1);
    assert!(xports::get_list(port, 0).unwrap().is_empty());

    server.stop();
}

mig::mig! {
    /// `polymorphic`: the disposition is chosen at run time (mach_port_insert_right and
    /// mach_port_extract_right).
    subsystem poly 9100;
    #include <mach/mach_types.defs>
    routine insert(task: mach_port_t; name: mach_port_name_t; poly: mach_port_poly_t);
    routine extract(task: mach_port_t; name: mach_port_name_t; msgt_name: mach_msg_type_name_t;
        out poly: mach_port_poly_t);
}

struct Poly;

impl poly::Server for Poly {
    fn insert(&self, _: mach_port_t, name: u32, poly: mig::PolyPort) -> mig::Result<()> {
        // A send right made from the caller's receive right arrives as PORT_SEND.
        assert_eq!(poly.disposition, sys::MACH_MSG_TYPE_PORT_SEND);
        assert_eq!(poly.name, name, "same task, same name");
        // SAFETY: we own the send right that arrived.
        drop(unsafe { SendRight::from_raw(poly.name) });
        Ok(())
    }
    fn extract(&self, _: mach_port_t, name: u32, msgt_name: u32) -> mig::Result<mig::PolyPort> {
        Ok(mig::PolyPort::new(name, msgt_name))
    }
}

#[test]
fn polymorphic_ports_carry_their_disposition() {
    let layout = poly::ROUTINES[0].request;
    assert_eq!(
        (layout.size, layout.descriptors),
        (52, 1),
        "as Apple MIG's mach_port_insert_right"
    );
    let server = Running::start(poly::Service(Poly));
    let send = server.send_right();

    let target = ReceiveRight::allocate().unwrap();
    let made = mig::PolyPort::new(target.name(), sys::MACH_MSG_TYPE_MAKE_SEND);
    assert_eq!(poly::insert(send.name(), target.name(), made), Ok(()));
    let out = poly::extract(send.name(), target.name(), sys::MACH_MSG_TYPE_MAKE_SEND).unwrap();
    assert_eq!(
        (out.name, out.disposition),
        (target.name(), sys::MACH_MSG_TYPE_PORT_SEND)
    );
    // SAFETY: the send right that arrived is ours.
    drop(unsafe { SendRight::from_raw(out.name) });

    server.stop();
}

mig::mig! {
    /// A polymorphic request port, as `clock_alarm_reply` has: the caller picks the
    /// destination's disposition.
    subsystem alarm 9200;
    #include <mach/mach_types.defs>
    type reply_t = polymorphic | MACH_MSG_TYPE_MAKE_SEND_ONCE;
    simpleroutine ring(alarm_port: reply_t; code: int);
}

struct Alarm(std::sync::mpsc::Sender<i32>);

impl alarm::Server for Alarm {
    fn ring(&self, _: mach_port_t, code: i32) -> mig::Result<()> {
        self.0.send(code).unwrap();
        Ok(())
    }
}

#[test]
fn polymorphic_request_ports_pick_their_disposition() {
    let receive = ReceiveRight::allocate().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut request = mig::MessageBuffer::for_receive(alarm::MAX_REQUEST_SIZE);
    let mut reply = mig::MessageBuffer::with_capacity(alarm::MAX_REPLY_SIZE);
    // MAKE_SEND_ONCE straight from the receive right: no send right needed.
    let port = mig::PolyPort::new(receive.name(), sys::MACH_MSG_TYPE_MAKE_SEND_ONCE);
    alarm::ring(port, 7).unwrap();
    mig::serve_one(
        receive.name(),
        &alarm::Service(Alarm(tx)),
        &mut request,
        &mut reply,
    )
    .unwrap();
    assert_eq!(rx.recv().unwrap(), 7);
}

#[test]
fn fixed_out_of_line_port_arrays_always_carry_n_names() {
    // Header, body and the descriptor: no count, and no NDR with nothing inline.
    let give = xports::ROUTINES[xports::give_three::ID as usize - xports::BASE as usize];
    assert_eq!((give.request.size, give.request.descriptors), (44, 1));
    let get = xports::ROUTINES[xports::get_three::ID as usize - xports::BASE as usize]
        .reply
        .unwrap();
    assert_eq!((get.size, get.complex, get.descriptors), (44, true, 1));

    let handler_port = ReceiveRight::allocate().unwrap();
    let handler = handler_port.make_send().unwrap();
    let handler_name = handler.name();
    let server = Running::start(xports::Service(Ports { handler }));
    let port = server.port();

    let a = ReceiveRight::allocate().unwrap();
    let a_send = a.make_send().unwrap();
    // Two names fill two slots; MIG sends the third as a null name.
    assert_eq!(xports::give_three(port, &[a_send.name(), a_send.name()]), Ok(1));
    assert_eq!(xports::give_three(port, &[a_send.name(); 3]), Ok(0));
    assert_eq!(
        xports::give_three(port, &[a_send.name(); 4]),
        Err(mig::Error::MIG_ARRAY_TOO_LARGE)
    );
    assert_eq!(refs(a_send.name()), 1, "the server released every copy");

    let three = xports::get_three(port).unwrap();
    assert_eq!(three.len(), 3);
    assert_eq!(three[2].name(), sys::MACH_PORT_NULL);
    assert_eq!(refs(handler_name), 3, "two copies reached the client");
    drop(three);
    assert_eq!(refs(handler_name), 1);

    // A descriptor with another count is refused, as Apple MIG's check refuses it.
    // (Two null names in a region of their own.)
    let nulls = [sys::MACH_PORT_NULL; 2];
    let (_, descriptor) =
        mig::__private::ool_ports_exact(nulls, sys::MACH_MSG_TYPE_PORT_SEND as u8, 2).unwrap();
    let mut request = mig::MessageBuffer::for_receive(xports::MAX_REQUEST_SIZE);
    request.write(xports::give_three::Request {
        Head: sys::mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS_COMPLEX,
            msgh_size: core::mem::size_of::<xports::give_three::Request>() as u32,
            msgh_id: xports::give_three::ID,
            ..Default::default()
        },
        msgh_body: sys::mach_msg_body_t {
            msgh_descriptor_count: 1,
        },
        ports: descriptor,
    });
    let mut reply = mig::MessageBuffer::with_capacity(xports::MAX_REPLY_SIZE);
    common::deliver(&mut request).unwrap();
    xports::dispatch(
        &Ports {
            handler: handler_port.make_send().unwrap(),
        },
        &mut request,
        &mut reply,
    );
    assert_eq!(
        &reply.bytes()[32..36],
        &mig::Error::MIG_TYPE_ERROR.code().to_le_bytes()
    );
    // The server loop releases a refused request; called directly, we do.
    // SAFETY: the request is ours and released once.
    unsafe { sys::mach_msg_destroy(request.as_mut_ptr()) };

    server.stop();
}
