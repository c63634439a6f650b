mig::mig! {
    subsystem demo 100;
    subsystem other 200;
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t);
}

fn main() {}
