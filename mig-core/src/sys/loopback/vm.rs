//! Virtual memory, as far as messages need it: page-aligned regions for
//! out-of-line data handed to receivers, and `vm_allocate`/`vm_deallocate`
//! over them.
//!
//! Regions come from the global allocator and are recorded in a registry,
//! each owned by one space (task), as if each task had its own address
//! space; `vm_deallocate` only ever frees the target task's registered
//! regions, so deallocating memory the loopback did not hand out is a
//! harmless no-op. A terminated task's regions are freed.

use std::ffi::c_int;

use super::kern_return::{
    KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT, KERN_NO_SPACE, KERN_RESOURCE_SHORTAGE, KERN_SUCCESS,
    kern_return_t,
};
use super::kernel;
use super::region::{OolPlacement, PAGE_SIZE, PLACEMENT, allocate, deallocate, limits, regions};
use super::types::{mach_vm_address_t, mach_vm_size_t, vm_address_t, vm_map_t, vm_size_t};

/// `VM_FLAGS_FIXED`: allocate at the given address (unsupported here).
pub const VM_FLAGS_FIXED: c_int = 0x0;
/// `VM_FLAGS_ANYWHERE`: allocate wherever there is room.
pub const VM_FLAGS_ANYWHERE: c_int = 0x1;

/// Loopback-only: caps the memory the calling thread's task may hold at `limit`
/// bytes of regions (`None`: no cap), as a full address space would. Past it,
/// `vm_allocate` fails and a received message's out-of-line memory is not
/// delivered (`MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE`, as XNU's
/// `ipc_kmsg_copyout_ool_descriptor` reports a failed `vm_map_copyout`), so
/// tests can reach what receivers do on a resource shortage.
pub fn loopback_vm_limit(limit: Option<usize>) {
    let owner = super::current::current();
    match limit {
        Some(limit) => limits().insert(owner, limit),
        None => limits().remove(&owner),
    };
}

/// Loopback-only: sets where out-of-line memory received by the calling
/// thread from now on starts within its page, and returns the previous
/// setting. Per thread, so parallel tests do not see each other's setting:
/// set it on the thread that receives (a server loop's, or a client's for
/// its replies). Out-of-line port arrays are unaffected: XNU always gives
/// them a fresh page-aligned region.
pub fn loopback_set_ool_placement(placement: OolPlacement) -> OolPlacement {
    PLACEMENT.with(|p| p.replace(placement))
}

/// Loopback-only: whether `address` lies in the first page of a live region
/// handed out by `vm_allocate` or by message receipt (lets tests prove memory
/// was freed; received memory may start inside its page, see
/// [`OolPlacement`]).
pub fn loopback_vm_is_allocated(address: vm_address_t) -> bool {
    regions().contains_key(&(address - address % PAGE_SIZE))
}

/// `vm_allocate`: zeroed, page-aligned memory in the task.
///
/// Only `VM_FLAGS_ANYWHERE` placement is supported; a fixed placement
/// request returns `KERN_NO_SPACE`.
///
/// # Safety
/// `address` must be valid for reading and writing one `vm_address_t`.
pub unsafe extern "C" fn vm_allocate(
    target_task: vm_map_t,
    address: *mut vm_address_t,
    size: vm_size_t,
    flags: c_int,
) -> kern_return_t {
    if address.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    let Ok(owner) = kernel::lock().task_space(target_task) else {
        return KERN_INVALID_ARGUMENT;
    };
    if flags & VM_FLAGS_ANYWHERE == 0 {
        return KERN_NO_SPACE;
    }
    let result = if size == 0 { Some(0) } else { allocate(owner, size) };
    match result {
        Some(a) => {
            // SAFETY: the caller guarantees `address` is writable.
            unsafe { address.write_unaligned(a) };
            KERN_SUCCESS
        }
        None => KERN_RESOURCE_SHORTAGE,
    }
}

/// `vm_deallocate`: frees the loopback regions within the range (page-rounded).
/// Ranges the loopback did not allocate are left alone, successfully.
///
/// # Safety
/// No memory in the range may be used afterwards.
pub unsafe extern "C" fn vm_deallocate(
    target_task: vm_map_t,
    address: vm_address_t,
    size: vm_size_t,
) -> kern_return_t {
    let Ok(owner) = kernel::lock().task_space(target_task) else {
        return KERN_INVALID_ARGUMENT;
    };
    if address.checked_add(size).is_none() {
        return KERN_INVALID_ADDRESS;
    }
    deallocate(owner, address, size);
    KERN_SUCCESS
}

/// `mach_vm_allocate`: `vm_allocate` with 64-bit address and size.
///
/// # Safety
/// `address` must be valid for reading and writing one `mach_vm_address_t`.
pub unsafe extern "C" fn mach_vm_allocate(
    target: vm_map_t,
    address: *mut mach_vm_address_t,
    size: mach_vm_size_t,
    flags: c_int,
) -> kern_return_t {
    if address.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    let Ok(size) = vm_size_t::try_from(size) else {
        return KERN_NO_SPACE;
    };
    let mut a: vm_address_t = 0;
    // SAFETY: `a` is a local, valid for writes.
    let kr = unsafe { vm_allocate(target, &mut a, size, flags) };
    if kr == KERN_SUCCESS {
        // SAFETY: the caller guarantees `address` is writable.
        unsafe { address.write_unaligned(a as mach_vm_address_t) };
    }
    kr
}

/// `mach_vm_deallocate`: `vm_deallocate` with 64-bit address and size.
///
/// # Safety
/// No memory in the range may be used afterwards.
pub unsafe extern "C" fn mach_vm_deallocate(
    target: vm_map_t,
    address: mach_vm_address_t,
    size: mach_vm_size_t,
) -> kern_return_t {
    match (vm_address_t::try_from(address), vm_size_t::try_from(size)) {
        // SAFETY: forwarded under the caller's guarantee.
        (Ok(a), Ok(s)) => unsafe { vm_deallocate(target, a, s) },
        _ => KERN_INVALID_ADDRESS,
    }
}
