//! Fixed-capacity arrays for MIG's variable-size inline arrays (`array[*:n] of T`).

use core::fmt;
use core::mem::{MaybeUninit, size_of};
use core::ops::{Deref, DerefMut};

use crate::error::{Error, Result};

/// Plain data that can live in a message: any bit pattern is a valid value, and zero is
/// a fine default. Implemented for the integers, floats and arrays of them, and for the
/// header, body, NDR record and descriptors of `sys`.
///
/// # Safety
///
/// Implementors must be valid for every bit pattern, including all zeros.
pub unsafe trait Pod: Copy + 'static {}

macro_rules! pod {
    ($($t:ty)*) => { $(
        // SAFETY: primitive integers and floats accept every bit pattern.
        unsafe impl Pod for $t {}
    )* };
}
pod!(u8 i8 u16 i16 u32 i32 u64 i64 f32 f64);

// SAFETY: an array of plain data is plain data.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

macro_rules! pod_wire_struct {
    ($($t:ident)*) => { $(
        // SAFETY: a `#[repr(C)]` struct of integers (and, in out-of-line descriptors, an
        // address, which any bit pattern is) with no padding: the header, body, NDR
        // record and descriptors of a message, in XNU's 64-bit layout.
        unsafe impl Pod for crate::sys::$t {}
    )* };
}
pod_wire_struct!(
    mach_msg_header_t mach_msg_body_t NDR_record_t mach_msg_port_descriptor_t
    mach_msg_ool_descriptor_t mach_msg_ool_ports_descriptor_t
);

/// Up to `N` values of `T`, stored inline: what a variable-size MIG array
/// (`array[*:N] of T`) holds. It dereferences to the slice of its elements, and never
/// allocates: receiving one costs no heap memory. The room past its elements is left
/// as it is (never zero-filled), so making one costs its elements' bytes, not `N`'s.
#[derive(Clone, Copy)]
pub struct InlineArray<T: Pod, const N: usize> {
    len: usize,
    /// Initialized up to `len`.
    items: [MaybeUninit<T>; N],
}

impl<T: Pod, const N: usize> InlineArray<T, N> {
    /// The largest number of elements it can hold.
    pub const CAPACITY: usize = N;

    /// An empty array.
    pub fn new() -> Self {
        InlineArray {
            len: 0,
            items: [const { MaybeUninit::uninit() }; N],
        }
    }

    /// A copy of `values`, or `MIG_ARRAY_TOO_LARGE` if there are more than `N`:
    /// nothing is ever truncated silently.
    pub fn from_slice(values: &[T]) -> Result<Self> {
        let mut array = Self::new();
        array.extend_from_slice(values)?;
        Ok(array)
    }

    /// Appends `values`, or fails with `MIG_ARRAY_TOO_LARGE` leaving the array unchanged.
    pub fn extend_from_slice(&mut self, values: &[T]) -> Result<()> {
        let end = self.len + values.len();
        if end > N {
            return Err(Error::MIG_ARRAY_TOO_LARGE);
        }
        for (slot, value) in self.items[self.len..end].iter_mut().zip(values) {
            slot.write(*value);
        }
        self.len = end;
        Ok(())
    }

    /// Appends one value, or fails with `MIG_ARRAY_TOO_LARGE`.
    pub fn push(&mut self, value: T) -> Result<()> {
        self.extend_from_slice(core::slice::from_ref(&value))
    }

    /// The elements.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the first `len` items are initialized; `MaybeUninit<T>` has `T`'s layout.
        unsafe { core::slice::from_raw_parts(self.items.as_ptr().cast::<T>(), self.len) }
    }

    /// The elements, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: as in `as_slice`, uniquely borrowed.
        unsafe { core::slice::from_raw_parts_mut(self.items.as_mut_ptr().cast::<T>(), self.len) }
    }

    /// Forgets every element.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Replaces the elements with those whose bytes are `bytes`, copied as they are.
    ///
    /// # Safety
    ///
    /// `bytes` holds at most `N` elements' bytes (its length a multiple of `T`'s size).
    pub(crate) unsafe fn set_bytes(&mut self, bytes: &[u8]) {
        debug_assert!(bytes.len() <= N * size_of::<T>() && bytes.len().is_multiple_of(size_of::<T>()));
        // SAFETY: at most `N` elements fit the storage (the contract); `bytes` does not
        // overlap it (`&mut self`); every bit pattern is a valid `T` (`Pod`).
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.items.as_mut_ptr().cast::<u8>(), bytes.len())
        };
        self.len = bytes.len() / size_of::<T>();
    }

    /// The count and storage as a message struct holds them (the rest zeros), for
    /// messages built as structs.
    #[doc(hidden)]
    pub fn into_wire(self) -> (u32, [T; N]) {
        // SAFETY: `Pod` types are valid when zeroed.
        let mut items: [T; N] = unsafe { core::mem::zeroed() };
        items[..self.len].copy_from_slice(self.as_slice());
        (self.len as u32, items)
    }

    /// From a message struct's count and storage; a count beyond `N` (which the message
    /// checks rule out) is clamped.
    #[doc(hidden)]
    pub fn from_wire(count: u32, items: [T; N]) -> Self {
        let len = (count as usize).min(N);
        let mut array = Self::new();
        // Cannot fail: at most `N`.
        let _ = array.extend_from_slice(&items[..len]);
        array
    }
}

impl<T: Pod, const N: usize> Default for InlineArray<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Pod, const N: usize> Deref for InlineArray<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Pod, const N: usize> DerefMut for InlineArray<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T: Pod + fmt::Debug, const N: usize> fmt::Debug for InlineArray<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T: Pod + PartialEq, const N: usize> PartialEq for InlineArray<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Pod + PartialEq, const N: usize> PartialEq<[T]> for InlineArray<T, N> {
    fn eq(&self, other: &[T]) -> bool {
        self.as_slice() == other
    }
}

impl<'a, T: Pod, const N: usize> TryFrom<&'a [T]> for InlineArray<T, N> {
    type Error = Error;
    fn try_from(values: &'a [T]) -> Result<Self> {
        Self::from_slice(values)
    }
}

/// A slice argument for a variable array of at most `max` elements: itself, or
/// `MIG_ARRAY_TOO_LARGE` (nothing is ever truncated silently).
#[doc(hidden)]
pub fn bounded<T>(values: &[T], max: usize) -> Result<&[T]> {
    if values.len() > max {
        Err(Error::MIG_ARRAY_TOO_LARGE)
    } else {
        Ok(values)
    }
}

/// A request's storage for a slice argument: `MIG_ARRAY_TOO_LARGE` if it does not fit.
#[doc(hidden)]
pub fn to_wire<T: Pod, const N: usize>(values: &[T]) -> Result<(u32, [T; N])> {
    Ok(InlineArray::<T, N>::from_slice(values)?.into_wire())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_truncates() {
        let mut a = InlineArray::<u16, 3>::from_slice(&[1, 2]).unwrap();
        assert_eq!(a.push(3), Ok(()));
        assert_eq!(a.push(4), Err(Error::MIG_ARRAY_TOO_LARGE));
        assert_eq!(&*a, &[1, 2, 3]);
        assert_eq!(
            InlineArray::<u8, 1>::from_slice(&[1, 2]),
            Err(Error::MIG_ARRAY_TOO_LARGE)
        );
    }
}
