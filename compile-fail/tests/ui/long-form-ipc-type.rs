mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    // The long form's bits must be the type's own.
    type word_t = (MACH_MSG_TYPE_INTEGER_32, 64);
    // A string's give its length, in whole bytes.
    type name_t = (MSG_TYPE_STRING, 8*80+4);
    // `dealloc` makes a port move; data does not move.
    type count_t = (MSG_TYPE_INTEGER_32, 32, dealloc);
    routine ping(server: mach_port_t; w: word_t; n: name_t; c: count_t);
}

fn main() {}
