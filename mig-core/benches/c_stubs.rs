//! Instructions per RPC of C stubs written in the style of Apple MIG's output, for
//! `benches/callgrind.sh` to set beside `mig!`'s (`benches/insns.rs`): the same four
//! routines as `benches/subsystem/mod.rs`, with the same msgh_ids and wire layouts.
//!
//! The C in `benches/c/` (client stubs, server stubs and demux, and a driver with the
//! handlers and the server loop) is compiled at run time with the system C compiler (`cc`,
//! or `$CC`) at `-O2` into a shared object, and loaded with `dlopen`; its Mach calls resolve
//! to the loopback kernel linked into this executable (feature `c-abi`; the build script
//! links benchmarks with `-rdynamic`).
//!
//! `c_stubs <routine> <calls>` makes that many calls of one routine with the C client stub
//! (`c_stub_client_<routine>`) against the C server loop on another thread, which handles
//! one request per `c_stub_server_once` (receive, demux, reply), so that callgrind's
//! `--toggle-collect` can count them apart from the loopback kernel's `mach_msg`.
//!
//! Without arguments (as `cargo bench` runs it) it checks the C against `mig!` and exits:
//! every routine C client → C server, C client → `mig!` server and `mig!` client → C
//! server, and nothing leaked.

#[cfg(not(target_vendor = "apple"))]
fn main() {
    loopback::main();
}

/// The loopback kernel, which the C is linked against, exists only off Apple platforms.
#[cfg(target_vendor = "apple")]
fn main() {
    eprintln!("c_stubs: the loopback kernel exists only off Apple platforms; nothing to measure");
}

#[cfg(not(target_vendor = "apple"))]
#[path = "../tests/c/dl.rs"]
mod dl;

#[cfg(not(target_vendor = "apple"))]
mod loopback {
    use std::ffi::{CStr, c_int, c_void};
    use std::hint::black_box;
    use std::path::{Path, PathBuf};
    use std::thread;

    use mig_core::sys::{self, kern_return_t, mach_msg_type_number_t, mach_port_t};
    use mig_core::{InlineArray, OutArray, OutOfLine, ReceiveRight, SendRight};

    /// What the code `mig!` generates names: this crate's runtime and the built-in types.
    mod mig_paths {
        /// What generated code reaches through its `use` of `__private`: the runtime's
        /// own and the built-in types, as the `mig` facade's `__private` holds them.
        pub mod __private {
            pub use super::types;
            pub use mig_core::__private::*;
        }
        #[allow(non_camel_case_types)]
        pub mod types {
            mig_macro::builtin_types!(crate::loopback::mig_paths);
        }
    }

    // benches/subsystem/mod.rs's subsystem, for the cross-checks.
    mig_macro::mig_impl! { [crate::loopback::mig_paths]
        subsystem bench 15000;
        #include <mach/mach_types.defs>
        type echo_t = array[*:512] of int;
        type exception_type_t = int;
        type mach_exception_data_t = array[*:2] of int64_t;
        routine add2(server: mach_port_t; a: int; b: int; out c: int);
        routine echo(server: mach_port_t; data: echo_t; code: array2_t = array[*:2] of int64_t; out back: echo_t);
        routine ool_send(server: mach_port_t; data: pointer_t; out port: mach_port_make_send_t);
        routine mach_exception_raise_state_identity(exception_port: mach_port_t; thread: mach_port_t;
            task: mach_port_t; exception: exception_type_t; code: mach_exception_data_t;
            inout flavor: int; old_state: thread_state_t; out new_state: thread_state_t);
    }

    // The sizes bench.h asserts for its C structs.
    const _: () = {
        use std::mem::size_of;
        assert!(size_of::<bench::add2::Request>() == 40 && size_of::<bench::add2::Reply>() == 40);
        assert!(size_of::<bench::echo::Request>() == 2104 && size_of::<bench::echo::Reply>() == 2088);
        assert!(size_of::<bench::ool_send::Request>() == 56 && size_of::<bench::ool_send::Reply>() == 40);
        // Apple's __Request__/__Reply__mach_exception_raise_state_identity_t.
        assert!(size_of::<bench::mach_exception_raise_state_identity::Request>() == 5276);
        assert!(size_of::<bench::mach_exception_raise_state_identity::Reply>() == 5228);
    };

    /// The Rust handlers of benches/subsystem/mod.rs.
    struct RustServer {
        port: ReceiveRight,
    }

