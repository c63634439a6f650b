//! The `mach_port_*` calls (`mach/mach_port.h`), `mach_task_self`,
//! `mach_reply_port` and the loopback's `loopback_port_set_signal`. Each works
//! on the space its `task` argument names.
//!
//! Error codes follow XNU's port traps: `KERN_INVALID_NAME` for an unknown
//! name, `KERN_INVALID_RIGHT` for a name lacking the right, and so on.

// Parameter names are the C ones (`polyPoly`, `port_info_outCnt`).
#![allow(non_snake_case)]

use super::current;
use super::ids::{Name, ObjId, SpaceId, TASK_SELF_NAME, is_kernel_name, name_valid};
use super::kern_return::{
    KERN_ALREADY_IN_SET, KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_INVALID_CAPABILITY, KERN_INVALID_NAME,
    KERN_INVALID_RIGHT, KERN_INVALID_VALUE, KERN_NO_SPACE, KERN_NOT_IN_SET, KERN_SUCCESS, kern_return_t,
};
use super::kernel::{self, Kernel};
use super::port::{Carried, Kind, Target};
#[cfg(any(target_os = "linux", target_os = "android"))]
use super::readiness::LoopbackSignal;
use super::right::{Ledger, apply_delta};
use super::space::Right;
use super::types::{
    MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_DEAD, MACH_PORT_DNREQUESTS_SIZE, MACH_PORT_LIMITS_INFO,
    MACH_PORT_NULL, MACH_PORT_QLIMIT_MAX, MACH_PORT_RIGHT_DEAD_NAME, MACH_PORT_RIGHT_NUMBER,
    MACH_PORT_RIGHT_PORT_SET, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND, MACH_PORT_RIGHT_SEND_ONCE,
    MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_TYPE_SEND, MPO_INSERT_SEND_RIGHT, MPO_QLIMIT, ipc_space_t,
    mach_msg_type_name_t, mach_msg_type_number_t, mach_port_context_t, mach_port_delta_t, mach_port_flavor_t,
    mach_port_info_t, mach_port_name_t, mach_port_options_t, mach_port_right_t, mach_port_t,
    mach_port_type_t, mach_port_urefs_t,
};

/// Checks that `task` names a live task, before any argument is looked at
/// (XNU resolves the task port first).
fn check_task(task: ipc_space_t) -> Result<(), kern_return_t> {
    kernel::lock().task_space(task).map(|_| ())
}

fn status(result: Result<(), kern_return_t>) -> kern_return_t {
    result.err().unwrap_or(KERN_SUCCESS)
}

/// Runs `f` on the locked kernel with the space `task` names, then wakes waiters.
fn in_task<R>(
    task: ipc_space_t,
    f: impl FnOnce(&mut Kernel, SpaceId) -> Result<R, kern_return_t>,
) -> Result<R, kern_return_t> {
    kernel::with(|k| {
        let sid = k.task_space(task)?;
        f(k, sid)
    })
}

impl Kernel {
    /// Takes a right from `name` for a port call, as one-right message would.
    fn take_right(
        &mut self,
        sid: SpaceId,
        name: Name,
        disposition: mach_msg_type_name_t,
    ) -> Result<Carried, kern_return_t> {
        self.check_copyin(sid, &mut Ledger::default(), name, disposition)
            .map_err(|e| e.kern_return())?;
        Ok(self.copyin(sid, name, disposition))
    }
}

/// `mach_task_self()`: the name of the calling task's own task port (the
/// same reserved name in every space; see `loopback_with_task`).
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe fn mach_task_self() -> mach_port_t {
    TASK_SELF_NAME
}

