//! Messages written and read where they lie in their buffer, as Apple's MIG does.
//!
//! Generated code never builds a request or reply as a maximum-size struct to move
//! into the buffer, nor copies a received one out of it. It writes each field straight
//! into the buffer, and reads each field where the kernel put it, at the offset
//! `layout` gave the field in the message's maximum layout (the `Request`/`Reply`
//! structs). A variable-size array that is not full moves every later field down by
//! the bytes it leaves out (MIG's packing): the [`Writer`] counts them as it writes;
//! for a received message, the checks measure them into a [`Shape`], and a read names
//! how many arrays precede the field (`k`), so each field is found with one subtraction,
//! as Apple's "shifted view" finds it.

use core::ffi::CStr;
use core::marker::PhantomData;
use core::mem::{MaybeUninit, size_of};

use crate::array::{InlineArray, Pod};
use crate::message::{MOST_ARRAYS, VarArray};
use crate::sys::{
    mach_msg_header_t, mach_msg_ool_descriptor_t, mach_msg_ool_ports_descriptor_t, mach_msg_port_descriptor_t,
};

/// Where the fields of a received message lie: `removed[k]` is how many bytes the first
/// `k` variable arrays left out of their maxima, so a field that follows `k` arrays lies
/// that much before its offset in the maximum layout.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shape {
    removed: [u32; MOST_ARRAYS + 1],
}

impl Shape {
    /// A message without variable arrays, or with every array full.
    pub const FULL: Shape = Shape {
        removed: [0; MOST_ARRAYS + 1],
    };

    /// Records that array `index` left out `gap` bytes.
    pub(crate) fn set_gap(&mut self, index: usize, gap: usize) {
        self.removed[index + 1] = self.removed[index] + gap as u32;
    }

    /// Where a field at `offset` in the maximum layout lies on the wire, found from the
    /// arrays' table (for the runtime's table-driven checks): the arrays whose whole
    /// maximum lies before it moved it down.
    pub(crate) fn packed(&self, arrays: &[VarArray], offset: u32) -> usize {
        let before = arrays
            .iter()
            .take_while(|a| a.data_offset as usize + a.slot() <= offset as usize)
            .count();
        offset as usize - self.removed[before.min(MOST_ARRAYS)] as usize
    }
}

/// A received message, checked, read where it lies; it hands out the rights and
/// regions its descriptors carry once each (taking one clears it in the buffer, so
/// destroying the message afterwards releases only what nobody took).
pub struct Reader<'a> {
    bytes: &'a mut [u8],
    shape: Shape,
}

impl<'a> Reader<'a> {
    /// Reads `bytes`, a received message that passed MIG's checks, laid out as `shape`.
    pub(crate) fn new(bytes: &'a mut [u8], shape: Shape) -> Self {
        Reader { bytes, shape }
    }

    /// The header.
    #[inline]
    pub fn header(&self) -> mach_msg_header_t {
        self.get(0, 0)
    }

    /// Where the field at `offset` (maximum layout) that follows `k` variable arrays
    /// lies. A place no layout gives wraps around to one past every buffer, where the
    /// bounds-checked reads below find nothing.
    #[inline]
    fn at(&self, offset: usize, k: usize) -> usize {
        offset.wrapping_sub(self.shape.removed[k] as usize)
    }

    /// The value at `offset` (maximum layout) that follows `k` variable arrays.
    #[inline]
    pub fn get<T: Pod>(&self, offset: usize, k: usize) -> T {
        let at = self.at(offset, k);
        match self.bytes.get(at..at.saturating_add(size_of::<T>())) {
            // SAFETY: `size_of::<T>()` readable bytes; `read_unaligned` needs no
            // alignment; every bit pattern is a valid `T` (`Pod`).
            Some(field) => unsafe { field.as_ptr().cast::<T>().read_unaligned() },
            // The checks made the message as long as its fields: never reached.
            None => Self::zeroed(),
        }
    }

    fn zeroed<T: Pod>() -> T {
        // SAFETY: `Pod` types are valid when zeroed.
        unsafe { core::mem::zeroed() }
    }

