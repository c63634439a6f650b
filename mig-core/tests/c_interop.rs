//! C interop through the loopback's C ABI (cargo feature `c-abi`): C code
//! written against a plain C header (tests/c/loopback_mach.h, no Apple
//! headers) calls `mach_msg`, `mig_get_reply_port`, the bootstrap calls and
//! reads `NDR_record`, `bootstrap_port` and `mach_task_self_`, all resolved
//! to the loopback linked into this test.
//!
//! The C source is compiled at test time with the system C compiler (`cc`,
//! or `$CC`) into a shared object whose Mach symbols are undefined, then
//! loaded with `dlopen`. They resolve against this executable, which the
//! crate's build script links with `-rdynamic` when the feature is on.

// The loopback kernel exists only off Apple platforms (on macOS `sys` is the real kernel).
#![cfg(all(feature = "c-abi", not(target_vendor = "apple")))]

use std::ffi::{CString, c_int, c_void};
use std::path::{Path, PathBuf};

use mig_core::sys::*;

/// The tests count the rights of the process's one space, so they take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[path = "c/dl.rs"]
mod dl;

use dl::{load, symbol};

/// Compiles tests/c/<name>.c into a shared object in cargo's test scratch
/// directory.
fn compile(name: &str) -> PathBuf {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lib{name}.so"));
    dl::compile(
        &[sources.join(format!("{name}.c"))],
        &[&sources],
        &["-pthread", "-O1"],
        &out,
    );
    out
}

/// Every exported symbol is visible to the dynamic loader at the address of
/// the loopback's item (so C code binds to this loopback, not another).
#[test]
fn exported_symbols_resolve_to_the_loopback() {
    let symbols = loopback_c_abi_symbols();
    assert!(symbols.len() >= 19);
    for (name, address) in symbols {
        let found = symbol(std::ptr::null_mut(), &CString::new(name).unwrap());
        assert_eq!(found.cast_const(), address, "{name}");
    }
}

/// A C client and a C server thread do 200 MIG-style RPCs (Apple MIG's
/// 40-byte add2 request and reply) through the loopback, plus a
/// send-once notification and reference counting from C; the Rust side sees
/// the same kernel (the service came and went, nothing is left behind).
#[test]
fn c_client_and_c_server_rpc_through_the_loopback() {
    let _turn = one_at_a_time();
    let library = load(&compile("rpc"));
    let entry = symbol(library, c"loopback_c_rpc");
    // SAFETY: rpc.c defines `int loopback_c_rpc(int rounds)`.
    let run: unsafe extern "C" fn(c_int) -> c_int = unsafe { std::mem::transmute(entry) };
    let rights = loopback_live_rights();
    // SAFETY: the C code only uses the loopback API and its own memory.
    let failed_line = unsafe { run(200) };
    assert_eq!(failed_line, 0, "check failed at tests/c/rpc.c line {failed_line}");
    assert_eq!(loopback_live_rights(), rights, "the C code cleaned up");
    let service = c"org.loopback.c-interop.add";
    let mut port = 0;
    // SAFETY: a NUL-terminated name and a writable out-pointer.
    let kr = unsafe { bootstrap_look_up(bootstrap_port, service.as_ptr(), &mut port) };
    assert_eq!(kr, BOOTSTRAP_UNKNOWN_SERVICE);
}

/// What the code `mig!` generates names: this crate's runtime and the built-in types
/// (the `mig` facade provides the same, but depends on this crate).
mod mig_paths {
    /// What generated code reaches through its `use` of `__private`: the runtime's
    /// own and the built-in types, as the `mig` facade's `__private` holds them.
    pub mod __private {
        pub use super::types;
        pub use mig_core::__private::*;
    }
    #[allow(non_camel_case_types)]
    pub mod types {
        mig_macro::builtin_types!(crate::mig_paths);
    }
}

