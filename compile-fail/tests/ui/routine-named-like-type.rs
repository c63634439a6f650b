mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type stats = struct[4] of int;
    routine stats(server: mach_port_t; out s: stats);
}

fn main() {}
