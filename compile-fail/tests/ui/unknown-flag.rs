mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine give(server: mach_port_t; out data: pointer_t, ServerCopy);
}

fn main() {}

mig::mig! {
    subsystem other 200;
    #include <mach/std_types.defs>
    routine give(server: mach_port_t; out data: pointer_t, Dealoc);
}
