//! The `_async` stubs' futures are `Send` for every routine, also those whose request
//! carries out-of-line memory, out-of-line ports or an inline port array (their wire
//! descriptors hold raw pointers): spawned on a multi-threaded runtime and served over
//! the loopback, with nothing left in the task afterwards. The borrow of what a call
//! lends still lasts as long as its future: the `compile-fail` crate's `async_*` cases.

#![cfg(not(target_vendor = "apple"))]

#[path = "../../tests/common/mod.rs"]
mod common;
mod on_tokio;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::accounting;
use mig::sys::{self, mach_port_t};
use mig::{OutOfLine, Readiness, ReceiveRight, SendRight};
use on_tokio::run;

mig::mig! {
    subsystem lend 4700;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>

    type rights_t = array[*:4] of mach_port_copy_send_t;
    type word_box_t = ^int;

    /// Sums the bytes of a region the caller lends (out-of-line memory).
    routine sum(server: mach_port_t; data: pointer_t; out total: int);
    /// Counts the rights of an out-of-line ports array, and releases them.
    routine count_ool(server: mach_port_t; names: mach_port_array_t; out n: int);
    /// Counts the rights of an inline port array, and releases them.
    routine count_inline(server: mach_port_t; names: rights_t; out n: int);
    /// Reads one value sent out of line.
    routine boxed(server: mach_port_t; value: word_box_t; out v: int);
    /// Sums a region the caller gives away (`dealloc`).
    routine sum_moved(server: mach_port_t; data: pointer_t, dealloc; out total: int);
    /// Notes the length of a region, without an answer.
    simpleroutine note(server: mach_port_t; data: pointer_t);
}

#[derive(Default)]
struct Lender {
    noted: AtomicUsize,
}

impl lend::Server for Arc<Lender> {
    fn sum(&self, _: mach_port_t, data: OutOfLine<u8>) -> mig::Result<i32> {
        Ok(data.iter().map(|&b| i32::from(b)).sum())
    }

    fn count_ool(&self, _: mach_port_t, names: Vec<SendRight>) -> mig::Result<i32> {
        Ok(names.len() as i32)
    }

    fn count_inline(&self, _: mach_port_t, names: Vec<SendRight>) -> mig::Result<i32> {
        Ok(names.len() as i32)
    }

    fn boxed(&self, _: mach_port_t, value: i32) -> mig::Result<i32> {
        Ok(value)
    }

    fn sum_moved(&self, server: mach_port_t, data: OutOfLine<u8>) -> mig::Result<i32> {
        self.sum(server, data)
    }

    fn note(&self, _: mach_port_t, data: OutOfLine<u8>) -> mig::Result<()> {
        self.noted.fetch_add(data.len(), Ordering::SeqCst);
        Ok(())
    }
}

/// Fails to compile if `T` is not `Send`: the point of these tests.
fn assert_send<T: Send>(_: &T) {}

/// A task serving `port` with `serve_async` until the sender fires.
fn spawn_server(
    lender: Arc<Lender>,
    port: ReceiveRight,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<mig::Result<()>>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let readiness = Readiness::new().unwrap();
    readiness.insert(port.name()).unwrap();
    let server = tokio::spawn(async move {
        let result = mig::serve_async(&readiness, &lend::Service(lender), async {
            let _ = stopped.await;
        })
        .await;
        drop(port);
        result
    });
    (stop, server)
}

/// Each kind of request that carries a raw pointer on the wire, from spawned tasks:
/// lent memory, an out-of-line ports array, an inline port array, an out-of-line value,
/// memory given away, and a simpleroutine's memory.
#[test]
fn spawned_calls_with_memory_and_port_arrays() {
    run(calls_with_memory_and_port_arrays);
}

/// The same on a multi-threaded runtime, whose workers move the calls between threads:
/// in the process's own task (the loopback runs a thread in another task only inside a
/// closure, which a runtime's workers outlive), so the accounting is a difference.
#[test]
fn calls_with_memory_on_a_multi_thread_runtime() {
    let _turn = common::one_at_a_time();
    let before = accounting();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(calls_with_memory_and_port_arrays());
    drop(runtime);
    mig::release_pooled_reply_ports();
    assert_eq!(accounting(), before, "rights and memory left in the task");
}

