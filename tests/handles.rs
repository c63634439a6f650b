//! The generated client handle, `Client<P>`: calls through a right it owns, borrows,
//! shares or only names, and methods that move their request port's right (a send
//! right, a send-once right) to the server. The user references of the right show what
//! each handle releases; the loopback's accounting, that a send-once right is used up.
//! (Loopback only: the accounting is the loopback's.)

#![cfg(not(target_vendor = "apple"))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

use common::{Running, accounting, in_new_task};

use mig::sys::{self, mach_port_t};
use mig::{BorrowedName, Error, ReceiveRight, SendOnceRight, SendRight};

mig::mig! {
    /// A subsystem whose client functions carry a prefix: the methods are named as the
    /// functions are.
    subsystem handles 6100;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>
    userprefix u_;

    /// Two in, one out.
    routine add(server: mach_port_t; a: int; b: int; out sum: int);
    /// Nothing comes back.
    simpleroutine note(server: mach_port_t; value: int);
    /// The request moves the caller's send right to the server's port.
    routine last_word(server: mach_port_move_send_t; value: int; out echoed: int);
    /// The request goes through a send-once right, which it uses up.
    simpleroutine answer(reply: mach_port_move_send_once_t; value: int);
}

/// What the handler saw, shared with the test.
#[derive(Default)]
struct Seen {
    notes: AtomicI32,
    answers: AtomicI32,
    last_words: AtomicU32,
}

struct Impl(Arc<Seen>);

impl handles::Server for Impl {
    fn add(&self, _server: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        a.checked_add(b).ok_or(Error::KERN_INVALID_ARGUMENT)
    }

    fn note(&self, _server: mach_port_t, value: i32) -> mig::Result<()> {
        self.0.notes.store(value, Ordering::SeqCst);
        Ok(())
    }

    fn last_word(&self, _server: mach_port_t, value: i32) -> mig::Result<i32> {
        self.0.last_words.fetch_add(1, Ordering::SeqCst);
        Ok(value)
    }

    fn answer(&self, _reply: mach_port_t, value: i32) -> mig::Result<()> {
        self.0.answers.store(value, Ordering::SeqCst);
        Ok(())
    }
}

/// Serves an `Impl` on a fresh port, and gives what its handler sees to look into.
fn serve() -> (Running, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    (Running::start(handles::Service(Impl(Arc::clone(&seen)))), seen)
}

/// The user references of the send right under `name` (0 once the name is gone).
fn send_refs(name: mach_port_t) -> u32 {
    let mut refs = 0;
    // SAFETY: an out-pointer to a local.
    let kr =
        unsafe { sys::mach_port_get_refs(sys::mach_task_self(), name, sys::MACH_PORT_RIGHT_SEND, &mut refs) };
    if kr == sys::KERN_SUCCESS { refs } else { 0 }
}

#[test]
fn a_client_owning_its_right_calls_and_releases_it_when_dropped() {
    let (server, handler) = serve();
    let name = server.port();
    let before = send_refs(name);
    let client = handles::Client::new(server.send_right());
    assert_eq!(send_refs(name), before + 1, "the client holds one more reference");
    assert_eq!(client.u_add(2, 3), Ok(5));
    assert_eq!(client.u_add(i32::MAX, 1), Err(Error::KERN_INVALID_ARGUMENT));
    client.u_note(7).unwrap();
    // The simpleroutine is handled before the next call's reply comes back.
    assert_eq!(client.u_add(0, 0), Ok(0));
    assert_eq!(handler.notes.load(Ordering::SeqCst), 7);
    drop(client);
    assert_eq!(
        send_refs(name),
        before,
        "dropping the client released its reference"
    );
}

#[test]
fn a_client_gives_its_right_back_and_shows_it() {
    let (server, _) = serve();
    let right = server.send_right();
    let name = right.name();
    let client = handles::Client::new(right);
    assert_eq!(client.port().name(), name);
    let before = send_refs(name);
    let right: SendRight = client.into_inner();
    assert_eq!(send_refs(name), before, "into_inner releases nothing");
    assert_eq!(handles::u_add(right.name(), 1, 1), Ok(2));
}

#[test]
fn a_client_borrowing_a_right_leaves_it_to_its_owner() {
    let (server, _) = serve();
    let right = server.send_right();
    let before = send_refs(right.name());
    {
        let client = handles::Client::new(&right);
        assert_eq!(client.u_add(20, 22), Ok(42));
        // A borrowing client is `Copy`.
        let copy = client;
        assert_eq!(copy.u_add(1, 2), Ok(3));
        assert_eq!(client.u_add(3, 4), Ok(7));
    }
    assert_eq!(
        send_refs(right.name()),
        before,
        "the borrowing clients released nothing"
    );
    assert_eq!(
        handles::u_add(right.name(), 5, 5),
        Ok(10),
        "the owner still holds the right"
    );
}

