mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    #if 1
    routine ping(server: mach_port_t);
}

fn main() {}
