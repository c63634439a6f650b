mig::mig! {
    subsystem demo 100;
    #include <mach/no_such_file.defs>
    #include <mach/std_types.defs>
    routine ping(server: mach_port_t);
}

fn main() {}
