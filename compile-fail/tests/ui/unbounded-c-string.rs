mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type name_t = c_string[*];
    routine ping(server: mach_port_t; name: name_t);
}

fn main() {}
