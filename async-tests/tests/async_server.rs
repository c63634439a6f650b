//! `async` handlers (a subsystem's `AsyncServer` trait) served concurrently by
//! `mig::serve_async_concurrent`: handlers that await while others are served, a handler
//! waiting on a later request, the bound on requests in flight, thousands of calls,
//! panics and errors, rights and memory in and out, shutdown with calls in flight and
//! the loop dropped mid-handler; and the loopback's accounting showing that nothing
//! leaks.

#![cfg(not(target_vendor = "apple"))]

#[path = "../../tests/common/mod.rs"]
mod common;
mod on_tokio;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::accounting;
use mig::sys::{self, mach_port_t};
use mig::{Error, OutArray, OutOfLine, Readiness, ReceiveRight, SendRight};
use on_tokio::run;

mig::mig! {
    subsystem tasks 4400;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>

    type name_t = c_string[*:64];
    type values_t = array[*:16] of int;

    /// Adds two numbers after sleeping `millis` ms.
    routine slow_add(server: mach_port_t; a: int; b: int; millis: int; out c: int);
    /// Answers once `open` has come with the same key.
    routine wait_for(server: mach_port_t; key: int; out c: int);
    /// Lets the `wait_for` calls with this key answer.
    simpleroutine open(server: mach_port_t; key: int);
    /// Takes a right and a region, and gives back the right and the region reversed.
    routine swap(server: mach_port_t; right: mach_port_move_send_t; data: pointer_t, dealloc;
                 mode: int; out back: mach_port_move_send_t; out reversed: pointer_t, Dealloc);
    /// Reads a string and an array across an await and writes an `out` array.
    routine echo(server: mach_port_t; name: name_t; values: values_t;
                 out doubled: values_t; out len: int);
    /// Blocks the handler's thread for `millis` ms.
    routine block(server: mach_port_t; millis: int; out done: int);
    /// The handler takes the reply port and answers later, from another task.
    routine square(server: mach_port_t; sreplyport reply: mach_port_make_send_once_t;
                   x: int; out y: int);
    /// A code, sent alone when it is not 0, or memory.
    simpleroutine report(server: mach_port_t; kr: kern_return_t, RetCode; data: pointer_t);
}

/// The `a` (or `mode`) on which a handler panics, after an await.
const PANIC: i32 = -666;
/// The `a` (or `mode`) on which a handler fails with `KERN_INVALID_ARGUMENT`.
const FAIL: i32 = -1;
/// The `mode` on which `swap` never finishes.
const HANG: i32 = -2;

#[derive(Default)]
struct Handlers {
    /// What `report` got: its code and the length of its memory.
    reports: Mutex<Vec<(i32, usize)>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    opened: Mutex<HashSet<i32>>,
    open: tokio::sync::Notify,
}

/// A handler running (counted in `in_flight` while it lives).
struct Busy<'a>(&'a Handlers);

