mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type pair_t = struct[2] of int
    routine swap(server: mach_port_t; inout p: pair_t);
}

fn main() {}