/// `mach_port_allocate`: creates a receive right (new port), an empty port
/// set, or a dead name with one user reference.
///
/// # Safety
/// `name` must be valid for writing a `mach_port_name_t`.
pub unsafe extern "C" fn mach_port_allocate(
    task: ipc_space_t,
    right: mach_port_right_t,
    name: *mut mach_port_name_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if name.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    let result = in_task(task, |k, sid| match right {
        MACH_PORT_RIGHT_RECEIVE => k.new_port(sid).map(|(_, n)| n),
        MACH_PORT_RIGHT_PORT_SET => k.new_set(sid),
        MACH_PORT_RIGHT_DEAD_NAME => k
            .new_entry(sid, Right::DeadName { urefs: 1 })
            .ok_or(KERN_NO_SPACE),
        _ => Err(KERN_INVALID_VALUE),
    });
    match result {
        Ok(n) => {
            // SAFETY: non-null, and writable per the caller.
            unsafe { name.write_unaligned(n) };
            KERN_SUCCESS
        }
        Err(e) => e,
    }
}

/// `mach_port_deallocate`: releases one user reference of a send right, a
/// send-once right (destroying it, which notifies its port) or a dead name.
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mach_port_deallocate(task: ipc_space_t, name: mach_port_name_t) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if !name_valid(name) {
        // XNU (`mach_port_deallocate_kernel`): nothing to release under NULL or DEAD.
        return KERN_SUCCESS;
    }
    if is_kernel_name(name) {
        // Kernel ports are pinned: their references are never really dropped.
        return KERN_SUCCESS;
    }
    status(in_task(task, |k, sid| {
        guarded(k, sid, name, |k| k.deallocate(sid, name))
    }))
}

/// Runs a release of a right under `name`; if the name denotes no right, records the
/// guard exception XNU raises (`mach_port_guard_exception(name, 0,
/// kGUARD_EXC_INVALID_NAME)` in `mach_port_deallocate_kernel` and `mach_port_mod_refs`,
/// osfmk/ipc/mach_port.c): silent for an ordinary macOS process, fatal for a hardened
/// one, and a sign of a name released twice (which may be a reused name, someone
/// else's right). `MIG_LOOPBACK_FATAL_GUARDS` set in the environment makes it fatal
/// here too.
fn guarded(
    k: &mut Kernel,
    sid: SpaceId,
    name: Name,
    release: impl FnOnce(&mut Kernel) -> Result<(), kern_return_t>,
) -> Result<(), kern_return_t> {
    let result = release(k);
    if result == Err(KERN_INVALID_NAME) {
        if let Some(space) = k.space_mut(sid) {
            space.guard_exceptions += 1;
        }
        if std::env::var_os("MIG_LOOPBACK_FATAL_GUARDS").is_some() {
            eprintln!("loopback: EXC_GUARD (kGUARD_EXC_INVALID_NAME) releasing name {name:#x}");
            std::process::abort();
        }
    }
    result
}

/// Guard exceptions XNU would have raised in the calling thread's task: rights released
/// under names that held none (see the loopback's fidelity table). Tests assert it stays
/// 0; with `MIG_LOOPBACK_FATAL_GUARDS` in the environment the first one aborts the
/// process instead, as for a hardened macOS binary.
pub fn loopback_guard_exceptions() -> usize {
    let k = kernel::lock();
    k.space(current::current()).map_or(0, |s| s.guard_exceptions)
}

/// `mach_port_mod_refs`: adds `delta` user references of `right` under `name`.
/// Removing a receive right (delta -1) destroys the port.
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mach_port_mod_refs(
    task: ipc_space_t,
    name: mach_port_name_t,
    right: mach_port_right_t,
    delta: mach_port_delta_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if right >= MACH_PORT_RIGHT_NUMBER {
        return KERN_INVALID_VALUE;
    }
    if !name_valid(name) {
        // XNU treats NULL/DEAD as valid send(-once) names with nothing to do.
        return match right {
            MACH_PORT_RIGHT_SEND | MACH_PORT_RIGHT_SEND_ONCE => KERN_SUCCESS,
            _ => KERN_INVALID_NAME,
        };
    }
    if is_kernel_name(name) {
        return if right == MACH_PORT_RIGHT_SEND {
            KERN_SUCCESS
        } else {
            KERN_INVALID_RIGHT
        };
    }
    status(in_task(task, |k, sid| {
        guarded(k, sid, name, |k| k.mod_refs(sid, name, right, delta))
    }))
}

