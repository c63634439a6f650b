//! A `mach_exc` exception server on the built-in `mig::mach_exc` module: a handler that
//! inspects the faulting thread's state and answers with a new one.
//!
//! On macOS it does what a crash reporter does: installs its port with
//! `task_set_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, port,
//! EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, <the CPU's thread state>)`, reads
//! address 0x10, and the kernel sends the request; the handler reports the fault and
//! exits the process. Elsewhere a client generated from the same definitions plays the
//! kernel, so the example runs anywhere: `cargo run --example exception_server`.
//!
//! Resuming with a new state, on a real Mac: with `EXCEPTION_STATE_IDENTITY` the kernel
//! passes the handler the faulting thread's *read* port (immovable) unless Developer Mode
//! is on, and applies the returned state only when it passed the thread's control port
//! (`exception_deliver` in XNU's osfmk/kern/exception.c checks `IKOT_THREAD_CONTROL`):
//! a handler copied from this one would see its new state ignored and the thread fault
//! again, forever. To change the state, install the port with `EXCEPTION_STATE` (no
//! identity; the state is applied) or `EXCEPTION_STATE_IDENTITY_PROTECTED` (identity as
//! ids, state applied); this example only reports and exits there, like a crash reporter.
//!
//! Compared with hand-written handlers (wasmtime's or crash-handling's): no hand-copied
//! `#[repr(C, packed(4))]` request and reply structs, no manual size checks, no forgotten
//! `packed` or receive trailer, no 32-bit `exc.defs` codes mixed with 64-bit
//! `mach_exc.defs` ones: `impl mig::mach_exc::Server` and a `mig::serve` call.

use mig::sys::mach_port_t;
use mig::{Error, OutArray, ReceiveRight, SendRight};

// The built-in `mach_exc.defs` subsystem (64-bit codes, ids 2405...): no definitions
// to copy, no `exc` (32-bit, 2401...) to mix it up with.
use mig::mach_exc;

const EXC_BAD_ACCESS: i32 = 1;
const X86_THREAD_STATE64: i32 = 4;
/// `rip` is the 17th 64-bit register of `x86_thread_state64_t`: natural_t index 32.
const RIP: usize = 32;

/// Handles bad accesses: reports them, then exits the process (a real fault: nothing
/// sensible resumes it) or, for the simulated kernel, skips the faulting instruction
/// (pretend it is 4 bytes).
struct Handler {
    exit_after_report: bool,
}

impl mach_exc::Server for Handler {
    fn catch_mach_exception_raise(
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

    fn catch_mach_exception_raise_state(
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

    fn catch_mach_exception_raise_state_identity(
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
        if exception != EXC_BAD_ACCESS {
            return Err(Error::KERN_FAILURE);
        }
        println!(
            "handler: EXC_BAD_ACCESS on thread {:#x}, code {:?} (address {:#x}), thread state flavor {flavor} ({} words)",
            thread.name(),
            code,
            code.get(1).copied().unwrap_or(0),
            old_state.len(),
        );
        if self.exit_after_report {
            println!("handler: a crash reporter would write its report now; exiting");
            std::process::exit(0);
        }
        if flavor != X86_THREAD_STATE64 || old_state.len() <= RIP + 1 {
            return Err(Error::KERN_FAILURE);
        }
        let rip = u64::from(old_state[RIP]) | u64::from(old_state[RIP + 1]) << 32;
        println!("handler: rip {rip:#x}");
        // The new state is written straight into the reply.
        new_state.extend_from_slice(old_state)?;
        let next = rip + 4;
        new_state.set(RIP, next as u32);
        new_state.set(RIP + 1, (next >> 32) as u32);
        Ok(flavor)
    }
}

#[cfg(target_vendor = "apple")]
fn main() -> mig::Result<()> {
    use mach2::exception_types::{EXC_MASK_BAD_ACCESS, EXCEPTION_STATE_IDENTITY, MACH_EXCEPTION_CODES};
    #[cfg(target_arch = "aarch64")]
    let flavor = mach2::thread_status::ARM_THREAD_STATE64;
    #[cfg(target_arch = "x86_64")]
    let flavor = mach2::thread_status::x86_THREAD_STATE64;

    let port = ReceiveRight::allocate()?;
    let send = port.make_send()?;
    // SAFETY: our own task, a send right we hold, and constants from <mach/exception_types.h>.
    let kr = unsafe {
        mach2::task::task_set_exception_ports(
            mig::sys::mach_task_self(),
            EXC_MASK_BAD_ACCESS,
            send.name(),
            (EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES) as i32,
            flavor,
        )
    };
    Error::check(kr)?;
    std::thread::spawn(move || {
        mig::serve(
            port.name(),
            &mach_exc::Service(Handler {
                exit_after_report: true,
            }),
        )
    });
    println!("main: reading address 0x10");
    // SAFETY: not sound to continue from, and it does not: the load faults, the kernel
    // suspends this thread and sends the exception, and the handler exits the process.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("mov {0}, qword ptr [{1}]", out(reg) _, in(reg) 0x10usize);
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("ldr {0}, [{1}]", out(reg) _, in(reg) 0x10usize);
    }
    unreachable!("the exception handler exits the process")
}

#[cfg(not(target_vendor = "apple"))]
fn main() -> mig::Result<()> {
    // The exception port and its server.
    let port = ReceiveRight::allocate()?;
    let send = port.make_send()?;
    let shutdown = std::sync::Arc::new(mig::Shutdown::new(port.make_send()?));
    let server = {
        let shutdown = std::sync::Arc::clone(&shutdown);
        // The thread owns the receive right: the port goes away when the loop returns.
        std::thread::spawn(move || {
            let handler = mach_exc::Service(Handler {
                exit_after_report: false,
            });
            mig::serve_until(port.name(), &handler, &shutdown)
        })
    };

    // Play the kernel: a thread faulted reading address 0x10 at rip 0x1000.
    let thread_port = ReceiveRight::allocate()?;
    let thread = thread_port.make_send()?;
    let mut state = [0u32; 42]; // x86_THREAD_STATE64_COUNT
    state[RIP] = 0x1000;
    let mut new_state = mig::InlineArray::new();
    // The kernel's side of the exception port, through the built-in module's client.
    let kernel = mach_exc::Client::new(&send);
    let flavor = kernel.mach_exception_raise_state_identity(
        thread.name(),
        thread.name(),
        EXC_BAD_ACCESS,
        &[1, 0x10], // KERN_INVALID_ADDRESS at 0x10
        X86_THREAD_STATE64,
        &state,
        &mut new_state,
    )?;
    println!(
        "kernel: resuming with flavor {} and rip {:#x} ({} state words)",
        flavor,
        new_state[RIP],
        new_state.len()
    );
    // An exception the handler does not take comes back as an error: the kernel would
    // then try the next handler (the host's, then the crash reporter).
    let refused = kernel.mach_exception_raise(thread.name(), thread.name(), 6, &[0]);
    println!(
        "kernel: EXC_BREAKPOINT refused by the handler: {}",
        refused.unwrap_err()
    );

    drop(send);
    // A real exception server runs for as long as its process; this one stops here.
    shutdown.request()?;
    server.join().expect("server thread")
}
