//! Async servers and clients over the loopback: `mig::serve_async` and the `_async`
//! client stubs on tokio, with many concurrent calls, several ports on one task,
//! cancellation, timeouts, a server dying mid-call, shutdown and full queues; and the
//! loopback's accounting showing that nothing leaks.

#![cfg(not(target_vendor = "apple"))]

#[path = "../../tests/common/mod.rs"]
mod common;
mod on_tokio;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{accounting, full_queue, in_new_task, port_with_queue_limit};
use mig::sys::{self, mach_port_t};
use mig::{Error, MessageBuffer, Readiness, ReceiveRight};
use on_tokio::run;

mig::mig! {
    subsystem arith 4200;
    #include <mach/std_types.defs>

    /// Adds two numbers.
    routine add(server: mach_port_t; a: int; b: int; out c: int);
    /// Counts a number.
    simpleroutine note(server: mach_port_t; v: int);
    waittime 30;
    /// Adds two numbers, waiting at most 30 ms for the answer.
    routine add_waiting(server: mach_port_t; a: int; b: int; out c: int);
}

/// The `a` on which `add` panics.
const PANIC: i32 = -666;

#[derive(Default)]
struct Adder {
    notes: AtomicUsize,
}

impl arith::Server for Arc<Adder> {
    fn add(&self, _server: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        assert_ne!(a, PANIC, "the handler panics");
        a.checked_add(b).ok_or(Error::KERN_INVALID_ARGUMENT)
    }

    fn note(&self, _server: mach_port_t, v: i32) -> mig::Result<()> {
        self.notes.fetch_add(v as usize, Ordering::SeqCst);
        Ok(())
    }

    fn add_waiting(&self, server: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        self.add(server, a, b)
    }
}

/// A server task serving `ports` (moved in: they die with it) with one `serve_async`
/// until the returned sender fires; its handle returns the loop's result.
fn spawn_server(
    adder: Arc<Adder>,
    ports: Vec<ReceiveRight>,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<mig::Result<()>>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let readiness = Readiness::new().unwrap();
    for port in &ports {
        readiness.insert(port.name()).unwrap();
    }
    let server = tokio::spawn(async move {
        let result = mig::serve_async(&readiness, &arith::Service(adder), async {
            let _ = stopped.await;
        })
        .await;
        drop(ports);
        result
    });
    (stop, server)
}