impl Handlers {
    fn enter(&self) -> Busy<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Busy(self)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl tasks::AsyncServer for Handlers {
    async fn slow_add(&self, _: mach_port_t, a: i32, b: i32, millis: i32) -> mig::Result<i32> {
        let _busy = self.enter();
        tokio::time::sleep(Duration::from_millis(millis as u64)).await;
        match a {
            PANIC => panic!("the handler panics"),
            FAIL => Err(Error::KERN_INVALID_ARGUMENT),
            _ => Ok(a + b),
        }
    }

    async fn wait_for(&self, _: mach_port_t, key: i32) -> mig::Result<i32> {
        let _busy = self.enter();
        loop {
            let opened = self.open.notified();
            if self.opened.lock().unwrap().contains(&key) {
                return Ok(key);
            }
            opened.await;
        }
    }

    async fn open(&self, _: mach_port_t, key: i32) -> mig::Result<()> {
        self.opened.lock().unwrap().insert(key);
        self.open.notify_waiters();
        Ok(())
    }

    async fn swap(
        &self,
        _: mach_port_t,
        right: SendRight,
        data: OutOfLine<u8>,
        mode: i32,
    ) -> mig::Result<tasks::swap::Output> {
        let _busy = self.enter();
        tokio::time::sleep(Duration::from_millis(5)).await;
        match mode {
            PANIC => panic!("the handler panics holding a right and a region"),
            FAIL => return Err(Error::KERN_INVALID_ARGUMENT),
            HANG => std::future::pending().await,
            _ => {}
        }
        let reversed: Vec<u8> = data.iter().rev().copied().collect();
        Ok(tasks::swap::Output {
            back: right,
            reversed: OutOfLine::copy_from(&reversed)?,
        })
    }

    async fn block(&self, _: mach_port_t, millis: i32) -> mig::Result<i32> {
        let _busy = self.enter();
        std::thread::sleep(Duration::from_millis(millis as u64));
        Ok(millis)
    }

    async fn square(&self, _: mach_port_t, reply: mig::SendOnceRight, x: i32) -> mig::Result<()> {
        let _busy = self.enter();
        tokio::time::sleep(Duration::from_millis(5)).await;
        match x {
            PANIC => panic!("the handler panics holding the reply port"),
            FAIL => Err(Error::KERN_INVALID_ARGUMENT),
            // Answered later, from another task.
            _ => {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    tasks::square::reply(reply, Ok(x * x)).unwrap();
                });
                Ok(())
            }
        }
    }

    async fn report(&self, _: mach_port_t, kr: i32, data: OutOfLine<u8>) -> mig::Result<()> {
        tokio::task::yield_now().await;
        self.reports.lock().unwrap().push((kr, data.len()));
        Ok(())
    }

    async fn echo(
        &self,
        _: mach_port_t,
        name: &core::ffi::CStr,
        values: &[i32],
        doubled: &mut OutArray<'_, i32>,
    ) -> mig::Result<i32> {
        let _busy = self.enter();
        // The request's string and array, and the reply's array, outlive the await.
        tokio::time::sleep(Duration::from_millis(5)).await;
        for v in values {
            doubled.push(v * 2)?;
        }
        Ok(name.to_bytes().len() as i32)
    }
}

/// A server: `serve_async_concurrent` over a new port with at most `max_in_flight`
/// handlers running, in a task of its own (the port dies with it), until the returned
/// sender fires.
struct Server {
    handlers: Arc<tasks::AsyncService<Handlers>>,
    send: SendRight,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<mig::Result<()>>,
}

