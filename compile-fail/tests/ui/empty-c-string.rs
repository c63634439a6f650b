mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type name_t = c_string[0];
    routine get(server: mach_port_t; out name: name_t);
}

fn main() {}
