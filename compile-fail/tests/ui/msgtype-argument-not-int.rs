mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine ping(server: port_t; msgtype mt: port_t);
}

fn main() {}
