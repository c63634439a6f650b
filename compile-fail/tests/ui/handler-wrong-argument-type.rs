mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type words = array[*:16] of int;
    routine sum(server: mach_port_t; w: words; out total: int);
}

struct Summer;

impl demo::Server for Summer {
    // A variable array arrives as a slice, not a `Vec`.
    fn sum(&self, _: mig::sys::mach_port_t, w: Vec<i32>) -> mig::Result<i32> {
        Ok(w.iter().sum())
    }
}

fn main() {}
