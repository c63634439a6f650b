//! The identifiers every layer of the loopback shares: kernel objects (ports
//! and port sets), IPC spaces (tasks), and names, with the names every space
//! reserves. Plain values, no state.

use super::types::{MACH_PORT_DEAD, MACH_PORT_NULL, mach_port_name_t};

/// Identity of a port or port set. Never reused, so a stale id simply finds
/// nothing: a port that is gone is a dead port.
pub(super) type ObjId = u64;

/// A name in an IPC space (`index << 8 | generation`, see `space`).
pub(super) type Name = mach_port_name_t;

/// Identity of an IPC space (a task). Never reused.
pub(super) type SpaceId = u64;

/// The process's own space, the one threads start in.
pub(super) const DEFAULT_SPACE: SpaceId = 0;

/// Name of the task's own (kernel) port, as `mach_task_self()` returns; the
/// same in every space.
pub(super) const TASK_SELF_NAME: Name = make_name(1, INITIAL_GEN);
/// Name of the send right to the built-in bootstrap server, in every space.
pub(super) const BOOTSTRAP_NAME: Name = make_name(2, INITIAL_GEN);

/// Generation of a never-used index: XNU-looking names (0x103, 0x203, ...).
pub(super) const INITIAL_GEN: u8 = 3;

/// The name with `index` and generation `gen_`.
pub(super) const fn make_name(index: u32, gen_: u8) -> Name {
    (index << 8) | gen_ as u32
}

/// Whether a name is neither `MACH_PORT_NULL` nor `MACH_PORT_DEAD`.
pub(super) fn name_valid(name: Name) -> bool {
    name != MACH_PORT_NULL && name != MACH_PORT_DEAD
}

/// Whether `name` is one of the kernel's reserved names (task, bootstrap).
pub(super) fn is_kernel_name(name: Name) -> bool {
    name == TASK_SELF_NAME || name == BOOTSTRAP_NAME
}
