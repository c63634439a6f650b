//! Out-of-line memory: what a message carries by reference, not inline.

use core::fmt;
use core::marker::PhantomData;
use core::mem::size_of;
use core::ops::Deref;

use crate::array::Pod;
use crate::error::{Error, Result};
use crate::sys;

/// `count` values of `T` in memory of their own (whole pages from `mach_vm_allocate`),
/// as out-of-line data arrives: the kernel maps it into the receiver, which owns it.
/// Dropping it returns the memory with `mach_vm_deallocate`.
///
/// To send out-of-line data, a client passes a slice; a server handler returns an
/// `OutOfLine`, whose memory then moves to the client with the reply.
pub struct OutOfLine<T: Pod> {
    address: sys::mach_vm_address_t,
    count: usize,
    _marker: PhantomData<T>,
}

impl<T: Pod> OutOfLine<T> {
    /// A copy of `values` in fresh memory.
    pub fn copy_from(values: &[T]) -> Result<Self> {
        let bytes = core::mem::size_of_val(values);
        let mut address: sys::mach_vm_address_t = 0;
        if bytes > 0 {
            // SAFETY: an out-pointer to a local; our own task.
            let kr = unsafe {
                sys::mach_vm_allocate(
                    sys::mach_task_self(),
                    &mut address,
                    bytes as u64,
                    sys::VM_FLAGS_ANYWHERE,
                )
            };
            Error::check(kr)?;
            // SAFETY: the fresh region holds `bytes` writable bytes, page-aligned (so
            // aligned for `T`), and does not overlap `values`.
            unsafe {
                core::ptr::copy_nonoverlapping(values.as_ptr(), address as usize as *mut T, values.len())
            };
        }
        Ok(OutOfLine {
            address,
            count: values.len(),
            _marker: PhantomData,
        })
    }

    /// Takes ownership of `count` values at `address`, as a received descriptor gives them.
    ///
    /// # Safety
    ///
    /// `address` must be the start of a region this task owns (from `mach_vm_allocate`
    /// or a received message), aligned for `T`, holding `count` initialized values,
    /// that nothing else will use or free. With `count == 0` nothing is read or freed,
    /// nor for a zero-sized `T`. The generated code calls it only for regions of a
    /// checked message: their size matches the count, and a region not aligned for
    /// its elements has been moved to page-aligned memory (see the message checks).
    pub unsafe fn from_raw(address: sys::mach_vm_address_t, count: usize) -> Self {
        debug_assert!(
            count == 0
                || size_of::<T>() == 0
                || (address as usize).is_multiple_of(core::mem::align_of::<T>()),
            "OutOfLine::from_raw: address not aligned for the element type"
        );
        OutOfLine {
            address,
            count,
            _marker: PhantomData,
        }
    }

    /// Gives up ownership: the address and the count.
    pub fn into_raw(self) -> (sys::mach_vm_address_t, usize) {
        let raw = (self.address, self.count);
        core::mem::forget(self);
        raw
    }

    /// The size in bytes.
    pub fn byte_len(&self) -> usize {
        self.count * size_of::<T>()
    }

    /// The values.
    pub fn as_slice(&self) -> &[T] {
        if self.count == 0 {
            return &[];
        }
        if size_of::<T>() == 0 {
            // Zero-sized values occupy no memory (their region is empty, its address 0):
            // the slice needs only a non-null, aligned pointer.
            // SAFETY: a dangling pointer is valid for reads of any number of
            // zero-sized values.
            return unsafe {
                core::slice::from_raw_parts(core::ptr::NonNull::<T>::dangling().as_ptr(), self.count)
            };
        }
        // SAFETY: per `from_raw`/`copy_from`, the region holds `count` values of `T`,
        // aligned, and we own it for as long as `self` lives.
        unsafe { core::slice::from_raw_parts(self.address as usize as *const T, self.count) }
    }
}

impl<T: Pod> Drop for OutOfLine<T> {
    fn drop(&mut self) {
        if self.byte_len() > 0 {
            // SAFETY: we own the region (see `from_raw`); it is freed exactly once.
            unsafe { sys::mach_vm_deallocate(sys::mach_task_self(), self.address, self.byte_len() as u64) };
        }
    }
}

impl<T: Pod> Deref for OutOfLine<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Pod + fmt::Debug> fmt::Debug for OutOfLine<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T: Pod + PartialEq> PartialEq<[T]> for OutOfLine<T> {
    fn eq(&self, other: &[T]) -> bool {
        self.as_slice() == other
    }
}

/// Out-of-line data a client sends under `dealloc[]`, where MIG decides at run time
/// whether the memory leaves the sender: borrowed, the kernel copies it and the caller
/// keeps it; moved, its pages go with the message (`deallocate` set).
///
/// `&[T]` and `OutOfLine<T>` convert into it with `.into()`.
#[derive(Debug)]
pub enum Outgoing<'a, T: Pod> {
    /// Copied by the kernel; the caller keeps the slice.
    Borrowed(&'a [T]),
    /// Moved with the message: the sender loses the pages.
    Moved(OutOfLine<T>),
}

impl<'a, T: Pod> From<&'a [T]> for Outgoing<'a, T> {
    fn from(values: &'a [T]) -> Self {
        Outgoing::Borrowed(values)
    }
}