/// The calls of the two tests above.
async fn calls_with_memory_and_port_arrays() {
    let port = ReceiveRight::allocate().unwrap();
    let server_right = port.make_send().unwrap();
    let name = server_right.name();
    let lender = Arc::new(Lender::default());
    let (stop, server) = spawn_server(Arc::clone(&lender), port);
    let lent = ReceiveRight::allocate().unwrap();
    let right = lent.make_send().unwrap();
    let names = [right.name(), right.name(), right.name()];

    let data: Arc<[u8]> = (1..=100u8).collect::<Vec<_>>().into();
    let mut calls = Vec::new();
    for i in 0..20 {
        let data = Arc::clone(&data);
        calls.push(tokio::spawn(async move {
            let future = lend::sum_async(name, &data[..=i]);
            assert_send(&future);
            let total = future.await.unwrap();
            assert_eq!(total, (1..=i as i32 + 1).sum::<i32>());

            let future = lend::note_async(name, &data[..i]);
            assert_send(&future);
            future.await.unwrap();

            let future = lend::count_ool_async(name, &names);
            assert_send(&future);
            assert_eq!(future.await, Ok(3));

            let future = lend::count_inline_async(name, &names[..2]);
            assert_send(&future);
            assert_eq!(future.await, Ok(2));

            let value = i as i32;
            let future = lend::boxed_async(name, &value);
            assert_send(&future);
            assert_eq!(future.await, Ok(value));

            let moved = OutOfLine::copy_from(&data[..3]).unwrap();
            let future = lend::sum_moved_async(name, moved);
            assert_send(&future);
            assert_eq!(future.await, Ok(6));
        }));
    }
    for call in calls {
        call.await.unwrap();
    }
    // Each simpleroutine was served before its task's next call (one loop, in order).
    assert_eq!(lender.noted.load(Ordering::SeqCst), (0..20).sum::<usize>());
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    drop((right, lent, server_right));
}

/// The `Client` handle's `_async` methods with memory, spawned.
#[test]
fn spawned_client_methods_with_memory() {
    run(|| async {
        let port = ReceiveRight::allocate().unwrap();
        let client = Arc::new(lend::Client::new(port.make_send().unwrap()));
        let (stop, server) = spawn_server(Arc::new(Lender::default()), port);
        let calls: Vec<_> = (0..10u8)
            .map(|i| {
                let client = Arc::clone(&client);
                tokio::spawn(async move {
                    let data = vec![i; 10];
                    let future = client.sum_async(&data);
                    assert_send(&future);
                    assert_eq!(future.await, Ok(i32::from(i) * 10));
                })
            })
            .collect();
        for call in calls {
            call.await.unwrap();
        }
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        drop(client);
    });
}

/// The runtime's `call_async` and `post_async` write the request before they return
/// their future: a future dropped before it is polled releases what the request took
/// (here a moved send right, as the destination, and a region given away), as an unsent
/// request's owner must. (The stubs poll it at once; other callers of the runtime may
/// not.)
#[test]
fn unpolled_runtime_futures_release_their_request() {
    use mig::__private as rt;
    run(|| async {
        let port = ReceiveRight::allocate().unwrap();
        for simple in [false, true] {
            let dest = port.make_send().unwrap().into_raw();
            let region = OutOfLine::copy_from(&[7u8; 100]).unwrap();
            assert!(accounting().1 > 0);
            let (count, descriptor) = region.into_wire().unwrap();
            // The layout of `sum_moved`'s request: the descriptor, NDR, the count.
            let write = move |writer: &mut rt::Writer<'_>| {
                writer.put(24, rt::body(1));
                writer.put(28, descriptor);
                writer.put(44, rt::NDR);
                writer.put(52, count);
            };
            // SAFETY: the request moves `dest`'s right and the region, both ours.
            if simple {
                let future =
                    unsafe { rt::post_async::<lend::sum_moved::Request>(write, dest, 17, 1, 0, 0, 0, 0) };
                drop(future);
            } else {
                let future = unsafe {
                    rt::call_async::<lend::sum_moved::Request, lend::sum_moved::Reply, _>(
                        write,
                        dest,
                        17,
                        1,
                        0,
                        0,
                        rt::ReplyPort::Mig,
                        None,
                        |_, _| Ok(()),
                    )
                };
                drop(future);
            }
            assert_eq!(sys::loopback_queued_messages(port.name()), Some(0));
            // The port's receive right alone.
            assert_eq!(accounting(), (1, 0), "the request's right or region left");
        }
        drop(port);
    });
}
