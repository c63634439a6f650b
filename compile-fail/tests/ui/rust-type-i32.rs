mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine add(server: mach_port_t; a: i32; b: int; out sum: int);
}

fn main() {}
