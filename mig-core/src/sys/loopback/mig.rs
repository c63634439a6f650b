//! MIG runtime support (`mach/mig.h`): the per-thread reply port and the
//! allocation helpers MIG-generated code calls.

use std::cell::Cell;

use super::mach_port::{mach_port_deallocate, mach_port_mod_refs, mach_reply_port};
use super::space::{TASK_SELF_NAME, name_valid};
use super::types::{MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE, mach_port_t, vm_address_t, vm_size_t};
use super::vm::{VM_FLAGS_ANYWHERE, vm_allocate, vm_deallocate};

/// This thread's MIG reply port. Destroyed when the thread exits, as
/// libpthread does on macOS, so finished threads leave no ports behind.
struct ReplyPort(Cell<mach_port_t>);

impl Drop for ReplyPort {
    fn drop(&mut self) {
        let port = self.0.replace(MACH_PORT_NULL);
        if port != MACH_PORT_NULL {
            // SAFETY: takes no pointers.
            unsafe { mach_port_mod_refs(TASK_SELF_NAME, port, MACH_PORT_RIGHT_RECEIVE, -1) };
        }
    }
}

thread_local! {
    static REPLY_PORT: ReplyPort = const { ReplyPort(Cell::new(MACH_PORT_NULL)) };
}

/// `mig_get_reply_port`: this thread's reply port (a receive right),
/// allocated on first use.
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mig_get_reply_port() -> mach_port_t {
    REPLY_PORT
        .try_with(|slot| {
            if slot.0.get() == MACH_PORT_NULL {
                // SAFETY: takes no pointers.
                slot.0.set(unsafe { mach_reply_port() });
            }
            slot.0.get()
        })
        // During thread teardown: hand out a one-off port.
        // SAFETY: takes no pointers.
        .unwrap_or_else(|_| unsafe { mach_reply_port() })
}

/// `mig_dealloc_reply_port`: destroys this thread's reply port (after a
/// failed RPC left it in an unknown state); the next `mig_get_reply_port`
/// allocates a fresh one. A different `reply_port` passed in is deallocated.
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mig_dealloc_reply_port(reply_port: mach_port_t) {
    let current = REPLY_PORT
        .try_with(|slot| slot.0.replace(MACH_PORT_NULL))
        .unwrap_or(MACH_PORT_NULL);
    if current != MACH_PORT_NULL {
        // SAFETY: takes no pointers.
        unsafe { mach_port_mod_refs(TASK_SELF_NAME, current, MACH_PORT_RIGHT_RECEIVE, -1) };
    }
    if reply_port != current && name_valid(reply_port) {
        // SAFETY: takes no pointers.
        unsafe { mach_port_deallocate(TASK_SELF_NAME, reply_port) };
    }
}

/// `mig_put_reply_port`: nothing to do (the port stays cached).
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mig_put_reply_port(reply_port: mach_port_t) {
    let _ = reply_port;
}

/// `mig_allocate`: `vm_allocate` anywhere; `*address` is 0 on failure.
///
/// # Safety
/// `address` must be valid for writes.
pub unsafe extern "C" fn mig_allocate(address: *mut vm_address_t, size: vm_size_t) {
    if address.is_null() {
        return;
    }
    // SAFETY: `address` is non-null and writable per the caller.
    if unsafe { vm_allocate(TASK_SELF_NAME, address, size, VM_FLAGS_ANYWHERE) } != 0 {
        // SAFETY: as above.
        unsafe { address.write_unaligned(0) };
    }
}

/// `mig_deallocate`: `vm_deallocate`.
///
/// # Safety
/// No memory in the range may be used afterwards.
pub unsafe extern "C" fn mig_deallocate(address: vm_address_t, size: vm_size_t) {
    // SAFETY: forwarded from the caller.
    unsafe { vm_deallocate(TASK_SELF_NAME, address, size) };
}
