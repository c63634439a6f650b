mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine dispatch(server: mach_port_t);
}

fn main() {}
