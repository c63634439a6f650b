//! Virtual memory, as far as messages need it: page-aligned regions for
//! out-of-line data handed to receivers, and `vm_allocate`/`vm_deallocate`
//! over them.
//!
//! Regions come from the global allocator and are recorded in a registry,
//! each owned by one space (task), as if each task had its own address
//! space; `vm_deallocate` only ever frees the target task's registered
//! regions, so deallocating memory the loopback did not hand out is a
//! harmless no-op. A terminated task's regions are freed.

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::collections::BTreeMap;
use std::ffi::c_int;
use std::sync::{Mutex, PoisonError};

use super::ids::SpaceId;
use super::kern_return::{
    KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT, KERN_NO_SPACE, KERN_RESOURCE_SHORTAGE, KERN_SUCCESS,
    kern_return_t,
};
use super::kernel;
use super::types::{mach_vm_address_t, mach_vm_size_t, vm_address_t, vm_map_t, vm_size_t};

/// Page size of the loopback's regions.
pub const PAGE_SIZE: usize = 4096;

/// `VM_FLAGS_FIXED`: allocate at the given address (unsupported here).
pub const VM_FLAGS_FIXED: c_int = 0x0;
/// `VM_FLAGS_ANYWHERE`: allocate wherever there is room.
pub const VM_FLAGS_ANYWHERE: c_int = 0x1;

/// A registered region: its rounded length, the space owning it, and the start of
/// the allocation it lies in (see `allocate`).
#[derive(Clone, Copy)]
struct Region {
    len: usize,
    owner: SpaceId,
    base: usize,
}

/// The layout of the allocation holding a region of `len` bytes: a page more, at the
/// allocator's ordinary alignment, so that zeroed memory comes from `calloc`, which
/// leaves fresh pages untouched (an aligned zeroed allocation is written in full: a
/// 4 GiB `vm_allocate` would fault in 4 GiB).
fn layout(len: usize) -> Option<Layout> {
    Layout::from_size_align(len.checked_add(PAGE_SIZE)?, 16).ok()
}

/// Registered regions by start address.
static REGIONS: Mutex<BTreeMap<usize, Region>> = Mutex::new(BTreeMap::new());

fn regions() -> std::sync::MutexGuard<'static, BTreeMap<usize, Region>> {
    REGIONS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Caps on the bytes each space's regions may take (`loopback_vm_limit`).
static LIMITS: Mutex<BTreeMap<SpaceId, usize>> = Mutex::new(BTreeMap::new());

fn limits() -> std::sync::MutexGuard<'static, BTreeMap<SpaceId, usize>> {
    LIMITS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Loopback-only: caps the memory the calling thread's task may hold at `limit`
/// bytes of regions (`None`: no cap), as a full address space would. Past it,
/// `vm_allocate` fails and a received message's out-of-line memory is not
/// delivered (`MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE`, as XNU's
/// `ipc_kmsg_copyout_ool_descriptor` reports a failed `vm_map_copyout`), so
/// tests can reach what receivers do on a resource shortage.
pub fn loopback_vm_limit(limit: Option<usize>) {
    let owner = super::task::current();
    match limit {
        Some(limit) => limits().insert(owner, limit),
        None => limits().remove(&owner),
    };
}

fn page_round(size: usize) -> Option<usize> {
    size.checked_next_multiple_of(PAGE_SIZE)
}

/// Allocates a zeroed, page-aligned region of at least `size` (> 0) bytes
/// in space `owner`.
pub(super) fn allocate(owner: SpaceId, size: usize) -> Option<usize> {
    let len = page_round(size)?;
    let limit = limits().get(&owner).copied();
    if limit.is_some_and(|limit| live_bytes(owner).saturating_add(len) > limit) {
        return None;
    }
    // SAFETY: the layout has a non-zero size (at least a page).
    let base = unsafe { alloc_zeroed(layout(len)?) };
    if base.is_null() {
        return None;
    }
    let base = base as usize;
    // The first page boundary inside: `len` bytes follow it within the allocation.
    let address = base.next_multiple_of(PAGE_SIZE);
    regions().insert(address, Region { len, owner, base });
    Some(address)
}

