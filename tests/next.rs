//! The NeXT manual's MiG chapter (the document this crate was started from), its
//! examples quoted as printed: NeXT's `port_t` and `MSG_TYPE_*` names, and its
//! `procedure` and `simpleprocedure`, mapped onto XNU's wire.
//!
//! NeXT's long form `(type, bits[, dealloc])` is read as GNU MIG read it.

#![cfg(not(target_vendor = "apple"))]

mod common;

use common::Running;
use mig::sys::mach_port_t;

/// "Programming Example": the add server's `add.defs`, verbatim.
mod add_defs {
    mig::mig! {
        /* add.defs:  MiG definition file for add server */

        subsystem add 0;

        /* Get standard definitions of int and port_t. */
        #include <mach/std_types.defs>

        routine add2nums(server: port_t; a:int; b:int; out c:int);
        routine add3nums(server: port_t; a:int; b:int; c:int; out d:int);
    }
}

/// "Type Declarations", simple types: the examples, verbatim (the subsystem and the
/// routines that use them are ours).
mod simple_types {
    mig::mig! {
        subsystem simple 100;

        type int = MSG_TYPE_INTEGER_32;
        type my_string = (MSG_TYPE_STRING,8*80);
        type kern_return_t = int;
        type disposable_port = (MSG_TYPE_PORT_ALL,32,dealloc);

        routine get(server: port_t; out value: int; out code: kern_return_t);
        routine echo(server: port_t; s: my_string; out back: my_string);
        routine hand_over(server: port_t; p: disposable_port);
    }
}

/// "Type Declarations", translation functions: the example, verbatim, with the
/// functions the manual says must be hand-coded.
#[allow(non_snake_case, non_camel_case_types, dead_code)]
mod translated {
    use mig::SendRight;

    /// The server's record of a task it serves: here, the right it was sent.
    pub struct i_task_t(pub SendRight);

    pub fn PortToTask(x: SendRight) -> i_task_t {
        i_task_t(x)
    }
    pub fn TaskToPort(y: i_task_t) -> SendRight {
        y.0
    }
    pub fn DeallocT(_: i_task_t) {}

    mig::mig! {
        subsystem tasks 400;
        #include <mach/std_types.defs>

        type task_t = (MSG_TYPE_PORT,32)
        intran:    i_task_t PortToTask(task_t)
        outtran:   task_t TaskToPort(i_task_t)
        destructor: DeallocT(i_task_t)
        ;

        routine same(server: port_t; t: task_t; out yes: boolean_t);
    }
}

/// "Structured Types": the declaration of a C structure as a `struct`, verbatim.
mod structured_types {
    mig::mig! {
        subsystem locks 200;

        /* declaration in MiG .defs file */
        type short = MSG_TYPE_INTEGER_16;
        type port_t = MSG_TYPE_PORT;
        type lock_struct = struct [9] of short;
        routine fl_message(server_port: port_t; inout arg: lock_struct);
    }
}

/// "Pointer Types": the examples of complex types, verbatim.
mod complex_types {
    mig::mig! {
        subsystem complex 300;
        #include <mach/std_types.defs>

        type procids = array [10] of int;
        type procidinfo = struct [5*10] of (MSG_TYPE_INTEGER_32);
        type vardata = array [ * : 1024 ] of int;
        type array_by_value = struct [1] of array [20] of (MSG_TYPE_CHAR);
        type page_ptr = ^ array [4096] of (MSG_TYPE_INTEGER_32);
        type var_array = ^ array [] of int;

        routine take(server: port_t; a: procids; b: vardata; c: var_array);
        routine more(server: port_t; a: procidinfo; b: array_by_value; c: page_ptr);
    }
}

