//! The server side against hostile peers and careless callers: what reaches handlers
//! through the C demux, replies that cannot be built or delivered, handlers that do not
//! answer, and what the server loop does with receive errors. Every test counts the
//! loopback's live rights and regions to show nothing is left behind. (Loopback only:
//! the accounting is the loopback's.)

#![cfg(not(target_vendor = "apple"))]

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{Running, accounting, in_new_task};
use mig::sys::{self, kern_return_t, mach_msg_header_t, mach_port_t};
use mig::{Error, MessageBuffer, OutOfLine, ReceiveRight, SendOnceRight, SendRight};

mig::mig! {
    subsystem hostile 15000;
    #include <mach/mach_types.defs>
    type ints64_t = array[*:64] of int;
    type words_t = array[] of int;
    type block_t = array[32] of int;
    type names32_t = array[*:32] of mach_port_make_send_t;
    /// A variable inline array before an out-of-line array's count.
    routine mixed(server: mach_port_t; a: ints64_t; b: words_t; out n: int);
    /// A request whose body lies where a shorter request's trailer is read.
    simpleroutine filler(server: mach_port_t; data: block_t);
    /// Trailer arguments.
    routine who(server: mach_port_t; msgseqno seqno: mach_port_seqno_t;
        ServerAuditToken caller: audit_token_t; out n: int);
    /// Its handler returns `NO_REPLY` without holding the reply port.
    routine quiet(server: mach_port_t; out n: int);
    /// Its handler answers through the deferred `reply`, with `count` names.
    routine later(server: mach_port_t; sreplyport reply: mach_port_make_send_once_t; count: int;
        out names: names32_t);
    /// Its handler takes the right, then fails.
    routine refuse(server: mach_port_t; right: mach_port_move_send_t; out n: int);
    /// Its handler re-enters the C demux of another subsystem on its thread.
    routine relay(server: mach_port_t; out n: int);
    /// Its handler destroys the port `victim` names (the request's reply port).
    routine kill(server: mach_port_t; victim: mach_port_name_t; out n: int);
    /// Its handler moves a right into the reply, beside a name it does not hold.
    routine bogus(server: mach_port_t; out moved: mach_port_move_send_t;
        out made: mach_port_make_send_t);
}

mig::mig! {
    /// A subsystem with larger requests and replies than `hostile`'s.
    subsystem wide 15100;
    #include <mach/std_types.defs>
    type wide_t = array[256] of int;
    routine big_in(server: mach_port_t; x: wide_t; out sum: int);
    routine big_out(server: mach_port_t; seed: int; out x: wide_t);
}

std::thread_local! {
    /// What `who` saw: the sequence number and audit token its handler was given, kept
    /// by the thread that served it (tests that serve `who` run in parallel).
    static SEEN: std::cell::RefCell<Option<(u32, mig::AuditToken)>> = const { std::cell::RefCell::new(None) };
}
/// The port `relay` takes its relayed request from.
static RELAY_FROM: AtomicU32 = AtomicU32::new(0);

struct Hostile;

impl hostile::Server for Hostile {
    fn mixed(&self, _: mach_port_t, a: &[i32], b: OutOfLine<i32>) -> mig::Result<i32> {
        Ok(a.iter().chain(b.as_slice()).sum())
    }
    fn filler(&self, _: mach_port_t, _: [i32; 32]) -> mig::Result<()> {
        Ok(())
    }
    fn who(&self, _: mach_port_t, seqno: u32, caller: mig::AuditToken) -> mig::Result<i32> {
        SEEN.set(Some((seqno, caller)));
        Ok(0)
    }
    fn quiet(&self, _: mach_port_t) -> mig::Result<i32> {
        Err(Error::NO_REPLY)
    }
    fn later(&self, _: mach_port_t, reply: SendOnceRight, count: i32) -> mig::Result<()> {
        let port = ReceiveRight::allocate().unwrap();
        let names = vec![port.name(); count as usize];
        let sent = hostile::later::reply(reply, Ok(names));
        *LATER_SENT.lock().unwrap() = Some(sent);
        Ok(())
    }
    fn refuse(&self, _: mach_port_t, _right: SendRight) -> mig::Result<i32> {
        Err(Error::KERN_INVALID_ARGUMENT)
    }
    fn kill(&self, _: mach_port_t, victim: mach_port_t) -> mig::Result<i32> {
        // SAFETY: takes no pointers; the test gave up its receive right under `victim`.
        unsafe { sys::mach_port_destroy(sys::mach_task_self(), victim) };
        Ok(0)
    }
    fn bogus(&self, _: mach_port_t) -> mig::Result<hostile::bogus::ServerOutput> {
        let moved = GIFT.lock().unwrap().take().expect("a right to move");
        Ok(hostile::bogus::ServerOutput {
            moved,
            made: 0x0bad_0b03,
        })
    }
    fn relay(&self, _: mach_port_t) -> mig::Result<i32> {
        let from = RELAY_FROM.load(Ordering::SeqCst);
        // As a C server sizes its buffers: MIG's maxsize covers requests and replies.
        c_serve_once(
            from,
            wide::demux::<Wide>,
            wide::MAX_REQUEST_SIZE.max(wide::MAX_REPLY_SIZE),
        );
        Ok(1)
    }
}

