#[repr(C)]
#[derive(Clone, Copy)]
pub struct Flags {
    pub on: bool,
    pub pad: [u8; 3],
}

mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type flags_t = struct[1] of int rusttype: Flags;
    routine set(server: mach_port_t; f: flags_t);
}

fn main() {}
