// A subsystem with only `type` statements expands without warnings: the only error here
// is the unused variable below, made an error by `deny`.
#![deny(warnings)]

mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type words = array[4] of int;
}

fn main() {
    let unused = 1;
}