/// The right `bogus` moves into its reply.
static GIFT: Mutex<Option<SendRight>> = Mutex::new(None);

/// What the deferred `reply` of `later` returned.
static LATER_SENT: Mutex<Option<mig::Result<()>>> = Mutex::new(None);

impl mig::StaticServer for Hostile {
    fn instance() -> &'static Self {
        &Hostile
    }
}

struct Wide;

impl wide::Server for Wide {
    fn big_in(&self, _: mach_port_t, x: [i32; 256]) -> mig::Result<i32> {
        Ok(x.iter().sum())
    }
    fn big_out(&self, _: mach_port_t, seed: i32) -> mig::Result<[i32; 256]> {
        Ok(core::array::from_fn(|i| seed + i as i32))
    }
}

impl mig::StaticServer for Wide {
    fn instance() -> &'static Self {
        &Wide
    }
}

type CDemux = unsafe extern "C" fn(*mut mach_msg_header_t, *mut mach_msg_header_t) -> sys::boolean_t;

/// The receive option a C server passes for audit trailers:
/// `MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
/// MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT)`.
const AUDIT_TRAILER: i32 = sys::MACH_RCV_TRAILER_TYPE(0) | sys::MACH_RCV_TRAILER_ELEMENTS(3);

/// One turn of libsystem's `mach_msg_server_once` (libsyscall/mach/mach_msg.c) over the
/// loopback, through C demuxes chained as C servers chain them (`a(..) || b(..)`):
/// receive into a buffer of our own (asking for the audit trailer), demux, destroy a
/// failed request (not its reply right), send the reply unless there is none, and
/// destroy a reply whose send failed recoverably. Returns the request's trailer.
fn c_serve_chain(port: mach_port_t, demuxes: &[CDemux], max_size: usize) -> Vec<u8> {
    let mut request = vec![0u64; (max_size + sys::MAX_TRAILER_SIZE as usize).div_ceil(8)];
    let mut reply = vec![0u64; max_size.div_ceil(8).max(8)];
    let request = request.as_mut_ptr().cast::<mach_msg_header_t>();
    let reply = reply.as_mut_ptr().cast::<mach_msg_header_t>();
    // SAFETY: a receive into a buffer of the stated size.
    let kr = unsafe {
        sys::mach_msg(
            request,
            sys::MACH_RCV_MSG | AUDIT_TRAILER,
            0,
            (max_size + sys::MAX_TRAILER_SIZE as usize) as u32,
            port,
            sys::MACH_MSG_TIMEOUT_NONE,
            sys::MACH_PORT_NULL,
        )
    };
    assert_eq!(kr, sys::KERN_SUCCESS);
    // SAFETY: the kernel wrote the message and its trailer, which starts with its
    // format and size.
    let trailer = unsafe {
        let at = ((*request).msgh_size as usize).next_multiple_of(4);
        let len = request.cast::<u8>().add(at + 4).cast::<u32>().read_unaligned() as usize;
        std::slice::from_raw_parts(request.cast::<u8>().add(at), len).to_vec()
    };
    for demux in demuxes {
        // SAFETY: a received request with its trailer, and a reply buffer of
        // `max_size` bytes, at least every demux's MAX_REPLY_SIZE.
        if unsafe { demux(request, reply) } != 0 {
            break;
        }
    }
    // SAFETY: the reply buffer holds at least a `mig_reply_error_t` the demux wrote.
    unsafe {
        let complex = (*reply).msgh_bits & sys::MACH_MSGH_BITS_COMPLEX != 0;
        let ret_code = reply
            .cast::<u8>()
            .add(32)
            .cast::<kern_return_t>()
            .read_unaligned();
        if !complex && ret_code == Error::MIG_NO_REPLY.code() {
            (*reply).msgh_remote_port = sys::MACH_PORT_NULL;
        } else if !complex && ret_code != 0 {
            (*request).msgh_remote_port = sys::MACH_PORT_NULL;
            sys::mach_msg_destroy(request);
        }
        if (*reply).msgh_remote_port != sys::MACH_PORT_NULL {
            let kr = sys::mach_msg(reply, sys::MACH_SEND_MSG, (*reply).msgh_size, 0, 0, 0, 0);
            if matches!(
                kr,
                sys::MACH_SEND_INVALID_DEST | sys::MACH_SEND_TIMED_OUT | sys::MACH_SEND_INTERRUPTED
            ) {
                sys::mach_msg_destroy(reply);
            }
        }
    }
    trailer
}

