//! `intran:`, `outtran:` and `destructor:`: the server works with the user's types, and
//! the client, which MIG never translates for, sees the wire values.

mod common;

use std::sync::atomic::{AtomicI32, Ordering};

use common::Running;

use mig::sys::mach_port_t;
use mig::{Error, ReceiveRight, SendRight};

/// A level, as the server's handlers see it.
#[derive(Debug, PartialEq)]
pub struct Level(i32);

fn level_from_int(value: i32) -> Level {
    Level(value)
}

fn level_to_int(level: Level) -> i32 {
    level.0
}

/// The object a request port stands for.
pub struct Target {
    port: mach_port_t,
}

fn target_of(port: mach_port_t) -> Target {
    Target { port }
}

static TARGETS_RELEASED: AtomicI32 = AtomicI32::new(0);

fn release_target(_: Target) {
    TARGETS_RELEASED.fetch_add(1, Ordering::SeqCst);
}

/// A task, holding the send right it came in.
pub struct Task {
    port: SendRight,
}

fn task_from_port(port: SendRight) -> Task {
    Task { port }
}

fn task_to_port(task: Task) -> SendRight {
    task.port
}

static TASKS_RELEASED: AtomicI32 = AtomicI32::new(0);

fn release_task(task: Task) {
    TASKS_RELEASED.fetch_add(1, Ordering::SeqCst);
    drop(task);
}

mig::mig! {
    subsystem translated 5100;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>

    /// The request port: its handler gets a `&Target`, released afterwards.
    type target_t = mach_port_t
        intran: Target target_of(mach_port_t)
        destructor: release_target(Target);
    /// A send right that moves, seen as a `Task` both ways.
    type task_t = mach_port_move_send_t
        intran: Task task_from_port(mach_port_move_send_t)
        outtran: mach_port_move_send_t task_to_port(Task)
        destructor: release_task(Task);
    type level_t = int
        intran: Level level_from_int(int)
        outtran: int level_to_int(Level);
    /// An alias keeps the translations.
    type other_level_t = level_t;

    routine inspect(
            target: target_t;
            task: task_t;
            level: level_t;
        inout bumped: other_level_t;
        out doubled: level_t;
        out again: task_t);
    routine fail(target: target_t; task: task_t);
    routine only_out(target: target_t; out level: level_t);
}

struct Server;

impl translated::Server for Server {
    fn inspect(
        &self,
        target: &Target,
        task: &Task,
        level: Level,
        bumped: Level,
    ) -> mig::Result<translated::inspect::ServerOutput> {
        assert_ne!(target.port, 0);
        Ok(translated::inspect::ServerOutput {
            bumped: Level(bumped.0 + 1),
            doubled: Level(level.0 * 2),
            again: Task {
                port: task.port.clone(),
            },
        })
    }

    fn fail(&self, _: &Target, _: &Task) -> mig::Result<()> {
        Err(Error::KERN_NO_ACCESS)
    }

    fn only_out(&self, _: &Target) -> mig::Result<Level> {
        Ok(Level(7))
    }
}

#[test]
fn the_server_sees_translated_values_and_destroys_them() {
    let server = Running::start(translated::Service(Server));
    let client = translated::Client::new(server.right());
    let port = ReceiveRight::allocate().unwrap();
    let (targets, tasks) = (
        TARGETS_RELEASED.load(Ordering::SeqCst),
        TASKS_RELEASED.load(Ordering::SeqCst),
    );

    let out = client.inspect(port.make_send().unwrap(), 21, 1).unwrap();
    assert_eq!((out.bumped, out.doubled), (2, 42));
    assert_eq!(
        out.again.name(),
        port.make_send().unwrap().name(),
        "the same port came back"
    );

    // A handler's error still runs the destructors.
    assert_eq!(client.fail(port.make_send().unwrap()), Err(Error::KERN_NO_ACCESS));
    assert_eq!(client.only_out(), Ok(7));
    // Each test runs its own subsystem, so these counts are this test's alone.
    assert_eq!(TARGETS_RELEASED.load(Ordering::SeqCst) - targets, 3);
    assert_eq!(TASKS_RELEASED.load(Ordering::SeqCst) - tasks, 2);
}
