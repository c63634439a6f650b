mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine get(server: mach_port_t; value int);
}

fn main() {}