fn c_serve_once(port: mach_port_t, demux: CDemux, max_size: usize) -> Vec<u8> {
    c_serve_chain(port, &[demux], max_size)
}

/// A server loop's buffers for `hostile`, as `mig::serve` sizes them.
fn buffers() -> (MessageBuffer, MessageBuffer) {
    (
        MessageBuffer::for_receive(hostile::MAX_REQUEST_SIZE),
        MessageBuffer::with_capacity(hostile::MAX_REPLY_SIZE),
    )
}

/// A port and a send right to it, under one name.
fn port_with_send() -> (ReceiveRight, SendRight) {
    let port = ReceiveRight::allocate().unwrap();
    let send = port.make_send().unwrap();
    (port, send)
}

/// Posts `message` (its header's bits, ports and id already set); panics if refused.
fn post<T>(message: &mut T) {
    // SAFETY: a complete message of the size given.
    let kr = unsafe {
        sys::mach_msg(
            (message as *mut T).cast(),
            sys::MACH_SEND_MSG,
            size_of::<T>() as u32,
            0,
            0,
            0,
            0,
        )
    };
    assert_eq!(kr, sys::KERN_SUCCESS);
}

/// A request header to `dest` with a send-once reply right made from `reply`.
fn header(dest: mach_port_t, reply: mach_port_t, id: i32, size: usize) -> mach_msg_header_t {
    mach_msg_header_t {
        msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, sys::MACH_MSG_TYPE_MAKE_SEND_ONCE),
        msgh_size: size as u32,
        msgh_remote_port: dest,
        msgh_local_port: reply,
        msgh_voucher_port: 0,
        msgh_id: id,
    }
}

/// Receives what `port` holds within a second: the msgh_id and the `RetCode` (or the
/// receive error). The message is destroyed.
fn answer_on(port: &ReceiveRight) -> Result<(i32, i32), i32> {
    let mut buffer = MessageBuffer::for_receive(2048);
    // SAFETY: a receive into a buffer of the stated capacity.
    let kr = unsafe {
        sys::mach_msg(
            buffer.as_mut_ptr(),
            sys::MACH_RCV_MSG | sys::MACH_RCV_TIMEOUT,
            0,
            buffer.capacity() as u32,
            port.name(),
            1000,
            0,
        )
    };
    if kr != 0 {
        return Err(kr);
    }
    let id = buffer.header().msgh_id;
    let bytes = buffer.bytes();
    let code = bytes
        .get(32..36)
        .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    // SAFETY: a received message, released once.
    unsafe { sys::mach_msg_destroy(buffer.as_mut_ptr()) };
    Ok((id, code))
}

/// XNU writes the trailer the receiver asked for, no more (`ipc_kmsg_deflate_trailer`,
/// sized by `ipc_kmsg_trailer_size`, in osfmk/ipc/ipc_kmsg.c): through the C demux
/// (`demux::<S>` called by a C loop, as libsystem's `mach_msg_server` calls it), a
/// handler reads the sequence number and audit token of that trailer, never bytes an
/// earlier, larger request left where a longer trailer would be.
#[test]
fn c_demux_handlers_never_see_a_stale_trailer() {
    let (port, send) = port_with_send();
    // The filler's body lies where `who`'s trailer elements are read: a sender-chosen
    // "seqno 1234, euid 0, pid 1".
    let mut data = [0i32; 32];
    data[0] = 1234;
    data[3..11].copy_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0]);
    let mut filler = hostile::filler::Request {
        Head: header(send.name(), 0, hostile::filler::ID, 0),
        NDR: mig::__private::NDR,
        data,
    };
    filler.Head.msgh_bits = sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, 0);
    filler.Head.msgh_size = size_of_val(&filler) as u32;
    thread::scope(|s| {
        // One C server thread, so both requests go through its buffers.
        s.spawn(|| {
            post(&mut filler);
            c_serve_once(port.name(), hostile::demux::<Hostile>, 2048);
            let reply = ReceiveRight::allocate().unwrap();
            let mut who = hostile::who::Request {
                Head: header(send.name(), reply.name(), hostile::who::ID, 24),
            };
            post(&mut who);
            let trailer = c_serve_once(port.name(), hostile::demux::<Hostile>, 2048);
            assert_eq!(answer_on(&reply), Ok((hostile::who::REPLY_ID, 0)));
            let (seqno, token) = SEEN.take().expect("who was handled");
            // What the kernel wrote: the audit trailer (52 bytes), seqno at 8, audit
            // token at 20.
            assert_eq!(trailer.len(), 52);
            let word = |at: usize| u32::from_ne_bytes(trailer[at..at + 4].try_into().unwrap());
            assert_eq!(seqno, word(8));
            assert_eq!(token.as_raw(), core::array::from_fn(|i| word(20 + 4 * i)));
            assert_ne!(seqno, 1234, "the sender's bytes are not a sequence number");
        });
    });
}

