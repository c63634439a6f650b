mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine put(server: mach_port_t; NDR: int);
}

fn main() {}
