//! The reply ports of the `_async` stubs, kept from one call to the next.
//!
//! Each async call needs a port of its own to receive its reply on, in a [`Readiness`]
//! set whose descriptor tokio watches: a port, a port set and a descriptor (an eventfd on
//! the loopback, a kqueue on XNU), three kernel objects. A call that ends cleanly gives
//! them back here, and the next call takes them instead of making new ones.
//!
//! **Clean** means provably empty and unreachable: the only right to the port a call
//! ever makes is the send-once right its request carries, and the call received the one
//! message that right can send (the reply, or the kernel's send-once notification for a
//! request destroyed unanswered). After that no right to the port exists anywhere and
//! nothing can be queued on it. Only a call that received and accepted its reply gives
//! its port back; every other ending destroys it as before: a future dropped before the
//! reply (cancelled, timed out: the send-once right is still out, and the kernel destroys
//! a reply that comes later with the port), a `waittime` that ran out, a failed send or
//! receive, and any error the reply carried or its checks found (a server's error reply
//! is clean too, but "any doubt, destroy" is the rule, and it costs only what every call
//! cost before the pool).
//!
//! **One pool per process** (per task: on XNU a task is a process; on the loopback a
//! thread can run in any of several tasks, so each entry is tagged with its task and
//! only taken by a thread of that task). Ports are task-wide, so a port made on one
//! runtime thread serves a call on any other: a pool per thread would strand ports on
//! threads that no longer call, and futures move between threads anyway. The pool is a
//! mutex around a short vector, held for a push or a pop.
//!
//! **The registration is kept too.** Each entry keeps its descriptor registered with
//! the reactor of the runtime that last used it (an `AsyncFd`), which saves an
//! `epoll_ctl` add and delete per call (about 2 µs of a 9–10 µs round trip on the
//! loopback: BENCHMARKS.md). A registration belongs to one runtime, so a call takes a port of its
//! own runtime's first, and otherwise any port of its task, which it moves to its
//! runtime (deregistered, registered again). Ports of a runtime that has ended are so
//! taken over by the next runtime, or pushed out as the oldest when the pool is full.
//!
//! **Bounded** at [`CAPACITY`] entries per task: each holds a descriptor, and macOS
//! gives a process 256 by default (`ulimit -n`). A pool that large covers that many
//! calls in flight at once; past it, calls make and destroy their own ports as before,
//! and a port given back to a full pool takes the place of the oldest, which is
//! destroyed.

use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::runtime::{Handle, Id};

use crate::error::{Error, Result};
use crate::readiness::Readiness;
use crate::rights::ReceiveRight;
use crate::sys::mach_port_t;

/// The most ports the pool keeps (per task, on the loopback).
pub const CAPACITY: usize = 32;

/// The ports, and the process they were made in: a child of `fork` has a new IPC space
/// (and no kqueues), where the names mean nothing.
struct Pool {
    process: u32,
    ports: Vec<PooledPort>,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    process: 0,
    ports: Vec::new(),
});

/// The pool, emptied first if it was filled by another process (our parent, before a
/// `fork`): its entries are forgotten, not released, since their names are not ours.
fn pool() -> MutexGuard<'static, Pool> {
    // Nothing panics while holding the lock; a poisoned pool is still consistent.
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let process = std::process::id();
    if pool.process != process {
        pool.process = process;
        for stale in pool.ports.drain(..) {
            core::mem::forget(stale);
        }
    }
    pool
}

/// The task whose names an entry holds.
#[cfg(not(target_vendor = "apple"))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Task(u64);

#[cfg(not(target_vendor = "apple"))]
impl Task {
    fn current() -> Self {
        Task(crate::sys::loopback_current_task_id())
    }
}

/// The task whose names an entry holds: on XNU, the process's one task.
#[cfg(target_vendor = "apple")]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Task;

#[cfg(target_vendor = "apple")]
impl Task {
    fn current() -> Self {
        Task
    }
}

/// A reply port for one call at a time, the one member of its own [`Readiness`] set,
/// whose descriptor is registered with a runtime's reactor. Dropping it deregisters the
/// descriptor, closes it, and destroys the set and the port (with any message or right
/// still to come).
#[derive(Debug)]
pub(super) struct PooledPort {
    fd: AsyncFd<Readiness>,
    runtime: Id,
    port: ReceiveRight,
    task: Task,
}