/// C servers chain demuxes (`a_server(in, out) || b_server(in, out)`), each of which
/// returns `FALSE` for ids not its own: a small subsystem's demux first on a thread
/// must not leave a larger one's without room for its requests and replies, and a
/// handler may call a C demux on its own thread. (Before, the thread's buffers had the
/// first subsystem's sizes: a larger request was cut short and refused, a larger reply
/// panicked inside `extern "C"`, and re-entry panicked on the borrowed buffers.)
#[test]
fn c_demuxes_of_two_subsystems_share_a_thread() {
    let (port, send) = port_with_send();
    let (relayed, relayed_send) = port_with_send();
    thread::scope(|s| {
        s.spawn(|| {
            let reply = ReceiveRight::allocate().unwrap();
            let chain = [hostile::demux::<Hostile> as CDemux, wide::demux::<Wide>];
            // A large request, after the small subsystem's demux sized its buffers.
            let mut request = wide::big_in::Request {
                Head: header(send.name(), reply.name(), wide::big_in::ID, 0),
                NDR: mig::__private::NDR,
                x: core::array::from_fn(|i| i as i32),
            };
            request.Head.msgh_size = size_of_val(&request) as u32;
            post(&mut request);
            c_serve_chain(port.name(), &chain, 2048);
            let mut buffer = MessageBuffer::for_receive(2048);
            // SAFETY: a receive into a buffer of the stated capacity.
            let kr = unsafe {
                sys::mach_msg(
                    buffer.as_mut_ptr(),
                    sys::MACH_RCV_MSG | sys::MACH_RCV_TIMEOUT,
                    0,
                    buffer.capacity() as u32,
                    reply.name(),
                    1000,
                    0,
                )
            };
            assert_eq!(kr, 0);
            let out = *buffer.view::<wide::big_in::Reply>().unwrap();
            assert_eq!(({ out.RetCode }, { out.sum }), (0, (0..256).sum::<i32>()));
            // A large reply.
            let mut request = wide::big_out::Request {
                Head: header(send.name(), reply.name(), wide::big_out::ID, 0),
                NDR: mig::__private::NDR,
                seed: 5,
            };
            request.Head.msgh_size = size_of_val(&request) as u32;
            post(&mut request);
            c_serve_chain(port.name(), &chain, 2048);
            // SAFETY: as above.
            let kr = unsafe {
                sys::mach_msg(
                    buffer.as_mut_ptr(),
                    sys::MACH_RCV_MSG | sys::MACH_RCV_TIMEOUT,
                    0,
                    buffer.capacity() as u32,
                    reply.name(),
                    1000,
                    0,
                )
            };
            assert_eq!(kr, 0);
            let out = *buffer.view::<wide::big_out::Reply>().unwrap();
            assert_eq!({ out.RetCode }, 0);
            assert_eq!({ out.x }, core::array::from_fn(|i| 5 + i as i32));

            // A handler that serves a `big_out` through the C demux, inside a request
            // the C demux is serving.
            let relayed_reply = ReceiveRight::allocate().unwrap();
            let mut inner = wide::big_out::Request {
                Head: header(relayed_send.name(), relayed_reply.name(), wide::big_out::ID, 0),
                NDR: mig::__private::NDR,
                seed: 9,
            };
            inner.Head.msgh_size = size_of_val(&inner) as u32;
            post(&mut inner);
            RELAY_FROM.store(relayed.name(), Ordering::SeqCst);
            let mut outer = hostile::relay::Request {
                Head: header(send.name(), reply.name(), hostile::relay::ID, 24),
            };
            post(&mut outer);
            c_serve_chain(port.name(), &chain, 2048);
            assert_eq!(answer_on(&relayed_reply), Ok((wide::big_out::REPLY_ID, 0)));
            assert_eq!(answer_on(&reply), Ok((hostile::relay::REPLY_ID, 0)));
        });
    });
}

/// libsystem's `mach_msg_server` destroys a request whose reply carries an error code
/// (`mach_msg_destroy`, the reply port excepted): through the C demux, the rights the
/// handler already took (and released when it failed) must not be released again.
#[test]
fn c_demux_failed_requests_release_their_rights_once() {
    in_new_task(|_| {
        let (port, send) = port_with_send();
        let (gift, extra) = port_with_send();
        // Two send references: the request moves one, we keep the other.
        let kept = extra.clone();
        let reply = ReceiveRight::allocate().unwrap();
        let before = accounting();
        let mut request = hostile::refuse::Request {
            Head: header(send.name(), reply.name(), hostile::refuse::ID, 0),
            msgh_body: mig::__private::body(1),
            right: mig::__private::port(extra.into_raw(), sys::MACH_MSG_TYPE_MOVE_SEND as u8),
        };
        request.Head.msgh_bits |= sys::MACH_MSGH_BITS_COMPLEX;
        request.Head.msgh_size = size_of_val(&request) as u32;
        post(&mut request);
        c_serve_once(port.name(), hostile::demux::<Hostile>, 2048);
        assert_eq!(
            answer_on(&reply),
            Ok((hostile::refuse::REPLY_ID, Error::KERN_INVALID_ARGUMENT.code()))
        );
        let mut refs = 0;
        // SAFETY: an out-pointer to a local.
        unsafe {
            sys::mach_port_get_refs(
                sys::mach_task_self(),
                gift.name(),
                sys::MACH_PORT_RIGHT_SEND,
                &mut refs,
            )
        };
        assert_eq!(refs, 1, "the reference we kept is still ours");
        drop(kept);
        assert_eq!(accounting(), before);
    });
}

