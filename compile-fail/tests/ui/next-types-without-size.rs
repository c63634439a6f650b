mig::mig! {
    subsystem strings 0;
    // NeXT gave strings and reals their size in the long form only; XNU's MIG spells
    // them `c_string[n]` and `float`/`double`.
    type name_t = MSG_TYPE_STRING;
    type real_t = MSG_TYPE_REAL;
    routine set(server: port_t; name: name_t; value: real_t);
}

fn main() {}
