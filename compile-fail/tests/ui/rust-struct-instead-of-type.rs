mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    struct point { x: int, y: int }
    routine move_to(server: mach_port_t; p: point);
}

fn main() {}