/// `mach_port_destroy`: removes every right `name` denotes (destroying the
/// port if it held the receive right) and frees the name.
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mach_port_destroy(task: ipc_space_t, name: mach_port_name_t) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if !name_valid(name) || is_kernel_name(name) {
        return KERN_SUCCESS;
    }
    status(in_task(task, |k, sid| k.destroy_name(sid, name)))
}

/// `mach_port_insert_right`: takes a right from `poly` (a name in the
/// caller's space) per `polyPoly` and gives it the name `name` in `task`'s
/// space (coalescing with rights already there for the same port). As in
/// XNU, if the right cannot be named it is destroyed.
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mach_port_insert_right(
    task: ipc_space_t,
    name: mach_port_name_t,
    poly: mach_port_t,
    polyPoly: mach_msg_type_name_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if !name_valid(name) || Kind::of_disposition(polyPoly).is_none() {
        return KERN_INVALID_VALUE;
    }
    if !name_valid(poly) {
        return KERN_INVALID_NAME;
    }
    status(in_task(task, |k, sid| {
        // The right comes from the caller, as in the request message.
        let right = k.take_right(current::current(), poly, polyPoly)?;
        if right.target == Target::Dead {
            return Err(KERN_INVALID_CAPABILITY);
        }
        k.copyout_named(sid, name, right)
            .inspect_err(|_| k.release(right))
    }))
}

/// `mach_port_extract_right`: takes a right from `name` in `task`'s space
/// per `msgt_name` and returns it as a right in the caller's space
/// (`*poly`), with the received disposition (`*polyPoly`, a
/// `MACH_MSG_TYPE_PORT_*`).
///
/// # Safety
/// `poly` and `polyPoly` must be valid for writes.
pub unsafe extern "C" fn mach_port_extract_right(
    task: ipc_space_t,
    name: mach_port_name_t,
    msgt_name: mach_msg_type_name_t,
    poly: *mut mach_port_t,
    polyPoly: *mut mach_msg_type_name_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if poly.is_null() || polyPoly.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    let Some(kind) = Kind::of_disposition(msgt_name) else {
        return KERN_INVALID_VALUE;
    };
    if !name_valid(name) {
        return KERN_INVALID_RIGHT;
    }
    let result = in_task(task, |k, sid| {
        let right = k.take_right(sid, name, msgt_name)?;
        // The right goes to the caller, as in the reply message.
        Ok(k.copyout(current::current(), right))
    });
    match result {
        Ok(out) => {
            // SAFETY: both non-null and writable per the caller.
            unsafe {
                poly.write_unaligned(out);
                polyPoly.write_unaligned(kind.msg_type());
            }
            KERN_SUCCESS
        }
        Err(e) => e,
    }
}

/// `mach_port_get_refs` (loopback export): user references of `right` under
/// `name`; 0 if the name does not hold that right, 1 for receive, send-once
/// and port-set rights.
///
/// # Safety
/// `refs` must be valid for writing a `mach_port_urefs_t`.
pub unsafe extern "C" fn mach_port_get_refs(
    task: ipc_space_t,
    name: mach_port_name_t,
    right: mach_port_right_t,
    refs: *mut mach_port_urefs_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if refs.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    if right >= MACH_PORT_RIGHT_NUMBER {
        return KERN_INVALID_VALUE;
    }
    let count = if !name_valid(name) {
        match right {
            MACH_PORT_RIGHT_SEND | MACH_PORT_RIGHT_SEND_ONCE => 1,
            _ => return KERN_INVALID_NAME,
        }
    } else if is_kernel_name(name) {
        u32::from(right == MACH_PORT_RIGHT_SEND)
    } else {
        let k = kernel::lock();
        let Some(entry) = k.task_space(task).ok().and_then(|sid| k.lookup(sid, name)) else {
            return KERN_INVALID_NAME;
        };
        match (right, entry) {
            (MACH_PORT_RIGHT_SEND, Right::Port { urefs, .. }) => urefs,
            (MACH_PORT_RIGHT_RECEIVE, Right::Port { receive, .. }) => u32::from(receive),
            (MACH_PORT_RIGHT_SEND_ONCE, Right::SendOnce { .. }) => 1,
            (MACH_PORT_RIGHT_PORT_SET, Right::PortSet { .. }) => 1,
            (MACH_PORT_RIGHT_DEAD_NAME, Right::DeadName { urefs }) => urefs,
            _ => 0,
        }
    };
    // SAFETY: non-null and writable per the caller.
    unsafe { refs.write_unaligned(count) };
    KERN_SUCCESS
}