/// Allocates a region in `owner` holding a copy of `data` at byte `at`
/// (< `PAGE_SIZE`) of its first page; the address returned is that of the
/// copy. Empty data gives address 0.
pub(super) fn allocate_copy_at(owner: SpaceId, data: &[u8], at: usize) -> Option<usize> {
    if data.is_empty() {
        return Some(0);
    }
    let at = at % PAGE_SIZE;
    let address = allocate(owner, data.len().checked_add(at)?)? + at;
    // SAFETY: `address` lies `at` bytes into a fresh allocation of at least
    // `at + data.len()` bytes that nothing else references yet.
    unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), address as *mut u8, data.len()) };
    Some(address)
}

/// Where in its first page the loopback puts out-of-line memory a thread
/// receives (loopback-only test switch, see [`loopback_set_ool_placement`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OolPlacement {
    /// At the start of a page (the default).
    #[default]
    PageAligned,
    /// At the sender's offset within its page, as XNU maps memory it moves
    /// by virtual copy (`ipc_kmsg_copyout_ool_descriptor` adds the copy's
    /// `offset & page_mask` to the address it allocates).
    SendersOffset,
    /// At this many bytes into the page (taken modulo `PAGE_SIZE`): what a
    /// hostile peer on XNU can arrange by choosing its own buffer's offset.
    Offset(usize),
}

thread_local! {
    static PLACEMENT: std::cell::Cell<OolPlacement> = const { std::cell::Cell::new(OolPlacement::PageAligned) };
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

/// The offset within its page at which the calling thread receives a region
/// the sender sent from `sent_at`.
pub(super) fn placement_offset(sent_at: usize) -> usize {
    match PLACEMENT.try_with(std::cell::Cell::get).unwrap_or_default() {
        OolPlacement::PageAligned => 0,
        OolPlacement::SendersOffset => sent_at % PAGE_SIZE,
        OolPlacement::Offset(at) => at % PAGE_SIZE,
    }
}

/// Frees every region of `owner` lying entirely within
/// `[address, address + size)` after rounding the range out to pages.
/// Partially covered regions stay.
pub(super) fn deallocate(owner: SpaceId, address: usize, size: usize) {
    if size == 0 {
        return;
    }
    let start = address - address % PAGE_SIZE;
    let Some(end) = address
        .checked_add(size)
        .and_then(|end| end.checked_next_multiple_of(PAGE_SIZE))
    else {
        return;
    };
    let doomed: Vec<(usize, Region)> = {
        let mut map = regions();
        let inside: Vec<(usize, Region)> = map
            .range(start..end)
            .filter(|(a, r)| r.owner == owner && **a + r.len <= end)
            .map(|(a, r)| (*a, *r))
            .collect();
        for (a, _) in &inside {
            map.remove(a);
        }
        inside
    };
    free(doomed);
}

/// Frees every region `owner` holds (its task was terminated).
pub(super) fn release_space(owner: SpaceId) {
    limits().remove(&owner);
    let doomed: Vec<(usize, Region)> = {
        let mut map = regions();
        let mine: Vec<(usize, Region)> = map
            .iter()
            .filter(|(_, r)| r.owner == owner)
            .map(|(a, r)| (*a, *r))
            .collect();
        for (a, _) in &mine {
            map.remove(a);
        }
        mine
    };
    free(doomed);
}

/// Bytes of the regions `owner` holds.
pub(super) fn live_bytes(owner: SpaceId) -> usize {
    regions()
        .values()
        .filter(|r| r.owner == owner)
        .map(|r| r.len)
        .sum()
}

/// Returns unregistered regions to the allocator.
fn free(doomed: Vec<(usize, Region)>) {
    for (_, region) in doomed {
        // The registry only holds regions made by `allocate`, whose allocation has
        // exactly this layout, each removed exactly once above.
        if let Some(layout) = layout(region.len) {
            // SAFETY: `region.base` was returned by `alloc_zeroed(layout)` and has
            // just been unregistered, so it is freed exactly once.
            unsafe { dealloc(region.base as *mut u8, layout) };
        }
    }
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
