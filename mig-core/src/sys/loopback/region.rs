//! The registry of virtual memory regions: page-aligned regions for
//! out-of-line data handed to receivers and for `vm_allocate`, each owned by
//! one space (task), with the per-task caps and the per-thread placement of
//! received memory. Data only: the `vm_*` calls are in `vm.rs`.
//!
//! Regions come from the global allocator and are recorded here, as if each
//! task had its own address space; `deallocate` only ever frees the given
//! task's registered regions.

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use super::ids::SpaceId;

/// Page size of the loopback's regions.
pub const PAGE_SIZE: usize = 4096;

/// A registered region: its rounded length, the space owning it, and the start of
/// the allocation it lies in (see `allocate`).
#[derive(Clone, Copy)]
pub(super) struct Region {
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

pub(super) fn regions() -> std::sync::MutexGuard<'static, BTreeMap<usize, Region>> {
    REGIONS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Caps on the bytes each space's regions may take (`loopback_vm_limit`).
static LIMITS: Mutex<BTreeMap<SpaceId, usize>> = Mutex::new(BTreeMap::new());

pub(super) fn limits() -> std::sync::MutexGuard<'static, BTreeMap<SpaceId, usize>> {
    LIMITS.lock().unwrap_or_else(PoisonError::into_inner)
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
/// receives (loopback-only test switch, see
/// [`loopback_set_ool_placement`](crate::sys::loopback_set_ool_placement)).
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
    pub(super) static PLACEMENT: std::cell::Cell<OolPlacement> = const { std::cell::Cell::new(OolPlacement::PageAligned) };
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
