mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type block = array[10000000] of int;
    routine put(server: mach_port_t; a: block; b: block);
}

fn main() {}
