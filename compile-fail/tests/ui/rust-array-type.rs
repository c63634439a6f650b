mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type words = [int; 4];
    routine send(server: mach_port_t; w: words);
}

fn main() {}