// The same add2 as rpc.c, generated: both sides must agree on every byte.
mig_macro::mig_impl! { [crate::mig_paths]
    subsystem add 100;
    #include <mach/std_types.defs>
    routine add2(server: mach_port_t; a: int; b: int; out c: int);
    /// rpc.c's server loop stops at this id.
    simpleroutine quit(server: mach_port_t);
}

struct Adder;

impl add::Server for Adder {
    fn add2(&self, _: mach_port_t, a: i32, b: i32) -> mig_core::Result<i32> {
        Ok(a + b)
    }
    fn quit(&self, _: mach_port_t) -> mig_core::Result<()> {
        Ok(())
    }
}

/// A receive right and a send right to it, for a server of either kind.
fn service_port() -> mach_port_t {
    let mut port = MACH_PORT_NULL;
    // SAFETY: our own task and a writable out-pointer.
    unsafe {
        assert_eq!(
            mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &mut port),
            KERN_SUCCESS
        );
        assert_eq!(
            mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND),
            KERN_SUCCESS
        );
    }
    port
}

/// Apple-style C client stub → `mig!` server: 100 add2 calls, and nothing left behind.
#[test]
fn c_client_calls_a_mig_server() {
    let _turn = one_at_a_time();
    let library = load(&compile("rpc"));
    // SAFETY: rpc.c defines `kern_return_t loopback_c_add2(mach_port_t, int, int, int *)`.
    let add2: unsafe extern "C" fn(mach_port_t, c_int, c_int, *mut c_int) -> kern_return_t =
        unsafe { std::mem::transmute(symbol(library, c"loopback_c_add2")) };
    let rights = loopback_live_rights();
    let port = service_port();
    let server = std::thread::spawn(move || mig_core::serve(port, &add::Service(Adder)));
    for i in 0..100 {
        let mut c = 0;
        // SAFETY: a send right to the server and a writable out-pointer.
        assert_eq!(unsafe { add2(port, i, 2 * i, &mut c) }, KERN_SUCCESS);
        assert_eq!(c, 3 * i);
    }
    // SAFETY: the receive right is ours; destroying it ends the server loop.
    unsafe { mach_port_destroy(mach_task_self(), port) };
    server.join().unwrap().unwrap();
    // SAFETY: the C stub's reply port is this thread's.
    unsafe { mig_dealloc_reply_port(mig_get_reply_port()) };
    assert_eq!(loopback_live_rights(), rights, "no right left behind");
}

/// `mig!` client stub → Apple-style C server loop.
#[test]
fn mig_client_calls_a_c_server() {
    let _turn = one_at_a_time();
    let library = load(&compile("rpc"));
    // SAFETY: rpc.c defines `int loopback_c_serve(mach_port_t)`.
    let serve: unsafe extern "C" fn(mach_port_t) -> c_int =
        unsafe { std::mem::transmute(symbol(library, c"loopback_c_serve")) };
    let rights = loopback_live_rights();
    let port = service_port();
    // SAFETY: the C loop only receives on `port` and answers.
    let server = std::thread::spawn(move || unsafe { serve(port) });
    for i in 0..100 {
        assert_eq!(add::add2(port, i, 5), Ok(i + 5));
    }
    add::quit(port).unwrap();
    assert_eq!(server.join().unwrap(), 0, "the C server loop failed");
    // SAFETY: our receive right and send reference, and this thread's reply port.
    unsafe {
        mach_port_destroy(mach_task_self(), port);
        mig_dealloc_reply_port(mig_get_reply_port());
    }
    assert_eq!(loopback_live_rights(), rights, "no right left behind");
}

