mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t);
    routine add(server: mach_port_t; a: int; b: int; out sum: int);
}

struct Adder;

impl demo::Server for Adder {
    fn ping(&self, _: mig::sys::mach_port_t) -> mig::Result<()> {
        Ok(())
    }
}

fn main() {}
