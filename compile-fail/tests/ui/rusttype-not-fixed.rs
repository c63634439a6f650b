pub struct Name([u8; 4]);

mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    // A port's Rust type is decided by MIG: a user's type cannot stand for it.
    type name_t = mach_port_t rusttype: Name;
    routine set(server: mach_port_t; n: name_t);
}

fn main() {}
