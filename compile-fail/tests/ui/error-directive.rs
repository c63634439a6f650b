mig::mig! {
    #ifndef SERVER_NAME
    #error define SERVER_NAME first
    #endif
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t);
}

fn main() {}
