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
use crate::error::{Error, Result};
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
            // SAFETY: `count <= N` elements' bytes.
            unsafe { copy.set_bytes(bytes) };
            Elements::Copied(copy)
        }
    }

    /// The first `count` elements (at most `max`) of the array at `offset` that follows
    /// `k` variable arrays, borrowed where they lie: for elements of 4 bytes or less,
    /// which are always aligned there (messages and their fields are 4-byte aligned).
    /// Misaligned elements (never, for those) give an empty slice; larger ones go through
    /// [`elements`](Self::elements).
    #[inline]
    pub fn slice<T: Pod>(&self, offset: usize, k: usize, count: u32, max: usize) -> &[T] {
        let at = self.at(offset, k);
        let count = (count as usize).min(max);
        match self.bytes.get(at..at.saturating_add(count * size_of::<T>())) {
            // SAFETY: `count` elements' bytes, aligned for `T` (checked), initialized, and
            // every bit pattern is a valid `T` (`Pod`); borrowed from `self`.
            Some(bytes) if bytes.as_ptr().cast::<T>().is_aligned() => unsafe {
                core::slice::from_raw_parts(bytes.as_ptr().cast::<T>(), count)
            },
            _ => &[],
        }
    }

    /// Copies the first `count` elements (at most `N`) of the array at `offset` that
    /// follows `k` variable arrays into `into`, replacing what it held: one copy of the
    /// bytes sent, as Apple's stubs copy into the caller's array.
    #[inline]
    pub fn copy_into<T: Pod, const N: usize>(
        &self,
        offset: usize,
        k: usize,
        count: u32,
        into: &mut InlineArray<T, N>,
    ) {
        let at = self.at(offset, k);
        let count = (count as usize).min(N);
        match self.bytes.get(at..at.saturating_add(count * size_of::<T>())) {
            // SAFETY: `count <= N` elements' bytes.
            Some(bytes) => unsafe { into.set_bytes(bytes) },
            // The checks made the message as long as its arrays: never reached.
            None => into.clear(),
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

/// The reply buffer, for the handler of a routine whose reply has variable `out` arrays:
/// each becomes an [`OutArray`] over its slot, at its offset in the reply's maximum
/// layout, so the handler writes the elements where they are sent from.
pub struct Slots<'a> {
    start: *mut u8,
    len: usize,
    _buffer: PhantomData<&'a mut [u8]>,
}

// SAFETY: `Slots` stands for the `&'a mut [u8]` it was made from (see `new`), which may
// move to another thread; it reads and writes nothing itself.
unsafe impl Send for Slots<'_> {}

impl<'a> Slots<'a> {
    /// The slots of a reply of `bytes`, a buffer large enough for its maximum layout,
    /// initialized (a `MessageBuffer` is zeroed when made), and borrowed for `'a`.
    #[inline]
    pub(crate) fn new(bytes: &'a mut [u8]) -> Self {
        Slots {
            start: bytes.as_mut_ptr(),
            len: bytes.len(),
            _buffer: PhantomData,
        }
    }

    /// The array of at most `max` elements whose slot lies at `offset` of the reply's
    /// maximum layout. A slot outside the buffer (which `layout` never gives) holds
    /// nothing: its `OutArray` has no room.
    #[inline]
    pub fn array<T: Pod>(&mut self, offset: usize, max: usize) -> OutArray<'a, T> {
        let fits = max
            .checked_mul(size_of::<T>())
            .and_then(|bytes| bytes.checked_add(offset))
            .is_some_and(|end| end <= self.len);
        OutArray {
            // SAFETY: `offset <= len` when it fits; else the pointer is never used to
            // read or write (the capacity is 0), and `wrapping_add` makes no claim.
            start: self.start.wrapping_add(if fits { offset } else { 0 }),
            len: 0,
            capacity: if fits { max } else { 0 },
            _slot: PhantomData,
        }
    }
}

