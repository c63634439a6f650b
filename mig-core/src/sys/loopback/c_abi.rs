//! The loopback's Mach API exported with C linkage (cargo feature `c-abi`),
//! so C code, such as what Apple's MIG generates, links against it and talks
//! to Rust code through the same kernel.
//!
//! The Rust-level functions already carry the C names (`mach_msg`, ...) as
//! ordinary, mangled Rust items; the exported symbols are distinct items
//! here, named with `export_name`. The data symbols are those of macOS's
//! libsystem: `NDR_record`, `bootstrap_port` and `mach_task_self_` (C's
//! `mach_task_self()` is a macro reading it; it is the same reserved name in
//! every task, so one value serves all of them).
//!
//! Executables do not export their symbols to code loaded at run time
//! unless linked with `-rdynamic`; a shared object that leaves these symbols
//! undefined needs that (see `loopback_c_abi_symbols`).

#![allow(non_snake_case)]

use std::ffi::{c_char, c_int, c_void};

use super::ids::{BOOTSTRAP_NAME, TASK_SELF_NAME};
use super::kern_return::kern_return_t;
use super::types::{
    NDR_record_t, boolean_t, ipc_space_t, mach_msg_header_t, mach_msg_id_t, mach_msg_option_t,
    mach_msg_return_t, mach_msg_size_t, mach_msg_timeout_t, mach_msg_type_name_t, mach_port_delta_t,
    mach_port_mscount_t, mach_port_name_t, mach_port_right_t, mach_port_t, mach_port_type_t,
    mach_port_urefs_t, mach_vm_address_t, mach_vm_size_t, vm_address_t, vm_map_t, vm_size_t,
};
use super::{bootstrap, mach_port, mig, msg, notify, vm};

/// `NDR_record`: the host's data representation record.
#[unsafe(export_name = "NDR_record")]
pub static C_NDR_RECORD: NDR_record_t = super::types::NDR_record;

/// `mach_task_self_`: the name of the task's own port.
#[unsafe(export_name = "mach_task_self_")]
pub static C_MACH_TASK_SELF: mach_port_t = TASK_SELF_NAME;

/// `bootstrap_port`: the send right to the bootstrap server.
#[unsafe(export_name = "bootstrap_port")]
pub static C_BOOTSTRAP_PORT: mach_port_t = BOOTSTRAP_NAME;

/// C `mach_msg`.
///
/// # Safety
/// As `mach_msg`.
#[unsafe(export_name = "mach_msg")]
pub unsafe extern "C" fn c_mach_msg(
    msg: *mut mach_msg_header_t,
    option: mach_msg_option_t,
    send_size: mach_msg_size_t,
    rcv_size: mach_msg_size_t,
    rcv_name: mach_port_name_t,
    timeout: mach_msg_timeout_t,
    notify: mach_port_name_t,
) -> mach_msg_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { msg::mach_msg(msg, option, send_size, rcv_size, rcv_name, timeout, notify) }
}

/// C `mach_msg_send`.
///
/// # Safety
/// As `mach_msg_send`.
#[unsafe(export_name = "mach_msg_send")]
pub unsafe extern "C" fn c_mach_msg_send(msg: *mut mach_msg_header_t) -> mach_msg_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { msg::mach_msg_send(msg) }
}

/// C `mach_msg_destroy`.
///
/// # Safety
/// As `mach_msg_destroy`.
#[unsafe(export_name = "mach_msg_destroy")]
pub unsafe extern "C" fn c_mach_msg_destroy(msg: *mut mach_msg_header_t) {
    // SAFETY: forwarded from the caller.
    unsafe { msg::mach_msg_destroy(msg) }
}

/// C `mach_port_allocate`.
///
/// # Safety
/// As `mach_port_allocate`.
#[unsafe(export_name = "mach_port_allocate")]
pub unsafe extern "C" fn c_mach_port_allocate(
    task: ipc_space_t,
    right: mach_port_right_t,
    name: *mut mach_port_name_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { mach_port::mach_port_allocate(task, right, name) }
}

/// C `mach_port_deallocate`.
///
/// # Safety
/// As `mach_port_deallocate`.
#[unsafe(export_name = "mach_port_deallocate")]
pub unsafe extern "C" fn c_mach_port_deallocate(task: ipc_space_t, name: mach_port_name_t) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { mach_port::mach_port_deallocate(task, name) }
}

/// C `mach_port_mod_refs`.
///
/// # Safety
/// As `mach_port_mod_refs`.
#[unsafe(export_name = "mach_port_mod_refs")]
pub unsafe extern "C" fn c_mach_port_mod_refs(
    task: ipc_space_t,
    name: mach_port_name_t,
    right: mach_port_right_t,
    delta: mach_port_delta_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { mach_port::mach_port_mod_refs(task, name, right, delta) }
}

