// After an error elsewhere in the definition, a routine that checked is still there and
// its calls are still checked: this one lacks an argument, and rustc shows the routine.
mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type words = array[*:WORD_COUNT] of int;
    routine add(server: mach_port_t; a: int; b: int; out sum: int);
}

fn main() {
    let _ = demo::add(0, 1);
}