/// A variable `out` array that a handler writes straight into its reply: up to
/// [`capacity`](Self::capacity) elements (the array's maximum), in the slot where the
/// reply sends them from. Nothing is copied afterwards except, when an earlier array of
/// the same reply was not full, the elements written, moved down once (MIG's packing).
///
/// Only what was written can be read back ([`get`](Self::get), [`iter`](Self::iter)):
/// the rest of the slot holds whatever an earlier reply left there, and is never sent.
/// If the handler fails, the reply is MIG's error reply, and nothing written here is sent.
///
/// ```
/// # fn handler(back: &mut mig_core::OutArray<'_, i32>) -> mig_core::Result<()> {
/// back.extend_from_slice(&[1, 2, 3])?;
/// back.push(4)?;
/// assert_eq!((back.len(), back.get(3)), (4, Some(4)));
/// # Ok(()) }
/// ```
pub struct OutArray<'a, T: Pod> {
    /// The first element's place in the reply buffer (not necessarily aligned for `T`).
    start: *mut u8,
    /// Elements written, from the first.
    len: usize,
    /// `capacity` elements from `start` lie inside the reply buffer.
    capacity: usize,
    _slot: PhantomData<(&'a mut [u8], T)>,
}

// SAFETY: an `OutArray` is a unique borrow of its slot of the reply buffer (as
// `&'a mut [u8]`) holding plain-data `T`s: it may move to another thread (an async
// handler's future does), and a shared `&OutArray` only reads those bytes.
unsafe impl<T: Pod + Send> Send for OutArray<'_, T> {}
// SAFETY: as above; `&self` methods only read.
unsafe impl<T: Pod + Sync> Sync for OutArray<'_, T> {}

impl<T: Pod> OutArray<'_, T> {
    /// The most elements the array takes: its maximum in the definition.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many elements were written.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `value`, or fails with `MIG_ARRAY_TOO_LARGE` when the array is full.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<()> {
        if self.len >= self.capacity {
            return Err(Error::MIG_ARRAY_TOO_LARGE);
        }
        // SAFETY: `len < capacity`: the element lies inside the reply buffer (`Slots::array`);
        // `write_unaligned` needs no alignment.
        unsafe {
            self.start
                .add(self.len * size_of::<T>())
                .cast::<T>()
                .write_unaligned(value)
        };
        self.len += 1;
        Ok(())
    }

    /// Appends `values`, or fails with `MIG_ARRAY_TOO_LARGE` leaving the array as it was
    /// (nothing is ever truncated silently).
    #[inline]
    pub fn extend_from_slice(&mut self, values: &[T]) -> Result<()> {
        if values.len() > self.capacity - self.len {
            return Err(Error::MIG_ARRAY_TOO_LARGE);
        }
        // SAFETY: `len + values.len() <= capacity` elements lie inside the reply buffer;
        // `values` is initialized and cannot overlap the buffer, which this array borrows
        // mutably; bytes need no alignment.
        unsafe {
            core::ptr::copy_nonoverlapping(
                values.as_ptr().cast::<u8>(),
                self.start.add(self.len * size_of::<T>()),
                size_of_val(values),
            )
        };
        self.len += values.len();
        Ok(())
    }

    /// Element `index`, if it was written.
    #[inline]
    pub fn get(&self, index: usize) -> Option<T> {
        // SAFETY: `index < len <= capacity`: inside the buffer, and written by this array.
        (index < self.len).then(|| unsafe {
            self.start
                .add(index * size_of::<T>())
                .cast::<T>()
                .read_unaligned()
        })
    }

    /// Replaces element `index`, if it was written; returns whether it was.
    #[inline]
    pub fn set(&mut self, index: usize, value: T) -> bool {
        if index >= self.len {
            return false;
        }
        // SAFETY: as in `get`.
        unsafe {
            self.start
                .add(index * size_of::<T>())
                .cast::<T>()
                .write_unaligned(value)
        };
        true
    }

    /// The elements written, in order (copies: the slot may not be aligned for `T`).
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        (0..self.len).filter_map(|i| self.get(i))
    }

    /// Forgets the elements from `len` on (nothing if there are fewer).
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Forgets every element.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The count the reply carries: what was written.
    #[doc(hidden)]
    #[inline]
    pub fn count(&self) -> u32 {
        self.len as u32
    }
}

