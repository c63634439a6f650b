mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type words_t = array[0] of int;
    routine get(server: mach_port_t; out w: words_t);
}

fn main() {}