/// Apple's MIG checks an out-of-line array's size against its count once the message
/// is at its full layout (`__MIG_check__Request__*` in its server.c): an inline array
/// sent short before that count must not make a valid request fail.
#[test]
fn a_short_inline_array_before_an_out_of_line_count_is_accepted() {
    let server = Running::start(hostile::Service(Hostile));
    assert_eq!(hostile::mixed(server.port(), &[1, 2], &[3, 4, 5]), Ok(15));
    assert_eq!(hostile::mixed(server.port(), &[], &[7]), Ok(7));
    let full: Vec<i32> = (0..64).collect();
    assert_eq!(
        hostile::mixed(server.port(), &full, &[]),
        Ok((0..64).sum::<i32>())
    );
}

/// `NO_REPLY` from a handler that never held the reply right cannot be a promise to
/// answer later: the right is released, the client's stub gets `MIG_SERVER_DIED` from
/// its send-once notification, and no right is left in the server.
#[test]
fn no_reply_without_the_reply_right_tells_the_client_the_server_died() {
    let server = Running::start(hostile::Service(Hostile));
    let port = server.port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(hostile::quiet(port)));
    let answer = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the client is not left waiting");
    assert_eq!(answer, Err(Error::MIG_SERVER_DIED));

    in_new_task(|_| {
        let (port, send) = port_with_send();
        let reply = ReceiveRight::allocate().unwrap();
        let before = accounting();
        let mut request = hostile::quiet::Request {
            Head: header(send.name(), reply.name(), hostile::quiet::ID, 24),
        };
        post(&mut request);
        let mut buffers = buffers();
        let served = mig::serve_one(
            port.name(),
            &hostile::Service(Hostile),
            &mut buffers.0,
            &mut buffers.1,
        );
        assert_eq!(served, Ok(mig::Served::Handled));
        // MACH_NOTIFY_SEND_ONCE.
        assert_eq!(answer_on(&reply).map(|(id, _)| id), Ok(0o107));
        assert_eq!(accounting(), before);

        // The same through the C demux.
        post(&mut request);
        c_serve_once(port.name(), hostile::demux::<Hostile>, 2048);
        assert_eq!(answer_on(&reply).map(|(id, _)| id), Ok(0o107));
        assert_eq!(accounting(), before);
    });
}

/// A deferred reply that cannot be built (33 names for an `array[*:32]`) must not take
/// the reply right with it: the client gets the error, the handler learns it, and the
/// names the handler gave are released.
#[test]
fn a_deferred_reply_that_cannot_be_built_answers_with_the_error() {
    let server = Running::start(hostile::Service(Hostile));
    let port = server.port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(hostile::later(port, 33).map(|names| names.len())));
    let answer = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the client is not left waiting");
    assert_eq!(answer, Err(Error::MIG_ARRAY_TOO_LARGE));
    // The handler records what `reply` returned after the client has its answer.
    let sent = (0..10_000).find_map(|_| {
        let sent = LATER_SENT.lock().unwrap().take();
        if sent.is_none() {
            thread::sleep(Duration::from_millis(1));
        }
        sent
    });
    assert_eq!(sent, Some(Err(Error::MIG_ARRAY_TOO_LARGE)));

    in_new_task(|_| {
        let (port, send) = port_with_send();
        let reply = ReceiveRight::allocate().unwrap();
        let before = accounting();
        for count in [33, 3] {
            let mut request = hostile::later::Request {
                Head: header(send.name(), reply.name(), hostile::later::ID, 0),
                NDR: mig::__private::NDR,
                count,
            };
            request.Head.msgh_size = size_of_val(&request) as u32;
            post(&mut request);
            let mut buffers = buffers();
            let served = mig::serve_one(
                port.name(),
                &hostile::Service(Hostile),
                &mut buffers.0,
                &mut buffers.1,
            );
            assert_eq!(served, Ok(mig::Served::Handled));
            let expected = if count == 33 {
                Error::MIG_ARRAY_TOO_LARGE.code()
            } else {
                0
            };
            let got = answer_on(&reply);
            assert_eq!(
                got.map(|(id, code)| (id, if count == 33 { code } else { 0 })),
                Ok((hostile::later::REPLY_ID, expected))
            );
            assert_eq!(accounting(), before, "{count} names");
        }
        LATER_SENT.lock().unwrap().take();
    });
}

