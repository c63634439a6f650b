mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine swap(server: mach_port_t; inout p: mach_port_poly_t);
}

fn main() {}
