mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type odd_t = MACH_MSG_TYPE_PORT_NAME | NOT_A_TYPE;
    routine ping(server: mach_port_t; x: odd_t);
}

fn main() {}