impl<T: Pod> From<OutOfLine<T>> for Outgoing<'_, T> {
    fn from(values: OutOfLine<T>) -> Self {
        Outgoing::Moved(values)
    }
}

impl<T: Pod> Outgoing<'_, T> {
    /// The descriptor and count; `MIG_ARRAY_TOO_LARGE` beyond `max` (moved memory is
    /// then released here).
    #[doc(hidden)]
    pub fn into_wire(self, max: u32) -> Result<(u32, sys::mach_msg_ool_descriptor_t)> {
        match self {
            Outgoing::Borrowed(values) => slice_to_wire(values, max),
            Outgoing::Moved(values) if values.len() > max as usize => {
                drop(values);
                Err(Error::MIG_ARRAY_TOO_LARGE)
            }
            Outgoing::Moved(values) => values.into_wire(),
        }
    }
}

/// An OOL descriptor (`copy` virtual) and its count, for a slice a client sends; the
/// kernel copies the memory, the caller keeps it. `MIG_ARRAY_TOO_LARGE` beyond `max`.
#[doc(hidden)]
pub fn slice_to_wire<T: Pod>(values: &[T], max: u32) -> Result<(u32, sys::mach_msg_ool_descriptor_t)> {
    let count = u32::try_from(values.len())
        .ok()
        .filter(|&n| n <= max)
        .ok_or(Error::MIG_ARRAY_TOO_LARGE)?;
    let bytes = u32::try_from(core::mem::size_of_val(values)).map_err(|_| Error::MIG_ARRAY_TOO_LARGE)?;
    Ok((count, descriptor(values.as_ptr().cast_mut().cast(), bytes, false)))
}

impl<T: Pod> OutOfLine<T> {
    /// The descriptor and count for a reply: the memory moves to the receiver
    /// (`deallocate` set, so it leaves this task when the reply is sent).
    /// `MIG_ARRAY_TOO_LARGE` if the size or the count does not fit the descriptor's 32
    /// bits (the memory is then released here).
    #[doc(hidden)]
    pub fn into_wire(self) -> Result<(u32, sys::mach_msg_ool_descriptor_t)> {
        let (Ok(bytes), Ok(count)) = (u32::try_from(self.byte_len()), u32::try_from(self.count)) else {
            drop(self);
            return Err(Error::MIG_ARRAY_TOO_LARGE);
        };
        let (address, _) = self.into_raw();
        Ok((
            count,
            descriptor(address as usize as *mut core::ffi::c_void, bytes, bytes > 0),
        ))
    }
}

fn descriptor(
    address: *mut core::ffi::c_void,
    size: u32,
    deallocate: bool,
) -> sys::mach_msg_ool_descriptor_t {
    sys::mach_msg_ool_descriptor_t {
        address,
        deallocate: u8::from(deallocate),
        copy: sys::MACH_MSG_VIRTUAL_COPY as u8,
        pad1: 0,
        type_: sys::MACH_MSG_OOL_DESCRIPTOR as u8,
        size,
    }
}

/// The descriptor with `PhysicalCopy`: the kernel copies the bytes at send time instead
/// of mapping the pages copy-on-write.
#[doc(hidden)]
pub const fn physical_copy(mut descriptor: sys::mach_msg_ool_descriptor_t) -> sys::mach_msg_ool_descriptor_t {
    descriptor.copy = sys::MACH_MSG_PHYSICAL_COPY as u8;
    descriptor
}

/// The descriptor sending one value out of line (`^T`); the kernel copies it.
#[doc(hidden)]
pub fn ool_value<T: Pod>(value: &T) -> sys::mach_msg_ool_descriptor_t {
    descriptor(
        (value as *const T).cast_mut().cast(),
        size_of::<T>() as u32,
        false,
    )
}

/// The descriptor returning one value out of line (`^T` in a reply): a copy of `value`
/// in fresh memory that moves with the message (`deallocate` set), since the value
/// itself does not outlive the reply's construction.
#[doc(hidden)]
pub fn ool_value_moved<T: Pod>(value: &T) -> Result<sys::mach_msg_ool_descriptor_t> {
    let (_, descriptor) = OutOfLine::copy_from(core::slice::from_ref(value))?.into_wire()?;
    Ok(descriptor)
}

/// Reads the value a received `^T` descriptor carries and frees its region.
///
/// # Safety
///
/// The descriptor must come from a checked message (its size is `size_of::<T>()`) whose
/// own copy of the address was cleared, so the region is freed exactly once.
#[doc(hidden)]
pub unsafe fn take_ool_value<T: Pod>(descriptor: sys::mach_msg_ool_descriptor_t) -> T {
    if descriptor.address.is_null() {
        // No region: the zero argument of a request that carried only its `RetCode`
        // (`simple_routine_with_ret_code`).
        // SAFETY: `T` is plain data, valid for every bit pattern (zero included).
        return unsafe { core::mem::zeroed() };
    }
    // SAFETY: per the contract, `size_of::<T>()` readable bytes at `address`;
    // read_unaligned has no alignment needs and `T` is plain data.
    let value = unsafe { (descriptor.address as *const T).read_unaligned() };
    // SAFETY: the region is ours and no longer read.
    unsafe {
        sys::mach_vm_deallocate(
            sys::mach_task_self(),
            descriptor.address as usize as u64,
            u64::from(descriptor.size),
        )
    };
    value
}
