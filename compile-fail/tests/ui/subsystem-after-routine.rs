mig::mig! {
    #include <mach/std_types.defs>
    skip;
    subsystem demo 100;
    routine ping(server: mach_port_t);
}

fn main() {}
