mig::mig! {
    subsystem add 0;
    #include <mach/std_types.defs>
    function add2nums(server: mach_port_t; a: int; b: int) : int;
}

fn main() {}