/// "Operation Descriptions": the four examples, verbatim; the manual leaves their
/// types `dbl`, `string80`, `comp_arr` and `words` to the reader.
mod operations {
    mig::mig! {
            subsystem random 500;
            #include <mach/std_types.defs>
            type dbl = double;
            type string80 = c_string[80];
            type comp_arr = array [4] of int;
            type words = array [ * : 16 ] of int;

    procedure init_seed (       server_port : port_t;
    seed        : dbl);
    routine get_random (        server_port : port_t;
    out num     : int);
    simpleroutine use_random (  server_port : port_t;
    info_seed   : string80;
    info        : comp_arr;
    info_1      : words);
    simpleprocedure exit (      server_port : port_t);
        }
}

struct Adder;

impl add_defs::add::Server for Adder {
    fn add2nums(&self, _: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        Ok(a + b)
    }
    fn add3nums(&self, _: mach_port_t, a: i32, b: i32, c: i32) -> mig::Result<i32> {
        Ok(a + b + c)
    }
}

#[test]
fn the_manuals_add_server_runs() {
    let _turn = common::one_at_a_time();
    let server = Running::start(add_defs::add::Service(Adder));
    assert_eq!(add_defs::add::add2nums(server.port(), 2, 3), Ok(5));
    assert_eq!(add_defs::add::add3nums(server.port(), 2, 3, 4), Ok(9));
    // `port_t` is a send right the caller keeps (`MSG_TYPE_PORT`: copied): the ids and
    // sizes are those of the same routines written with `mach_port_t`.
    let routine = &add_defs::add::ROUTINES[0];
    assert_eq!((routine.request.id, routine.request.size), (0, 24 + 8 + 8));
    assert_eq!(routine.reply.map(|r| (r.id, r.size)), Some((100, 36 + 4)));
    server.stop();
}

#[test]
fn next_type_names_lay_out_as_their_xnu_counterparts() {
    let _turn = common::one_at_a_time();
    // `MSG_TYPE_INTEGER_32` is 4 bytes: header, NDR, RetCode, two ints.
    assert_eq!(
        simple_types::simple::ROUTINES[0].reply.map(|r| r.size),
        Some(36 + 8)
    );
    let _: simple_types::simple::int = 0i32;
    // Nine shorts, 18 bytes, padded to 20 (MIG's `argPad`).
    let lock = structured_types::locks::ROUTINES[0].request;
    assert_eq!(lock.size, 24 + 8 + 20);
    let _: structured_types::locks::lock_struct = [0i16; 9];
    // Inline fixed, inline variable (its count first), out of line (a descriptor).
    let take = complex_types::complex::ROUTINES[0].request;
    assert!(take.complex);
    assert_eq!(take.size, 24 + 4 + 16 + 8 + 40 + 4 + 4096 + 4);
    // 50 ints, 20 chars, and 4096 ints out of line (exactly that many: no count).
    let more = complex_types::complex::ROUTINES[1].request;
    assert_eq!(more.size, 24 + 4 + 16 + 8 + 200 + 20);
    let _: complex_types::complex::procidinfo = [0i32; 50];
    let _: complex_types::complex::array_by_value = [[0; 20]];
    // The long form: a string's bits give its length (80 bytes, inline).
    assert_eq!(simple_types::simple::ROUTINES[1].request.size, 24 + 8 + 80);
}

#[derive(Default)]
struct Random {
    seed: std::sync::Mutex<f64>,
}

impl operations::random::Server for Random {
    fn init_seed(&self, _: mach_port_t, seed: f64) -> mig::Result<()> {
        *self.seed.lock().unwrap() = seed;
        Ok(())
    }
    fn get_random(&self, _: mach_port_t) -> mig::Result<i32> {
        Ok(*self.seed.lock().unwrap() as i32 * 2)
    }
    fn use_random(&self, _: mach_port_t, _: &core::ffi::CStr, _: [i32; 4], _: &[i32]) -> mig::Result<()> {
        Ok(())
    }
    fn exit(&self, _: mach_port_t) -> mig::Result<()> {
        Ok(())
    }
}

