mig::mig! {
    subsystem demo 100;
    #include <mach/mach_types.defs>
    routine get(server: mach_port_t; out masks: exception_mask_array_t, SameCount);
}

fn main() {}
