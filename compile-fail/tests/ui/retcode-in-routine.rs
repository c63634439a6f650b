mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine report(server: mach_port_t; status: kern_return_t, RetCode);
}

fn main() {}
