mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine ping(RequestPort a: mach_port_t; RequestPort b: mach_port_t);
}

fn main() {}
