mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    simpleroutine notify(server: mach_port_t; out result: int);
}

fn main() {}