/// Thousands of calls from many concurrent clients, spread over three ports that one
/// `serve_async` serves from one task; simpleroutines too.
#[test]
fn many_clients_several_ports_one_task() {
    run(|| async {
        let adder = Arc::new(Adder::default());
        let ports: Vec<ReceiveRight> = (0..3).map(|_| ReceiveRight::allocate().unwrap()).collect();
        let sends: Vec<_> = ports.iter().map(|p| p.make_send().unwrap()).collect();
        let (stop, server) = spawn_server(Arc::clone(&adder), ports);
        let sends = Arc::new(sends);
        let clients: Vec<_> = (0..16)
            .map(|client| {
                let sends = Arc::clone(&sends);
                tokio::spawn(async move {
                    for call in 0..150 {
                        let port = sends[(client + call) % 3].name();
                        let sum = arith::add_async(port, client as i32, call as i32).await.unwrap();
                        assert_eq!(sum, (client + call) as i32);
                        arith::note_async(port, 1).await.unwrap();
                    }
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        assert_eq!(
            arith::add_async(sends[0].name(), i32::MAX, 1).await,
            Err(Error::KERN_INVALID_ARGUMENT)
        );
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        assert_eq!(adder.notes.load(Ordering::SeqCst), 16 * 150);
    });
}

/// Two subsystems on one port (a tuple of services), and a second loop with a service of
/// its own on the same task (`tokio::join!`); a handler's panic is contained as in the
/// blocking loop: the client gets `KERN_FAILURE`, and the loop goes on.
#[test]
fn subsystems_and_loops_on_one_task() {
    mig::mig! {
        subsystem other 4300;
        #include <mach/std_types.defs>
        routine negate(server: mach_port_t; a: int; out b: int);
    }
    struct Negator;
    impl other::Server for Negator {
        fn negate(&self, _server: mach_port_t, a: i32) -> mig::Result<i32> {
            a.checked_neg().ok_or(Error::KERN_INVALID_ARGUMENT)
        }
    }
    run(|| async {
        let (both, alone) = (
            ReceiveRight::allocate().unwrap(),
            ReceiveRight::allocate().unwrap(),
        );
        let (to_both, to_alone) = (both.make_send().unwrap(), alone.make_send().unwrap());
        let (first, second) = (Readiness::new().unwrap(), Readiness::new().unwrap());
        first.insert(both.name()).unwrap();
        second.insert(alone.name()).unwrap();
        let stop = tokio::sync::Notify::new();
        let pair = (
            arith::Service(Arc::new(Adder::default())),
            other::Service(Negator),
        );
        let clients = async {
            for i in 0..100 {
                assert_eq!(arith::add_async(to_both.name(), i, 1).await, Ok(i + 1));
                assert_eq!(other::negate_async(to_both.name(), i).await, Ok(-i));
                assert_eq!(other::negate_async(to_alone.name(), i).await, Ok(-i));
            }
            // The second loop serves only `other`: `add` is an unknown id there.
            assert_eq!(
                arith::add_async(to_alone.name(), 1, 1).await,
                Err(Error::MIG_BAD_ID)
            );
            assert_eq!(
                arith::add_async(to_both.name(), PANIC, 1).await,
                Err(Error::KERN_FAILURE)
            );
            assert_eq!(arith::add_async(to_both.name(), 2, 2).await, Ok(4));
            stop.notify_waiters();
        };
        let (a, b, ()) = tokio::join!(
            mig::serve_async(&first, &pair, stop.notified()),
            mig::serve_async(&second, &other::Service(Negator), stop.notified()),
            clients
        );
        a.unwrap();
        b.unwrap();
        drop((first, second, both, alone));
    });
}

/// A request queue with room for one message: senders wait (without blocking the
/// thread the server runs on) and every call gets through.
#[test]
fn full_request_queue_waits_for_room() {
    run(|| async {
        let port = port_with_queue_limit(1);
        let send = port.make_send().unwrap();
        let (stop, server) = spawn_server(Arc::new(Adder::default()), vec![port]);
        let calls: Vec<_> = (0..50)
            .map(|i| {
                let name = send.name();
                tokio::spawn(async move { arith::add_async(name, i, 1).await })
            })
            .collect();
        for (i, call) in calls.into_iter().enumerate() {
            assert_eq!(call.await.unwrap(), Ok(i as i32 + 1));
        }
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
}

/// The same with XNU's handling of a send that times out: the request comes back
/// pseudo-received (its rights renamed in our space, the reply right made for the call
/// now a send-once right of ours), and sending it again as it is delivers it.
#[test]
fn full_request_queue_with_pseudo_receive() {
    run(|| async {
        sys::loopback_pseudo_receive_timeouts(Some(0));
        let port = port_with_queue_limit(1);
        let send = port.make_send().unwrap();
        let (stop, server) = spawn_server(Arc::new(Adder::default()), vec![port]);
        let calls: Vec<_> = (0..20)
            .map(|i| {
                let name = send.name();
                tokio::spawn(async move { arith::add_async(name, i, 1).await })
            })
            .collect();
        for (i, call) in calls.into_iter().enumerate() {
            assert_eq!(call.await.unwrap(), Ok(i as i32 + 1));
        }
        // Cancelled while waiting for room, holding a pseudo-received request.
        let (full, full_send) = full_queue();
        let call = tokio::time::timeout(Duration::from_millis(5), arith::add_async(full_send.name(), 1, 1));
        assert!(call.await.is_err());
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        sys::loopback_pseudo_receive_timeouts(None);
        drop((full, full_send, send));
    });
}

/// Dropping a call's future mid-call (a tokio timeout) destroys its reply port; the
/// server's late reply is discarded by the kernel and nothing is left.
#[test]
fn cancelled_calls_leave_nothing() {
    run(|| async {
        // A server that has not got round to its requests yet.
        let idle = ReceiveRight::allocate().unwrap();
        let send = idle.make_send().unwrap();
        // The first calls are cancelled waiting for their reply, the rest waiting for
        // room in the full queue to send their request.
        for i in 0..20 {
            let call = tokio::time::timeout(Duration::from_millis(2), arith::add_async(send.name(), i, 1));
            assert!(call.await.is_err(), "no answer yet");
        }
        let limit = sys::MACH_PORT_QLIMIT_DEFAULT as usize;
        assert_eq!(sys::loopback_queued_messages(idle.name()), Some(limit));
        // Now it serves them: every reply goes to a dead port.
        let (stop, server) = spawn_server(Arc::new(Adder::default()), vec![idle]);
        // And still answers calls that wait.
        assert_eq!(arith::add_async(send.name(), 2, 3).await, Ok(5));
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
}

/// `waittime` in the definitions is a tokio timeout on the reply: `MACH_RCV_TIMED_OUT`.
#[test]
fn waittime_times_out_the_reply() {
    run(|| async {
        let idle = ReceiveRight::allocate().unwrap();
        let send = idle.make_send().unwrap();
        let started = std::time::Instant::now();
        let result = arith::add_waiting_async(send.name(), 1, 2).await;
        assert_eq!(result.map_err(Error::code), Err(sys::MACH_RCV_TIMED_OUT));
        assert!(started.elapsed() >= Duration::from_millis(30));
        drop(idle);
    });
}

/// A server that dies with calls in flight: each gets `MIG_SERVER_DIED` (the kernel
/// destroys the queued requests, and their reply rights send the notification).
#[test]
fn server_death_mid_call() {
    run(|| async {
        let doomed = port_with_queue_limit(16);
        let send = doomed.make_send().unwrap();
        let calls: Vec<_> = (0..10)
            .map(|i| {
                let name = send.name();
                tokio::spawn(async move { arith::add_async(name, i, 1).await })
            })
            .collect();
        while sys::loopback_queued_messages(doomed.name()) != Some(10) {
            tokio::task::yield_now().await;
        }
        drop(doomed);
        for call in calls {
            assert_eq!(call.await.unwrap(), Err(Error::MIG_SERVER_DIED));
        }
        // The port is dead: a new call is refused at once.
        assert_eq!(
            arith::add_async(send.name(), 1, 1).await.map_err(Error::code),
            Err(sys::MACH_SEND_INVALID_DEST)
        );
    });
}

/// A server task that is dropped (aborted) mid-serve: its ports die with it, and the
/// calls waiting on it get `MIG_SERVER_DIED`.
#[test]
fn server_task_aborted() {
    run(|| async {
        let port = ReceiveRight::allocate().unwrap();
        let send = port.make_send().unwrap();
        let (_stop, server) = spawn_server(Arc::new(Adder::default()), vec![port]);
        assert_eq!(arith::add_async(send.name(), 1, 1).await, Ok(2));
        server.abort();
        assert!(server.await.unwrap_err().is_cancelled());
        assert_eq!(
            arith::add_async(send.name(), 1, 1).await.map_err(Error::code),
            Err(sys::MACH_SEND_INVALID_DEST)
        );
    });
}

/// Shutdown: the loop returns, leaving queued requests on the port for another loop.
#[test]
fn shutdown_leaves_queued_requests() {
    run(|| async {
        let port = ReceiveRight::allocate().unwrap();
        let name = port.name();
        let send = port.make_send().unwrap();
        let readiness = Readiness::new().unwrap();
        readiness.insert(name).unwrap();
        let adder = Arc::new(Adder::default());
        let service = arith::Service(Arc::clone(&adder));
        // Already stopped: serves nothing.
        mig::serve_async(&readiness, &service, async {}).await.unwrap();
        arith::note_async(send.name(), 7).await.unwrap();
        mig::serve_async(&readiness, &service, async {}).await.unwrap();
        assert_eq!(sys::loopback_queued_messages(name), Some(1));
        assert_eq!(adder.notes.load(Ordering::SeqCst), 0);
        // Served by the next loop.
        let stop = tokio::sync::Notify::new();
        let serving = mig::serve_async(&readiness, &service, stop.notified());
        let stopping = async {
            while sys::loopback_queued_messages(name) != Some(0) {
                tokio::task::yield_now().await;
            }
            stop.notify_one();
        };
        let (served, ()) = tokio::join!(serving, stopping);
        served.unwrap();
        assert_eq!(adder.notes.load(Ordering::SeqCst), 7);
        drop(readiness);
        drop(port);
    });
}

/// The header, NDR record and arguments of an `add` request, built by hand so that its
/// reply right can be a send right (`MAKE_SEND`), whose queue can be full.
#[repr(C)]
#[derive(Clone, Copy)]
struct AddRequest {
    head: sys::mach_msg_header_t,
    ndr: sys::NDR_record_t,
    a: i32,
    b: i32,
}

fn send_add_replying_to(server: mach_port_t, reply_to: mach_port_t) {
    let mut request = AddRequest {
        head: sys::mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, sys::MACH_MSG_TYPE_MAKE_SEND),
            msgh_size: 0,
            msgh_remote_port: server,
            msgh_local_port: reply_to,
            msgh_voucher_port: sys::MACH_PORT_NULL,
            msgh_id: arith::add::ID,
        },
        ndr: mig::__private::NDR,
        a: 20,
        b: 22,
    };
    // SAFETY: a complete simple message; its header names our send right to `server` and
    // the receive right `reply_to`, from which a send right is made.
    let sent = unsafe {
        sys::mach_msg(
            &mut request.head,
            sys::MACH_SEND_MSG,
            size_of::<AddRequest>() as u32,
            0,
            sys::MACH_PORT_NULL,
            0,
            sys::MACH_PORT_NULL,
        )
    };
    assert_eq!(sent, sys::MACH_MSG_SUCCESS);
}

/// A reply to a send right whose queue is full is kept and sent once there is room,
/// while the server goes on serving; and released if the loop ends first.
#[test]
fn reply_to_full_queue_is_kept_then_sent_or_released() {
    run(|| async {
        let port = ReceiveRight::allocate().unwrap();
        let send = port.make_send().unwrap();
        let (stop, server) = spawn_server(Arc::new(Adder::default()), vec![port]);
        let (full, _full_send) = full_queue();
        send_add_replying_to(send.name(), full.name());
        // The server answers other calls meanwhile.
        assert_eq!(arith::add_async(send.name(), 1, 1).await, Ok(2));
        assert_eq!(
            sys::loopback_queued_messages(full.name()),
            Some(1),
            "the reply waits"
        );
        // Room: the filler goes, and the kept reply arrives.
        let mut buffer = MessageBuffer::for_receive(256);
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
        assert_eq!(buffer.header().msgh_id, arith::add::ID + 100);
        let result = buffer.bytes()[32..40].to_vec();
        assert_eq!(result, [0, 0, 0, 0, 42, 0, 0, 0], "RetCode 0, c = 42");
        buffer.destroy();
        // Full again, and the loop ends before there is room: the reply is released.
        let (full, full_send) = full_queue();
        send_add_replying_to(send.name(), full.name());
        assert_eq!(arith::add_async(send.name(), 1, 1).await, Ok(2));
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        assert_eq!(
            sys::loopback_queued_messages(full.name()),
            Some(1),
            "only the filler"
        );
        drop((full, full_send, send));
    });
}

/// The reply ports the pool keeps for this task.
fn pooled() -> Vec<mach_port_t> {
    mig::__private::pooled_reply_ports()
}

/// Whether `name` still names a right in this task.
fn is_live(name: mach_port_t) -> bool {
    let mut kind = 0;
    // SAFETY: `kind` is a valid out-pointer; the task is our own.
    unsafe { sys::mach_port_type(sys::mach_task_self(), name, &mut kind) == sys::KERN_SUCCESS }
}

/// Sequential calls reuse one reply port: after the first call the pool holds one port,
/// every later call takes it and gives it back, and the task's rights and the kernel's
/// ports stay flat over a thousand calls (without the pool each call would make and
/// destroy a port, a port set and a descriptor, and the pool would be empty).
#[test]
fn sequential_calls_reuse_one_reply_port() {
    run(|| async {
        let port = ReceiveRight::allocate().unwrap();
        let send = port.make_send().unwrap();
        let (stop, server) = spawn_server(Arc::new(Adder::default()), vec![port]);
        assert_eq!(pooled(), []);
        assert_eq!(arith::add_async(send.name(), 1, 1).await, Ok(2));
        let warm = pooled();
        assert_eq!(warm.len(), 1, "the first call's port is kept");
        let (rights, ports) = (accounting().0, sys::loopback_live_ports());
        for i in 0..1000 {
            assert_eq!(arith::add_async(send.name(), i, 1).await, Ok(i + 1));
            assert_eq!(pooled(), warm, "call {i} used and gave back the same port");
            assert_eq!(
                accounting().0,
                rights,
                "call {i} left the task's rights as they were"
            );
            assert_eq!(sys::loopback_live_ports(), ports);
        }
        // A simpleroutine makes no reply port: the pool is untouched.
        arith::note_async(send.name(), 1).await.unwrap();
        assert_eq!(pooled(), warm);
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        assert_eq!(mig::release_pooled_reply_ports(), 1);
        assert!(!is_live(warm[0]), "released: the port and its set are destroyed");
    });
}

/// A call that ends without its reply does not give its port back: `end` ends a call to
/// a server that has not answered yet (a cancellation or a `waittime`), then the server
/// answers it, to a dead port, and a new call gets a port of its own and its own answer,
/// not the stale one, which would come first were the port reused.
fn unanswered_call_port_is_destroyed<F: std::future::Future<Output = ()>>(
    end: impl FnOnce(mach_port_t) -> F,
) {
    run(|| async {
        let adder = Arc::new(Adder::default());
        let (up, slow) = (
            ReceiveRight::allocate().unwrap(),
            ReceiveRight::allocate().unwrap(),
        );
        let (to_up, to_slow) = (up.make_send().unwrap(), slow.make_send().unwrap());
        let (stop, server) = spawn_server(Arc::clone(&adder), vec![up]);
        assert_eq!(arith::add_async(to_up.name(), 1, 1).await, Ok(2));
        let [first] = pooled()[..] else {
            panic!("one port kept")
        };
        // The call takes the pooled port, and ends before the server answers.
        end(to_slow.name()).await;
        assert_eq!(
            sys::loopback_queued_messages(slow.name()),
            Some(1),
            "its request waits"
        );
        assert_eq!(pooled(), [], "the port did not come back");
        assert!(!is_live(first), "it was destroyed");
        // Now the slow server answers the old request (1 + 1), then a new one.
        let (stop_slow, slow_server) = spawn_server(adder, vec![slow]);
        assert_eq!(arith::add_async(to_slow.name(), 20, 22).await, Ok(42));
        let [second] = pooled()[..] else {
            panic!("one port kept")
        };
        assert_ne!(second, first);
        stop_slow.send(()).unwrap();
        slow_server.await.unwrap().unwrap();
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
}

/// A cancelled call (its future dropped waiting for the reply): see
/// [`unanswered_call_port_is_destroyed`].
#[test]
fn cancelled_call_port_is_not_reused() {
    unanswered_call_port_is_destroyed(|slow| async move {
        let call = tokio::time::timeout(Duration::from_millis(5), arith::add_async(slow, 1, 1));
        assert!(call.await.is_err(), "no answer yet");
    });
}

/// A call whose `waittime` runs out (`MACH_RCV_TIMED_OUT`): see
/// [`unanswered_call_port_is_destroyed`].
#[test]
fn timed_out_call_port_is_not_reused() {
    unanswered_call_port_is_destroyed(|slow| async move {
        let result = arith::add_waiting_async(slow, 1, 1).await;
        assert_eq!(result.map_err(Error::code), Err(sys::MACH_RCV_TIMED_OUT));
    });
}

/// A reply that fails the stub's checks (here one field too many: the server is of a
/// subsystem whose `add` answers differently) costs the call its port; a good reply
/// after it gets a new one, which the pool keeps.
#[test]
fn rejected_reply_port_is_not_reused() {
    mig::mig! {
        subsystem liar 4200;
        #include <mach/std_types.defs>
        routine add(server: mach_port_t; a: int; b: int; out c: int; out d: int);
    }
    struct Liar;
    impl liar::Server for Liar {
        fn add(&self, _server: mach_port_t, a: i32, b: i32) -> mig::Result<liar::add::Output> {
            Ok(liar::add::Output { c: a + b, d: 0 })
        }
    }
    run(|| async {
        let (honest, lying) = (
            ReceiveRight::allocate().unwrap(),
            ReceiveRight::allocate().unwrap(),
        );
        let (to_honest, to_lying) = (honest.make_send().unwrap(), lying.make_send().unwrap());
        let (stop, server) = spawn_server(Arc::new(Adder::default()), vec![honest]);
        assert_eq!(arith::add_async(to_honest.name(), 1, 1).await, Ok(2));
        let [first] = pooled()[..] else {
            panic!("one port kept")
        };
        let readiness = Readiness::new().unwrap();
        readiness.insert(lying.name()).unwrap();
        let stop_liar = tokio::sync::Notify::new();
        let (served, rejected) = tokio::join!(
            mig::serve_async(&readiness, &liar::Service(Liar), stop_liar.notified()),
            async {
                let rejected = arith::add_async(to_lying.name(), 1, 1).await;
                stop_liar.notify_one();
                rejected
            }
        );
        served.unwrap();
        assert_eq!(rejected, Err(Error::MIG_TYPE_ERROR));
        assert_eq!(pooled(), [], "the port did not come back");
        assert!(!is_live(first), "it was destroyed");
        assert_eq!(arith::add_async(to_honest.name(), 2, 2).await, Ok(4));
        assert_eq!(pooled().len(), 1);
        assert_ne!(pooled(), [first]);
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        drop((readiness, lying));
    });
}

/// Calls in flight at once each have a port of their own (each gets its own answer);
/// when they end the pool keeps as many as its bound allows and destroys the rest.
#[test]
fn concurrent_calls_have_their_own_ports_and_the_pool_is_bounded() {
    run(|| async {
        let port = ReceiveRight::allocate().unwrap();
        let send = port.make_send().unwrap();
        let (stop, server) = spawn_server(Arc::new(Adder::default()), vec![port]);
        let rights = accounting().0;
        let tasks = 3 * mig::__private::REPLY_POOL_CAPACITY;
        for round in 0..3 {
            // All in flight before the server (on this thread too) answers any.
            let started = Arc::new(tokio::sync::Barrier::new(tasks));
            let calls: Vec<_> = (0..tasks as i32)
                .map(|i| {
                    let (name, started) = (send.name(), Arc::clone(&started));
                    tokio::spawn(async move {
                        started.wait().await;
                        arith::add_async(name, i, round).await
                    })
                })
                .collect();
            for (i, call) in calls.into_iter().enumerate() {
                assert_eq!(call.await.unwrap(), Ok(i as i32 + round));
            }
            let kept = pooled();
            assert_eq!(
                kept.len(),
                mig::__private::REPLY_POOL_CAPACITY,
                "the pool's bound"
            );
            let mut distinct = kept.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), kept.len(), "each call had a port of its own");
            // A port and its set per kept port, nothing else.
            assert_eq!(accounting().0, rights + 2 * kept.len());
        }
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
}

/// The `Client` handle's `_async` methods, end to end: borrowing ones through a shared
/// right (the future is `Send`: spawned), and a consuming one whose request moves the
/// client's right to the server.
#[test]
fn client_async_methods() {
    mig::mig! {
        subsystem mover 4400;
        #include <mach/std_types.defs>
        /// Hands over a send right to the server's port, with a number.
        routine give(server: mach_port_move_send_t; a: int; out b: int);
    }
    struct Taker;
    impl mover::Server for Taker {
        fn give(&self, _server: mach_port_t, a: i32) -> mig::Result<i32> {
            Ok(a * 2)
        }
    }
    run(|| async {
        let port = ReceiveRight::allocate().unwrap();
        let send = Arc::new(port.make_send().unwrap());
        let adder = Arc::new(Adder::default());
        let (stop, server) = spawn_server(Arc::clone(&adder), vec![port]);
        let client = arith::Client::new(Arc::clone(&send));
        assert_eq!(client.add_async(2, 3).await, Ok(5));
        client.note_async(4).await.unwrap();
        let spawned = tokio::spawn(async move { client.add_async(40, 2).await });
        assert_eq!(spawned.await.unwrap(), Ok(42));
        assert_eq!(arith::Client::new(&*send).add_waiting_async(1, 1).await, Ok(2));
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        assert_eq!(adder.notes.load(Ordering::SeqCst), 4);

        let port = ReceiveRight::allocate().unwrap();
        let readiness = Readiness::new().unwrap();
        readiness.insert(port.name()).unwrap();
        let mover = mover::Client::new(port.make_send().unwrap());
        let done = tokio::sync::Notify::new();
        let (served, given) = tokio::join!(
            mig::serve_async(&readiness, &mover::Service(Taker), done.notified()),
            async {
                // Consumes the client: its right goes with the request.
                let given = mover.give_async(21).await;
                done.notify_one();
                given
            }
        );
        served.unwrap();
        assert_eq!(given, Ok(42));
        drop((readiness, port));
    });
}

/// A pooled port keeps its registration with the runtime that used it last; a call on
/// another runtime takes it over (registered again there), also once the first runtime
/// is gone.
#[test]
fn pooled_ports_move_between_runtimes() {
    let _turn = common::one_at_a_time();
    in_new_task(|_| {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        let port = ReceiveRight::allocate().unwrap();
        let send = port.make_send().unwrap();
        let readiness = Readiness::new().unwrap();
        readiness.insert(port.name()).unwrap();
        let service = arith::Service(Arc::new(Adder::default()));
        let serve_and_call = |a: i32| {
            let (readiness, service, send) = (&readiness, &service, &send);
            async move {
                let done = tokio::sync::Notify::new();
                let (served, sum) =
                    tokio::join!(mig::serve_async(readiness, service, done.notified()), async {
                        let sum = arith::add_async(send.name(), a, 1).await;
                        done.notify_one();
                        sum
                    });
                served.unwrap();
                sum
            }
        };
        let (first, second) = (runtime(), runtime());
        assert_eq!(first.block_on(serve_and_call(1)), Ok(2));
        let warm = pooled();
        assert_eq!(warm.len(), 1);
        assert_eq!(second.block_on(serve_and_call(2)), Ok(3));
        assert_eq!(
            pooled(),
            warm,
            "the second runtime took the first one's port over"
        );
        drop(second);
        assert_eq!(first.block_on(serve_and_call(3)), Ok(4));
        drop(first);
        assert_eq!(runtime().block_on(serve_and_call(4)), Ok(5));
        assert_eq!(pooled(), warm, "and a third runtime, the others gone");
        drop((readiness, port, send));
        assert_eq!(mig::release_pooled_reply_ports(), 1);
        assert_eq!(accounting(), (0, 0), "rights and memory left in the task");
    });
}

/// On a multi-thread runtime, calls move between worker threads (a call taking a port on
/// one and giving it back from another): every call gets its own answer, the pool stays
/// within its bound, and nothing is left once it is released. In the process's own task
/// (the loopback runs a thread in another task only inside a closure, and a runtime's
/// workers outlive any closure), so the accounting is a difference.
#[test]
fn multi_thread_runtime() {
    let _turn = common::one_at_a_time();
    let before = accounting();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let adder = Arc::new(Adder::default());
        let port = ReceiveRight::allocate().unwrap();
        let send = Arc::new(port.make_send().unwrap());
        let (stop, server) = spawn_server(Arc::clone(&adder), vec![port]);
        let calls: Vec<_> = (0..64)
            .map(|task| {
                let client = arith::Client::new(Arc::clone(&send));
                tokio::spawn(async move {
                    for call in 0..50 {
                        assert_eq!(client.add_async(task, call).await, Ok(task + call));
                        if call % 10 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for call in calls {
            call.await.unwrap();
        }
        assert!(pooled().len() <= mig::__private::REPLY_POOL_CAPACITY);
        assert!(!pooled().is_empty());
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
    drop(runtime);
    mig::release_pooled_reply_ports();
    assert_eq!(accounting(), before, "rights and memory left in the task");
}
