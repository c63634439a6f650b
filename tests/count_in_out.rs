//! `CountInOut` as Apple's MIG has it (bootstrap_cmds `migcom.tproj`): the server clamps
//! the caller's capacity to the array's maximum before the handler sees it (`server.c`,
//! "We can't let the user completely override our maximum"), and the client refuses a
//! reply carrying more elements than it asked for with `MIG_ARRAY_TOO_LARGE` (`user.c`).

#![cfg(not(target_vendor = "apple"))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use common::{Running, one_at_a_time};
use mig::sys::{self, mach_port_t};
use mig::{Error, InlineArray, OutArray, ReceiveRight};

mig::mig! {
    subsystem counted 9300;
    #include <mach/std_types.defs>
    type small_t = array[*:16] of int;
    /// Answers with `n` elements, whatever the caller can take.
    routine fill(server: mach_port_t; n: int; out s: small_t, CountInOut);
    /// The same, with a right beside the array.
    routine fill_with_port(server: mach_port_t; n: int; out p: mach_port_make_send_t; out s: small_t, CountInOut);
}

/// Remembers the capacity its handlers were given.
struct Filler {
    seen: Arc<AtomicU32>,
    port: ReceiveRight,
}

impl Filler {
    fn answer(&self, n: i32, capacity: u32, s: &mut OutArray<'_, i32>) -> mig::Result<()> {
        self.seen.store(capacity, Ordering::SeqCst);
        s.extend_from_slice(&(0..n).collect::<Vec<_>>())
    }
}

impl counted::Server for Filler {
    fn fill(&self, _: mach_port_t, n: i32, s_capacity: u32, s: &mut OutArray<'_, i32>) -> mig::Result<()> {
        self.answer(n, s_capacity, s)
    }
    fn fill_with_port(
        &self,
        _: mach_port_t,
        n: i32,
        s_capacity: u32,
        s: &mut OutArray<'_, i32>,
    ) -> mig::Result<mach_port_t> {
        self.answer(n, s_capacity, s)?;
        Ok(self.port.name())
    }
}

/// A server, the capacity its handlers saw last, and the name of the port it answers with.
fn filler() -> (Running, Arc<AtomicU32>, mach_port_t) {
    let seen = Arc::new(AtomicU32::new(0));
    let port = ReceiveRight::allocate().unwrap();
    let name = port.name();
    let filler = Filler {
        seen: Arc::clone(&seen),
        port,
    };
    (Running::start(counted::Service(filler)), seen, name)
}

#[test]
fn servers_clamp_the_callers_capacity_to_the_arrays_maximum() {
    let _turn = one_at_a_time();
    let (server, seen, _) = filler();
    let client = counted::Client::new(server.right());
    let mut s = InlineArray::new();
    client.fill(3, 99, &mut s).unwrap();
    assert_eq!(&*s, &[0, 1, 2]);
    assert_eq!(
        seen.load(Ordering::SeqCst),
        16,
        "the handler saw the array's maximum, not the caller's 99"
    );
    assert_eq!(client.fill(3, 5, &mut s).map(|()| s.len()), Ok(3));
    assert_eq!(seen.load(Ordering::SeqCst), 5);
    server.stop();
}

#[test]
fn clients_refuse_more_elements_than_their_capacity() {
    let _turn = one_at_a_time();
    let (server, _, port) = filler();
    let client = counted::Client::new(server.right());
    let mut s = InlineArray::new();
    assert_eq!(client.fill(10, 4, &mut s), Err(Error::MIG_ARRAY_TOO_LARGE));
    assert!(
        s.is_empty(),
        "a refused reply leaves the caller's array as it was"
    );
    assert_eq!(client.fill(4, 4, &mut s).map(|()| s.len()), Ok(4));

    // The refused reply's right is released with it.
    let refs = || {
        let mut refs = 0;
        // SAFETY: an out-pointer to a local.
        unsafe { sys::mach_port_get_refs(sys::mach_task_self(), port, sys::MACH_PORT_RIGHT_SEND, &mut refs) };
        refs
    };
    assert_eq!(
        client.fill_with_port(10, 4, &mut s).map(|p| p.name()),
        Err(Error::MIG_ARRAY_TOO_LARGE)
    );
    assert_eq!(s.len(), 4, "a refused reply leaves the caller's array as it was");
    assert_eq!(refs(), 0, "the send right the refused reply carried was released");
    let fitting = client.fill_with_port(2, 4, &mut s).unwrap();
    assert_eq!((fitting.name(), s.len()), (port, 2));
    drop(fitting);
    assert_eq!(refs(), 0);
    server.stop();
}
