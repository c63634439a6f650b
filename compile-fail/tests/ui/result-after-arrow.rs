mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine add(server: mach_port_t; a: int; b: int) -> int;
    routine next(server: mach_port_t);
}

fn main() {}
