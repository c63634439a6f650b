//! The add server and client of `examples/add.rs`, on tokio: one task serves two ports,
//! clients on other tasks call with `.await`, a call to a server that does not answer is
//! cancelled by a timeout, and the server stops gracefully.
//!
//! Run it: `cargo run --example async_add --features tokio`.

use std::time::Duration;

use mig::{Error, Readiness, ReceiveRight};

mig::mig! {
    subsystem add 0;
    #include <mach/std_types.defs>

    routine add2nums(server: port_t; a: int; b: int; out c: int);
    routine add3nums(server: port_t; a: int; b: int; c: int; out d: int);
}

/// The server's implementation: the same synchronous trait the blocking loop serves.
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // Two ports, one server task: both are members of one port set, whose descriptor
    // tokio watches.
    let (first, second) = (ReceiveRight::allocate()?, ReceiveRight::allocate()?);
    let (to_first, to_second) = (first.make_send()?, second.make_send()?);
    let readiness = Readiness::new()?;
    readiness.insert(first.name())?;
    readiness.insert(second.name())?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let result = mig::serve_async(&readiness, &add::Service(Adder), async {
            let _ = stopped.await;
        })
        .await;
        // The ports go away with the server.
        drop((first, second));
        result
    });

    // Clients: each call is a future; a hundred of them at once.
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let port = if i % 2 == 0 {
                to_first.name()
            } else {
                to_second.name()
            };
            tokio::spawn(async move { add::add2nums_async(port, i, i).await })
        })
        .collect();
    let mut total = 0;
    for call in calls {
        total += call.await.expect("client task")?;
    }
    println!("100 concurrent calls over two ports: the sums add up to {total}.");
    let sum = add::add3nums_async(to_second.name(), 2, 3, 4).await?;
    println!("According to the server, 2 + 3 + 4 = {sum}.");
    match add::add2nums_async(to_first.name(), i32::MAX, 1).await {
        Err(e) => println!("And i32::MAX + 1 is refused: {e}."),
        Ok(sum) => println!("The server claims i32::MAX + 1 = {sum}!"),
    }

    // A port nobody serves: the call is cancelled by a timeout, its reply port destroyed.
    let idle = ReceiveRight::allocate()?;
    let to_idle = idle.make_send()?;
    let late = tokio::time::timeout(
        Duration::from_millis(50),
        add::add2nums_async(to_idle.name(), 1, 1),
    )
    .await;
    println!(
        "A call to a port nobody serves, after 50 ms: {}.",
        match late {
            Err(_) => "cancelled",
            Ok(_) => "answered?",
        }
    );

    // Stop the server: it finishes what it has in hand and returns.
    stop.send(()).expect("server running");
    server.await.expect("server task")
}