/// C `mach_port_insert_right`.
///
/// # Safety
/// As `mach_port_insert_right`.
#[unsafe(export_name = "mach_port_insert_right")]
pub unsafe extern "C" fn c_mach_port_insert_right(
    task: ipc_space_t,
    name: mach_port_name_t,
    poly: mach_port_t,
    polyPoly: mach_msg_type_name_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { mach_port::mach_port_insert_right(task, name, poly, polyPoly) }
}

/// C `mach_port_extract_right`.
///
/// # Safety
/// As `mach_port_extract_right`.
#[unsafe(export_name = "mach_port_extract_right")]
pub unsafe extern "C" fn c_mach_port_extract_right(
    task: ipc_space_t,
    name: mach_port_name_t,
    msgt_name: mach_msg_type_name_t,
    poly: *mut mach_port_t,
    polyPoly: *mut mach_msg_type_name_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { mach_port::mach_port_extract_right(task, name, msgt_name, poly, polyPoly) }
}

/// C `mach_port_destroy`.
///
/// # Safety
/// As `mach_port_destroy`.
#[unsafe(export_name = "mach_port_destroy")]
pub unsafe extern "C" fn c_mach_port_destroy(task: ipc_space_t, name: mach_port_name_t) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { mach_port::mach_port_destroy(task, name) }
}

/// C `mach_port_request_notification`.
///
/// # Safety
/// As `mach_port_request_notification`.
#[unsafe(export_name = "mach_port_request_notification")]
pub unsafe extern "C" fn c_mach_port_request_notification(
    task: ipc_space_t,
    name: mach_port_name_t,
    msgid: mach_msg_id_t,
    sync: mach_port_mscount_t,
    notify: mach_port_t,
    notifyPoly: mach_msg_type_name_t,
    previous: *mut mach_port_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { notify::mach_port_request_notification(task, name, msgid, sync, notify, notifyPoly, previous) }
}

/// C `mig_get_reply_port`.
///
/// # Safety
/// Always safe to call.
#[unsafe(export_name = "mig_get_reply_port")]
pub unsafe extern "C" fn c_mig_get_reply_port() -> mach_port_t {
    // SAFETY: takes no pointers.
    unsafe { mig::mig_get_reply_port() }
}

/// C `mig_put_reply_port`.
///
/// # Safety
/// Always safe to call.
#[unsafe(export_name = "mig_put_reply_port")]
pub unsafe extern "C" fn c_mig_put_reply_port(reply_port: mach_port_t) {
    // SAFETY: takes no pointers.
    unsafe { mig::mig_put_reply_port(reply_port) }
}

/// C `mig_dealloc_reply_port`.
///
/// # Safety
/// Always safe to call.
#[unsafe(export_name = "mig_dealloc_reply_port")]
pub unsafe extern "C" fn c_mig_dealloc_reply_port(reply_port: mach_port_t) {
    // SAFETY: takes no pointers.
    unsafe { mig::mig_dealloc_reply_port(reply_port) }
}

/// C `vm_allocate`.
///
/// # Safety
/// As `vm_allocate`.
#[unsafe(export_name = "vm_allocate")]
pub unsafe extern "C" fn c_vm_allocate(
    target_task: vm_map_t,
    address: *mut vm_address_t,
    size: vm_size_t,
    flags: i32,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { vm::vm_allocate(target_task, address, size, flags) }
}

/// C `vm_deallocate`.
///
/// # Safety
/// As `vm_deallocate`.
#[unsafe(export_name = "vm_deallocate")]
pub unsafe extern "C" fn c_vm_deallocate(
    target_task: vm_map_t,
    address: vm_address_t,
    size: vm_size_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { vm::vm_deallocate(target_task, address, size) }
}

/// C `bootstrap_look_up`.
///
/// # Safety
/// As `bootstrap_look_up`.
#[unsafe(export_name = "bootstrap_look_up")]
pub unsafe extern "C" fn c_bootstrap_look_up(
    bp: mach_port_t,
    service_name: *const c_char,
    sp: *mut mach_port_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { bootstrap::bootstrap_look_up(bp, service_name, sp) }
}

/// C `bootstrap_check_in`.
///
/// # Safety
/// As `bootstrap_check_in`.
#[unsafe(export_name = "bootstrap_check_in")]
pub unsafe extern "C" fn c_bootstrap_check_in(
    bp: mach_port_t,
    service_name: *const c_char,
    sp: *mut mach_port_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { bootstrap::bootstrap_check_in(bp, service_name, sp) }
}

/// C `bootstrap_register`.
///
/// # Safety
/// As `bootstrap_register`.
#[unsafe(export_name = "bootstrap_register")]
pub unsafe extern "C" fn c_bootstrap_register(
    bp: mach_port_t,
    service_name: *mut c_char,
    sp: mach_port_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { bootstrap::bootstrap_register(bp, service_name, sp) }
}

