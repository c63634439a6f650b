mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine send(server: mach_port_t; data: Vec<u8>);
}

fn main() {}