/// libsystem's `mach_msg_server` destroys any reply whose send fails with
/// `MACH_SEND_INVALID_DEST`, `MACH_SEND_TIMED_OUT` or `MACH_SEND_INTERRUPTED`
/// (`mach_msg_server_is_recoverable_send_error`,
/// `mach_msg_server_consume_unsent_message`), simple replies too: XNU hands such a
/// message back whole (`ipc_kmsg_send`: "Caller still has message"; a timed-out one
/// pseudo-received by `ipc_kmsg_copyout_pseudo`). A client whose send-right reply port
/// is full must not make the server keep one reference per request.
#[test]
fn undeliverable_simple_replies_release_the_reply_right() {
    in_new_task(|_| {
        let (port, send) = port_with_send();
        let reply = common::port_with_queue_limit(1);
        let mut request = hostile::who::Request {
            Head: header(send.name(), reply.name(), hostile::who::ID, 24),
        };
        // A send right as reply port, whose queue holds one message: the first reply
        // fills it, the others time out.
        request.Head.msgh_bits =
            sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, sys::MACH_MSG_TYPE_MAKE_SEND);
        let mut buffers = buffers();
        for _ in 0..3 {
            post(&mut request);
            let served = mig::serve_one(
                port.name(),
                &hostile::Service(Hostile),
                &mut buffers.0,
                &mut buffers.1,
            );
            assert_eq!(served, Ok(mig::Served::Handled));
        }
        assert_eq!(sys::loopback_queued_messages(reply.name()), Some(1));
        let mut refs = 0;
        // SAFETY: an out-pointer to a local.
        unsafe {
            sys::mach_port_get_refs(
                sys::mach_task_self(),
                reply.name(),
                sys::MACH_PORT_RIGHT_SEND,
                &mut refs,
            )
        };
        assert_eq!(refs, 0, "no send reference kept for the undelivered replies");

        // A client whose reply port dies after the server received the request: the
        // server's right to it is now a dead name, and the send fails with
        // MACH_SEND_INVALID_DEST, which must not leave that name behind either.
        let before = accounting();
        for disposition in [sys::MACH_MSG_TYPE_MAKE_SEND_ONCE, sys::MACH_MSG_TYPE_MAKE_SEND] {
            let gone = ReceiveRight::allocate().unwrap().into_raw();
            let mut request = hostile::kill::Request {
                Head: header(send.name(), gone, hostile::kill::ID, 0),
                NDR: mig::__private::NDR,
                victim: gone,
            };
            request.Head.msgh_bits = sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, disposition);
            request.Head.msgh_size = size_of_val(&request) as u32;
            post(&mut request);
            let served = mig::serve_one(
                port.name(),
                &hostile::Service(Hostile),
                &mut buffers.0,
                &mut buffers.1,
            );
            assert_eq!(served, Ok(mig::Served::Handled));
            assert_eq!(accounting(), before, "reply disposition {disposition}");
        }
        SEEN.take();
    });
}

/// A reply whose send times out is handed back by XNU (`ipc_kmsg_copyout_pseudo`) with
/// what the hand-back could not place or-ed into the code (`mr |=
/// mach_msg_receive_pseudo(...)` in `mach_msg_trap_send`, `osfmk/ipc/mach_msg.c`): the
/// server matches the code without those bits and destroys the reply all the same.
#[test]
fn a_timed_out_reply_with_error_bits_is_still_destroyed() {
    in_new_task(|_| {
        let (port, send) = port_with_send();
        let reply = common::port_with_queue_limit(1);
        let mut request = hostile::who::Request {
            Head: header(send.name(), reply.name(), hostile::who::ID, 24),
        };
        request.Head.msgh_bits =
            sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, sys::MACH_MSG_TYPE_MAKE_SEND);
        let mut buffers = buffers();
        for bits in [0, sys::MACH_MSG_VM_SPACE, sys::MACH_MSG_IPC_SPACE] {
            post(&mut request);
            sys::loopback_pseudo_receive_timeouts(Some(bits));
            let served = mig::serve_one(
                port.name(),
                &hostile::Service(Hostile),
                &mut buffers.0,
                &mut buffers.1,
            );
            sys::loopback_pseudo_receive_timeouts(None);
            assert_eq!(served, Ok(mig::Served::Handled));
        }
        assert_eq!(sys::loopback_queued_messages(reply.name()), Some(1));
        let mut refs = 0;
        // SAFETY: an out-pointer to a local.
        unsafe {
            sys::mach_port_get_refs(
                sys::mach_task_self(),
                reply.name(),
                sys::MACH_PORT_RIGHT_SEND,
                &mut refs,
            )
        };
        assert_eq!(refs, 0, "no send reference kept for the handed-back replies");
        SEEN.take();
    });
}

