mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t; replyport reply: mach_port_make_send_once_t);
}

fn main() {}