impl<T: Pod + core::fmt::Debug> core::fmt::Debug for OutArray<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
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
    #[inline]
    pub(crate) fn new(buffer: &'a mut [MaybeUninit<u8>], max: usize) -> Self {
        Writer {
            start: buffer.as_mut_ptr().cast(),
            max: max.min(buffer.len()),
            removed: 0,
            _buffer: PhantomData,
        }
    }

    /// The message's size so far: its maximum, less what arrays left out.
    #[inline]
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

    /// Completes a variable array whose `count` elements (at most `max`) an [`OutArray`]
    /// wrote at `offset`, its slot in the maximum layout: pads them to 4 bytes and, if
    /// earlier arrays left bytes out, moves them down to where they now lie (once, only
    /// the bytes written); the rest of the slot is left out of the message.
    ///
    /// # Safety
    ///
    /// The first `count` elements at `offset` were written for this message (through the
    /// `OutArray` of that slot, in this buffer). The buffer is always initialized, so a
    /// breach sends stale bytes of an earlier message rather than reading uninitialized
    /// memory; the contract keeps them off the wire.
    #[inline]
    pub unsafe fn elements_in_place<T: Pod>(&mut self, offset: usize, max: usize, count: u32) {
        let count = (count as usize).min(max);
        let Some(slot) = max
            .checked_mul(size_of::<T>())
            .and_then(|bytes| bytes.checked_next_multiple_of(4))
        else {
            return;
        };
        let used = count * size_of::<T>();
        let actual = used.next_multiple_of(4);
        // As in `elements`: in layout order and inside the message.
        if offset < self.removed || offset.saturating_add(slot) > self.max {
            return;
        }
        let at = offset - self.removed;
        // SAFETY: `offset + used <= offset + slot <= max` and `at + actual <= at + slot <=
        // max - removed`: both ranges lie within the buffer (`new`); `copy` allows the
        // overlap of a move down.
        unsafe {
            if self.removed != 0 {
                core::ptr::copy(self.start.add(offset), self.start.add(at), used);
            }
            core::ptr::write_bytes(self.start.add(at + used), 0, actual - used);
        }
        self.removed += slot - actual;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply buffer holding what an earlier reply left: `0xab` everywhere.
    fn stale(len: usize) -> Vec<u8> {
        vec![0xab; len]
    }

    #[test]
    fn an_out_array_shows_only_what_was_written() {
        let mut buffer = stale(64);
        let mut slots = Slots::new(&mut buffer);
        let mut a = slots.array::<u32>(8, 4);
        assert_eq!((a.len(), a.capacity(), a.get(0)), (0, 4, None));
        assert_eq!(a.iter().count(), 0, "the stale slot is never read");
        a.push(1).unwrap();
        assert_eq!((a.get(0), a.get(1)), (Some(1), None));
        a.extend_from_slice(&[2, 3]).unwrap();
        assert_eq!(a.iter().collect::<Vec<_>>(), [1, 2, 3]);
        assert!(a.set(2, 30) && !a.set(3, 4));
        a.truncate(1);
        assert_eq!(
            (a.len(), a.get(1)),
            (1, None),
            "truncated elements are not readable again"
        );
        a.clear();
        assert!(a.is_empty() && a.get(0).is_none());
        assert_eq!(format!("{a:?}"), "[]");
    }

    #[test]
    fn an_out_array_is_bounded_by_its_maximum() {
        let mut buffer = stale(64);
        let mut slots = Slots::new(&mut buffer);
        let mut a = slots.array::<u16>(0, 3);
        assert_eq!(
            a.extend_from_slice(&[1, 2, 3, 4]),
            Err(Error::MIG_ARRAY_TOO_LARGE)
        );
        assert!(a.is_empty(), "a refused extension writes nothing");
        a.extend_from_slice(&[1, 2]).unwrap();
        assert_eq!(a.extend_from_slice(&[3, 4]), Err(Error::MIG_ARRAY_TOO_LARGE));
        assert_eq!(a.len(), 2);
        a.push(3).unwrap();
        assert_eq!(a.push(4), Err(Error::MIG_ARRAY_TOO_LARGE));
        assert_eq!(a.iter().collect::<Vec<_>>(), [1, 2, 3]);
        // Nothing past the slot was touched.
        assert_eq!(&buffer[..6], &[1, 0, 2, 0, 3, 0]);
        assert!(buffer[6..].iter().all(|&b| b == 0xab));
    }

    #[test]
    fn a_slot_outside_the_buffer_has_no_room() {
        let mut buffer = stale(16);
        let mut slots = Slots::new(&mut buffer);
        for (offset, max) in [(8, 3), (17, 0), (usize::MAX, 1), (0, usize::MAX)] {
            let mut a = slots.array::<u32>(offset, max);
            assert_eq!(a.capacity(), 0, "offset {offset}, max {max}");
            assert_eq!(a.push(1), Err(Error::MIG_ARRAY_TOO_LARGE));
        }
        assert_eq!(slots.array::<u32>(8, 2).capacity(), 2);
        assert!(buffer.iter().all(|&b| b == 0xab));
    }

    #[test]
    fn eight_byte_elements_at_four_byte_offsets() {
        let mut buffer = stale(64);
        let mut slots = Slots::new(&mut buffer);
        let mut a = slots.array::<u64>(4, 2);
        a.extend_from_slice(&[u64::MAX - 1, 7]).unwrap();
        assert_eq!(a.iter().collect::<Vec<_>>(), [u64::MAX - 1, 7]);
        assert_eq!(&buffer[4..12], &(u64::MAX - 1).to_ne_bytes());
    }

    #[test]
    fn arrays_written_in_place_are_packed_as_mig_packs_them() {
        // A message of a 4-byte field, then two arrays: 3 bytes at most (slot 4), then
        // 2 `u32` at most (slot 8), then a last field: 4 + 4 + 4 + 8 + 4 + 4 = 28 bytes.
        let mut buffer = stale(28);
        {
            let mut slots = Slots::new(&mut buffer);
            slots.array::<u8>(8, 3).push(9).unwrap();
            slots.array::<u32>(16, 2).push(0x0102_0304).unwrap();
        }
        let mut uninit = buffer.iter().map(|&b| MaybeUninit::new(b)).collect::<Vec<_>>();
        let mut writer = Writer::new(&mut uninit, 28);
        writer.put(0, 0x11u32);
        writer.put(4, 1u32);
        // SAFETY: one element was written at 8 for this message.
        unsafe { writer.elements_in_place::<u8>(8, 3, 1) };
        writer.put(12, 1u32);
        // SAFETY: one element was written at 16 for this message.
        unsafe { writer.elements_in_place::<u32>(16, 2, 1) };
        writer.put(24, 0x22u32);
        // The first array sent 1 byte, padded to 4 (nothing left out: its slot is 4); the
        // second left out 4 bytes, so the last field moved down by 4.
        assert_eq!(writer.size(), 24);
        let bytes: Vec<u8> = uninit[..24]
            .iter()
            // SAFETY: made from initialized bytes above, and the writer writes only
            // initialized bytes.
            .map(|b| unsafe { b.assume_init() })
            .collect();
        let word = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
        assert_eq!(
            [word(0), word(4), word(8), word(12), word(16), word(20)],
            [0x11, 1, 9, 1, 0x0102_0304, 0x22]
        );
    }

    #[test]
    fn a_count_past_the_maximum_is_clamped() {
        let mut buffer = stale(24);
        {
            let mut slots = Slots::new(&mut buffer);
            slots.array::<u32>(0, 2).extend_from_slice(&[5, 6]).unwrap();
        }
        let mut uninit = buffer.iter().map(|&b| MaybeUninit::new(b)).collect::<Vec<_>>();
        let mut writer = Writer::new(&mut uninit, 8);
        // SAFETY: two elements were written at 0; the count claims more, and is clamped.
        unsafe { writer.elements_in_place::<u32>(0, 2, 99) };
        assert_eq!(writer.size(), 8);
    }
}
