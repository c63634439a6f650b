mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    // As Rust and C separate parameters.
    routine add(server: mach_port_t, a: int, b: int; out sum: int);
}

fn main() {}
