//! A `mach_exc` exception server with `async` handlers: the built-in `mig::mach_exc`
//! module's `AsyncServer` trait, served by `mig::serve_async_concurrent`, which runs each
//! exception's handler in a task of its own.
//!
//! The handler awaits other work before it answers: it asks a "symbolizer" task (another
//! task, reached through a channel) what the faulting address is, as a crash reporter
//! looks up symbols, while the server goes on receiving other threads' exceptions. Four
//! threads fault at once here; their handlers overlap, and each thread is answered when
//! its own lookup is done.
//!
//! A client generated from the same definitions plays the kernel (on the loopback, and
//! on macOS too: the messages are the kernel's, sent to a port of our own), so the
//! example runs anywhere: `cargo run --example async_exception_server --features tokio`.
//! `examples/exception_server.rs` installs a real exception port on macOS, with the
//! blocking `mach_exc::Server` trait; the `AsyncServer` serves such a port the same way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mig::mach_exc;
use mig::sys::mach_port_t;
use mig::{Error, OutArray, Readiness, ReceiveRight, SendRight};
use tokio::sync::{mpsc, oneshot};

const EXC_BAD_ACCESS: i32 = 1;
const EXC_BREAKPOINT: i32 = 6;
const X86_THREAD_STATE64: i32 = 4;
/// `rip` is the 17th 64-bit register of `x86_thread_state64_t`: natural_t index 32.
const RIP: usize = 32;

/// A lookup for the symbolizer: an address, and where to send its symbol.
type Lookup = (u64, oneshot::Sender<String>);

/// Handles bad accesses: looks the faulting address up (awaiting the symbolizer),
/// reports, and resumes the thread past the faulting instruction (pretend it is 4
/// bytes).
struct Handler {
    symbolizer: mpsc::Sender<Lookup>,
}

impl mach_exc::AsyncServer for Handler {
    async fn catch_mach_exception_raise(
        &self,
        _: mach_port_t,
        _: SendRight,
        _: SendRight,
        _: i32,
        _: &[i64],
    ) -> mig::Result<()> {
        // Only the state-identity behavior is installed.
        Err(Error::KERN_FAILURE)
    }

    async fn catch_mach_exception_raise_state(
        &self,
        _: mach_port_t,
        _: i32,
        _: &[i64],
        _: i32,
        _: &[u32],
        _: &mut OutArray<'_, u32>,
    ) -> mig::Result<i32> {
        Err(Error::KERN_FAILURE)
    }

    async fn catch_mach_exception_raise_state_identity(
        &self,
        _: mach_port_t,
        thread: SendRight,
        _task: SendRight,
        exception: i32,
        code: &[i64],
        flavor: i32,
        old_state: &[u32],
        new_state: &mut OutArray<'_, u32>,
    ) -> mig::Result<i32> {
        if exception != EXC_BAD_ACCESS || flavor != X86_THREAD_STATE64 || old_state.len() <= RIP + 1 {
            return Err(Error::KERN_FAILURE);
        }
        let address = code.get(1).copied().unwrap_or(0) as u64;
        // Other work, awaited: the request's arrays and the reply's `new_state` live as
        // long as this future.
        let (answer, symbol) = oneshot::channel();
        self.symbolizer
            .send((address, answer))
            .await
            .map_err(|_| Error::KERN_FAILURE)?;
        let symbol = symbol.await.map_err(|_| Error::KERN_FAILURE)?;
        println!(
            "handler: EXC_BAD_ACCESS on thread {:#x} at {address:#x} ({symbol})",
            thread.name()
        );
        let rip = u64::from(old_state[RIP]) | u64::from(old_state[RIP + 1]) << 32;
        new_state.extend_from_slice(old_state)?;
        let next = rip + 4;
        new_state.set(RIP, next as u32);
        new_state.set(RIP + 1, (next >> 32) as u32);
        Ok(flavor)
    }
}

/// The symbolizer: answers each lookup after 100 ms of pretend work.
async fn symbolizer(mut lookups: mpsc::Receiver<Lookup>) {
    while let Some((address, answer)) = lookups.recv().await {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ = answer.send(format!("null page + {address:#x}"));
        });
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> mig::Result<()> {
    let (lookups, to_symbolize) = mpsc::channel(16);
    tokio::spawn(symbolizer(to_symbolize));

    // The exception port and its server, with at most 32 handlers in flight.
    let port = ReceiveRight::allocate()?;
    let send = port.make_send()?;
    let readiness = Readiness::new()?;
    readiness.insert(port.name())?;
    let (stop, stopped) = oneshot::channel::<()>();
    let service = Arc::new(mach_exc::AsyncService(Handler { symbolizer: lookups }));
    let server = tokio::spawn(async move {
        let result = mig::serve_async_concurrent(&readiness, service, 32, async {
            let _ = stopped.await;
        })
        .await;
        // The port goes away with the server.
        drop(port);
        result
    });

    // Play the kernel: four threads fault at once, reading 0x10, 0x20, ... at rip 0x1000.
    let started = Instant::now();
    let faults: Vec<tokio::task::JoinHandle<mig::Result<(i32, u32)>>> = (1..=4i64)
        .map(|n| {
            let exception_port = send.name();
            tokio::spawn(async move {
                let thread_port = ReceiveRight::allocate()?;
                let thread = thread_port.make_send()?;
                let mut state = [0u32; 42]; // x86_THREAD_STATE64_COUNT
                state[RIP] = 0x1000;
                let mut new_state = mig::InlineArray::new();
                let flavor = mach_exc::mach_exception_raise_state_identity_async(
                    exception_port,
                    thread.name(),
                    thread.name(),
                    EXC_BAD_ACCESS,
                    &[1, 0x10 * n], // KERN_INVALID_ADDRESS at 0x10 * n
                    X86_THREAD_STATE64,
                    &state,
                    &mut new_state,
                )
                .await?;
                mig::Result::Ok((flavor, new_state[RIP]))
            })
        })
        .collect();
    for fault in faults {
        let (flavor, rip) = fault.await.expect("kernel task")?;
        println!("kernel: resuming with flavor {flavor} and rip {rip:#x}");
    }
    println!(
        "kernel: four exceptions answered in {} ms (their lookups overlapped)",
        started.elapsed().as_millis()
    );
    // An exception the handler does not take comes back as an error.
    let thread_port = ReceiveRight::allocate()?;
    let thread = thread_port.make_send()?;
    let refused =
        mach_exc::mach_exception_raise_async(send.name(), thread.name(), thread.name(), EXC_BREAKPOINT, &[0])
            .await;
    println!(
        "kernel: EXC_BREAKPOINT refused by the handler: {}",
        refused.unwrap_err()
    );

    // A real exception server runs for as long as its process; this one stops here,
    // once the handlers in flight are done.
    drop(send);
    stop.send(()).expect("the server is running");
    server.await.expect("server task")
}