impl Server {
    fn start(max_in_flight: usize) -> Server {
        let port = ReceiveRight::allocate().unwrap();
        let send = port.make_send().unwrap();
        let handlers = Arc::new(tasks::AsyncService(Handlers::default()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let readiness = Readiness::new().unwrap();
        readiness.insert(port.name()).unwrap();
        let service = Arc::clone(&handlers);
        let task = tokio::spawn(async move {
            let result = mig::serve_async_concurrent(&readiness, service, max_in_flight, async {
                let _ = stopped.await;
            })
            .await;
            drop(port);
            result
        });
        Server {
            handlers,
            send,
            stop,
            task,
        }
    }

    fn port(&self) -> mach_port_t {
        self.send.name()
    }

    fn in_flight(&self) -> usize {
        self.handlers.0.in_flight.load(Ordering::SeqCst)
    }

    fn peak(&self) -> usize {
        self.handlers.0.peak.load(Ordering::SeqCst)
    }

    /// Waits until `n` handlers are running.
    async fn until_in_flight(&self, n: usize) {
        while self.in_flight() != n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

/// `n` concurrent `slow_add` calls of `millis` ms each, from tasks of their own.
fn slow_calls(port: mach_port_t, n: i32, millis: i32) -> Vec<tokio::task::JoinHandle<mig::Result<i32>>> {
    (0..n)
        .map(|i| tokio::spawn(async move { tasks::slow_add_async(port, i, 1, millis).await }))
        .collect()
}

/// Twenty handlers that sleep 200 ms each finish in about 200 ms, not in four seconds:
/// their futures run concurrently.
#[test]
fn slow_handlers_run_concurrently() {
    run(|| async {
        let server = Server::start(64);
        let started = Instant::now();
        for (i, call) in slow_calls(server.port(), 20, 200).into_iter().enumerate() {
            assert_eq!(call.await.unwrap(), Ok(i as i32 + 1));
        }
        let took = started.elapsed();
        assert!(took < Duration::from_millis(1000), "took {took:?}");
        assert_eq!(server.peak(), 20);
        server.stop().await;
    });
}

/// A handler that waits for a request that comes after it: the loop goes on receiving
/// while it waits.
#[test]
fn a_handler_waits_for_a_later_request() {
    run(|| async {
        let server = Server::start(4);
        let port = server.port();
        let waiting = tokio::spawn(async move { tasks::wait_for_async(port, 7).await });
        server.until_in_flight(1).await;
        assert!(!waiting.is_finished());
        tasks::open_async(port, 7).await.unwrap();
        assert_eq!(waiting.await.unwrap(), Ok(7));
        server.stop().await;
    });
}

/// With `max_in_flight` handlers running the loop receives no more: twelve 50 ms calls
/// through at most three handlers take four rounds.
#[test]
fn requests_in_flight_are_bounded() {
    run(|| async {
        let server = Server::start(3);
        let started = Instant::now();
        for call in slow_calls(server.port(), 12, 50) {
            assert!(call.await.unwrap().is_ok());
        }
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(200), "took {took:?}");
        assert_eq!(server.peak(), 3);
        server.stop().await;
    });
}

/// Thousands of calls from many clients, mixing handlers that sleep, that wait on a
/// later request, that take and give rights and memory, and that write `out` arrays.
#[test]
fn thousands_of_concurrent_calls() {
    run(|| async {
        let server = Server::start(128);
        let port = server.port();
        let clients: Vec<_> = (0..16)
            .map(|client| {
                tokio::spawn(async move {
                    for call in 0..200i32 {
                        let c = tasks::slow_add_async(port, client, call, call % 2).await.unwrap();
                        assert_eq!(c, client + call);
                        if call % 10 == 0 {
                            let key = client * 1000 + call;
                            let wait = tokio::spawn(async move { tasks::wait_for_async(port, key).await });
                            tasks::open_async(port, key).await.unwrap();
                            assert_eq!(wait.await.unwrap(), Ok(key));
                            let (keep, right, data) = gifts();
                            let out = tasks::swap_async(port, right, data, 0).await.unwrap();
                            assert_eq!(out.back.name(), keep.make_send().unwrap().name());
                            assert_eq!(&out.reversed[..3], &[3, 2, 1]);
                        }
                        if call % 10 == 5 {
                            let mut doubled = mig::InlineArray::new();
                            let len = tasks::echo_async(port, c"four", &[1, 2, 3], &mut doubled)
                                .await
                                .unwrap();
                            assert_eq!((len, doubled.as_slice()), (4, &[2, 4, 6][..]));
                        }
                    }
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        assert!(server.peak() > 1);
        server.stop().await;
    });
}

/// A right to move into a call and a region ending in 1, 2, 3; the receive right is
/// kept, to check which right comes back.
fn gifts() -> (ReceiveRight, SendRight, OutOfLine<u8>) {
    let port = ReceiveRight::allocate().unwrap();
    let send = port.make_send().unwrap();
    let mut data = vec![9u8; 5000];
    data[4997..].copy_from_slice(&[1, 2, 3]);
    (port, send, OutOfLine::copy_from(&data).unwrap())
}

/// A handler that panics (after an await, holding a right and a region the request
/// moved in) or fails: the client gets `KERN_FAILURE` or the error, what the request
/// carried is released, and the loop serves on.
#[test]
fn panics_and_errors_are_answered_and_release_the_request() {
    run(|| async {
        let server = Server::start(8);
        let port = server.port();
        assert_eq!(
            tasks::slow_add_async(port, PANIC, 0, 1).await,
            Err(Error::KERN_FAILURE)
        );
        assert_eq!(
            tasks::slow_add_async(port, FAIL, 0, 1).await,
            Err(Error::KERN_INVALID_ARGUMENT)
        );
        for mode in [PANIC, FAIL] {
            let memory = sys::loopback_live_ool_bytes();
            let (keep, right, data) = gifts();
            assert_eq!(send_refs(keep.name()), 1);
            let expected = if mode == PANIC {
                Error::KERN_FAILURE
            } else {
                Error::KERN_INVALID_ARGUMENT
            };
            assert_eq!(
                tasks::swap_async(port, right, data, mode).await.err(),
                Some(expected)
            );
            // The moved send right and region were released (the loop's task, not the
            // handler, for the panic: what the handler held was dropped as it unwound).
            assert_eq!(send_refs(keep.name()), 0);
            assert_eq!(sys::loopback_live_ool_bytes(), memory);
            drop(keep);
        }
        assert_eq!(tasks::slow_add_async(port, 2, 3, 0).await, Ok(5));
        server.stop().await;
    });
}

/// The user references of send rights `name` holds.
fn send_refs(name: mach_port_t) -> u32 {
    let mut refs = 0;
    // SAFETY: `refs` is writable.
    let kr =
        unsafe { sys::mach_port_get_refs(sys::mach_task_self(), name, sys::MACH_PORT_RIGHT_SEND, &mut refs) };
    assert_eq!(kr, sys::KERN_SUCCESS);
    refs
}

/// Rights and memory in and out, many at once: everything comes back, and is released.
#[test]
fn rights_and_memory_in_and_out() {
    run(|| async {
        let server = Server::start(16);
        let port = server.port();
        let calls: Vec<_> = (0..50)
            .map(|_| {
                tokio::spawn(async move {
                    let (keep, right, data) = gifts();
                    let out = tasks::swap_async(port, right, data, 0).await.unwrap();
                    assert_eq!(out.back.name(), keep.make_send().unwrap().name());
                    assert_eq!(out.reversed.len(), 5000);
                    assert_eq!(&out.reversed[..4], &[3, 2, 1, 9]);
                })
            })
            .collect();
        for call in calls {
            call.await.unwrap();
        }
        assert!(server.peak() > 1);
        server.stop().await;
    });
}

/// Shutdown with handlers in flight: the loop stops receiving, lets them finish and
/// reply, then returns.
#[test]
fn shutdown_lets_handlers_in_flight_finish() {
    run(|| async {
        let server = Server::start(8);
        let calls = slow_calls(server.port(), 5, 200);
        server.until_in_flight(5).await;
        let port = server.port();
        let started = Instant::now();
        server.stop.send(()).unwrap();
        server.task.await.unwrap().unwrap();
        assert!(started.elapsed() >= Duration::from_millis(100));
        for (i, call) in calls.into_iter().enumerate() {
            assert_eq!(call.await.unwrap(), Ok(i as i32 + 1));
        }
        // The port died with the loop's task.
        assert_eq!(
            tasks::slow_add_async(port, 1, 1, 0).await.map_err(Error::code),
            Err(sys::MACH_SEND_INVALID_DEST)
        );
        drop(server.send);
    });
}

/// Dropping the loop's future while handlers hold rights and regions the requests moved
/// in: the handlers' futures are dropped, what they took is released, the requests'
/// reply rights too (their clients get `MIG_SERVER_DIED`), and nothing is left.
#[test]
fn dropping_the_loop_mid_handler_releases_everything() {
    run(|| async {
        let server = Server::start(8);
        let port = server.port();
        let calls: Vec<_> = (0..5)
            .map(|_| {
                tokio::spawn(async move {
                    let (keep, right, data) = gifts();
                    let result = tasks::swap_async(port, right, data, HANG).await;
                    drop(keep);
                    result.err()
                })
            })
            .collect();
        server.until_in_flight(5).await;
        server.task.abort();
        assert!(server.task.await.unwrap_err().is_cancelled());
        for call in calls {
            let answer = tokio::time::timeout(Duration::from_secs(5), call).await;
            assert_eq!(
                answer.expect("no answer: the reply right was kept").unwrap(),
                Some(Error::MIG_SERVER_DIED)
            );
        }
        assert_eq!(server.handlers.0.in_flight.load(Ordering::SeqCst), 0);
        drop(server.send);
        drop(server.stop);
    });
}

/// `dispatch_async` itself contains a handler's panic (a loop of one's own gets the
/// `KERN_FAILURE` reply to send, not the panic), as `dispatch` does.
#[test]
fn dispatch_async_contains_a_handler_panic() {
    run(|| async {
        let port = ReceiveRight::allocate().unwrap();
        let name = port.make_send().unwrap();
        let call = {
            let name = name.name();
            tokio::spawn(async move { tasks::slow_add_async(name, PANIC, 0, 1).await })
        };
        while sys::loopback_queued_messages(port.name()) != Some(1) {
            tokio::task::yield_now().await;
        }
        let mut request = mig::MessageBuffer::for_receive(tasks::MAX_REQUEST_SIZE);
        assert_eq!(
            request.receive(port.name(), sys::MACH_RCV_TIMEOUT, 0),
            sys::MACH_MSG_SUCCESS
        );
        let mut reply = mig::MessageBuffer::with_capacity(tasks::MAX_REPLY_SIZE);
        assert!(tasks::dispatch_async(&Handlers::default(), &mut request, &mut reply).await);
        let code = i32::from_ne_bytes(reply.bytes()[32..36].try_into().unwrap());
        assert_eq!(code, Error::KERN_FAILURE.code());
        let size = reply.header().msgh_size;
        // SAFETY: the reply `dispatch_async` built: a `mig_reply_error_t` to the
        // request's reply right.
        let sent = unsafe { sys::mach_msg(reply.as_mut_ptr(), sys::MACH_SEND_MSG, size, 0, 0, 0, 0) };
        assert_eq!(sent, sys::MACH_MSG_SUCCESS);
        assert_eq!(call.await.unwrap(), Err(Error::KERN_FAILURE));
        drop((port, name));
    });
}

/// A handler that takes the reply port answers from another task (or fails, or panics:
/// the reply right is dropped with its future and the client learns `MIG_SERVER_DIED`);
/// a `RetCode` sent alone reaches the handler with zeroed arguments.
#[test]
fn deferred_replies_and_codes_sent_alone() {
    run(|| async {
        let server = Server::start(8);
        let port = server.port();
        let calls: Vec<_> = (1..=10)
            .map(|x| tokio::spawn(async move { tasks::square_async(port, x).await }))
            .collect();
        for (x, call) in (1..=10).zip(calls) {
            assert_eq!(call.await.unwrap(), Ok(x * x));
        }
        assert_eq!(tasks::square_async(port, FAIL).await, Err(Error::MIG_SERVER_DIED));
        assert_eq!(
            tasks::square_async(port, PANIC).await,
            Err(Error::MIG_SERVER_DIED)
        );
        tasks::report_async(port, 0, &[5u8; 100]).await.unwrap();
        tasks::report_async(port, 7, &[5u8; 100]).await.unwrap();
        while server.handlers.0.reports.lock().unwrap().len() < 2 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // (Their handlers ran concurrently: in either order.)
        let mut reports = server.handlers.0.reports.lock().unwrap().clone();
        reports.sort();
        assert_eq!(reports, [(0, 100), (7, 0)]);
        server.stop().await;
    });
}

/// On a multi-threaded runtime the handlers' tasks run in parallel: four handlers that
/// block their thread for 300 ms each finish in about 300 ms on four workers. (In the
/// process's own task, which every worker thread is in: the accounting compares it
/// before and after.)
#[test]
fn handlers_run_in_parallel_on_a_multi_threaded_runtime() {
    let _turn = common::one_at_a_time();
    let before = accounting();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(5)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Server::start(8);
        let port = server.port();
        let started = Instant::now();
        let calls: Vec<_> = (0..4)
            .map(|_| tokio::spawn(async move { tasks::block_async(port, 300).await }))
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap(), Ok(300));
        }
        let took = started.elapsed();
        assert!(took < Duration::from_millis(900), "took {took:?}");
        server.stop().await;
    });
    drop(runtime);
    assert!(mig::release_pooled_reply_ports() <= mig::__private::REPLY_POOL_CAPACITY);
    assert_eq!(accounting(), before, "rights and memory left");
}

/// The header, NDR record and arguments of a `slow_add` request, built by hand so that
/// its reply right can be a send right (`MAKE_SEND`), whose queue can be full.
#[repr(C)]
#[derive(Clone, Copy)]
struct SlowAddRequest {
    head: sys::mach_msg_header_t,
    ndr: sys::NDR_record_t,
    a: i32,
    b: i32,
    millis: i32,
}

fn send_slow_add_replying_to(server: mach_port_t, reply_to: mach_port_t) {
    let mut request = SlowAddRequest {
        head: sys::mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, sys::MACH_MSG_TYPE_MAKE_SEND),
            msgh_size: 0,
            msgh_remote_port: server,
            msgh_local_port: reply_to,
            msgh_voucher_port: sys::MACH_PORT_NULL,
            msgh_id: tasks::slow_add::ID,
        },
        ndr: mig::__private::NDR,
        a: 20,
        b: 22,
        millis: 1,
    };
    // SAFETY: a complete simple message; its header names our send right to `server` and
    // the receive right `reply_to`, from which a send right is made.
    let sent = unsafe {
        sys::mach_msg(
            &mut request.head,
            sys::MACH_SEND_MSG,
            core::mem::size_of::<SlowAddRequest>() as u32,
            0,
            sys::MACH_PORT_NULL,
            0,
            sys::MACH_PORT_NULL,
        )
    };
    assert_eq!(sent, sys::MACH_MSG_SUCCESS);
}

/// A reply to a send right whose queue is full is kept by its task and sent once there
/// is room, while the loop serves on; and released if the loop is dropped first.
#[test]
fn reply_to_full_queue_is_kept_then_sent_or_released() {
    run(|| async {
        let server = Server::start(8);
        let port = server.port();
        let (full, _full_send) = common::full_queue();
        send_slow_add_replying_to(port, full.name());
        // The server answers other calls meanwhile.
        assert_eq!(tasks::slow_add_async(port, 1, 1, 20).await, Ok(2));
        assert_eq!(
            sys::loopback_queued_messages(full.name()),
            Some(1),
            "the reply waits"
        );
        // Room: the filler goes, and the kept reply arrives.
        let mut buffer = mig::MessageBuffer::for_receive(256);
        assert_eq!(
            buffer.receive(full.name(), sys::MACH_RCV_TIMEOUT, 0),
            sys::MACH_MSG_SUCCESS
        );
        buffer.destroy();
        let mut waited = 0;
        while sys::loopback_queued_messages(full.name()) != Some(1) {
            tokio::time::sleep(Duration::from_millis(1)).await;
            waited += 1;
            assert!(waited < 1000, "the kept reply never came");
        }
        assert_eq!(
            buffer.receive(full.name(), sys::MACH_RCV_TIMEOUT, 0),
            sys::MACH_MSG_SUCCESS
        );
        assert_eq!(buffer.header().msgh_id, tasks::slow_add::ID + 100);
        assert_eq!(
            buffer.bytes()[32..40],
            [0, 0, 0, 0, 42, 0, 0, 0],
            "RetCode 0, c = 42"
        );
        buffer.destroy();
        // Full again, and the loop is dropped before there is room: the reply (and the
        // send right it carries) is released.
        let (full, full_send) = common::full_queue();
        send_slow_add_replying_to(port, full.name());
        assert_eq!(tasks::slow_add_async(port, 1, 1, 20).await, Ok(2));
        assert_eq!(server.in_flight(), 0);
        server.task.abort();
        assert!(server.task.await.unwrap_err().is_cancelled());
        tokio::task::yield_now().await;
        assert_eq!(
            sys::loopback_queued_messages(full.name()),
            Some(1),
            "only the filler"
        );
        drop((full, full_send, server.send, server.stop));
    });
}
