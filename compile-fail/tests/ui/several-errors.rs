// One compile reports every error, syntax and semantic alike.
mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine one(server: mach_port_t; value int);
    routine two(server: mach_port_t; value: 0x10);
    routine three(server: mach_port_t; out value: nosuch_t);
}

fn main() {}
