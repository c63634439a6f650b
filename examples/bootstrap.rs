//! A server publishes a name with the bootstrap service (launchd on macOS); clients on
//! several threads look it up and call it.
//!
//! `cargo run --example bootstrap`

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use mig::sys::mach_port_t;
use mig::{Shutdown, bootstrap};

mig::mig! {
    subsystem counter 14000;
    #include <mach/std_types.defs>
    /// Adds `delta` and returns the new total.
    routine bump(server: mach_port_t; delta: int; out total: int);
}

const NAME: &str = "com.example.counter";

#[derive(Default)]
struct Counter(AtomicU32);

impl counter::Server for Counter {
    fn bump(&self, _: mach_port_t, delta: i32) -> mig::Result<i32> {
        Ok((self.0.fetch_add(delta as u32, Ordering::SeqCst) + delta as u32) as i32)
    }
}

fn main() -> mig::Result<()> {
    // Publish.
    let port = bootstrap::check_in(NAME)?;
    let shutdown = Arc::new(Shutdown::new(port.make_send()?));
    let server = {
        let shutdown = Arc::clone(&shutdown);
        // The thread owns the receive right: the port goes away when the loop returns.
        std::thread::spawn(move || {
            mig::serve_until(port.name(), &counter::Service(Counter::default()), &shutdown)
        })
    };

    // Look up and call, from four threads at once.
    let clients: Vec<_> = (1..=4)
        .map(|i| {
            std::thread::spawn(move || -> mig::Result<i32> {
                // The client owns the looked-up right and releases it when it goes.
                let service = counter::Client::new(bootstrap::look_up(NAME)?);
                let mut last = 0;
                for _ in 0..10 {
                    last = service.bump(i)?;
                }
                Ok(last)
            })
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let last = client.join().expect("client thread")?;
        println!("client {} saw a total of {last} after its last call", i + 1);
    }
    let service = counter::Client::new(bootstrap::look_up(NAME)?);
    println!("final total: {} (10 × (1 + 2 + 3 + 4) = 100)", service.bump(0)?);
    match bootstrap::look_up("com.example.nobody") {
        Err(e) => println!("an unknown name: {e}"),
        Ok(_) => println!("an unknown name was found?"),
    }

    shutdown.request()?;
    server.join().expect("server thread")
}
