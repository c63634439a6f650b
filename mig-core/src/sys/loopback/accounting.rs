//! Loopback-only accounting and introspection, so tests can prove that
//! nothing leaks: names, ports, memory regions and queued messages.

use super::current;
use super::kernel;
use super::region;
use super::types::mach_port_name_t;

/// Names in use in the calling thread's space (each holding send/receive,
/// send-once, dead-name or port-set rights; the reserved task and bootstrap
/// names excluded).
pub fn loopback_live_rights() -> usize {
    let k = kernel::lock();
    k.space(current::current()).map_or(0, |s| s.live_names())
}

/// Ports alive in the whole kernel, i.e. whose receive right exists (in any
/// space, in a queued message, or held by the kernel: task ports).
pub fn loopback_live_ports() -> usize {
    kernel::lock().ports.len()
}

/// Bytes of loopback memory regions (out-of-line data received, `vm_allocate`)
/// live in the calling thread's space, each counted in whole pages.
pub fn loopback_live_ool_bytes() -> usize {
    region::live_bytes(current::current())
}

/// Messages queued on the port whose receive right `name` holds in the
/// calling thread's space; `None` if `name` holds no receive right.
pub fn loopback_queued_messages(name: mach_port_name_t) -> Option<usize> {
    let k = kernel::lock();
    let port = k.receive_port(current::current(), name).ok()?;
    k.ports.get(&port).map(|p| p.queue.len())
}