    impl bench::Server for RustServer {
        fn add2(&self, _: mach_port_t, a: i32, b: i32) -> mig_core::Result<i32> {
            Ok(a.wrapping_add(b))
        }
        fn echo(
            &self,
            _: mach_port_t,
            data: &[i32],
            _code: &[i64],
            back: &mut OutArray<'_, i32>,
        ) -> mig_core::Result<()> {
            back.extend_from_slice(data)
        }
        fn ool_send(&self, _: mach_port_t, data: OutOfLine<u8>) -> mig_core::Result<mach_port_t> {
            black_box(data.len());
            Ok(self.port.name())
        }
        fn mach_exception_raise_state_identity(
            &self,
            _: mach_port_t,
            thread: SendRight,
            task: SendRight,
            _exception: i32,
            _code: &[i64],
            flavor: i32,
            old_state: &[u32],
            new_state: &mut OutArray<'_, u32>,
        ) -> mig_core::Result<i32> {
            drop((thread, task));
            new_state.extend_from_slice(old_state)?;
            Ok(flavor)
        }
    }

    use super::dl;

    /// Compiles benches/c/*.c into a shared object of this process's own (so concurrent
    /// runs do not overwrite each other's).
    fn compile() -> PathBuf {
        let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let sources = crate_dir.join("benches/c");
        let out =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("libc_stubs.{}.so", std::process::id()));
        let files = ["bench_user.c", "bench_server.c", "bench_driver.c"].map(|file| sources.join(file));
        dl::compile(
            &files,
            &[&crate_dir.join("tests/c"), &sources],
            &["-O2", "-g", "-fvisibility=hidden"],
            &out,
        );
        out
    }

    type Serve = unsafe extern "C" fn(mach_port_t, mach_port_t) -> c_int;
    type Add2 = unsafe extern "C" fn(mach_port_t, c_int, c_int, *mut c_int) -> kern_return_t;
    type Echo = unsafe extern "C" fn(
        mach_port_t,
        *const c_int,
        mach_msg_type_number_t,
        *mut c_int,
        *mut mach_msg_type_number_t,
    ) -> kern_return_t;
    type OolSend = unsafe extern "C" fn(mach_port_t, *const c_void, mach_msg_type_number_t) -> kern_return_t;
    type StateIdentity = unsafe extern "C" fn(
        mach_port_t,
        mach_port_t,
        *mut c_int,
        *const u32,
        mach_msg_type_number_t,
        *mut u32,
        *mut mach_msg_type_number_t,
    ) -> kern_return_t;

    /// THREAD_STATE_MAX: the capacity of a thread_state_t.
    const THREAD_STATE_MAX: usize = 1296;

    /// The C entry points (bench_driver.c).
    struct CStubs {
        serve: Serve,
        add2: Add2,
        echo: Echo,
        ool_send: OolSend,
        state_identity: StateIdentity,
    }

    impl CStubs {
        fn load() -> CStubs {
            // The loopback's C symbols must be in the executable for the shared object to bind to.
            black_box(sys::loopback_c_abi_symbols());
            let path = compile();
            let library = dl::load(&path);
            // Mapped now; the file itself is not needed any more.
            let _ = std::fs::remove_file(&path);
            let symbol = |name: &CStr| dl::symbol(library, name);
            // SAFETY: each symbol is the bench_driver.c function of that name, whose C
            // signature the field's type spells.
            unsafe {
                CStubs {
                    serve: std::mem::transmute::<*mut c_void, Serve>(symbol(c"c_stub_serve")),
                    add2: std::mem::transmute::<*mut c_void, Add2>(symbol(c"c_stub_client_add2")),
                    echo: std::mem::transmute::<*mut c_void, Echo>(symbol(c"c_stub_client_echo")),
                    ool_send: std::mem::transmute::<*mut c_void, OolSend>(symbol(c"c_stub_client_ool_send")),
                    state_identity: std::mem::transmute::<*mut c_void, StateIdentity>(symbol(
                        c"c_stub_client_mach_exception_raise_state_identity",
                    )),
                }
            }
        }

        fn add2(&self, port: mach_port_t, a: i32, b: i32) -> i32 {
            let mut c = 0;
            // SAFETY: a send right to a server of subsystem bench and a writable out-pointer.
            let kr = unsafe { (self.add2)(port, a, b, &mut c) };
            assert_eq!(kr, sys::KERN_SUCCESS, "C add2");
            c
        }

        fn echo(&self, port: mach_port_t, data: &[i32]) -> Vec<i32> {
            let mut back = [0; 512];
            let mut count = back.len() as mach_msg_type_number_t;
            // SAFETY: `data` holds `data.len()` ints; `back` has room for the 512 the stub
            // may write, as `count` says.
            let kr = unsafe {
                (self.echo)(
                    port,
                    data.as_ptr(),
                    data.len() as u32,
                    back.as_mut_ptr(),
                    &mut count,
                )
            };
            assert_eq!(kr, sys::KERN_SUCCESS, "C echo");
            back[..count as usize].to_vec()
        }

        fn ool_send(&self, port: mach_port_t, data: &[u8]) {
            // SAFETY: `data` is readable for `data.len()` bytes, which the loopback copies.
            let kr = unsafe { (self.ool_send)(port, data.as_ptr().cast(), data.len() as u32) };
            assert_eq!(kr, sys::KERN_SUCCESS, "C ool_send");
        }

        /// mach_exception_raise_state_identity with `thread` (a send right, sent as thread
        /// and task), flavor `flavor` and `old_state`: the flavor and the new state that
        /// come back.
        fn state_identity(
            &self,
            port: mach_port_t,
            thread: mach_port_t,
            flavor: i32,
            old_state: &[u32],
        ) -> (i32, Vec<u32>) {
            let mut flavor = flavor;
            let mut new_state = [0u32; THREAD_STATE_MAX];
            let mut count = THREAD_STATE_MAX as mach_msg_type_number_t;
            // SAFETY: `old_state` holds `old_state.len()` words; `new_state` has room for
            // the THREAD_STATE_MAX the stub may write, as `count` says.
            let kr = unsafe {
                (self.state_identity)(
                    port,
                    thread,
                    &mut flavor,
                    old_state.as_ptr(),
                    old_state.len() as u32,
                    new_state.as_mut_ptr(),
                    &mut count,
                )
            };
            assert_eq!(kr, sys::KERN_SUCCESS, "C mach_exception_raise_state_identity");
            (flavor, new_state[..count as usize].to_vec())
        }

        /// Runs the C server loop on `port` on a thread of its own until the port is
        /// destroyed; ool_send hands out send rights made from `made`.
        fn spawn_server(&'static self, port: mach_port_t, made: mach_port_t) -> thread::JoinHandle<c_int> {
            // SAFETY: the loop only receives on `port`, answers, and makes send rights from
            // `made`, which outlives it (destroyed after the join).
            thread::spawn(move || unsafe { (self.serve)(port, made) })
        }
    }

    /// A receive right and a send right to it.
    fn service_port() -> (ReceiveRight, mach_port_t) {
        let receive = ReceiveRight::allocate().unwrap();
        let send = receive.make_send().unwrap();
        let name = send.name();
        std::mem::forget(send); // the same name as `receive`: destroying that releases it
        (receive, name)
    }

    /// Destroys a server's port, which ends its loop.
    fn stop(receive: ReceiveRight) {
        let name = receive.into_raw();
        // SAFETY: our receive right (and the send right under the same name); nothing uses
        // the name afterwards.
        unsafe { sys::mach_port_destroy(sys::mach_task_self(), name) };
    }

    fn main_measure(c: &'static CStubs, routine: &str, calls: usize) {
        let made = ReceiveRight::allocate().unwrap();
        let (receive, port) = service_port();
        let server = c.spawn_server(port, made.name());
        let data: Vec<i32> = (0..64).collect();
        let page = vec![7u8; 4096];
        let state: Vec<u32> = (0..68).collect();
        for _ in 0..calls {
            match routine {
                "add2" => {
                    black_box(c.add2(port, black_box(40), 2));
                }
                "echo" => {
                    black_box(c.echo(port, black_box(&data)));
                }
                "ool_send" => c.ool_send(port, black_box(&page)),
                "mach_exception_raise_state_identity" => {
                    black_box(c.state_identity(port, port, 6, black_box(&state)));
                }
                other => panic!(
                    "unknown routine {other} (add2, echo, ool_send, mach_exception_raise_state_identity)"
                ),
            }
        }
        stop(receive);
        assert_eq!(server.join().unwrap(), 0, "the C server loop failed");
    }

    /// Every routine of the C client against `port`, checked; `thread` is the send right
    /// sent as thread and task.
    fn c_calls(c: &CStubs, port: mach_port_t, thread: mach_port_t) {
        let data: Vec<i32> = (0..64).map(|i| i * 3 - 7).collect();
        let page: Vec<u8> = (0..4096).map(|i| i as u8).collect();
        let states: Vec<u32> = (0..THREAD_STATE_MAX as u32)
            .map(|i| i.wrapping_mul(0x9e37_79b9))
            .collect();
        for i in 0..3 {
            assert_eq!(c.add2(port, 40 + i, 2), 42 + i);
            assert_eq!(c.echo(port, &data[..20 + i as usize]), data[..20 + i as usize]);
            assert_eq!(c.echo(port, &data[..0]), Vec::<i32>::new());
            c.ool_send(port, &page);
            let state = &states[..68 + i as usize];
            assert_eq!(
                c.state_identity(port, thread, 6 + i, state),
                (6 + i, state.to_vec())
            );
            assert_eq!(c.state_identity(port, thread, 4, &[]), (4, vec![]));
        }
    }

    /// Every routine of the `mig!` client against `port`, checked; `thread` as for
    /// [`c_calls`].
    fn mig_calls(port: mach_port_t, thread: mach_port_t) {
        let data: Vec<i32> = (0..512).collect();
        let page = vec![0x5au8; 10_000];
        let states: Vec<u32> = (0..THREAD_STATE_MAX as u32).rev().collect();
        for i in 0..3 {
            assert_eq!(bench::add2(port, i, -2), Ok(i - 2));
            let mut back = InlineArray::new();
            bench::echo(port, &data[..100 * i as usize], &[1, 2], &mut back).unwrap();
            assert_eq!(back.as_slice(), &data[..100 * i as usize]);
            bench::echo(port, &data, &[], &mut back).unwrap();
            assert_eq!(back.as_slice(), &data[..]);
            drop(bench::ool_send(port, &page).unwrap());
            let state = &states[..68 * i as usize];
            let mut new_state = InlineArray::new();
            let flavor = bench::mach_exception_raise_state_identity(
                port,
                thread,
                thread,
                1,
                &[1, 0x10],
                i,
                state,
                &mut new_state,
            )
            .unwrap();
            assert_eq!((flavor, new_state.as_slice()), (i, state));
            let flavor = bench::mach_exception_raise_state_identity(
                port,
                thread,
                thread,
                1,
                &[],
                7,
                &states,
                &mut new_state,
            )
            .unwrap();
            assert_eq!((flavor, new_state.as_slice()), (7, &states[..]));
        }
    }

    /// C client → C server, C client → `mig!` server, `mig!` client → C server, and the
    /// loopback holds as many rights and out-of-line bytes afterwards as before.
    fn main_check(c: &'static CStubs) {
        let rights = sys::loopback_live_rights();
        let ool = sys::loopback_live_ool_bytes();
        // The thread and task of mach_exception_raise_state_identity: each call copies two
        // send references to the server, whose handler must release both.
        let thread_port = ReceiveRight::allocate().unwrap();
        let thread = thread_port.make_send().unwrap();

        let made = ReceiveRight::allocate().unwrap();
        let (receive, port) = service_port();
        let server = c.spawn_server(port, made.name());
        c_calls(c, port, thread.name());
        mig_calls(port, thread.name());
        stop(receive);
        assert_eq!(server.join().unwrap(), 0, "the C server loop failed");
        drop(made);

        let (receive, port) = service_port();
        let server = thread::spawn(move || {
            let service = bench::Service(RustServer {
                port: ReceiveRight::allocate().unwrap(),
            });
            mig_core::serve(port, &service)
        });
        c_calls(c, port, thread.name());
        stop(receive);
        server.join().unwrap().unwrap();

        let mut refs = 0;
        // SAFETY: a name in our space and a writable count.
        let kr = unsafe {
            sys::mach_port_get_refs(
                sys::mach_task_self(),
                thread.name(),
                sys::MACH_PORT_RIGHT_SEND,
                &mut refs,
            )
        };
        assert_eq!(
            (kr, refs),
            (sys::KERN_SUCCESS, 1),
            "thread/task send references left behind"
        );
        drop(thread);
        drop(thread_port);

        // SAFETY: this thread's reply port, which no RPC is using now.
        unsafe { sys::mig_dealloc_reply_port(sys::mig_get_reply_port()) };
        assert_eq!(sys::loopback_live_rights(), rights, "rights left behind");
        assert_eq!(
            sys::loopback_live_ool_bytes(),
            ool,
            "out-of-line memory left behind"
        );
        println!(
            "c_stubs: C and mig! stubs agree on add2, echo, ool_send and mach_exception_raise_state_identity; nothing leaked"
        );
    }

    pub fn main() {
        let mut args = std::env::args().skip(1);
        let routine = args.next().filter(|a| a != "--bench");
        let calls: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
        let c: &'static CStubs = Box::leak(Box::new(CStubs::load()));
        match routine {
            Some(routine) => main_measure(c, &routine, calls),
            None => main_check(c),
        }
    }
}
