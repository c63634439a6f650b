mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    msgtype MSG_TYPE_EMERGENCY;
    routine ping(server: port_t);
}

fn main() {}
