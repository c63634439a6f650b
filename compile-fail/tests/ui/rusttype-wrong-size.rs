#[repr(C)]
#[derive(Clone, Copy)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: i64,
}

// SAFETY: two `i64`s: every bit pattern is a value.
unsafe impl mig::Pod for Timespec {}

mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    // MIG says 8 bytes; the struct has 16.
    type timespec_t = struct[2] of int rusttype: Timespec;
    routine set(server: mach_port_t; t: timespec_t);
}

fn main() {}
