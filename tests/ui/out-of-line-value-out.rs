mig::mig! {
    subsystem demo 100;
    #include <mach/mach_types.defs>
    routine get(server: mach_port_t; out options: mach_port_options_ptr_t);
}

fn main() {}
