//! The add server of the NeXT manual's MiG chapter, in Rust.
//!
//! One thread publishes a server under a name with the bootstrap service; the main
//! thread looks the name up and calls the two routines. On Linux it runs over the
//! loopback kernel; on macOS over real Mach IPC.
//!
//! Run it: `cargo run --example add`.

use std::sync::Arc;

use mig::{Error, Shutdown, bootstrap};

// The manual's `add.defs`, as printed (NeXT's `port_t` is a send right the caller keeps).
mig::mig! {
/* add.defs:  MiG definition file for add server */

subsystem add 0;

/* Get standard definitions of int and port_t. */
#include <mach/std_types.defs>

routine add2nums(server: port_t; a:int; b:int; out c:int);
routine add3nums(server: port_t; a:int; b:int; c:int; out d:int);
}

const ADD_SERVER_NAME: &str = "Addition-Server";

/// The server's implementation: one method per routine.
struct Adder;

impl add::Server for Adder {
    fn add2nums(&self, _server: mig::sys::mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        a.checked_add(b).ok_or(Error::KERN_INVALID_ARGUMENT)
    }

    fn add3nums(&self, _server: mig::sys::mach_port_t, a: i32, b: i32, c: i32) -> mig::Result<i32> {
        a.checked_add(b)
            .and_then(|s| s.checked_add(c))
            .ok_or(Error::KERN_INVALID_ARGUMENT)
    }
}

fn main() -> Result<(), Error> {
    // The server: a port, published under a name, served on its own thread.
    // Checking in creates the service and hands us its receive right; the name goes
    // away with the port. (`bootstrap::register`, deprecated by launchd, is refused in
    // the App Sandbox.)
    let port = bootstrap::check_in(ADD_SERVER_NAME)?;
    let shutdown = Arc::new(Shutdown::new(port.make_send()?));
    let server = {
        let shutdown = Arc::clone(&shutdown);
        // The thread owns the receive right: the port goes away when the loop returns.
        std::thread::spawn(move || mig::serve_until(port.name(), &add::Service(Adder), &shutdown))
    };

    // The client: find the server by name, then call it. The client owns the send
    // right the look-up returned, and releases it when it goes.
    let adder = add::Client::new(bootstrap::look_up(ADD_SERVER_NAME)?);
    let sum = adder.add2nums(2, 3)?;
    println!("According to the server, 2 + 3 = {sum}.");
    let sum = adder.add3nums(2, 3, 4)?;
    println!("According to the server, 2 + 3 + 4 = {sum}.");
    match adder.add2nums(i32::MAX, 1) {
        Err(e) => println!("And i32::MAX + 1 is refused: {e}."),
        Ok(sum) => println!("The server claims i32::MAX + 1 = {sum}!"),
    }

    // Ask the server to stop; its loop returns and its thread drops the port. (A real
    // server runs for as long as its process.)
    shutdown.request()?;
    server.join().expect("server thread")
}
