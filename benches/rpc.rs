//! Per-RPC cost. `cargo bench -p mig-benches --bench rpc`.
//!
//! - "dispatch": the server's share alone (request checks, handler, reply), on buffers a
//!   loop would reuse: no transport.
//! - "round trip": client stub, loopback kernel, server loop on another thread, reply
//!   check, for the cost of a whole call in this process.

use std::hint::black_box;
use std::thread;

use criterion::{Criterion, criterion_group, criterion_main};
use mig::sys;
use mig::{MessageBuffer, ReceiveRight, SendRight};

mod subsystem;

use subsystem::{Server, bench};

fn dispatch(c: &mut Criterion) {
    let server = Server {
        port: ReceiveRight::allocate().unwrap(),
    };
    let mut request = MessageBuffer::for_receive(bench::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(bench::MAX_REPLY_SIZE);
    let add = bench::add2::Request {
        Head: sys::mach_msg_header_t {
            msgh_size: core::mem::size_of::<bench::add2::Request>() as u32,
            msgh_id: bench::add2::ID,
            ..Default::default()
        },
        NDR: mig::__private::NDR,
        a: 40,
        b: 2,
    };
    c.bench_function("dispatch add2 (scalars)", |b| {
        b.iter(|| {
            request.write(black_box(add));
            // SAFETY: a simple message without port names, and `add2` reads no
            // trailer: nothing in it is trusted beyond its bytes.
            unsafe { request.assume_received() };
            bench::dispatch(&server, &mut request, &mut reply)
        })
    });
}

fn round_trip(c: &mut Criterion) {
    let receive = ReceiveRight::allocate().unwrap();
    let send: SendRight = receive.make_send().unwrap();
    let name = receive.name();
    let served = thread::spawn(move || {
        let result = mig::serve(
            receive.name(),
            &bench::Service(Server {
                port: ReceiveRight::allocate().unwrap(),
            }),
        );
        let _ = receive.into_raw();
        result
    });
    let port = send.name();
    c.bench_function("round trip add2 (scalars)", |b| {
        b.iter(|| bench::add2(port, black_box(40), 2).unwrap())
    });
    let data: Vec<i32> = (0..64).collect();
    c.bench_function("round trip echo (64 ints in and out, 1 code)", |b| {
        let mut back = mig::InlineArray::new();
        b.iter(|| bench::echo(port, black_box(&data), &[1], &mut back).unwrap())
    });
    let page = vec![7u8; 4096];
    c.bench_function("round trip ool_send (4 KiB out of line, a port back)", |b| {
        b.iter(|| bench::ool_send(port, black_box(&page)).unwrap())
    });
    // SAFETY: the server's port lives in this task; destroying it ends the loop.
    unsafe { sys::mach_port_destroy(sys::mach_task_self(), name) };
    served.join().unwrap().unwrap();
}

criterion_group!(benches, dispatch, round_trip);
criterion_main!(benches);
