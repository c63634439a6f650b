mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type ports = array[4] of mach_port_move_send_t;
    routine give(server: mach_port_t; p: ports, dealloc);
}

fn main() {}
