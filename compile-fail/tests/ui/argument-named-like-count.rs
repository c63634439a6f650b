mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type ints = array[*:8] of int;
    // MIG sends the count of `data` in a field `dataCnt`.
    routine put(server: mach_port_t; data: ints; dataCnt: int);
}

fn main() {}
