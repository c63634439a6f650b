//! Arrays of port rights in messages: inline (one port descriptor per slot) and out of
//! line (one descriptor naming an array of names).

use core::mem::size_of;

use crate::error::{Error, Result};
use crate::rights::{ReceiveRight, SendOnceRight, SendRight};
use crate::sys::{self, mach_msg_ool_ports_descriptor_t, mach_msg_port_descriptor_t, mach_port_t};

/// A right that can be taken from a received descriptor. Not public API.
#[doc(hidden)]
pub trait PortOwner: Sized {
    /// Takes ownership of the right named `name`.
    ///
    /// # Safety
    ///
    /// `name` must denote a right of the owner's kind that nothing else will release.
    unsafe fn from_name(name: mach_port_t) -> Self;
}

/// What can be sent as one element of a port array: a name (the sender keeps its right)
/// or an owner (the right moves). Not public API.
#[doc(hidden)]
pub trait IntoName {
    /// The name to put in the message; an owner gives up its right.
    fn into_name(self) -> mach_port_t;
}

impl IntoName for mach_port_t {
    fn into_name(self) -> mach_port_t {
        self
    }
}

macro_rules! owner {
    ($($t:ty),*) => {$(
        impl PortOwner for $t {
            unsafe fn from_name(name: mach_port_t) -> Self {
                // SAFETY: forwarded from the caller.
                unsafe { <$t>::from_raw(name) }
            }
        }
        impl IntoName for $t {
            fn into_name(self) -> mach_port_t {
                self.into_raw()
            }
        }
    )*};
}
owner!(ReceiveRight, SendRight, SendOnceRight);

fn port_descriptor(name: mach_port_t, disposition: u8) -> mach_msg_port_descriptor_t {
    crate::__private::port(name, disposition)
}

/// `N` port descriptors for `names` (unused slots carry `MACH_PORT_NULL`, as MIG sends
/// them) and the count; `MIG_ARRAY_TOO_LARGE` beyond `N`, before any right is taken.
pub fn port_array<I, const N: usize>(
    names: I,
    disposition: u8,
) -> Result<(u32, [mach_msg_port_descriptor_t; N])>
where
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator,
    I::Item: IntoName,
{
    let names = names.into_iter();
    let count = names.len();
    if count > N {
        return Err(Error::MIG_ARRAY_TOO_LARGE);
    }
    let mut descriptors = [port_descriptor(sys::MACH_PORT_NULL, disposition); N];
    for (slot, name) in descriptors.iter_mut().zip(names) {
        slot.name = name.into_name();
    }
    Ok((count as u32, descriptors))
}

/// The owners of the first `count` rights of a received inline port array.
///
/// # Safety
///
/// The descriptors must come from a checked message whose own copy of the names was
/// cleared (or will not be used), so each right gets exactly one owner.
pub unsafe fn take_port_array<O: PortOwner, const N: usize>(
    descriptors: [mach_msg_port_descriptor_t; N],
    count: u32,
) -> Vec<O> {
    descriptors[..(count as usize).min(N)]
        .iter()
        // SAFETY: forwarded from the caller.
        .map(|d| unsafe { O::from_name(d.name) })
        .collect()
}

fn ool_ports(
    address: *mut core::ffi::c_void,
    count: u32,
    disposition: u8,
    deallocate: bool,
) -> mach_msg_ool_ports_descriptor_t {
    mach_msg_ool_ports_descriptor_t {
        address,
        deallocate: u8::from(deallocate),
        copy: sys::MACH_MSG_VIRTUAL_COPY as u8,
        disposition,
        type_: sys::MACH_MSG_OOL_PORTS_DESCRIPTOR as u8,
        count,
    }
}

/// An out-of-line ports descriptor for names the caller keeps (`COPY_SEND`, `MAKE_*`):
/// the kernel reads them from the slice. `MIG_ARRAY_TOO_LARGE` beyond `max`.
pub fn ool_ports_borrowed(
    names: &[mach_port_t],
    disposition: u8,
    max: u32,
) -> Result<(u32, mach_msg_ool_ports_descriptor_t)> {
    let count = u32::try_from(names.len())
        .ok()
        .filter(|&n| n <= max)
        .ok_or(Error::MIG_ARRAY_TOO_LARGE)?;
    Ok((
        count,
        ool_ports(names.as_ptr().cast_mut().cast(), count, disposition, false),
    ))
}

