//! Round trips over the loopback kernel: client and server generated from one definition.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

use common::Running;

use mig::sys::{self, mach_port_t};
use mig::{Error, MessageBuffer, ReceiveRight};

mig::mig! {
    /// Every scalar shape the foundation supports.
    Subsystem shapes 4200;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>

    type flag_t = boolean_t;
    type small_t = MACH_MSG_TYPE_INTEGER_8;
    type u16_t = uint16_t;

    /// Two in, one out.
    routine add(server: mach_port_t; a: int; b: int; out sum: int);
    /// No data at all: a bare header each way.
    routine ping(server: mach_port_t);
    skip;
    /// Sub-word and 64-bit values, several outs, an inout.
    routine mix(
            server: mach_port_t;
        in  byte: small_t;
        in  half: u16_t;
        in  wide: uint64_t;
        inout counter: natural_t;
        out doubled: int64_t;
        out flag: flag_t);
    /// Nothing comes back.
    simpleroutine note(server: mach_port_t; value: int);
    /// The request port need not come first.
    routine late_port(value: integer_t; RequestPort server: mach_port_t; out echoed: integer_t);
    /// Always fails on the server side.
    routine refuse(server: mach_port_t; out never: int);
    /// A keyword as an argument name.
    routine keywords(server: mach_port_t; type: int; out r#in: int);
}

mig::mig! {
    subsystem prefixed 4300;
    #include <mach/std_types.defs>
    userprefix U_;
    serverprefix S_;
    routine twice(server: mach_port_t; x: int; out y: int);
    /// MIG's old status flag: on the wire an ordinary 32-bit integer.
    simpleroutine done(server: mach_port_t; status: kern_return_t, RetCode);
}

#[derive(Default)]
struct Impl {
    notes: AtomicU32,
}

impl shapes::Server for Impl {
    fn add(&self, _: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        Ok(a.wrapping_add(b))
    }
    fn ping(&self, _: mach_port_t) -> mig::Result<()> {
        Ok(())
    }
    fn mix(
        &self,
        _: mach_port_t,
        byte: i8,
        half: u16,
        wide: u64,
        counter: u32,
    ) -> mig::Result<shapes::mix::Output> {
        Ok(shapes::mix::Output {
            counter: counter + 1,
            doubled: (wide as i64) * 2 + i64::from(byte) + i64::from(half),
            flag: 1,
        })
    }
    fn note(&self, _: mach_port_t, value: i32) -> mig::Result<()> {
        self.notes.fetch_add(value as u32, Ordering::SeqCst);
        Ok(())
    }
    fn late_port(&self, value: i32, _: mach_port_t) -> mig::Result<i32> {
        Ok(value)
    }
    fn refuse(&self, _: mach_port_t) -> mig::Result<i32> {
        Err(Error::KERN_NO_ACCESS)
    }
    fn keywords(&self, _: mach_port_t, r#type: i32) -> mig::Result<i32> {
        Ok(-r#type)
    }
}

struct Twice;

/// What `S_done` received last (only one test calls it).
static LAST_STATUS: AtomicU32 = AtomicU32::new(0);

impl prefixed::Server for Twice {
    fn S_twice(&self, _: mach_port_t, x: i32) -> mig::Result<i32> {
        Ok(2 * x)
    }

    fn S_done(&self, _: mach_port_t, status: i32) -> mig::Result<()> {
        LAST_STATUS.store(status as u32, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn scalars_round_trip() {
    let server = Running::start(shapes::Service(Impl::default()));
    let port = server.port();
    assert_eq!(shapes::add(port, 2, 40), Ok(42));
    assert_eq!(shapes::ping(port), Ok(()));
    let out = shapes::mix(port, -3, 500, 1 << 40, 7).unwrap();
    assert_eq!(
        out,
        shapes::mix::Output {
            counter: 8,
            doubled: (1 << 41) - 3 + 500,
            flag: 1
        }
    );
    assert_eq!(shapes::late_port(9, port), Ok(9));
    assert_eq!(shapes::keywords(port, 5), Ok(-5));
    server.stop();
}

#[test]
fn ids_follow_skips() {
    assert_eq!(shapes::add::ID, 4200);
    assert_eq!(shapes::add::REPLY_ID, 4300);
    assert_eq!(shapes::mix::ID, 4203);
    assert_eq!(shapes::END, 4208);
    assert_eq!(shapes::ROUTINES.len(), 7);
    assert!(
        shapes::ROUTINES[3].reply.is_none(),
        "a simpleroutine has no reply"
    );
}

#[test]
fn handler_errors_reach_the_client() {
    let server = Running::start(shapes::Service(Impl::default()));
    let client = shapes::Client::new(server.right());
    assert_eq!(client.refuse(), Err(Error::KERN_NO_ACCESS));
    // The connection stays usable.
    assert_eq!(client.add(1, 1), Ok(2));
}

#[test]
fn simpleroutines_do_not_wait() {
    let server = Running::start(shapes::Service(Impl::default()));
    let port = server.port();
    shapes::note(port, 5).unwrap();
    shapes::note(port, 6).unwrap();
    // A routine after them is answered after them: the queue is ordered.
    assert_eq!(shapes::add(port, 0, 0), Ok(0));
    server.stop();
}

#[test]
fn prefixes_rename_functions() {
    let server = Running::start(prefixed::Service(Twice));
    assert_eq!(prefixed::Client::new(server.right()).U_twice(21), Ok(42));
}

#[test]
fn a_ret_code_argument_travels_as_an_integer() {
    assert_eq!(prefixed::ROUTINES[1].request.size, 24 + 8 + 4);
    let server = Running::start(prefixed::Service(Twice));
    let client = prefixed::Client::new(server.right());
    client.U_done(5).unwrap();
    // The reply to a routine sent after it proves the note was handled.
    assert_eq!(client.U_twice(1), Ok(2));
    server.stop();
    assert_eq!(LAST_STATUS.load(Ordering::SeqCst), 5);
}

#[test]
fn unknown_id_gets_mig_bad_id() {
    let server = Running::start(shapes::Service(Impl::default()));
    // Call `prefixed::twice` (id 4300) on the `shapes` server, which has no such id.
    assert_eq!(
        prefixed::Client::new(server.right()).U_twice(1),
        Err(Error::MIG_BAD_ID)
    );
    // The skipped id 4202 is unknown as well.
    let mut request = MessageBuffer::with_capacity(64);
    request.header_mut().msgh_id = 4202;
    let mut reply = MessageBuffer::with_capacity(64);
    assert!(!shapes::dispatch(&Impl::default(), &mut request, &mut reply));
    assert_eq!(reply.header().msgh_id, 4302);
    assert_eq!(reply.header().msgh_size, 36);
    assert_eq!(&reply.bytes()[32..36], &(-303i32).to_le_bytes());
}

#[test]
fn two_subsystems_can_share_a_port() {
    let server = Running::start((shapes::Service(Impl::default()), prefixed::Service(Twice)));
    assert_eq!(shapes::Client::new(server.right()).add(2, 3), Ok(5));
    assert_eq!(prefixed::Client::new(server.right()).U_twice(21), Ok(42));
    // Each subsystem checks its own ids: the skipped 4202 is still unknown, and so is
    // an id outside both ranges.
    let mut request = MessageBuffer::with_capacity(64);
    let mut reply = MessageBuffer::with_capacity(64);
    let both = (shapes::Service(Impl::default()), prefixed::Service(Twice));
    for id in [4202, 4299, 4302, 9999] {
        request.header_mut().msgh_id = id;
        assert!(!mig::Demux::demux(&both, &mut request, &mut reply), "id {id}");
        assert_eq!(reply.header().msgh_id, id + 100);
        assert_eq!(&reply.bytes()[32..36], &(-303i32).to_le_bytes());
    }
    assert_eq!(
        <(shapes::Service<Impl>, prefixed::Service<Twice>) as mig::Demux>::MAX_REQUEST_SIZE,
        shapes::MAX_REQUEST_SIZE.max(prefixed::MAX_REQUEST_SIZE)
    );
}

#[test]
fn malformed_requests_get_mig_bad_arguments() {
    let mut request = MessageBuffer::for_receive(64);
    let head = request.header_mut();
    head.msgh_id = shapes::add::ID;
    head.msgh_size = 36; // `add` requests are 40 bytes
    let mut reply = MessageBuffer::with_capacity(64);
    common::deliver(&mut request).unwrap();
    assert!(shapes::dispatch(&Impl::default(), &mut request, &mut reply));
    assert_eq!(reply.header().msgh_size, 36);
    assert_eq!(&reply.bytes()[32..36], &(-304i32).to_le_bytes());
    // The complex bit on a routine without descriptors is refused too.
    request.header_mut().msgh_size = 40;
    request.header_mut().msgh_bits = sys::MACH_MSGH_BITS_COMPLEX;
    request.header_mut().msgh_local_port = sys::MACH_PORT_NULL;
    common::deliver(&mut request).unwrap();
    shapes::dispatch(&Impl::default(), &mut request, &mut reply);
    assert_eq!(&reply.bytes()[32..36], &(-304i32).to_le_bytes());
}

#[test]
fn dead_server_is_an_error_not_a_hang() {
    let server = Running::start(shapes::Service(Impl::default()));
    let send = server.send_right();
    server.stop();
    assert_eq!(shapes::add(send.name(), 1, 2), Err(Error::MACH_SEND_INVALID_DEST));
    assert_eq!(shapes::note(send.name(), 1), Err(Error::MACH_SEND_INVALID_DEST));
}

#[test]
fn server_that_drops_the_request_gives_mig_server_died() {
    // A "server" that receives the request and destroys it unanswered.
    let receive = ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let name = receive.name();
    let thread = thread::spawn(move || {
        let mut buffer = MessageBuffer::for_receive(64);
        // SAFETY: a receive into a buffer of the stated capacity.
        let kr = unsafe {
            sys::mach_msg(
                buffer.as_mut_ptr(),
                sys::MACH_RCV_MSG,
                0,
                buffer.capacity() as u32,
                name,
                0,
                0,
            )
        };
        assert_eq!(kr, 0);
        // SAFETY: we own the received message and release it once.
        unsafe { sys::mach_msg_destroy(buffer.as_mut_ptr()) };
        receive
    });
    assert_eq!(shapes::add(send.name(), 1, 2), Err(Error::MIG_SERVER_DIED));
    drop(thread.join().unwrap());
}

#[test]
fn wire_bytes_match_apple_mig() {
    // The request `add2(a = 40, b = 2)` as Apple's stub sends it (golden README), minus the
    // ports, which the kernel chooses.
    let request = shapes::add::Request {
        Head: mig::__private::HEADER,
        NDR: mig::__private::NDR,
        a: 40,
        b: 2,
    };
    // SAFETY: a packed plain-data struct viewed as its bytes.
    let bytes: &[u8] = unsafe {
        core::slice::from_raw_parts(
            (&raw const request).cast::<u8>(),
            core::mem::size_of_val(&request),
        )
    };
    assert_eq!(&bytes[24..], &[0, 0, 0, 0, 1, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0]);
}

mig::mig! {
    subsystem quiet 4400;
    #include <mach/std_types.defs>
    /// The handler answers some calls and not others.
    routine maybe(server: mach_port_t; answer: boolean_t; out value: int);
}

struct Quiet;

impl quiet::Server for Quiet {
    fn maybe(&self, _: mach_port_t, answer: u32) -> mig::Result<i32> {
        if answer != 0 { Ok(7) } else { Err(Error::NO_REPLY) }
    }
}

impl mig::StaticServer for Quiet {
    fn instance() -> &'static Self {
        &Quiet
    }
}

/// Sends a raw `maybe` request with its own reply port; returns that port.
fn send_maybe(dest: mach_port_t, answer: u32) -> ReceiveRight {
    let reply_port = ReceiveRight::allocate().unwrap();
    let mut request = quiet::maybe::Request {
        Head: mig::__private::HEADER,
        NDR: mig::__private::NDR,
        answer,
    };
    request.Head.msgh_bits =
        sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, sys::MACH_MSG_TYPE_MAKE_SEND_ONCE);
    request.Head.msgh_remote_port = dest;
    request.Head.msgh_local_port = reply_port.name();
    request.Head.msgh_id = quiet::maybe::ID;
    // SAFETY: a complete request of the size given.
    let kr = unsafe {
        sys::mach_msg(
            (&raw mut request).cast(),
            sys::MACH_SEND_MSG,
            core::mem::size_of_val(&request) as u32,
            0,
            0,
            0,
            0,
        )
    };
    assert_eq!(kr, 0);
    reply_port
}

/// Polls `port` for a message: its msgh_id, or the receive error.
fn poll(port: &ReceiveRight) -> Result<i32, i32> {
    let mut buffer = MessageBuffer::for_receive(64);
    // SAFETY: a receive into a buffer of the stated capacity.
    let kr = unsafe {
        sys::mach_msg(
            buffer.as_mut_ptr(),
            sys::MACH_RCV_MSG | sys::MACH_RCV_TIMEOUT,
            0,
            buffer.capacity() as u32,
            port.name(),
            0,
            0,
        )
    };
    if kr != 0 {
        return Err(kr);
    }
    let id = buffer.header().msgh_id;
    // SAFETY: a received message, released once.
    unsafe { sys::mach_msg_destroy(buffer.as_mut_ptr()) };
    Ok(id)
}

/// `NO_REPLY` sends no reply; the reply right is released (the handler cannot answer
/// later), so what reaches the reply port is its send-once notification.
#[test]
fn no_reply_sends_nothing() {
    let port = ReceiveRight::allocate().unwrap();
    let send = port.make_send().unwrap();
    let mut request = MessageBuffer::for_receive(quiet::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(quiet::MAX_REPLY_SIZE);

    let answered = send_maybe(send.name(), 1);
    let served = mig::serve_one(port.name(), &quiet::Service(Quiet), &mut request, &mut reply);
    assert_eq!(served, Ok(mig::Served::Handled));
    assert_eq!(poll(&answered), Ok(quiet::maybe::REPLY_ID));

    let unanswered = send_maybe(send.name(), 0);
    mig::serve_one(port.name(), &quiet::Service(Quiet), &mut request, &mut reply).unwrap();
    // MACH_NOTIFY_SEND_ONCE, not a reply.
    assert_eq!(poll(&unanswered), Ok(0o107));
    assert_eq!(poll(&unanswered), Err(sys::MACH_RCV_TIMED_OUT));
}

#[test]
fn c_demux_has_migs_signature() {
    let demux: unsafe extern "C" fn(
        *mut sys::mach_msg_header_t,
        *mut sys::mach_msg_header_t,
    ) -> sys::boolean_t = quiet::demux::<Quiet>;
    let mut request = MessageBuffer::for_receive(quiet::MAX_REQUEST_SIZE);
    request.write(quiet::maybe::Request {
        Head: sys::mach_msg_header_t {
            msgh_size: core::mem::size_of::<quiet::maybe::Request>() as u32,
            msgh_id: quiet::maybe::ID,
            ..Default::default()
        },
        NDR: mig::__private::NDR,
        answer: 1,
    });
    let mut reply = MessageBuffer::with_capacity(quiet::MAX_REPLY_SIZE);
    // SAFETY: a request with room for its trailer, and a reply buffer of MAX_REPLY_SIZE.
    let known = unsafe { demux(request.as_mut_ptr(), reply.as_mut_ptr()) };
    assert_eq!(known, 1);
    let out = reply.view::<quiet::maybe::Reply>().unwrap();
    assert_eq!({ out.Head.msgh_id }, quiet::maybe::REPLY_ID);
    assert_eq!(({ out.RetCode }, { out.value }), (0, 7));

    request.header_mut().msgh_id = 9999;
    // SAFETY: as above.
    assert_eq!(unsafe { demux(request.as_mut_ptr(), reply.as_mut_ptr()) }, 0);
}

mig::mig! {
    /// Trailer arguments: the server learns who is calling.
    subsystem whoami 4500;
    #include <mach/mach_types.defs>
    routine who(server: mach_port_t; ServerAuditToken caller: audit_token_t;
        msgseqno seqno: mach_port_seqno_t; ServerSecToken sender: security_token_t;
        out pid: int; out uid: uint32_t);
}

struct WhoAmI;

impl whoami::Server for WhoAmI {
    fn who(
        &self,
        _: mach_port_t,
        caller: mig::AuditToken,
        _seqno: u32,
        sender: mig::SecurityToken,
    ) -> mig::Result<whoami::who::Output> {
        // The audit token's euid and the security token's uid agree.
        if caller.euid() != sender.uid() {
            return Err(Error::KERN_FAILURE);
        }
        Ok(whoami::who::Output {
            pid: caller.pid(),
            uid: caller.euid(),
        })
    }
}

#[test]
fn trailer_arguments_identify_the_caller() {
    assert_eq!(
        whoami::ROUTINES[0].request.size,
        24,
        "trailer arguments are not in the message"
    );
    let server = Running::start(whoami::Service(WhoAmI));
    let out = whoami::Client::new(server.right()).who().unwrap();
    assert_eq!(out.pid as u32, std::process::id());
}

/// A request written by hand, with a trailer that says the caller is root (euid 0,
/// pid 1), never reaches the handler: only a kernel receive vouches for a trailer.
#[test]
fn a_trailer_written_by_hand_is_not_an_identity() {
    struct Refuses;
    impl whoami::Server for Refuses {
        fn who(
            &self,
            _: mach_port_t,
            _: mig::AuditToken,
            _: u32,
            _: mig::SecurityToken,
        ) -> mig::Result<whoami::who::Output> {
            panic!("a handler saw a forged caller identity");
        }
    }
    let mut request = MessageBuffer::for_receive(whoami::MAX_REQUEST_SIZE);
    request.header_mut().msgh_id = whoami::who::ID;
    request.header_mut().msgh_size = 24;
    // A format-0 trailer of 52 bytes (up to the audit token): seqno 1234, security
    // token uid 0, audit token euid 0 and pid 1.
    let trailer: [u32; 13] = [0, 52, 1234, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
    for (i, word) in trailer.iter().enumerate() {
        request.bytes_mut()[24 + 4 * i..28 + 4 * i].copy_from_slice(&word.to_ne_bytes());
    }
    assert!(!request.is_received());
    let mut reply = MessageBuffer::with_capacity(64);
    whoami::dispatch(&Refuses, &mut request, &mut reply);
    assert_eq!(
        &reply.bytes()[32..36],
        &Error::MIG_BAD_ARGUMENTS.code().to_le_bytes()
    );
    // The same request through the kernel gets the kernel's trailer: the real caller.
    common::deliver(&mut request).unwrap();
    whoami::dispatch(&WhoAmI, &mut request, &mut reply);
    let out = reply.view::<whoami::who::Reply>().unwrap();
    assert_eq!(({ out.RetCode }, { out.pid } as u32), (0, std::process::id()));
}

mig::mig! {
    /// Trailer arguments on the client's side: the client learns who answered.
    subsystem whoareyou 4550;
    #include <mach/mach_types.defs>
    /// Only the client gets a token.
    routine answer(server: mach_port_t; UserAuditToken server_token: audit_token_t; out n: int);
    /// Both sides get one (`SecToken` is both `ServerSecToken` and `UserSecToken`), and
    /// the client also gets the server's audit token; two `out`s.
    routine both(server: mach_port_t; SecToken token: security_token_t;
        UserAuditToken server_token: audit_token_t; out uid: uint32_t; out n: int);
    /// A token and nothing else.
    routine bare(server: mach_port_t; UserSecToken token: security_token_t);
}

struct Answering;

impl whoareyou::Server for Answering {
    fn answer(&self, _: mach_port_t) -> mig::Result<i32> {
        Ok(7)
    }
    fn both(&self, _: mach_port_t, token: mig::SecurityToken) -> mig::Result<whoareyou::both::ServerOutput> {
        Ok(whoareyou::both::ServerOutput {
            uid: token.uid(),
            n: 8,
        })
    }
    fn bare(&self, _: mach_port_t) -> mig::Result<()> {
        Ok(())
    }
}

#[test]
fn user_trailer_arguments_identify_the_server() {
    let server = Running::start(whoareyou::Service(Answering));
    let client = whoareyou::Client::new(server.right());
    let pid = std::process::id();
    let out = client.answer().unwrap();
    assert_eq!((out.n, out.server_token.pid() as u32), (7, pid));
    let out = client.both().unwrap();
    assert_eq!(out.n, 8);
    assert_eq!(
        out.uid,
        out.token.uid(),
        "the server saw the client's uid, the client the server's"
    );
    assert_eq!(out.server_token.pid() as u32, pid);
    assert_eq!(
        out.server_token.euid(),
        out.token.uid(),
        "audit euid and security uid agree"
    );
    let token: mig::SecurityToken = client.bare().unwrap();
    assert_eq!(token, out.token);
}

mig::mig! {
    /// `waittime` and `msgoption`, as statements and as arguments.
    subsystem patient 4600;
    #include <mach/mach_types.defs>
    waittime 50;
    routine quick(server: mach_port_t; out v: int);
    nowaittime;
    routine chosen(server: mach_port_t; waittime timeout: natural_t; msgoption options: mach_msg_options_t;
        out v: int);
    msgoption MACH_SEND_TIMEOUT;
    routine with_option(server: mach_port_t; out v: int);
}

#[test]
fn waittime_makes_a_silent_server_a_timeout() {
    // A port nobody serves: the request is queued, no reply ever comes.
    let silent = ReceiveRight::allocate().unwrap();
    let send = silent.make_send().unwrap();
    let started = std::time::Instant::now();
    assert_eq!(patient::quick(send.name()), Err(Error::MACH_RCV_TIMED_OUT));
    assert!(started.elapsed() >= std::time::Duration::from_millis(50));
    assert_eq!(
        patient::chosen(send.name(), 10, 0),
        Err(Error::MACH_RCV_TIMED_OUT)
    );
    // The reply ports were discarded (a late reply cannot be mistaken for the next
    // call's): the next call still works against a real server.
    struct Answer;
    impl patient::Server for Answer {
        fn quick(&self, _: mach_port_t) -> mig::Result<i32> {
            Ok(1)
        }
        fn chosen(&self, _: mach_port_t) -> mig::Result<i32> {
            Ok(2)
        }
        fn with_option(&self, _: mach_port_t) -> mig::Result<i32> {
            Ok(3)
        }
    }
    let server = Running::start(patient::Service(Answer));
    let client = patient::Client::new(server.right());
    assert_eq!(client.quick(), Ok(1));
    assert_eq!(client.chosen(1000, 0), Ok(2));
    assert_eq!(client.with_option(), Ok(3));
}

#[test]
fn several_threads_can_serve_one_port() {
    use std::sync::Arc;
    let receive = ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let service = Arc::new(shapes::Service(Impl::default()));
    let name = receive.name();
    let servers: Vec<_> = (0..4)
        .map(|_| {
            let service = Arc::clone(&service);
            thread::spawn(move || mig::serve(name, &*service))
        })
        .collect();
    let clients: Vec<_> = (0..8)
        .map(|i| {
            let port = send.name();
            thread::spawn(move || {
                for j in 0..200 {
                    assert_eq!(shapes::add(port, i, j), Ok(i + j));
                    shapes::note(port, 1).unwrap();
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    // Every note is handled exactly once; the last ones may still be in flight.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while service.0.notes.load(Ordering::SeqCst) < 8 * 200 && std::time::Instant::now() < deadline {
        thread::yield_now();
    }
    assert_eq!(service.0.notes.load(Ordering::SeqCst), 8 * 200);
    drop(receive);
    for server in servers {
        server.join().unwrap().unwrap();
    }
}

#[test]
fn a_shutdown_stops_every_loop_and_leaves_the_port_served_later() {
    use std::sync::Arc;
    let receive = ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let name = receive.name();
    let service = Arc::new(shapes::Service(Impl::default()));
    let shutdown = Arc::new(mig::Shutdown::new(send.clone()));
    let loops: Vec<_> = (0..3)
        .map(|_| {
            let (service, shutdown) = (Arc::clone(&service), Arc::clone(&shutdown));
            thread::spawn(move || mig::serve_until(name, &*service, &shutdown))
        })
        .collect();
    for i in 0..50 {
        assert_eq!(shapes::add(send.name(), i, 1), Ok(i + 1));
    }
    // A forged wake-up before the shutdown is requested is just an unknown id.
    let mut forged = mig::sys::mach_msg_header_t {
        msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, 0),
        msgh_size: 24,
        msgh_remote_port: send.name(),
        msgh_local_port: 0,
        msgh_voucher_port: 0,
        msgh_id: i32::MIN,
    };
    // SAFETY: a header-only message.
    let kr = unsafe { sys::mach_msg(&mut forged, sys::MACH_SEND_MSG, 24, 0, 0, 0, 0) };
    assert_eq!(kr, sys::MACH_MSG_SUCCESS);
    assert_eq!(shapes::add(send.name(), 1, 1), Ok(2), "still serving");

    shutdown.request().unwrap();
    for l in loops {
        l.join().unwrap().unwrap();
    }
    // The port and its receive right are intact: a request waits for the next server.
    shapes::note(send.name(), 7).unwrap();
    let later = thread::spawn(move || mig::serve(name, &shapes::Service(Impl::default())));
    assert_eq!(shapes::add(send.name(), 20, 22), Ok(42));
    drop(receive);
    later.join().unwrap().unwrap();
}

/// A shutdown requested while the port's queue is full: the wake-up times out, and XNU
/// hands it back (`mach_msg_receive_pseudo` in `osfmk/ipc/mach_msg.c`,
/// `ipc_kmsg_copyout_pseudo` in `osfmk/ipc/ipc_kmsg.c`) with the copied send right
/// renamed into the sender's space under the same name: one more user reference, which
/// `Shutdown` releases (else the port would never see no-senders). Error bits or-ed
/// into the timeout change nothing.
#[cfg(not(target_vendor = "apple"))]
#[test]
fn a_shutdown_whose_wake_up_times_out_keeps_no_extra_send_reference() {
    let receive = ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let name = send.name();
    // A queue of one message, full.
    let mut qlimit: sys::integer_t = 1;
    // SAFETY: our receive right, and an info of one integer.
    let kr = unsafe {
        sys::mach_port_set_attributes(
            sys::mach_task_self(),
            receive.name(),
            sys::MACH_PORT_LIMITS_INFO,
            &mut qlimit,
            1,
        )
    };
    assert_eq!(kr, sys::KERN_SUCCESS);
    shapes::note(name, 1).unwrap();
    let refs = || {
        let mut refs = 0;
        // SAFETY: an out-pointer to a local.
        unsafe { sys::mach_port_get_refs(sys::mach_task_self(), name, sys::MACH_PORT_RIGHT_SEND, &mut refs) };
        refs
    };
    let shutdown = mig::Shutdown::new(send);
    for bits in [0, sys::MACH_MSG_IPC_SPACE] {
        sys::loopback_pseudo_receive_timeouts(Some(bits));
        let requested = shutdown.request();
        sys::loopback_pseudo_receive_timeouts(None);
        assert_eq!(requested, Ok(()));
        assert_eq!(refs(), 1, "the handed-back reference was released");
    }
    drop(shutdown);
    assert_eq!(refs(), 0);
    drop(receive);
}

mig::mig! {
    subsystem special 4700;
    #include <mach/std_types.defs>
    UseSpecialReplyPort 1;
    routine echo(server: mach_port_t; x: int; out y: int);
    waittime 20;
    routine hurried(server: mach_port_t; out y: int);
    UseSpecialReplyPort 0;
    routine plain(server: mach_port_t; out y: int);
}

struct Echo;

impl special::Server for Echo {
    fn echo(&self, _: mach_port_t, x: i32) -> mig::Result<i32> {
        Ok(x)
    }
    fn hurried(&self, _: mach_port_t) -> mig::Result<i32> {
        Ok(1)
    }
    fn plain(&self, _: mach_port_t) -> mig::Result<i32> {
        Ok(2)
    }
}

#[test]
fn use_special_reply_port_receives_on_the_threads_special_port() {
    // Fresh threads, so that the reply ports seen here are this test's alone.
    thread::spawn(|| {
        let server = Running::start(special::Service(Echo));
        // SAFETY: asking for this thread's reply ports has no precondition.
        let (mig_port, special_port) =
            unsafe { (sys::mig_get_reply_port(), sys::mig_get_special_reply_port()) };
        assert_ne!(mig_port, special_port);
        assert_eq!(special::Client::new(server.right()).echo(5), Ok(5));
        assert_eq!(special::Client::new(server.right()).plain(), Ok(2));
        // SAFETY: as above.
        assert_eq!(
            unsafe { sys::mig_get_special_reply_port() },
            special_port,
            "kept after a call"
        );

        // A timeout discards the port the stub waited on: the special one, not the MIG one.
        let silent = ReceiveRight::allocate().unwrap();
        let send = silent.make_send().unwrap();
        assert_eq!(special::hurried(send.name()), Err(Error::MACH_RCV_TIMED_OUT));
        // SAFETY: as above.
        let (mig_after, special_after) =
            unsafe { (sys::mig_get_reply_port(), sys::mig_get_special_reply_port()) };
        assert_eq!(mig_after, mig_port);
        assert_ne!(special_after, special_port);
        assert_eq!(special::Client::new(server.right()).echo(6), Ok(6));
    })
    .join()
    .unwrap();
}

#[test]
fn one_loop_serves_a_port_set() {
    let (a, b) = (
        ReceiveRight::allocate().unwrap(),
        ReceiveRight::allocate().unwrap(),
    );
    let (to_a, to_b) = (a.make_send().unwrap(), b.make_send().unwrap());
    let mut set = 0;
    // SAFETY: our own task; out-pointer to a local.
    let kr =
        unsafe { sys::mach_port_allocate(sys::mach_task_self(), sys::MACH_PORT_RIGHT_PORT_SET, &mut set) };
    assert_eq!(kr, sys::KERN_SUCCESS);
    for member in [a.name(), b.name()] {
        // SAFETY: our receive rights and port set.
        let kr = unsafe { sys::mach_port_insert_member(sys::mach_task_self(), member, set) };
        assert_eq!(kr, sys::KERN_SUCCESS);
    }
    let server = thread::spawn(move || mig::serve(set, &shapes::Service(Impl::default())));
    // Requests to either member are served, each to the port it was sent to.
    assert_eq!(shapes::late_port(7, to_a.name()), Ok(7));
    assert_eq!(shapes::add(to_b.name(), 2, 2), Ok(4));
    // Destroying the set ends the loop; the members stay.
    // SAFETY: our port set.
    unsafe { sys::mach_port_destroy(sys::mach_task_self(), set) };
    server.join().unwrap().unwrap();
    drop((a, b));
}