// Apple MIG's output for this subsystem is in tests/c/libsystem.c.
mig_macro::mig_impl! { [crate::mig_paths]
    subsystem names 300;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>
    routine count(server: mach_port_t; names: mach_port_array_t; out n: int);
    routine give(server: mach_port_t; out names: mach_port_array_t);
    /// Takes a moved send right and fails: the right must be released once.
    routine refuse(server: mach_port_t; right: mach_port_move_send_t);
    /// Reads the audit trailer `mach_msg_server` asked for.
    routine whoami(server: mach_port_t; ServerAuditToken token: audit_token_t; out pid: int);
    /// Out-of-line bytes the sender asks the kernel to copy physically.
    routine bytes(server: mach_port_t; data: pointer_t, PhysicalCopy; out n: int);
}

/// The `names` server in Rust.
struct Names;

static NAMES: Names = Names;

impl mig_core::StaticServer for Names {
    fn instance() -> &'static Self {
        &NAMES
    }
}

impl names::Server for Names {
    fn count(&self, _: mach_port_t, names: Vec<mig_core::SendRight>) -> mig_core::Result<i32> {
        Ok(names.len() as i32)
    }
    fn give(&self, server: mach_port_t) -> mig_core::Result<Vec<mach_port_t>> {
        Ok(vec![server, server])
    }
    fn refuse(&self, _: mach_port_t, right: mig_core::SendRight) -> mig_core::Result<()> {
        drop(right);
        Err(mig_core::Error::KERN_FAILURE)
    }
    fn bytes(&self, _: mach_port_t, data: mig_core::OutOfLine<u8>) -> mig_core::Result<i32> {
        Ok(data.len() as i32)
    }
    fn whoami(&self, _: mach_port_t, token: mig_core::AuditToken) -> mig_core::Result<i32> {
        Ok(token.pid())
    }
}

type Demux = unsafe extern "C" fn(*mut mach_msg_header_t, *mut mach_msg_header_t) -> boolean_t;
type CServer = unsafe extern "C" fn(Demux, mach_msg_size_t, mach_port_t, c_int) -> mach_msg_return_t;

/// Runs `call` on a thread of its own and waits at most five seconds for it (a reply
/// that never comes fails the test instead of hanging it).
fn within_five_seconds<T: Send + 'static>(call: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = call();
        // SAFETY: this thread's reply port, not used again.
        unsafe { mig_dealloc_reply_port(mig_get_reply_port()) };
        let _ = sender.send(result);
    });
    receiver
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("no answer within five seconds")
}

/// A C client stub as Apple's MIG writes it leaves the `copy` byte of its
/// out-of-line port array unset (here 0x7f, as its stack held); XNU's
/// `ipc_kmsg_copyin_ool_ports_descriptor` never reads it, so neither may the loopback:
/// the call reaches the `mig!` server and every right comes back.
#[test]
fn a_c_port_array_with_an_unset_copy_byte_reaches_a_mig_server() {
    let _turn = one_at_a_time();
    let library = load(&compile("libsystem"));
    // SAFETY: libsystem.c defines `kern_return_t loopback_c_count(mach_port_t,
    // mach_port_t *, mach_msg_type_number_t, int *)`.
    let count: unsafe extern "C" fn(mach_port_t, *mut mach_port_t, u32, *mut c_int) -> kern_return_t =
        unsafe { std::mem::transmute(symbol(library, c"loopback_c_count")) };
    let rights = loopback_live_rights();
    let port = service_port();
    let server = std::thread::spawn(move || mig_core::serve(port, &names::Service(Names)));
    let mut list = [port, port, port];
    let mut n = 0;
    // SAFETY: a send right, three names and a writable out-pointer.
    let kr = unsafe { count(port, list.as_mut_ptr(), 3, &mut n) };
    assert_eq!((kr, n), (KERN_SUCCESS, 3));
    // SAFETY: the receive right is ours; destroying it ends the server loop.
    unsafe { mach_port_destroy(mach_task_self(), port) };
    server.join().unwrap().unwrap();
    // SAFETY: the C stub's reply port is this thread's.
    unsafe { mig_dealloc_reply_port(mig_get_reply_port()) };
    assert_eq!(loopback_live_rights(), rights, "no right left behind");
}

