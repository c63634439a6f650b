//! MIG runtime support (`mach/mig.h`): the per-thread reply port and the
//! allocation helpers MIG-generated code calls.

use std::cell::RefCell;
use std::ffi::{c_char, c_int};

use super::current;
use super::ids::{SpaceId, TASK_SELF_NAME, name_valid};
use super::kernel;
use super::mach_port::mach_port_deallocate;
use super::types::{MACH_PORT_NULL, MACH_PORT_RIGHT_RECEIVE, mach_port_t, vm_address_t, vm_size_t};
use super::vm::{VM_FLAGS_ANYWHERE, vm_allocate, vm_deallocate};

/// This thread's MIG reply ports, one per space it has run in. Destroyed
/// when the thread exits, as libpthread does on macOS, so finished threads
/// leave no ports behind.
struct ReplyPorts(RefCell<Vec<(SpaceId, mach_port_t)>>);

/// Destroys the receive right `port` names in `sid`.
fn destroy_reply_port(sid: SpaceId, port: mach_port_t) {
    kernel::with(|k| {
        let _ = k.mod_refs(sid, port, MACH_PORT_RIGHT_RECEIVE, -1);
    });
}

impl Drop for ReplyPorts {
    fn drop(&mut self) {
        for (sid, port) in self.0.take() {
            destroy_reply_port(sid, port);
        }
    }
}

thread_local! {
    static REPLY_PORTS: ReplyPorts = const { ReplyPorts(RefCell::new(Vec::new())) };
    static SPECIAL_REPLY_PORTS: ReplyPorts = const { ReplyPorts(RefCell::new(Vec::new())) };
}

type Cache = std::thread::LocalKey<ReplyPorts>;

/// The thread's port of `cache` in the current space, allocated on first use.
fn get(cache: &'static Cache) -> mach_port_t {
    let sid = current::current();
    cache
        .try_with(|ports| {
            if let Some((_, port)) = ports.0.borrow().iter().find(|(s, _)| *s == sid) {
                return *port;
            }
            let port = new_reply_port(sid);
            if port != MACH_PORT_NULL {
                ports.0.borrow_mut().push((sid, port));
            }
            port
        })
        // During thread teardown: hand out a one-off port.
        .unwrap_or_else(|_| new_reply_port(sid))
}

/// Destroys the thread's port of `cache` in the current space (the next `get`
/// allocates a fresh one), and deallocates `other` if it names something else.
fn dealloc(cache: &'static Cache, other: mach_port_t) {
    let sid = current::current();
    let current = cache
        .try_with(|ports| {
            let mut ports = ports.0.borrow_mut();
            let at = ports.iter().position(|(s, _)| *s == sid)?;
            Some(ports.swap_remove(at).1)
        })
        .ok()
        .flatten()
        .unwrap_or(MACH_PORT_NULL);
    if current != MACH_PORT_NULL {
        destroy_reply_port(sid, current);
    }
    if other != current && name_valid(other) {
        // SAFETY: takes no pointers.
        unsafe { mach_port_deallocate(TASK_SELF_NAME, other) };
    }
}

/// A fresh receive right in `sid`, or `MACH_PORT_NULL`.
fn new_reply_port(sid: SpaceId) -> mach_port_t {
    kernel::with(|k| k.new_port(sid).map_or(MACH_PORT_NULL, |(_, name)| name))
}

/// `mig_get_reply_port`: this thread's reply port in the current space (a
/// receive right), allocated on first use.
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mig_get_reply_port() -> mach_port_t {
    get(&REPLY_PORTS)
}

/// `mig_dealloc_reply_port`: destroys this thread's reply port (after a
/// failed RPC left it in an unknown state); the next `mig_get_reply_port`
/// allocates a fresh one. A different `reply_port` passed in is deallocated.
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mig_dealloc_reply_port(reply_port: mach_port_t) {
    dealloc(&REPLY_PORTS, reply_port);
}

/// `mig_get_special_reply_port`: this thread's special reply port in the current
/// space, which stubs of subsystems with `UseSpecialReplyPort` receive replies on.
/// XNU lets the server's priority be raised to the waiting client's through it; the
/// loopback has no priorities, so it is an ordinary receive right, kept apart from
/// the MIG reply port.
///
/// # Safety
/// Always safe to call; `unsafe` only to match libsystem's signature.
pub unsafe extern "C" fn mig_get_special_reply_port() -> mach_port_t {
    get(&SPECIAL_REPLY_PORTS)
}

