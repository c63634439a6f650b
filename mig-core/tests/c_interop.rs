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

use std::ffi::{CString, c_int};
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
    pub use mig_core::*;
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
