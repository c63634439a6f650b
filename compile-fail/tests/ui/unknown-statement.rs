mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    frobnicate everything;
    routine ping(server: mach_port_t);
}

fn main() {}