#[test]
fn clients_sharing_a_right_across_threads_release_it_with_the_last() {
    let (server, _) = serve();
    let name = server.port();
    let before = send_refs(name);
    let client = handles::Client::new(Arc::new(server.send_right()));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let client = client.clone();
            std::thread::spawn(move || (0..10).map(|j| client.u_add(i, j).unwrap()).sum::<i32>())
        })
        .collect();
    let sums: Vec<i32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(sums, [45, 55, 65, 75]);
    assert_eq!(send_refs(name), before + 1, "one reference, shared");
    drop(client);
    assert_eq!(send_refs(name), before);
}

#[test]
fn a_client_of_a_bare_name_calls_through_it_and_owns_nothing() {
    let (server, _) = serve();
    let right = server.send_right();
    let before = send_refs(right.name());
    let client = handles::Client::new(BorrowedName(right.name()));
    assert_eq!(client.u_add(6, 7), Ok(13));
    assert_eq!(*client.port(), BorrowedName(right.name()));
    assert_eq!(send_refs(right.name()), before, "a bare name owns nothing");
}

#[test]
fn a_bare_name_whose_right_is_gone_only_fails_the_call() {
    // In a task of its own, so that no other test's right takes the name meanwhile.
    in_new_task(|_| {
        let port = ReceiveRight::allocate().unwrap();
        let right = port.make_send().unwrap();
        let client = handles::Client::new(BorrowedName(right.name()));
        drop(right);
        drop(port);
        let before = accounting();
        assert_eq!(client.u_add(1, 2), Err(Error::MACH_SEND_INVALID_DEST));
        assert_eq!(client.u_note(1), Err(Error::MACH_SEND_INVALID_DEST));
        // A failed call leaves nothing behind but the thread's reply port, once.
        assert!(accounting().0 <= before.0 + 1);
    });
}

#[test]
fn a_method_moving_its_request_port_consumes_the_client() {
    let (server, handler) = serve();
    let name = server.port();
    let before = send_refs(name);
    let client: handles::Client = handles::Client::new(server.send_right());
    assert_eq!(send_refs(name), before + 1);
    // `u_last_word` takes the client by value: its right moves with the request.
    assert_eq!(client.u_last_word(9), Ok(9));
    assert_eq!(handler.last_words.load(Ordering::SeqCst), 1);
    assert_eq!(
        send_refs(name),
        before,
        "the moved reference left with the request"
    );
}

#[test]
fn a_method_of_a_send_once_request_port_uses_the_right_up() {
    in_new_task(|_| {
        let port = ReceiveRight::allocate().unwrap();
        let handler = Impl(Arc::default());
        let before = accounting();
        let once = {
            let mut name = 0;
            let mut disposition = 0;
            // SAFETY: out-pointers to locals; we hold the receive right.
            let kr = unsafe {
                sys::mach_port_extract_right(
                    sys::mach_task_self(),
                    port.name(),
                    sys::MACH_MSG_TYPE_MAKE_SEND_ONCE,
                    &mut name,
                    &mut disposition,
                )
            };
            assert_eq!(kr, 0);
            // SAFETY: extract_right gave us this send-once right.
            unsafe { SendOnceRight::from_raw(name) }
        };
        let client = handles::Client::new(once);
        client.u_answer(11).unwrap();
        let mut request = mig::MessageBuffer::for_receive(handles::MAX_REQUEST_SIZE);
        let mut reply = mig::MessageBuffer::with_capacity(handles::MAX_REPLY_SIZE);
        let served = mig::serve_one(port.name(), &handles::Service(&handler), &mut request, &mut reply);
        assert_eq!(served, Ok(mig::Served::Handled));
        assert_eq!(handler.0.answers.load(Ordering::SeqCst), 11);
        assert_eq!(accounting(), before, "the send-once right was used up");
    });
}

mig::mig! {
    /// Routines named like the handle's own methods and those of the traits it derives.
    subsystem shadowing 6200;
    #include <mach/std_types.defs>

    routine clone(server: mach_port_t; out copies: int);
    routine new(server: mach_port_t);
}

/// `client.clone()` is `Clone::clone`, not an RPC: a routine named `clone` gets no method
/// (its function is still there), nor one named like `Client::new`.
#[test]
fn routines_named_like_the_handles_methods_leave_them_alone() {
    let name = BorrowedName(sys::MACH_PORT_NULL);
    let client = shadowing::Client::new(name);
    // What is tested is which `clone` the method call finds, so it is called as written.
    #[allow(clippy::clone_on_copy)]
    let copy: shadowing::Client<BorrowedName> = client.clone();
    assert_eq!(copy.port().0, client.port().0);
    // The functions are there, and a call to a null port fails as any call does.
    assert!(shadowing::clone(sys::MACH_PORT_NULL).is_err());
    assert!(shadowing::new(sys::MACH_PORT_NULL).is_err());
}
