mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type Server = mach_port_t;
    routine ping(server: Server);
}

fn main() {}
