mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type task_t = mach_port_t intran: task_t convert_port_to_task(mach_port_t);
    routine ping(server: task_t);
}

fn main() {}