/// A request's voucher, as XNU hands it to a receiver (`ipc_kmsg_copyout_header`): the
/// server loop receives with `MACH_RCV_VOUCHER` and adopts the voucher around the
/// handler and its reply, as libsystem's `mach_msg_server` does
/// (`voucher_mach_msg_adopt`/`_revert`, `libsyscall/mach/mach_msg.c`). A voucher
/// disposition (here with the only name the loopback accepts, null) and a bare field
/// without one (which XNU delivers untouched, and which is not a name) are both served;
/// nothing is released that the request did not carry.
#[test]
fn requests_carrying_voucher_fields_are_served() {
    in_new_task(|_| {
        let (port, send) = port_with_send();
        let reply = ReceiveRight::allocate().unwrap();
        let before = accounting();
        let mut buffers = buffers();
        for (voucher_bits, field) in [(sys::MACH_MSG_TYPE_COPY_SEND << 16, 0), (0, 0x0dea_d003)] {
            let mut request = hostile::who::Request {
                Head: header(send.name(), reply.name(), hostile::who::ID, 24),
            };
            request.Head.msgh_bits |= voucher_bits;
            request.Head.msgh_voucher_port = field;
            post(&mut request);
            let served = mig::serve_one(
                port.name(),
                &hostile::Service(Hostile),
                &mut buffers.0,
                &mut buffers.1,
            );
            assert_eq!(served, Ok(mig::Served::Handled));
            assert_eq!(
                answer_on(&reply),
                Ok((hostile::who::REPLY_ID, 0)),
                "voucher bits {voucher_bits:#x}"
            );
            assert_eq!(accounting(), before);
            assert_eq!(
                sys::loopback_guard_exceptions(),
                0,
                "no name released that was none"
            );
        }
        SEEN.take();
    });
}

/// XNU wakes a thread receiving on a port whose receive right is moved away with
/// `MACH_RCV_PORT_CHANGED` and no message (`ipc_mqueue_receive_results` in
/// osfmk/ipc/ipc_mqueue.c); the loop receives again, which tells it the port is gone,
/// and ends cleanly instead of failing.
#[test]
fn a_receive_right_moved_away_ends_the_loop_cleanly() {
    in_new_task(|task| {
        let (port, _send) = port_with_send();
        let holder = ReceiveRight::allocate().unwrap();
        let name = port.into_raw();
        let server = thread::spawn(move || {
            sys::loopback_with_task(task, || mig::serve(name, &hostile::Service(Hostile)))
        });
        thread::sleep(Duration::from_millis(100));
        // Move the receive right into a message queued on `holder`.
        let mut carry = hostile::refuse::Request {
            Head: header(holder.make_send().unwrap().into_raw(), 0, 1, 0),
            msgh_body: mig::__private::body(1),
            right: mig::__private::port(name, sys::MACH_MSG_TYPE_MOVE_RECEIVE as u8),
        };
        carry.Head.msgh_bits =
            sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_MOVE_SEND, 0) | sys::MACH_MSGH_BITS_COMPLEX;
        carry.Head.msgh_size = size_of_val(&carry) as u32;
        post(&mut carry);
        assert_eq!(server.join().unwrap(), Ok(()));
        drop(holder);
    });
}

/// `serve_one` takes the caller's buffers: ones too small for the subsystem (a
/// `MessageBuffer::with_capacity` holds as little as a header, an error reply needs 36
/// bytes) are replaced, not a reason to lose requests or to panic.
#[test]
fn serve_one_replaces_buffers_too_small_for_the_subsystem() {
    let (port, send) = port_with_send();
    let reply = ReceiveRight::allocate().unwrap();
    let sizes = [
        (0, 0),
        (wide::MAX_REQUEST_SIZE + sys::MAX_TRAILER_SIZE as usize, 0),
        (wide::MAX_REQUEST_SIZE + sys::MAX_TRAILER_SIZE as usize, 30),
    ];
    for (request_size, reply_size) in sizes {
        let mut request = wide::big_out::Request {
            Head: header(send.name(), reply.name(), wide::big_out::ID, 0),
            NDR: mig::__private::NDR,
            seed: 3,
        };
        request.Head.msgh_size = size_of_val(&request) as u32;
        post(&mut request);
        let mut buffers = (
            MessageBuffer::with_capacity(request_size),
            MessageBuffer::with_capacity(reply_size),
        );
        let served = mig::serve_one(port.name(), &wide::Service(Wide), &mut buffers.0, &mut buffers.1);
        assert_eq!(served, Ok(mig::Served::Handled));
        assert_eq!(
            answer_on(&reply),
            Ok((wide::big_out::REPLY_ID, 0)),
            "{request_size}, {reply_size}"
        );
        // An error reply (36 bytes) into a buffer that held a header.
        let mut unknown = header(send.name(), reply.name(), wide::END, 24);
        post(&mut unknown);
        let mut buffers = (
            MessageBuffer::with_capacity(request_size),
            MessageBuffer::with_capacity(reply_size),
        );
        let served = mig::serve_one(port.name(), &wide::Service(Wide), &mut buffers.0, &mut buffers.1);
        assert_eq!(served, Ok(mig::Served::Handled));
        assert_eq!(
            answer_on(&reply),
            Ok((wide::END + 100, Error::MIG_BAD_ID.code())),
            "{request_size}, {reply_size}"
        );
    }
}

