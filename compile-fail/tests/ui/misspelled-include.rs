mig::mig! {
    subsystem demo 100;
    #include <mach/std_type.defs>
    routine add(server: mach_port_t; a: int; b: int; out sum: int);
    routine set(server: mach_port_t; flag: boolean_t);
}

fn main() {}
