mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine set(server: mach_port_t; on: bool; size: u64);
}

fn main() {}
