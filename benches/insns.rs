//! Instructions per RPC, for callgrind (`benches/callgrind.sh` runs it and does the
//! arithmetic): `insns <routine> <calls>` makes that many calls of one routine, with the
//! client stub and the server loop each in a function of its own, so that callgrind can
//! count them apart from the loopback kernel's `mach_msg`.
//!
//! Without arguments (as `cargo bench` runs it) it makes a few calls of each and exits.

mod subsystem;

use std::hint::black_box;
use std::thread;

use mig::sys::{self, mach_port_t};
use mig::{MessageBuffer, ReceiveRight};
use subsystem::{Server, bench};

#[inline(never)]
fn client_add2(port: mach_port_t) {
    black_box(bench::add2(port, black_box(40), 2).unwrap());
}

#[inline(never)]
fn client_echo(port: mach_port_t, data: &[i32], back: &mut mig::InlineArray<i32, 512>) {
    bench::echo(port, black_box(data), &[1], back).unwrap();
    black_box(back);
}

#[inline(never)]
fn client_ool_send(port: mach_port_t, page: &[u8]) {
    drop(black_box(bench::ool_send(port, black_box(page)).unwrap()));
}

/// The anchor's arguments: EXC_BAD_ACCESS, codes KERN_INVALID_ADDRESS and the address,
/// flavor 6, the thread and task as two copied send rights (here the service port's).
#[inline(never)]
fn client_mach_exception_raise_state_identity(
    port: mach_port_t,
    old_state: &[u32],
    new_state: &mut mig::InlineArray<u32, 1296>,
) {
    black_box(
        bench::mach_exception_raise_state_identity(
            port,
            port,
            port,
            1,
            &[1, 0x10],
            6,
            black_box(old_state),
            new_state,
        )
        .unwrap(),
    );
    black_box(new_state);
}

/// The server loop, one request per call.
#[inline(never)]
fn server_once(
    port: mach_port_t,
    service: &bench::Service<Server>,
    request: &mut MessageBuffer,
    reply: &mut MessageBuffer,
) -> mig::Served {
    mig::serve_one(port, service, request, reply).unwrap()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let routine = args.next();
    let calls: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
    let receive = ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let name = receive.name();
    let server = thread::spawn(move || {
        let service = bench::Service(Server {
            port: ReceiveRight::allocate().unwrap(),
        });
        let mut request = MessageBuffer::for_receive(bench::MAX_REQUEST_SIZE);
        let mut reply = MessageBuffer::with_capacity(bench::MAX_REPLY_SIZE);
        while server_once(receive.name(), &service, &mut request, &mut reply) == mig::Served::Handled {}
        let _ = receive.into_raw();
    });
    let port = send.name();
    let data: Vec<i32> = (0..64).collect();
    let page = vec![7u8; 4096];
    let state: Vec<u32> = (0..68).collect();
    let mut back = mig::InlineArray::new();
    let mut new_state = mig::InlineArray::new();
    let all = routine.is_none();
    for _ in 0..calls {
        if all || routine.as_deref() == Some("add2") {
            client_add2(port);
        }
        if all || routine.as_deref() == Some("echo") {
            client_echo(port, &data, &mut back);
        }
        if all || routine.as_deref() == Some("ool_send") {
            client_ool_send(port, &page);
        }
        if all || routine.as_deref() == Some("mach_exception_raise_state_identity") {
            client_mach_exception_raise_state_identity(port, &state, &mut new_state);
        }
    }
    // SAFETY: the server's port lives in this task; destroying it ends the loop.
    unsafe { sys::mach_port_destroy(sys::mach_task_self(), name) };
    server.join().unwrap();
}
