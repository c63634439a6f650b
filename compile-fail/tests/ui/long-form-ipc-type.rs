mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type word_t = (MACH_MSG_TYPE_INTEGER_32, 32);
    routine ping(server: mach_port_t; w: word_t);
}

fn main() {}
