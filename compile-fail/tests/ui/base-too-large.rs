mig::mig! {
    subsystem demo 4294967296;
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t);
}

fn main() {}