/// `mig_dealloc_special_reply_port`: destroys this thread's special reply port (after
/// a failed RPC); the next `mig_get_special_reply_port` makes a fresh one.
///
/// # Safety
/// Always safe to call; `unsafe` only to match libsystem's signature.
pub unsafe extern "C" fn mig_dealloc_special_reply_port(reply_port: mach_port_t) {
    dealloc(&SPECIAL_REPLY_PORTS, reply_port);
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

/// `mig_strncpy`: copies at most `len - 1` bytes of the string `src` into `dest` and
/// terminates it; returns the bytes written counting the NUL, or `len` if `src` did
/// not fit (as libsystem's, `libsyscall/mach/mig_strncpy.c`). Nothing for `len <= 0`.
///
/// # Safety
/// `dest` must be writable for `len` bytes and `src` readable up to its NUL or
/// `len - 1` bytes, whichever comes first.
pub unsafe extern "C" fn mig_strncpy(dest: *mut c_char, src: *const c_char, len: c_int) -> c_int {
    if len <= 0 {
        return 0;
    }
    let mut i: c_int = 1;
    while i < len {
        let at = (i - 1) as usize;
        // SAFETY: `at < len - 1`: inside both buffers per the caller.
        let byte = unsafe { src.add(at).read() };
        // SAFETY: as above.
        unsafe { dest.add(at).write(byte) };
        if byte == 0 {
            return i;
        }
        i += 1;
    }
    // SAFETY: `len - 1` is the last byte of `dest`.
    unsafe { dest.add((len - 1) as usize).write(0) };
    len
}

/// `mig_strncpy_zerofill`: `mig_strncpy` that also zeroes the rest of `dest` (so no
/// stale bytes travel in a message) and takes a null `src` as empty; returns 0 for
/// `len <= 0` or a null `dest`. As libsystem's.
///
/// # Safety
/// As `mig_strncpy`, with `dest` written in full (`len` bytes).
pub unsafe extern "C" fn mig_strncpy_zerofill(dest: *mut c_char, src: *const c_char, len: c_int) -> c_int {
    if len <= 0 || dest.is_null() {
        return 0;
    }
    let mut terminated = src.is_null();
    let mut written = 0;
    for i in 1..len {
        let at = (i - 1) as usize;
        let byte = if terminated {
            0
        } else {
            // SAFETY: `src` is readable up to its NUL, which has not been passed yet.
            unsafe { src.add(at).read() }
        };
        // SAFETY: `at < len - 1`, inside `dest`.
        unsafe { dest.add(at).write(byte) };
        if !terminated && byte == 0 {
            written = i;
            terminated = true;
        }
    }
    // SAFETY: the last byte of `dest`.
    unsafe { dest.add((len - 1) as usize).write(0) };
    if terminated { written } else { len }
}

/// `voucher_mach_msg_set`: would attach the thread's voucher to an outgoing message.
/// The loopback has no vouchers, so the header is left alone and the answer is
/// `false` (not modified), which is what libsystem says for a thread without one.
///
/// # Safety
/// Always safe to call; the header is not touched.
pub unsafe extern "C" fn voucher_mach_msg_set(
    msg: *mut super::types::mach_msg_header_t,
) -> super::types::boolean_t {
    let _ = msg;
    0
}

/// `voucher_mach_msg_state_t` (`<mach/mach.h>`): the thread's voucher state before
/// [`voucher_mach_msg_adopt`], for [`voucher_mach_msg_revert`].
#[allow(non_camel_case_types)]
pub type voucher_mach_msg_state_t = *mut core::ffi::c_void;

/// `VOUCHER_MACH_MSG_STATE_UNCHANGED`: [`voucher_mach_msg_adopt`] changed nothing.
pub const VOUCHER_MACH_MSG_STATE_UNCHANGED: voucher_mach_msg_state_t =
    core::ptr::without_provenance_mut(usize::MAX);

/// `voucher_mach_msg_adopt` (`<mach/mach.h>`): takes the voucher a received message
/// carries out of its header (bits and name cleared, so `mach_msg_destroy` does not
/// release it again) and makes it the thread's, as libsystem's does. The loopback has
/// no vouchers to adopt: a voucher right found there is released at once, and the
/// answer is [`VOUCHER_MACH_MSG_STATE_UNCHANGED`]. (The loopback delivers no voucher
/// right, so a received message has none to take.)
///
/// # Safety
/// `msg` must be null or point at a writable message header.
pub unsafe extern "C" fn voucher_mach_msg_adopt(
    msg: *mut super::types::mach_msg_header_t,
) -> voucher_mach_msg_state_t {
    if msg.is_null() {
        return VOUCHER_MACH_MSG_STATE_UNCHANGED;
    }
    // SAFETY: non-null and writable per the caller.
    let head = unsafe { &mut *msg };
    if head.msgh_bits & super::types::MACH_MSGH_BITS_VOUCHER_MASK == 0 {
        // No voucher disposition: the field is not a name.
        return VOUCHER_MACH_MSG_STATE_UNCHANGED;
    }
    let voucher = core::mem::replace(&mut head.msgh_voucher_port, MACH_PORT_NULL);
    head.msgh_bits &= !super::types::MACH_MSGH_BITS_VOUCHER_MASK;
    if name_valid(voucher) {
        // SAFETY: the message's own send right, taken out of it above.
        unsafe { mach_port_deallocate(super::mach_port::mach_task_self(), voucher) };
    }
    VOUCHER_MACH_MSG_STATE_UNCHANGED
}

/// `voucher_mach_msg_revert` (`<mach/mach.h>`): restores the voucher state
/// [`voucher_mach_msg_adopt`] returned. The loopback's adopt changes nothing, so there is
/// nothing to restore.
///
/// # Safety
/// Always safe to call; `unsafe` to match the C declaration.
pub unsafe extern "C" fn voucher_mach_msg_revert(state: voucher_mach_msg_state_t) {
    let _ = state;
}

/// `thread_get_special_reply_port`: a fresh receive right for the calling thread to
/// receive synchronous replies on, owned by the caller (libsystem's
/// `mig_get_special_reply_port` caches one; this trap makes a new one each call). The
/// loopback has no priority inheritance, so it is an ordinary receive right.
///
/// # Safety
/// Always safe to call; `unsafe` only to match the trap's declaration.
pub unsafe extern "C" fn thread_get_special_reply_port() -> mach_port_t {
    new_reply_port(current::current())
}