/// C `mig_strncpy`.
///
/// # Safety
/// As `mig_strncpy`.
#[unsafe(export_name = "mig_strncpy")]
pub unsafe extern "C" fn c_mig_strncpy(dest: *mut c_char, src: *const c_char, len: c_int) -> c_int {
    // SAFETY: forwarded from the caller.
    unsafe { mig::mig_strncpy(dest, src, len) }
}

/// C `mig_strncpy_zerofill`.
///
/// # Safety
/// As `mig_strncpy_zerofill`.
#[unsafe(export_name = "mig_strncpy_zerofill")]
pub unsafe extern "C" fn c_mig_strncpy_zerofill(dest: *mut c_char, src: *const c_char, len: c_int) -> c_int {
    // SAFETY: forwarded from the caller.
    unsafe { mig::mig_strncpy_zerofill(dest, src, len) }
}

/// C `mig_allocate`.
///
/// # Safety
/// As `mig_allocate`.
#[unsafe(export_name = "mig_allocate")]
pub unsafe extern "C" fn c_mig_allocate(address: *mut vm_address_t, size: vm_size_t) {
    // SAFETY: forwarded from the caller.
    unsafe { mig::mig_allocate(address, size) }
}

/// C `mig_deallocate`.
///
/// # Safety
/// As `mig_deallocate`.
#[unsafe(export_name = "mig_deallocate")]
pub unsafe extern "C" fn c_mig_deallocate(address: vm_address_t, size: vm_size_t) {
    // SAFETY: forwarded from the caller.
    unsafe { mig::mig_deallocate(address, size) }
}

/// C `mach_msg_server`.
///
/// # Safety
/// As `mach_msg_server`.
#[unsafe(export_name = "mach_msg_server")]
pub unsafe extern "C" fn c_mach_msg_server(
    demux: msg::MigDemuxFn,
    max_size: mach_msg_size_t,
    rcv_name: mach_port_t,
    options: mach_msg_option_t,
) -> mach_msg_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { msg::mach_msg_server(demux, max_size, rcv_name, options) }
}

/// C `mach_msg_server_once`.
///
/// # Safety
/// As `mach_msg_server_once`.
#[unsafe(export_name = "mach_msg_server_once")]
pub unsafe extern "C" fn c_mach_msg_server_once(
    demux: msg::MigDemuxFn,
    max_size: mach_msg_size_t,
    rcv_name: mach_port_t,
    options: mach_msg_option_t,
) -> mach_msg_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { msg::mach_msg_server_once(demux, max_size, rcv_name, options) }
}

/// C `voucher_mach_msg_set`.
///
/// # Safety
/// As `voucher_mach_msg_set`.
#[unsafe(export_name = "voucher_mach_msg_set")]
pub unsafe extern "C" fn c_voucher_mach_msg_set(msg: *mut mach_msg_header_t) -> boolean_t {
    // SAFETY: forwarded from the caller.
    unsafe { mig::voucher_mach_msg_set(msg) }
}

/// C `voucher_mach_msg_adopt`.
///
/// # Safety
/// As `voucher_mach_msg_adopt`.
#[unsafe(export_name = "voucher_mach_msg_adopt")]
pub unsafe extern "C" fn c_voucher_mach_msg_adopt(
    msg: *mut mach_msg_header_t,
) -> mig::voucher_mach_msg_state_t {
    // SAFETY: forwarded from the caller.
    unsafe { mig::voucher_mach_msg_adopt(msg) }
}

/// C `voucher_mach_msg_revert`.
///
/// # Safety
/// As `voucher_mach_msg_revert`.
#[unsafe(export_name = "voucher_mach_msg_revert")]
pub unsafe extern "C" fn c_voucher_mach_msg_revert(state: mig::voucher_mach_msg_state_t) {
    // SAFETY: forwarded from the caller.
    unsafe { mig::voucher_mach_msg_revert(state) }
}

/// C `mach_vm_allocate`.
///
/// # Safety
/// As `mach_vm_allocate`.
#[unsafe(export_name = "mach_vm_allocate")]
pub unsafe extern "C" fn c_mach_vm_allocate(
    target: vm_map_t,
    address: *mut mach_vm_address_t,
    size: mach_vm_size_t,
    flags: c_int,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { vm::mach_vm_allocate(target, address, size, flags) }
}

/// C `mach_vm_deallocate`.
///
/// # Safety
/// As `mach_vm_deallocate`.
#[unsafe(export_name = "mach_vm_deallocate")]
pub unsafe extern "C" fn c_mach_vm_deallocate(
    target: vm_map_t,
    address: mach_vm_address_t,
    size: mach_vm_size_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { vm::mach_vm_deallocate(target, address, size) }
}

