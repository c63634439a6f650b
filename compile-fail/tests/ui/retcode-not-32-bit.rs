mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    simpleroutine report(server: mach_port_t; status: uint64_t, RetCode);
}

fn main() {}
