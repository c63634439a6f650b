mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type words_t = array[WORDS] of int;
    routine get(server: mach_port_t; out w: words_t);
}

fn main() {}
