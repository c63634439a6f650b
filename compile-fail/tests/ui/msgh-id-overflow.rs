mig::mig! {
    subsystem late 2147483600;
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t);
}

fn main() {}