    /// The first `count` elements of the array at `offset` that follows `k` variable
    /// arrays, at most `N`: borrowed where they lie when they are aligned for `T` (always,
    /// for elements of 4 bytes or less: messages and their fields are 4-byte aligned),
    /// else copied (8-byte elements at an offset that is 4 mod 8, which MIG's
    /// `pack(4)` allows).
    #[inline]
    pub fn elements<T: Pod, const N: usize>(
        &self,
        offset: usize,
        k: usize,
        count: u32,
    ) -> Elements<'_, T, N> {
        let at = self.at(offset, k);
        let count = (count as usize).min(N);
        let Some(bytes) = self.bytes.get(at..at.saturating_add(count * size_of::<T>())) else {
            return Elements::Borrowed(&[]);
        };
        if bytes.as_ptr().cast::<T>().is_aligned() {
            // SAFETY: `count` elements' bytes, aligned for `T` (checked), initialized, and
            // every bit pattern is a valid `T` (`Pod`); borrowed from `self`.
            Elements::Borrowed(unsafe { core::slice::from_raw_parts(bytes.as_ptr().cast::<T>(), count) })
        } else {
            let mut copy = InlineArray::<T, N>::new();
            for chunk in bytes.chunks_exact(size_of::<T>()) {
                // SAFETY: one element's bytes; see `get`.
                let value = unsafe { chunk.as_ptr().cast::<T>().read_unaligned() };
                // Cannot fail: at most `N` elements.
                let _ = copy.push(value);
            }
            Elements::Copied(copy)
        }
    }

    /// The string at `offset` that follows `k` variable arrays: up to its first NUL
    /// within `limit` bytes (its count, or all of a fixed-size string). `None` without a
    /// NUL there.
    #[inline]
    pub fn c_str(&self, offset: usize, k: usize, limit: usize) -> Option<&CStr> {
        let at = self.at(offset, k);
        CStr::from_bytes_until_nul(self.bytes.get(at..at.checked_add(limit)?)?).ok()
    }

    /// Takes the right of the port descriptor at `offset` (descriptors precede every
    /// array): the descriptor as received, its name cleared in the buffer.
    #[inline]
    pub fn take_port(&mut self, offset: usize) -> mach_msg_port_descriptor_t {
        let descriptor: mach_msg_port_descriptor_t = self.get(offset, 0);
        self.clear(offset, 4);
        descriptor
    }

    /// Takes the rights of the `N` port descriptors of an inline port array at `offset`.
    #[inline]
    pub fn take_ports<const N: usize>(&mut self, offset: usize) -> [mach_msg_port_descriptor_t; N] {
        let descriptors: [mach_msg_port_descriptor_t; N] = self.get(offset, 0);
        for i in 0..N {
            self.clear(offset + i * size_of::<mach_msg_port_descriptor_t>(), 4);
        }
        descriptors
    }

    /// Takes the region of the out-of-line descriptor at `offset`: the descriptor as
    /// received, its address and size cleared in the buffer.
    #[inline]
    pub fn take_out_of_line(&mut self, offset: usize) -> mach_msg_ool_descriptor_t {
        self.take_region(offset)
    }

    /// Takes the region and rights of the out-of-line ports descriptor at `offset`.
    #[inline]
    pub fn take_out_of_line_ports(&mut self, offset: usize) -> mach_msg_ool_ports_descriptor_t {
        self.take_region(offset)
    }

    /// Either kind of out-of-line descriptor (address, four bytes of flags, size or
    /// count): read, then its address and size cleared.
    fn take_region<D: Pod>(&mut self, offset: usize) -> D {
        let descriptor = self.get(offset, 0);
        self.clear(offset, 8);
        self.clear(offset + 12, 4);
        descriptor
    }

    fn clear(&mut self, offset: usize, len: usize) {
        if let Some(field) = self.bytes.get_mut(offset..offset + len) {
            field.fill(0);
        }
    }
}

/// The elements of a received array: where they lie, or (misaligned 8-byte elements) a
/// copy. Either way a slice.
pub enum Elements<'a, T: Pod, const N: usize> {
    /// In the message buffer.
    Borrowed(&'a [T]),
    /// Copied out of it.
    Copied(InlineArray<T, N>),
}

impl<T: Pod, const N: usize> core::ops::Deref for Elements<'_, T, N> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Elements::Borrowed(slice) => slice,
            Elements::Copied(array) => array,
        }
    }
}

/// Writes a message into its buffer, field by field, in the order of its layout: what a
/// variable array leaves out of its maximum moves every later field down. Every byte up
/// to [`size`](Self::size) is written (pads as zeros), so nothing of the buffer's earlier
/// contents travels.
pub struct Writer<'a> {
    start: *mut u8,
    /// The message's size in its maximum layout; the buffer holds at least that.
    max: usize,
    removed: usize,
    _buffer: PhantomData<&'a mut [MaybeUninit<u8>]>,
}

impl<'a> Writer<'a> {
    /// A writer of a message of at most `max` bytes into `buffer` (callers make it that
    /// large; a smaller one only gets the fields that fit). The header is the caller's
    /// to write.
    pub(crate) fn new(buffer: &'a mut [MaybeUninit<u8>], max: usize) -> Self {
        Writer {
            start: buffer.as_mut_ptr().cast(),
            max: max.min(buffer.len()),
            removed: 0,
            _buffer: PhantomData,
        }
    }

    /// The message's size so far: its maximum, less what arrays left out.
    pub fn size(&self) -> usize {
        self.max - self.removed
    }

    /// Writes the bytes of `value` at `offset` of the maximum layout. A place outside it,
    /// or before an array already written (fields are written in layout order), which
    /// `layout` never gives, writes nothing.
    #[inline]
    pub fn put<T: Pod>(&mut self, offset: usize, value: T) {
        if offset >= self.removed && offset.saturating_add(size_of::<T>()) <= self.max {
            // SAFETY: `removed <= offset`, and `offset - removed + size_of::<T>() <= max -
            // removed <= max`, within the buffer (`new`); `write_unaligned` needs no
            // alignment.
            unsafe {
                self.start
                    .add(offset - self.removed)
                    .cast::<T>()
                    .write_unaligned(value)
            };
        }
    }

    /// Writes `items` (at most `max` of them) as a variable array's elements at `offset`,
    /// zero-padded to 4 bytes; the rest of the array's maximum is left out of the message.
    #[inline]
    pub fn elements<T: Pod>(&mut self, offset: usize, max: usize, items: &[T]) {
        let count = items.len().min(max);
        let Some(slot) = max
            .checked_mul(size_of::<T>())
            .and_then(|bytes| bytes.checked_next_multiple_of(4))
        else {
            return;
        };
        let used = count * size_of::<T>();
        let actual = used.next_multiple_of(4);
        // In layout order and inside the message, so that what is left out (`slot -
        // actual`) never exceeds what remains: the size stays at least `at + actual`.
        if offset < self.removed || offset.saturating_add(slot) > self.max {
            return;
        }
        let at = offset - self.removed;
        // SAFETY: `at + actual <= at + slot <= max - removed`, within the buffer;
        // `items` is initialized and does not overlap the buffer we borrow mutably.
        unsafe {
            core::ptr::copy_nonoverlapping(items.as_ptr().cast::<u8>(), self.start.add(at), used);
            core::ptr::write_bytes(self.start.add(at + used), 0, actual - used);
        }
        self.removed += slot - actual;
    }
}