/// A C demux as Apple's MIG writes it, under libsystem's `mach_msg_server`, replies
/// with a port array whose `copy` byte holds the reply buffer's old bytes: the reply
/// must reach the `mig!` client (before, the send failed with
/// `MACH_SEND_INVALID_TYPE` and the client waited for ever). The loop also receives
/// with the trailer options it is given (the C demux reads the audit token's pid).
#[test]
fn a_c_server_reply_with_a_stale_copy_byte_reaches_a_mig_client() {
    let _turn = one_at_a_time();
    let library = load(&compile("libsystem"));
    // SAFETY: libsystem.c defines these with these signatures.
    let (serve, demux, set_given) = unsafe {
        (
            std::mem::transmute::<*mut c_void, CServer>(symbol(library, c"loopback_c_mach_msg_server")),
            std::mem::transmute::<*mut c_void, Demux>(symbol(library, c"loopback_c_names_server")),
            std::mem::transmute::<*mut c_void, unsafe extern "C" fn(mach_port_t)>(symbol(
                library,
                c"loopback_c_set_given",
            )),
        )
    };
    let rights = loopback_live_rights();
    let port = service_port();
    // SAFETY: a send right the C server copies into its replies.
    unsafe { set_given(port) };
    let max = names::MAX_REQUEST_SIZE.max(names::MAX_REPLY_SIZE) as u32;
    // SAFETY: the C demux handles requests and replies of at most `max` bytes.
    let server = std::thread::spawn(move || unsafe { serve(demux, max, port, 0) });
    let got = within_five_seconds(move || names::give(port));
    let got = got.expect("the reply arrived");
    assert_eq!(got.iter().map(|r| r.name()).collect::<Vec<_>>(), [port, port]);
    drop(got);
    // `mach_msg_server` received with the audit trailer its caller asked for.
    let pid = within_five_seconds(move || names::whoami(port));
    assert_eq!(pid, Ok(std::process::id() as i32));
    // SAFETY: the receive right is ours; destroying it ends the C loop.
    unsafe { mach_port_destroy(mach_task_self(), port) };
    let ended = server.join().unwrap();
    assert!(
        ended == MACH_RCV_PORT_DIED || ended == MACH_RCV_INVALID_NAME,
        "{ended:#x}"
    );
    assert_eq!(loopback_live_rights(), rights, "no right left behind");
}

/// libsystem's `mach_msg_server` (libsyscall/mach/mach_msg.c), called from C with the
/// demux `mig!` generates: it sends replies, and when a routine fails
/// destroys the request (but not its reply right, which carries the error), without
/// releasing again what the handler took (the moved right is released exactly once).
#[test]
fn mach_msg_server_from_c_serves_a_mig_demux_as_libsystem_does() {
    let _turn = one_at_a_time();
    let library = load(&compile("libsystem"));
    // SAFETY: libsystem.c defines `loopback_c_mach_msg_server` with this signature.
    let serve: CServer = unsafe { std::mem::transmute(symbol(library, c"loopback_c_mach_msg_server")) };
    let rights = loopback_live_rights();
    let port = service_port();
    let max = names::MAX_REQUEST_SIZE.max(names::MAX_REPLY_SIZE) as u32;
    let demux: Demux = names::demux::<Names>;
    // SAFETY: the generated demux handles this subsystem's messages.
    let server = std::thread::spawn(move || unsafe { serve(demux, max, port, 0) });

    let kept = service_port();
    // SAFETY: our send right to `kept`; one more reference to move.
    unsafe { mach_port_mod_refs(mach_task_self(), kept, MACH_PORT_RIGHT_SEND, 1) };
    // SAFETY: the extra reference just added, owned by nobody else.
    let moved = unsafe { mig_core::SendRight::from_raw(kept) };
    assert_eq!(names::refuse(port, moved), Err(mig_core::Error::KERN_FAILURE));
    let mut refs = 0;
    // SAFETY: our own name and a writable out-pointer.
    unsafe { mach_port_get_refs(mach_task_self(), kept, MACH_PORT_RIGHT_SEND, &mut refs) };
    assert_eq!(refs, 1, "the moved reference was released once, not twice");
    assert_eq!(names::count(port, &[kept, kept]), Ok(2));

    // SAFETY: our rights; destroying the service port ends the loop.
    unsafe {
        mach_port_destroy(mach_task_self(), kept);
        mach_port_destroy(mach_task_self(), port);
        mig_dealloc_reply_port(mig_get_reply_port());
    }
    let ended = server.join().unwrap();
    assert!(
        ended == MACH_RCV_PORT_DIED || ended == MACH_RCV_INVALID_NAME,
        "{ended:#x}"
    );
    assert_eq!(loopback_live_rights(), rights, "no right left behind");
}

