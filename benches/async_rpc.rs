//! Round trips per second: the blocking loop against `mig::serve_async` and the `_async`
//! stubs, over the loopback. A timed run, not criterion: the async cases measure a whole
//! runtime at work, many calls in flight. `cargo bench -p mig-benches --bench async_rpc`.
//!
//! - blocking: `serve_until` on a thread, `bench::add2` calls from another, one at a time;
//! - async, same thread: `serve_async` and the client on one current-thread runtime, one
//!   call at a time (every call is two readiness wake-ups on one thread);
//! - async, 64 in flight: the same runtime, 64 client tasks calling at once;
//! - async, server on its own thread: `serve_async` on a second runtime, one call at a
//!   time, so every wake-up crosses threads as in the blocking case;
//! - async handlers, 64 in flight: `serve_async_concurrent` (a task per request, the
//!   `AsyncServer` handlers) and 64 client tasks on one current-thread runtime;
//! - per-call setup alone: the reply port, port set and eventfd an async call made before
//!   the reply-port pool (and still makes when the pool has none to give);
//! - per-call registration alone: the `AsyncFd` registration an async call made before
//!   the pool kept each port's registration (and still makes when it moves a pooled port
//!   to another runtime).

use std::sync::Arc;
use std::time::{Duration, Instant};

use mig::{Readiness, ReceiveRight, SendRight};

mod subsystem;

use subsystem::{Server, bench};

const CALLS: u32 = 20_000;

fn report(what: &str, calls: u32, took: Duration) {
    let per_second = f64::from(calls) / took.as_secs_f64();
    println!(
        "{what:<48} {calls:>6} calls in {:>7.1} ms: {per_second:>9.0} round trips/s, {:>6.1} µs each",
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e6 / f64::from(calls)
    );
}

fn service() -> bench::Service<Server> {
    bench::Service(Server {
        port: ReceiveRight::allocate().unwrap(),
    })
}

fn blocking() {
    let receive = ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let shutdown = Arc::new(mig::Shutdown::new(receive.make_send().unwrap()));
    let stop = Arc::clone(&shutdown);
    let server = std::thread::spawn(move || mig::serve_until(receive.name(), &service(), &stop));
    let started = Instant::now();
    for i in 0..CALLS {
        assert_eq!(bench::add2(send.name(), i as i32, 1).unwrap(), i as i32 + 1);
    }
    report(
        "blocking: serve_until thread, client thread",
        CALLS,
        started.elapsed(),
    );
    shutdown.request().unwrap();
    server.join().unwrap().unwrap();
}

