mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    #pragmatic once
    routine ping(server: mach_port_t);
}

fn main() {}