/// A request the generated demux refuses under libsystem's `mach_msg_server` (its
/// count disagrees with its region) is destroyed by the loop with `mach_msg_destroy`,
/// which leaves a received physical copy (XNU marks only virtual copies
/// `deallocate`): the demux marks the request's regions so that the loop's destroy
/// frees them.
#[test]
fn a_request_the_demux_refuses_leaves_no_physical_copy_behind_under_mach_msg_server() {
    let _turn = one_at_a_time();
    let library = load(&compile("libsystem"));
    // SAFETY: libsystem.c defines `loopback_c_mach_msg_server` with this signature.
    let serve: CServer = unsafe { std::mem::transmute(symbol(library, c"loopback_c_mach_msg_server")) };
    let rights = loopback_live_rights();
    let port = service_port();
    let max = names::MAX_REQUEST_SIZE.max(names::MAX_REPLY_SIZE) as u32;
    let demux: Demux = names::demux::<Names>;
    // SAFETY: the generated demux handles this subsystem's messages.
    let server = std::thread::spawn(move || unsafe { serve(demux, max, port, 0) });
    assert_eq!(names::bytes(port, &[1, 2, 3]), Ok(3));
    let before = loopback_live_ool_bytes();
    let data = [1u8, 2, 3];
    let (_, descriptor) = mig_core::__private::slice_to_wire(&data, u32::MAX).unwrap();
    // SAFETY: this thread's reply port.
    let reply = unsafe { mig_get_reply_port() };
    #[repr(C)]
    union Exchange {
        request: names::bytes::Request,
        reply: [u8; 256],
    }
    let mut exchange = Exchange {
        request: names::bytes::Request {
            Head: mach_msg_header_t {
                msgh_bits: MACH_MSGH_BITS_COMPLEX
                    | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
                msgh_size: size_of::<names::bytes::Request>() as u32,
                msgh_remote_port: port,
                msgh_local_port: reply,
                msgh_id: names::bytes::ID,
                ..Default::default()
            },
            msgh_body: mach_msg_body_t {
                msgh_descriptor_count: 1,
            },
            data: mig_core::__private::physical_copy(descriptor),
            NDR: mig_core::__private::NDR,
            // Three bytes sent, two counted: MIG_TYPE_ERROR.
            dataCnt: 2,
        },
    };
    // SAFETY: the union holds the request to send and room for the reply.
    let kr = unsafe {
        mach_msg(
            (&raw mut exchange).cast(),
            MACH_SEND_MSG | MACH_RCV_MSG,
            size_of::<names::bytes::Request>() as u32,
            256,
            reply,
            0,
            0,
        )
    };
    assert_eq!(kr, MACH_MSG_SUCCESS);
    // SAFETY: the kernel wrote a reply into the buffer.
    let answer = unsafe { exchange.reply };
    assert_eq!(
        &answer[32..36],
        &mig_core::Error::MIG_TYPE_ERROR.code().to_ne_bytes()
    );
    assert_eq!(
        loopback_live_ool_bytes(),
        before,
        "the refused region was released"
    );
    // SAFETY: our rights; destroying the service port ends the loop.
    unsafe {
        mach_port_destroy(mach_task_self(), port);
        mig_dealloc_reply_port(mig_get_reply_port());
    }
    server.join().unwrap();
    assert_eq!(loopback_live_rights(), rights, "no right left behind");
}

