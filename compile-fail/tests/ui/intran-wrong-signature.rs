pub struct Task;

// Takes a name, but the handler of a `mach_port_move_send_t` argument gets an owned right.
fn task_from_port(_: u32) -> Task {
    Task
}

mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    type task_t = mach_port_move_send_t intran: Task task_from_port(mach_port_t);
    routine ping(server: mach_port_t; task: task_t);
}

fn main() {}