/// `mach_port_type` (loopback export): the `MACH_PORT_TYPE_*` bits of the
/// rights `name` denotes.
///
/// # Safety
/// `ptype` must be valid for writing a `mach_port_type_t`.
pub unsafe extern "C" fn mach_port_type(
    task: ipc_space_t,
    name: mach_port_name_t,
    ptype: *mut mach_port_type_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if ptype.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    let bits = match name {
        MACH_PORT_NULL => return KERN_INVALID_NAME,
        MACH_PORT_DEAD => MACH_PORT_TYPE_DEAD_NAME,
        n if is_kernel_name(n) => MACH_PORT_TYPE_SEND,
        n => {
            let k = kernel::lock();
            match k.task_space(task).ok().and_then(|sid| k.lookup(sid, n)) {
                Some(right) => right.type_bits(),
                None => return KERN_INVALID_NAME,
            }
        }
    };
    // SAFETY: non-null and writable per the caller.
    unsafe { ptype.write_unaligned(bits) };
    KERN_SUCCESS
}

/// `mach_port_get_attributes`: supports `MACH_PORT_LIMITS_INFO` (the queue
/// limit) and `MACH_PORT_DNREQUESTS_SIZE` (always 0) on a receive right.
///
/// # Safety
/// `port_info_out` must be writable for `*port_info_outCnt` integers, and
/// `port_info_outCnt` readable and writable.
pub unsafe extern "C" fn mach_port_get_attributes(
    task: ipc_space_t,
    name: mach_port_name_t,
    flavor: mach_port_flavor_t,
    port_info_out: mach_port_info_t,
    port_info_outCnt: *mut mach_msg_type_number_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if port_info_out.is_null() || port_info_outCnt.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    if flavor != MACH_PORT_LIMITS_INFO && flavor != MACH_PORT_DNREQUESTS_SIZE {
        return KERN_INVALID_ARGUMENT;
    }
    // SAFETY: non-null and readable per the caller.
    if unsafe { port_info_outCnt.read_unaligned() } < 1 {
        return KERN_FAILURE;
    }
    let value = {
        let k = kernel::lock();
        let port = match k.task_space(task).and_then(|sid| k.receive_port(sid, name)) {
            Ok(port) => port,
            Err(e) => return e,
        };
        match flavor {
            MACH_PORT_LIMITS_INFO => k.ports.get(&port).map_or(0, |p| p.qlimit),
            _ => 0,
        }
    };
    // SAFETY: both non-null; the caller said at least one integer fits.
    unsafe {
        port_info_out.write_unaligned(value as i32);
        port_info_outCnt.write_unaligned(1);
    }
    KERN_SUCCESS
}

/// `mach_port_set_attributes`: supports `MACH_PORT_LIMITS_INFO`, setting the
/// queue limit (0 ..= `MACH_PORT_QLIMIT_MAX`) of a receive right.
///
/// # Safety
/// `port_info` must be readable for `port_infoCnt` integers.
pub unsafe extern "C" fn mach_port_set_attributes(
    task: ipc_space_t,
    name: mach_port_name_t,
    flavor: mach_port_flavor_t,
    port_info: mach_port_info_t,
    port_infoCnt: mach_msg_type_number_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if flavor != MACH_PORT_LIMITS_INFO || port_info.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    if port_infoCnt < 1 {
        return KERN_FAILURE;
    }
    // SAFETY: non-null and readable for at least one integer per the caller.
    let qlimit = unsafe { port_info.read_unaligned() } as u32;
    if qlimit > MACH_PORT_QLIMIT_MAX {
        return KERN_INVALID_VALUE;
    }
    status(in_task(task, |k, sid| {
        let port = k.receive_port(sid, name)?;
        if let Some(p) = k.ports.get_mut(&port) {
            p.qlimit = qlimit;
        }
        Ok(())
    }))
}