/// C `mach_port_get_refs`.
///
/// # Safety
/// As `mach_port_get_refs`.
#[unsafe(export_name = "mach_port_get_refs")]
pub unsafe extern "C" fn c_mach_port_get_refs(
    task: ipc_space_t,
    name: mach_port_name_t,
    right: mach_port_right_t,
    refs: *mut mach_port_urefs_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { mach_port::mach_port_get_refs(task, name, right, refs) }
}

/// C `mach_port_type`.
///
/// # Safety
/// As `mach_port_type`.
#[unsafe(export_name = "mach_port_type")]
pub unsafe extern "C" fn c_mach_port_type(
    task: ipc_space_t,
    name: mach_port_name_t,
    ptype: *mut mach_port_type_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    unsafe { mach_port::mach_port_type(task, name, ptype) }
}

/// C `mach_reply_port`.
///
/// # Safety
/// Always safe to call.
#[unsafe(export_name = "mach_reply_port")]
pub unsafe extern "C" fn c_mach_reply_port() -> mach_port_name_t {
    // SAFETY: takes no pointers.
    unsafe { mach_port::mach_reply_port() }
}

/// C `thread_get_special_reply_port`.
///
/// # Safety
/// Always safe to call.
#[unsafe(export_name = "thread_get_special_reply_port")]
pub unsafe extern "C" fn c_thread_get_special_reply_port() -> mach_port_name_t {
    // SAFETY: takes no pointers.
    unsafe { mig::thread_get_special_reply_port() }
}

/// Loopback-only: every C symbol this module exports, with its address.
///
/// Calling it also makes sure the linker keeps them all in an executable
/// (which must be linked with `-rdynamic` for code loaded with `dlopen` to
/// resolve against them).
pub fn loopback_c_abi_symbols() -> Vec<(&'static str, *const c_void)> {
    vec![
        ("NDR_record", (&raw const C_NDR_RECORD).cast()),
        ("mach_task_self_", (&raw const C_MACH_TASK_SELF).cast()),
        ("bootstrap_port", (&raw const C_BOOTSTRAP_PORT).cast()),
        ("mach_msg", c_mach_msg as *const c_void),
        ("mach_msg_send", c_mach_msg_send as *const c_void),
        ("mach_msg_destroy", c_mach_msg_destroy as *const c_void),
        ("mach_port_allocate", c_mach_port_allocate as *const c_void),
        ("mach_port_deallocate", c_mach_port_deallocate as *const c_void),
        ("mach_port_mod_refs", c_mach_port_mod_refs as *const c_void),
        (
            "mach_port_insert_right",
            c_mach_port_insert_right as *const c_void,
        ),
        (
            "mach_port_extract_right",
            c_mach_port_extract_right as *const c_void,
        ),
        ("mach_port_destroy", c_mach_port_destroy as *const c_void),
        (
            "mach_port_request_notification",
            c_mach_port_request_notification as *const c_void,
        ),
        ("mig_get_reply_port", c_mig_get_reply_port as *const c_void),
        ("mig_put_reply_port", c_mig_put_reply_port as *const c_void),
        (
            "mig_dealloc_reply_port",
            c_mig_dealloc_reply_port as *const c_void,
        ),
        ("vm_allocate", c_vm_allocate as *const c_void),
        ("vm_deallocate", c_vm_deallocate as *const c_void),
        ("bootstrap_look_up", c_bootstrap_look_up as *const c_void),
        ("bootstrap_check_in", c_bootstrap_check_in as *const c_void),
        ("bootstrap_register", c_bootstrap_register as *const c_void),
        ("mig_strncpy", c_mig_strncpy as *const c_void),
        ("mig_strncpy_zerofill", c_mig_strncpy_zerofill as *const c_void),
        ("mig_allocate", c_mig_allocate as *const c_void),
        ("mig_deallocate", c_mig_deallocate as *const c_void),
        ("mach_msg_server", c_mach_msg_server as *const c_void),
        ("mach_msg_server_once", c_mach_msg_server_once as *const c_void),
        ("voucher_mach_msg_set", c_voucher_mach_msg_set as *const c_void),
        (
            "voucher_mach_msg_adopt",
            c_voucher_mach_msg_adopt as *const c_void,
        ),
        (
            "voucher_mach_msg_revert",
            c_voucher_mach_msg_revert as *const c_void,
        ),
        ("mach_vm_allocate", c_mach_vm_allocate as *const c_void),
        ("mach_vm_deallocate", c_mach_vm_deallocate as *const c_void),
        ("mach_port_get_refs", c_mach_port_get_refs as *const c_void),
        ("mach_port_type", c_mach_port_type as *const c_void),
        ("mach_reply_port", c_mach_reply_port as *const c_void),
        (
            "thread_get_special_reply_port",
            c_thread_get_special_reply_port as *const c_void,
        ),
    ]
}
