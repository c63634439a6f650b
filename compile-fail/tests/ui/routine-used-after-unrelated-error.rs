// Errors in the definition are the only ones reported: the routines that checked are
// still there for the code below, and the server side (whose trait would lack `broken`)
// is left out until the definition is fixed, so the handler of `broken` is not flagged.
mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type words = array[*:WORD_COUNT] of int;
    routine broken(server: mach_port_t; value: no_such_type);
    routine add(server: mach_port_t; a: int; b: int; out sum: int);
}

struct Adder;

impl demo::Server for Adder {
    fn broken(&self, _: mig::sys::mach_port_t, _: i32) -> mig::Result<()> {
        Ok(())
    }
    fn add(&self, _: mig::sys::mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        Ok(a + b)
    }
}

fn main() {
    let _ = demo::add(0, 1, 2);
    let _ = demo::broken(0, 1);
    let _ = demo::add::ID;
    let _ = mig::serve(0, &demo::Service(Adder));
}
