mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t);
    routine ping_async(server: mach_port_t);
}

fn main() {}
