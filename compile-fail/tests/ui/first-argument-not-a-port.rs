mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine add(a: int; b: int; out c: int);
}

fn main() {}
