mig::mig! {
    subsystem add 0;
    #include <mach/std_types.defs>
    procedure add2nums(server: mach_port_t; a: int; b: int);
}

fn main() {}
