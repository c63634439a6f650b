mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type level_t = int
        intran: Level level_from_int(int)
        outtran: int level_to_int(Height);
    routine ping(server: mach_port_t; level: level_t);
}

fn main() {}