/// `mach_port_construct`: a new receive right built per `options`
/// (`MPO_QLIMIT`, `MPO_INSERT_SEND_RIGHT`; other flags are accepted and
/// ignored), with `context` as the port's context (reported in `_CTX`
/// trailers).
///
/// # Safety
/// `options` must be readable and `name` writable.
pub unsafe extern "C" fn mach_port_construct(
    task: ipc_space_t,
    options: *mut mach_port_options_t,
    context: mach_port_context_t,
    name: *mut mach_port_name_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    if options.is_null() || name.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    // SAFETY: non-null and readable per the caller.
    let options = unsafe { options.read_unaligned() };
    if options.flags & MPO_QLIMIT != 0 && options.mpl.mpl_qlimit > MACH_PORT_QLIMIT_MAX {
        return KERN_INVALID_VALUE;
    }
    let result = in_task(task, |k, sid| {
        let (port, n) = k.new_port(sid)?;
        if let Some(p) = k.ports.get_mut(&port) {
            p.context = context;
            if options.flags & MPO_QLIMIT != 0 {
                p.qlimit = options.mpl.mpl_qlimit;
            }
        }
        if options.flags & MPO_INSERT_SEND_RIGHT != 0 {
            // As a MAKE_SEND would: one more send right, one more made.
            k.copyin(sid, n, MACH_MSG_TYPE_MAKE_SEND);
            let (receive, urefs) = (true, 1);
            k.set_right(sid, n, Right::Port { port, receive, urefs });
        }
        Ok(n)
    });
    match result {
        Ok(n) => {
            // SAFETY: non-null and writable per the caller.
            unsafe { name.write_unaligned(n) };
            KERN_SUCCESS
        }
        Err(e) => e,
    }
}

/// `mach_port_destruct`: drops `-srdelta` send references from `name`, then
/// destroys its receive right. The guard is not checked.
///
/// # Safety
/// Always safe to call; `unsafe` only to match `mach2`'s signature.
pub unsafe extern "C" fn mach_port_destruct(
    task: ipc_space_t,
    name: mach_port_name_t,
    srdelta: mach_port_delta_t,
    guard: mach_port_context_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    let _ = guard;
    if srdelta > 0 {
        return KERN_INVALID_VALUE;
    }
    status(in_task(task, |k, sid| {
        let port = k.receive_port(sid, name)?;
        if srdelta < 0 {
            let Some(Right::Port { urefs, .. }) = k.lookup(sid, name) else {
                return Err(KERN_INVALID_RIGHT);
            };
            let left = apply_delta(urefs, srdelta)?;
            k.set_send_urefs(sid, name, port, true, urefs, left);
        }
        k.mod_refs(sid, name, MACH_PORT_RIGHT_RECEIVE, -1)
    }))
}

/// `mach_port_move_member`: puts the receive right `member` into the port
/// set `after`, or takes it out of its set if `after` is `MACH_PORT_NULL`.
///
/// # Safety
/// Always safe to call; `unsafe` only for consistency with the other calls.
pub unsafe extern "C" fn mach_port_move_member(
    task: ipc_space_t,
    member: mach_port_name_t,
    after: mach_port_name_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    status(in_task(task, |k, sid| {
        if after == MACH_PORT_NULL {
            let port = k.receive_port(sid, member)?;
            if k.ports.get(&port).is_some_and(|p| p.set.is_none()) {
                return Err(KERN_NOT_IN_SET);
            }
            k.leave_set(port);
            return Ok(());
        }
        let (port, set) = member_and_set(k, sid, member, after)?;
        k.join_set(port, set);
        Ok(())
    }))
}