/// A served port on the current runtime: its send right, and the stop and the handle of
/// the server task.
fn spawn_server() -> (
    SendRight,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<mig::Result<()>>,
) {
    let receive = ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let readiness = Readiness::new().unwrap();
        readiness.insert(receive.name()).unwrap();
        let result = mig::serve_async(&readiness, &service(), async {
            let _ = stopped.await;
        })
        .await;
        drop(receive);
        result
    });
    (send, stop, server)
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn async_same_thread() {
    current_thread().block_on(async {
        let (send, stop, server) = spawn_server();
        let started = Instant::now();
        for i in 0..CALLS {
            assert_eq!(
                bench::add2_async(send.name(), i as i32, 1).await.unwrap(),
                i as i32 + 1
            );
        }
        report("async: server and client on one thread", CALLS, started.elapsed());
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
}

fn async_in_flight(tasks: u32) {
    current_thread().block_on(async {
        let (send, stop, server) = spawn_server();
        let port = send.name();
        let started = Instant::now();
        let clients: Vec<_> = (0..tasks)
            .map(|_| {
                tokio::spawn(async move {
                    for i in 0..CALLS / tasks {
                        assert_eq!(bench::add2_async(port, i as i32, 1).await.unwrap(), i as i32 + 1);
                    }
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        let what = format!("async: {tasks} in flight, one thread");
        report(&what, CALLS / tasks * tasks, started.elapsed());
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
}

/// `serve_async_concurrent` with the `AsyncServer` handlers: each request in a task of
/// its own, at most `tasks` at a time, as many client tasks calling.
fn async_handlers_in_flight(tasks: u32) {
    current_thread().block_on(async {
        let receive = ReceiveRight::allocate().unwrap();
        let port = receive.make_send().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let readiness = Readiness::new().unwrap();
            readiness.insert(receive.name()).unwrap();
            let service = Arc::new(bench::AsyncService(Server {
                port: ReceiveRight::allocate().unwrap(),
            }));
            let result = mig::serve_async_concurrent(&readiness, service, tasks as usize, async {
                let _ = stopped.await;
            })
            .await;
            drop(receive);
            result
        });
        let name = port.name();
        let started = Instant::now();
        let clients: Vec<_> = (0..tasks)
            .map(|_| {
                tokio::spawn(async move {
                    for i in 0..CALLS / tasks {
                        assert_eq!(bench::add2_async(name, i as i32, 1).await.unwrap(), i as i32 + 1);
                    }
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        let what = format!("async handlers: {tasks} in flight, one thread");
        report(&what, CALLS / tasks * tasks, started.elapsed());
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
}

fn async_server_thread() {
    let (ready, port) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        current_thread().block_on(async move {
            let receive = ReceiveRight::allocate().unwrap();
            ready.send(receive.make_send().unwrap()).unwrap();
            let readiness = Readiness::new().unwrap();
            readiness.insert(receive.name()).unwrap();
            mig::serve_async(&readiness, &service(), async {
                let _ = stopped.await;
            })
            .await
        })
    });
    let send: SendRight = port.recv().unwrap();
    current_thread().block_on(async {
        let started = Instant::now();
        for i in 0..CALLS {
            assert_eq!(
                bench::add2_async(send.name(), i as i32, 1).await.unwrap(),
                i as i32 + 1
            );
        }
        report(
            "async: server runtime thread, client runtime",
            CALLS,
            started.elapsed(),
        );
    });
    stop.send(()).unwrap();
    server.join().unwrap().unwrap();
}

/// What each async call sets up and tears down besides the messages: a reply port, a port
/// set and its eventfd (the epoll registration not included).
fn per_call_setup() {
    let started = Instant::now();
    for _ in 0..CALLS {
        let port = ReceiveRight::allocate().unwrap();
        let readiness = Readiness::new().unwrap();
        readiness.insert(port.name()).unwrap();
        drop((port, readiness));
    }
    report(
        "per-call setup alone: port, set, eventfd",
        CALLS,
        started.elapsed(),
    );
}

/// What each async call still sets up with a pooled port: the reactor registration of
/// its descriptor (`AsyncFd::new` and drop: an `epoll_ctl` add and delete).
fn per_call_registration() {
    struct Fd(std::os::fd::RawFd);
    impl std::os::fd::AsRawFd for Fd {
        fn as_raw_fd(&self) -> std::os::fd::RawFd {
            self.0
        }
    }
    let readiness = Readiness::new().unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&readiness);
    current_thread().block_on(async {
        let started = Instant::now();
        for _ in 0..CALLS {
            // SAFETY: `readiness` keeps the descriptor open, and outlives the loop.
            let registered = unsafe {
                tokio::io::unix::AsyncFd::register_with_interest(Fd(fd), tokio::io::Interest::READABLE)
            };
            drop(registered.unwrap());
        }
        report("per-call registration alone: AsyncFd", CALLS, started.elapsed());
    });
}

fn main() {
    // `cargo test --benches` runs bench binaries with no arguments but `--bench` absent:
    // keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    blocking();
    async_same_thread();
    async_in_flight(64);
    async_handlers_in_flight(64);
    async_server_thread();
    per_call_setup();
    per_call_registration();
}
