mig::mig! {
    subsystem demo;
    #include <mach/std_types.defs>
    routine add(server: mach_port_t; a: int; b: int; out sum: int);
    simpleroutine poke(server: mach_port_t);
}

fn main() {}
