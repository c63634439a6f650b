mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine give(server: mach_port_t; value: int, dealloc[]);
}

fn main() {}