#[test]
fn procedures_are_routines_and_simpleprocedures_simpleroutines() {
    let _turn = common::one_at_a_time();
    use operations::random;
    // A procedure waits for its reply like a routine; its errors come back as `Err`.
    assert!(random::ROUTINES[0].reply.is_some());
    assert!(random::ROUTINES[3].reply.is_none());
    assert_eq!(
        random::ROUTINES.iter().map(|r| r.request.id).collect::<Vec<_>>(),
        [500, 501, 502, 503]
    );
    let server = Running::start(random::Service(Random::default()));
    random::init_seed(server.port(), 21.0).unwrap();
    assert_eq!(random::get_random(server.port()), Ok(42));
    random::exit(server.port()).unwrap();
    server.stop();
}

/// "Operation Descriptions": `function operation_name ( parameter_list ) :
/// function_value_type ;` (the manual gives the form, no example).
mod functions {
    mig::mig! {
            subsystem sums 600;
            #include <mach/std_types.defs>
    function add2nums ( server : port_t; a : int; b : int ) : int;
        }
}

struct Summer;

impl functions::sums::Server for Summer {
    fn add2nums(&self, _: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        Ok(a + b)
    }
}

#[test]
fn a_function_is_a_routine_whose_stub_returns_its_value() {
    let _turn = common::one_at_a_time();
    use functions::sums;
    let server = Running::start(sums::Service(Summer));
    assert_eq!(sums::add2nums(server.port(), 40, 2), Ok(42));
    // Its value travels as an `out` argument named `result`, after `RetCode`.
    let reply = sums::ROUTINES[0].reply.unwrap();
    assert_eq!(
        reply.fields.last().map(|f| (f.name, f.offset, f.size)),
        Some(("result", 36, 4))
    );
    server.stop();
}

struct Simple;

impl simple_types::simple::Server for Simple {
    fn get(&self, _: mach_port_t) -> mig::Result<simple_types::simple::get::Output> {
        Ok(simple_types::simple::get::Output { value: 7, code: 0 })
    }
    fn echo(&self, _: mach_port_t, s: &core::ffi::CStr) -> mig::Result<mig::InlineString<80>> {
        mig::InlineString::from_c_str(s)
    }
    fn hand_over(&self, _: mach_port_t, p: mig::ReceiveRight) -> mig::Result<()> {
        drop(p);
        Ok(())
    }
}

#[test]
fn the_long_form_gives_strings_their_length_and_dealloc_moves_a_port() {
    let _turn = common::one_at_a_time();
    use simple_types::simple;
    let server = Running::start(simple::Service(Simple));
    let back = simple::echo(server.port(), c"eighty bytes at most").unwrap();
    assert_eq!(back.as_c_str(), c"eighty bytes at most");
    // `(MSG_TYPE_PORT_ALL,32,dealloc)`: the receive right moves to the server, whose
    // handler drops it. (Asked of the name, not of the space's count of rights, which
    // another test's thread ending at the same time would change.)
    let port = mig::ReceiveRight::allocate().unwrap();
    let name = port.name();
    simple::hand_over(server.port(), port).unwrap();
    let mut held = 0;
    // SAFETY: an out-pointer to a local; asking about our own space.
    let kr = unsafe { mig::sys::mach_port_type(mig::sys::mach_task_self(), name, &mut held) };
    assert_eq!(kr, mig::sys::KERN_INVALID_NAME, "the right left with the request");
    server.stop();
}

struct Tasks;

impl translated::tasks::Server for Tasks {
    fn same(&self, server: mach_port_t, t: &translated::i_task_t) -> mig::Result<u32> {
        Ok(u32::from(t.0.name() == server))
    }
}

#[test]
fn the_translation_example_runs() {
    let _turn = common::one_at_a_time();
    use translated::tasks;
    let server = Running::start(tasks::Service(Tasks));
    assert_eq!(tasks::same(server.port(), server.port()), Ok(1));
    server.stop();
}
