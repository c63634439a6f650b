mig::mig! {
    subsystem demo 100;
    routine add(server: mach_port_t; a: int; out b: int);
}

fn main() {}
