mig::mig! {
    subsystem demo 0x100;
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t);
}

fn main() {}