/// `mach_msg_server_once` destroys a reply it could not deliver (a send right whose
/// queue is full: `MACH_SEND_TIMED_OUT` with its zero send timeout), reply right
/// included, and reports success, as libsystem's does.
#[test]
fn mach_msg_server_once_destroys_a_reply_it_cannot_deliver() {
    let _turn = one_at_a_time();
    let library = load(&compile("libsystem"));
    // SAFETY: libsystem.c defines `loopback_c_mach_msg_server` with this signature.
    let serve: CServer = unsafe { std::mem::transmute(symbol(library, c"loopback_c_mach_msg_server")) };
    let rights = loopback_live_rights();
    let port = service_port();
    let full = service_port();
    // Fill `full`'s queue (its limit is 5 messages).
    let mut queued = 0;
    loop {
        let mut note = mach_msg_header_t {
            msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
            msgh_size: 24,
            msgh_remote_port: full,
            msgh_id: 1,
            ..Default::default()
        };
        // SAFETY: a 24-byte message we own.
        let kr = unsafe { mach_msg(&mut note, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 24, 0, 0, 0, 0) };
        if kr != MACH_MSG_SUCCESS {
            assert_eq!(kr, MACH_SEND_TIMED_OUT);
            break;
        }
        queued += 1;
    }
    assert!(queued > 0);
    // `give`, whose reply goes to a send right made from `full`.
    let mut request = mach_msg_header_t {
        msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND),
        msgh_size: 24,
        msgh_remote_port: port,
        msgh_local_port: full,
        msgh_id: names::give::ID,
        ..Default::default()
    };
    // SAFETY: a 24-byte message we own.
    assert_eq!(unsafe { mach_msg_send(&mut request) }, MACH_MSG_SUCCESS);
    let demux: Demux = names::demux::<Names>;
    let max = names::MAX_REQUEST_SIZE.max(names::MAX_REPLY_SIZE) as u32;
    // SAFETY: the generated demux handles this subsystem's messages.
    assert_eq!(unsafe { serve(demux, max, port, 1) }, MACH_MSG_SUCCESS);
    // SAFETY: our rights.
    unsafe {
        mach_port_destroy(mach_task_self(), full);
        mach_port_destroy(mach_task_self(), port);
    }
    assert_eq!(
        loopback_live_rights(),
        rights,
        "the undelivered reply's right was released"
    );
}

/// The rest of what Apple's MIG output and its users link against in libsystem,
/// called from C with libsystem's results (`mig_strncpy` and `_zerofill` as
/// libsyscall/mach/mig_strncpy.c, the allocators, the reply-port traps,
/// `voucher_mach_msg_set` answering "unchanged").
#[test]
fn c_links_the_libsystem_calls_mig_output_needs() {
    let _turn = one_at_a_time();
    let library = load(&compile("libsystem"));
    // SAFETY: libsystem.c defines `int loopback_c_libsystem_calls(void)`.
    let run: unsafe extern "C" fn() -> c_int =
        unsafe { std::mem::transmute(symbol(library, c"loopback_c_libsystem_calls")) };
    let rights = loopback_live_rights();
    let bytes = loopback_live_ool_bytes();
    // SAFETY: the C code only uses the loopback API and its own memory.
    let failed_line = unsafe { run() };
    assert_eq!(
        failed_line, 0,
        "check failed at tests/c/libsystem.c line {failed_line}"
    );
    assert_eq!(
        (loopback_live_rights(), loopback_live_ool_bytes()),
        (rights, bytes)
    );
}