/// Registers `readiness`'s descriptor with the current runtime's reactor.
fn register(readiness: Readiness) -> Result<AsyncFd<Readiness>> {
    // SAFETY: a `Readiness` owns its descriptor, which stays open and the same until the
    // `Readiness` is dropped (only its `Drop` closes it), and the `AsyncFd` owns the
    // `Readiness`: it is dropped after the registration ends, or handed back by
    // `into_inner` after it ended.
    unsafe { AsyncFd::register_with_interest(readiness, Interest::READABLE) }
        .map_err(|_| Error::KERN_RESOURCE_SHORTAGE)
}

impl PooledPort {
    /// A port from the pool if it has one for this task (one registered with this
    /// runtime if it can), else a new one.
    pub(super) fn take() -> Result<Self> {
        let runtime = Handle::try_current().map_err(|_| Error::KERN_FAILURE)?.id();
        let task = Task::current();
        let pooled = {
            let mut pool = pool();
            let ports = &mut pool.ports;
            ports
                .iter()
                .rposition(|p| p.task == task && p.runtime == runtime)
                .or_else(|| ports.iter().rposition(|p| p.task == task))
                .map(|at| ports.swap_remove(at))
        };
        match pooled {
            Some(port) if port.runtime == runtime => Ok(port),
            Some(PooledPort { fd, port, task, .. }) => Ok(PooledPort {
                fd: register(fd.into_inner())?,
                runtime,
                port,
                task,
            }),
            None => Self::new(task, runtime),
        }
    }

    fn new(task: Task, runtime: Id) -> Result<Self> {
        let readiness = Readiness::new()?;
        let port = ReceiveRight::allocate()?;
        readiness.insert(port.name())?;
        Ok(PooledPort {
            fd: register(readiness)?,
            runtime,
            port,
            task,
        })
    }

    /// The port's name.
    pub(super) fn name(&self) -> mach_port_t {
        self.port.name()
    }

    /// Its set and descriptor.
    pub(super) fn readiness(&self) -> &Readiness {
        self.fd.get_ref()
    }

    /// The descriptor's registration.
    pub(super) fn fd(&self) -> &AsyncFd<Readiness> {
        &self.fd
    }

    /// Gives the port back for the next call, in place of the task's oldest if the pool
    /// is full (that one is destroyed). Only for a clean port (see the module's docs): no
    /// right to it outstanding, nothing queued.
    pub(super) fn give_back(self) {
        let pushed_out = {
            let mut pool = pool();
            let ports = &mut pool.ports;
            let kept = ports.iter().filter(|p| p.task == self.task).count();
            if kept < CAPACITY {
                ports.push(self);
                None
            } else if let Some(at) = ports.iter().position(|p| p.task == self.task) {
                let oldest = ports.remove(at);
                ports.push(self);
                Some(oldest)
            } else {
                Some(self)
            }
        };
        // Destroyed outside the lock.
        drop(pushed_out);
    }
}

/// Destroys the reply ports the `_async` stubs keep for reuse in this task, and
/// returns how many there were.
///
/// A call made afterwards makes a new port, so this is never needed for correctness:
/// it is for code that counts the task's rights or descriptors (a leak check at the end
/// of a test), or that wants them back after a burst of concurrent calls. Ports in use
/// by calls in flight are not touched, and go back to the pool when their calls end.
///
/// On the loopback, where a process has several tasks, it releases the calling thread's
/// task's ports: call it in a task whose threads made async calls before terminating
/// the task, or the pool keeps that task's entries (a descriptor each) until the
/// process ends.
pub fn release_pooled_reply_ports() -> usize {
    let task = Task::current();
    let released: Vec<PooledPort> = {
        let mut pool = pool();
        let (mine, others) = pool.ports.drain(..).partition(|p| p.task == task);
        pool.ports = others;
        mine
    };
    released.len()
}

/// The names of the ports the pool keeps for this task, oldest first: for tests.
pub fn pooled_reply_ports() -> Vec<mach_port_t> {
    let task = Task::current();
    pool()
        .ports
        .iter()
        .filter(|p| p.task == task)
        .map(PooledPort::name)
        .collect()
}
