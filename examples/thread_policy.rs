//! `CountInOut`, in the style of `thread_policy_get`: the caller says how many words of
//! policy it can take, the server answers with at most that many, and says whether it
//! used the defaults.
//!
//! `cargo run --example thread_policy`

use mig::sys::mach_port_t;
use std::sync::Arc;

use mig::{Error, InlineArray, OutArray, ReceiveRight, Shutdown};

mig::mig! {
    subsystem policy 3600;
    #include <mach/mach_types.defs>

    /// Gets a thread's scheduling policy of `flavor`; `get_default` asks for the default
    /// and comes back true if the default was returned.
    routine thread_policy_get(thread: thread_act_t; flavor: thread_policy_flavor_t;
        out policy_info: thread_policy_t, CountInOut; inout get_default: boolean_t);
}

const THREAD_EXTENDED_POLICY: u32 = 1;
const THREAD_PRECEDENCE_POLICY: u32 = 3;

struct Threads;

impl policy::Server for Threads {
    fn thread_policy_get(
        &self,
        _: mach_port_t,
        flavor: u32,
        policy_info_capacity: u32,
        policy_info: &mut OutArray<'_, i32>,
        get_default: u32,
    ) -> mig::Result<u32> {
        let policy: &[i32] = match flavor {
            THREAD_EXTENDED_POLICY => &[1],   // timeshare
            THREAD_PRECEDENCE_POLICY => &[0], // importance
            _ => return Err(Error::KERN_INVALID_ARGUMENT),
        };
        if (policy_info_capacity as usize) < policy.len() {
            return Err(Error::KERN_INVALID_ARGUMENT);
        }
        // Written straight into the reply.
        policy_info.extend_from_slice(policy)?;
        Ok(get_default | 1)
    }
}

fn main() -> mig::Result<()> {
    let port = ReceiveRight::allocate()?;
    let threads = policy::Client::new(port.make_send()?);
    let shutdown = Arc::new(Shutdown::new(port.make_send()?));
    let server = {
        let shutdown = Arc::clone(&shutdown);
        // The thread owns the receive right: the port goes away when the loop returns.
        std::thread::spawn(move || mig::serve_until(port.name(), &policy::Service(Threads), &shutdown))
    };

    // The reply's array is copied into the caller's.
    let mut policy_info = InlineArray::new();
    let get_default = threads.thread_policy_get(THREAD_EXTENDED_POLICY, 1, &mut policy_info, 0)?;
    println!(
        "extended policy: timeshare = {} (default: {})",
        policy_info[0],
        get_default != 0
    );
    threads.thread_policy_get(THREAD_PRECEDENCE_POLICY, 16, &mut policy_info, 1)?;
    println!(
        "precedence policy: importance = {} ({} word)",
        policy_info[0],
        policy_info.len()
    );
    let refused = threads.thread_policy_get(THREAD_EXTENDED_POLICY, 0, &mut policy_info, 0);
    println!("with no room for the answer: {}", refused.unwrap_err());

    shutdown.request()?;
    server.join().expect("server thread")
}
