mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine ping(a: int; RequestPort p: int);
}

fn main() {}
