mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    fn add(server: mach_port_t; a: int; b: int; out sum: int);
}

fn main() {}