/// An out-of-line ports descriptor owning a fresh copy of the names, which leaves this
/// task with the message (`deallocate` set): for replies, and for rights that move.
pub fn ool_ports_owned<I>(
    names: I,
    disposition: u8,
    max: u32,
) -> Result<(u32, mach_msg_ool_ports_descriptor_t)>
where
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator,
    I::Item: IntoName,
{
    let names = names.into_iter();
    let count = u32::try_from(names.len())
        .ok()
        .filter(|&n| n <= max)
        .ok_or(Error::MIG_ARRAY_TOO_LARGE)?;
    ool_ports_region(names.map(IntoName::into_name), count, disposition)
}

/// A descriptor owning a fresh region of `count` slots filled from `names` (null where
/// they run out), which leaves this task with the message.
fn ool_ports_region(
    names: impl Iterator<Item = mach_port_t>,
    count: u32,
    disposition: u8,
) -> Result<(u32, mach_msg_ool_ports_descriptor_t)> {
    if count == 0 {
        return Ok((0, ool_ports(core::ptr::null_mut(), 0, disposition, false)));
    }
    let bytes = count as u64 * size_of::<mach_port_t>() as u64;
    let mut address = 0;
    // SAFETY: an out-pointer to a local; our own task.
    Error::check(unsafe {
        sys::mach_vm_allocate(sys::mach_task_self(), &mut address, bytes, sys::VM_FLAGS_ANYWHERE)
    })?;
    let slots = address as usize as *mut mach_port_t;
    let mut names = names.fuse();
    for i in 0..count as usize {
        // SAFETY: the fresh region holds `count` names, page-aligned; `i < count`.
        unsafe { slots.add(i).write(names.next().unwrap_or(sys::MACH_PORT_NULL)) };
    }
    Ok((count, ool_ports(slots.cast(), count, disposition, true)))
}

/// An out-of-line ports descriptor for names in a region of the caller's that moves with
/// the message (`dealloc` on an array of names the caller keeps rights to): the
/// descriptor's `deallocate` bit is set, as Apple's stubs set it, so the region leaves
/// this task. `MIG_ARRAY_TOO_LARGE` beyond `max` (the region is freed).
pub fn ool_ports_moved(
    names: crate::OutOfLine<mach_port_t>,
    disposition: u8,
    max: u32,
) -> Result<(u32, mach_msg_ool_ports_descriptor_t)> {
    if names.len() > max as usize {
        return Err(Error::MIG_ARRAY_TOO_LARGE);
    }
    let (address, count) = names.into_raw();
    // `count` fits: it is at most `max`.
    let count = count as u32;
    Ok((
        count,
        ool_ports(
            address as usize as *mut core::ffi::c_void,
            count,
            disposition,
            count > 0,
        ),
    ))
}

/// An out-of-line ports descriptor for a fixed array (`^array[n] of <port>`): always `n`
/// names in a fresh region that leaves this task with the message, unused slots null,
/// as MIG sends them. `MIG_ARRAY_TOO_LARGE` beyond `n`, before any right is taken.
pub fn ool_ports_exact<I>(names: I, disposition: u8, n: u32) -> Result<(u32, mach_msg_ool_ports_descriptor_t)>
where
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator,
    I::Item: IntoName,
{
    let names = names.into_iter();
    if names.len() > n as usize {
        return Err(Error::MIG_ARRAY_TOO_LARGE);
    }
    ool_ports_region(names.map(IntoName::into_name), n, disposition)
}

/// The owners of the rights a received out-of-line ports descriptor carries; the region
/// holding the names is returned to the system.
///
/// # Safety
///
/// The descriptor must come from a checked message (its count matches), whose own copy
/// of the address was cleared, so the rights and the region get exactly one owner.
pub unsafe fn take_ool_ports<O: PortOwner>(descriptor: mach_msg_ool_ports_descriptor_t) -> Vec<O> {
    let count = descriptor.count as usize;
    if count == 0 || descriptor.address.is_null() {
        return Vec::new();
    }
    // SAFETY: the kernel mapped `count` names at `address` for us.
    let names = unsafe { core::slice::from_raw_parts(descriptor.address as *const mach_port_t, count) };
    // SAFETY: forwarded from the caller.
    let owners = names.iter().map(|&name| unsafe { O::from_name(name) }).collect();
    // SAFETY: the region is ours (see above) and no longer read.
    unsafe {
        sys::mach_vm_deallocate(
            sys::mach_task_self(),
            descriptor.address as usize as u64,
            (count * size_of::<mach_port_t>()) as u64,
        )
    };
    owners
}
