mig::mig! {
    subsystem demo 100;
    #include <mach/mach_types.defs>
    routine swap(server: mach_port_t; inout state: thread_state_t);
}

fn main() {}
