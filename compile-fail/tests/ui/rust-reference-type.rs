mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine greet(server: mach_port_t; name: &str);
}

fn main() {}
