mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine give(server: mach_port_t; data: pointer_t, Overwrite);
}

fn main() {}