/// `mach_port_insert_member`: adds the receive right `member` to the port set
/// `set`. `KERN_ALREADY_IN_SET` if it is a member already. XNU lets a port belong
/// to several sets; here a port is in one set at a time, so a port in another set
/// is refused with `KERN_ALREADY_IN_SET` too (use `mach_port_move_member`).
///
/// # Safety
/// Always safe to call; `unsafe` only for consistency with the other calls.
pub unsafe extern "C" fn mach_port_insert_member(
    task: ipc_space_t,
    member: mach_port_name_t,
    set: mach_port_name_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    status(in_task(task, |k, sid| {
        let (port, set) = member_and_set(k, sid, member, set)?;
        if k.ports.get(&port).is_some_and(|p| p.set.is_some()) {
            return Err(KERN_ALREADY_IN_SET);
        }
        k.join_set(port, set);
        Ok(())
    }))
}

/// `mach_port_extract_member`: takes the receive right `member` out of the port
/// set `set`; `KERN_NOT_IN_SET` if it is not in it.
///
/// # Safety
/// Always safe to call; `unsafe` only for consistency with the other calls.
pub unsafe extern "C" fn mach_port_extract_member(
    task: ipc_space_t,
    member: mach_port_name_t,
    set: mach_port_name_t,
) -> kern_return_t {
    if let Err(e) = check_task(task) {
        return e;
    }
    status(in_task(task, |k, sid| {
        let (port, set) = member_and_set(k, sid, member, set)?;
        if k.ports.get(&port).is_none_or(|p| p.set != Some(set)) {
            return Err(KERN_NOT_IN_SET);
        }
        k.leave_set(port);
        Ok(())
    }))
}

/// The port whose receive right `member` names and the port set `set` names, in
/// `sid`, for the member calls.
fn member_and_set(
    k: &Kernel,
    sid: SpaceId,
    member: mach_port_name_t,
    set: mach_port_name_t,
) -> Result<(ObjId, ObjId), kern_return_t> {
    let port = k.receive_port(sid, member)?;
    match k.lookup(sid, set).ok_or(KERN_INVALID_NAME)? {
        Right::PortSet { set } => Ok((port, set)),
        _ => Err(KERN_INVALID_RIGHT),
    }
}

/// `mach_reply_port`: a fresh receive right, or `MACH_PORT_NULL` if the space
/// is out of names.
///
/// # Safety
/// Always safe to call; `unsafe` only for consistency with the other calls.
pub unsafe extern "C" fn mach_reply_port() -> mach_port_t {
    kernel::with(|k| k.new_port(current::current()).map_or(MACH_PORT_NULL, |(_, n)| n))
}

/// Loopback-only: attaches a fresh eventfd to the port set `pset` in `task`'s space and
/// returns it: the loopback signals it whenever a message is queued on a member, and
/// when a port joins the set with messages queued. The reader clears it
/// ([`LoopbackSignal::clear`]) before draining the set with non-blocking receives.
/// A set has one descriptor at a time; attaching another replaces it. The descriptor is
/// signalled at once if a member already has messages.
///
/// `KERN_INVALID_NAME` if `pset` names nothing, `KERN_INVALID_RIGHT` if it is not a
/// port set, `KERN_RESOURCE_SHORTAGE` if no descriptor can be made.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn loopback_port_set_signal(
    task: ipc_space_t,
    pset: mach_port_name_t,
) -> Result<LoopbackSignal, kern_return_t> {
    let signal = LoopbackSignal::new().map_err(|_| super::kern_return::KERN_RESOURCE_SHORTAGE)?;
    let mut k = kernel::lock();
    let sid = k.task_space(task)?;
    let set = match k.lookup(sid, pset) {
        Some(Right::PortSet { set }) => set,
        Some(_) => return Err(KERN_INVALID_RIGHT),
        None => return Err(KERN_INVALID_NAME),
    };
    let entry = k.sets.get_mut(&set).ok_or(KERN_INVALID_NAME)?;
    entry.signal = Some(signal.clone());
    let members = entry.members.clone();
    for member in members {
        k.signal_if_queued(member);
    }
    Ok(signal)
}
