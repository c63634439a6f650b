mig::mig! {
    subsystem add 0;
    #include <mach/std_types.defs>
    // NeXT's `function` returns a value: its type follows the arguments.
    function add2nums(server: port_t; a: int; b: int);
    // Only a `function` has one.
    routine add3nums(server: port_t; a: int; b: int; c: int) : int;
}

fn main() {}