/// When the receiver's address space has no room for a request's out-of-line memory,
/// XNU still delivers the message, with that region missing and
/// `MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE` (`ipc_kmsg_copyout_ool_descriptor`,
/// `mach_msg_receive_results` in osfmk/ipc/mach_msg.c). The loop must not stop there
/// with the delivered rights left in its space: it destroys the partial request (its
/// sender gets `MIG_SERVER_DIED`) and goes on.
#[test]
fn a_request_delivered_in_part_is_destroyed_and_the_loop_goes_on() {
    in_new_task(|_| {
        let (port, send) = port_with_send();
        let reply = ReceiveRight::allocate().unwrap();
        let before = accounting();
        let words = [3i32, 4, 5];
        let mut request = hostile::mixed::Request {
            Head: header(send.name(), reply.name(), hostile::mixed::ID, 0),
            msgh_body: mig::__private::body(1),
            b: sys::mach_msg_ool_descriptor_t {
                address: words.as_ptr().cast_mut().cast(),
                deallocate: 0,
                copy: sys::MACH_MSG_VIRTUAL_COPY as u8,
                pad1: 0,
                type_: sys::MACH_MSG_OOL_DESCRIPTOR as u8,
                size: size_of_val(&words) as u32,
            },
            NDR: mig::__private::NDR,
            aCnt: 64,
            a: [1; 64],
            bCnt: 3,
        };
        request.Head.msgh_bits |= sys::MACH_MSGH_BITS_COMPLEX;
        request.Head.msgh_size = size_of_val(&request) as u32;
        let mut buffers = buffers();
        for _ in 0..2 {
            post(&mut request);
            sys::loopback_vm_limit(Some(0));
            let served = mig::serve_one(
                port.name(),
                &hostile::Service(Hostile),
                &mut buffers.0,
                &mut buffers.1,
            );
            sys::loopback_vm_limit(None);
            assert_eq!(served, Ok(mig::Served::Handled));
            // MACH_NOTIFY_SEND_ONCE: the reply right was released unanswered.
            assert_eq!(answer_on(&reply).map(|(id, _)| id), Ok(0o107));
            assert_eq!(accounting(), before);
        }
        // With room again, the same request is answered.
        post(&mut request);
        let served = mig::serve_one(
            port.name(),
            &hostile::Service(Hostile),
            &mut buffers.0,
            &mut buffers.1,
        );
        assert_eq!(served, Ok(mig::Served::Handled));
        assert_eq!(answer_on(&reply), Ok((hostile::mixed::REPLY_ID, 0)));
        assert_eq!(accounting(), before);
    });
}

/// A reply the kernel refuses part-way (`MACH_SEND_INVALID_RIGHT`: a name the handler
/// does not hold) was already partly consumed: XNU took the header's rights and the
/// descriptors before the bad one, and destroyed them (`ipc_kmsg_copyin_body`,
/// `ipc_kmsg_clean_header`, `ipc_kmsg_clean_descriptors`). libsystem's
/// `mach_msg_server` then leaves the message alone ("may have been partially
/// destroyed"): destroying it again would release the moved right twice. The client
/// learns `MIG_SERVER_DIED` from its destroyed reply right.
#[test]
fn a_reply_refused_part_way_is_not_released_twice() {
    in_new_task(|_| {
        let (port, send) = port_with_send();
        let reply = ReceiveRight::allocate().unwrap();
        let (gift, kept) = port_with_send();
        let before = accounting();
        *GIFT.lock().unwrap() = Some(kept.clone());
        let mut request = hostile::bogus::Request {
            Head: header(send.name(), reply.name(), hostile::bogus::ID, 24),
        };
        post(&mut request);
        let mut buffers = buffers();
        let served = mig::serve_one(
            port.name(),
            &hostile::Service(Hostile),
            &mut buffers.0,
            &mut buffers.1,
        );
        assert_eq!(served, Ok(mig::Served::Handled));
        // MACH_NOTIFY_SEND_ONCE: the kernel destroyed the reply right.
        assert_eq!(answer_on(&reply).map(|(id, _)| id), Ok(0o107));
        let mut refs = 0;
        // SAFETY: an out-pointer to a local.
        unsafe {
            sys::mach_port_get_refs(
                sys::mach_task_self(),
                gift.name(),
                sys::MACH_PORT_RIGHT_SEND,
                &mut refs,
            )
        };
        assert_eq!(refs, 1, "the moved reference was released once; ours is left");
        assert_eq!(accounting(), before);
    });
}
