//! The platform layer: the Mach API that generated code calls.
//!
//! On Apple targets this re-exports the [`mach2`](https://docs.rs/mach2) crate: the real
//! kernel, nothing redefined. Elsewhere it is the *loopback kernel*, a user-space
//! implementation of the same names, signatures, `#[repr(C)]` layouts, constants and
//! return codes, so generated code is identical on both and runs (and is tested) anywhere.

#[cfg(target_vendor = "apple")]
mod apple {
    pub use mach2::boolean::boolean_t;
    pub use mach2::bootstrap::{BOOTSTRAP_NAME_IN_USE, BOOTSTRAP_SUCCESS, BOOTSTRAP_UNKNOWN_SERVICE};
    pub use mach2::bootstrap::{bootstrap_check_in, bootstrap_look_up, bootstrap_port, bootstrap_register};
    pub use mach2::kern_return::*;
    pub use mach2::mach_port::{
        mach_port_allocate, mach_port_deallocate, mach_port_destroy, mach_port_extract_right,
        mach_port_insert_right, mach_port_mod_refs, mach_port_request_notification,
    };
    pub use mach2::mach_types::ipc_space_t;
    pub use mach2::message::*;
    pub use mach2::mig::{mig_dealloc_reply_port, mig_get_reply_port, mig_put_reply_port};
    pub use mach2::ndr::{NDR_record, NDR_record_t};
    pub use mach2::notify::{
        MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_PORT_DELETED, MACH_NOTIFY_PORT_DESTROYED,
        MACH_NOTIFY_SEND_ONCE,
    };
    pub use mach2::port::*;
    pub use mach2::traps::mach_task_self;
    pub use mach2::vm::{mach_vm_allocate, mach_vm_deallocate};
    pub use mach2::vm_statistics::VM_FLAGS_ANYWHERE;
    pub use mach2::vm_types::{integer_t, mach_vm_address_t, mach_vm_size_t, natural_t, vm_map_t};

    // `<mach/port.h>`'s `MACH_PORT_TYPE(right)`, which `mach2` does not define.
    /// A send right.
    pub const MACH_PORT_TYPE_SEND: mach_port_type_t = 1 << 16;
    /// A receive right.
    pub const MACH_PORT_TYPE_RECEIVE: mach_port_type_t = 1 << 17;
    /// A dead name.
    pub const MACH_PORT_TYPE_DEAD_NAME: mach_port_type_t = 1 << 20;

    // libsystem_kernel functions `mach2` does not bind: `<mach/mach_sync_ipc.h>` and
    // the port-set calls of `<mach/mach_port.h>`.
    unsafe extern "C" {
        /// Adds the receive right `name` to the port set `pset`.
        pub fn mach_port_insert_member(
            task: ipc_space_t,
            name: mach_port_name_t,
            pset: mach_port_name_t,
        ) -> kern_return_t;
        /// Takes the receive right `name` out of the port set `pset`.
        pub fn mach_port_extract_member(
            task: ipc_space_t,
            name: mach_port_name_t,
            pset: mach_port_name_t,
        ) -> kern_return_t;
        /// Moves the receive right `name` into the port set `after` (out of any set if null).
        pub fn mach_port_move_member(
            task: ipc_space_t,
            name: mach_port_name_t,
            after: mach_port_name_t,
        ) -> kern_return_t;
        /// The rights `name` denotes in `task` (`MACH_PORT_TYPE_*` bits).
        pub fn mach_port_type(
            task: ipc_space_t,
            name: mach_port_name_t,
            ptype: *mut mach_port_type_t,
        ) -> kern_return_t;
        /// This thread's special reply port (for `UseSpecialReplyPort` stubs).
        pub fn mig_get_special_reply_port() -> mach_port_t;
        /// Destroys this thread's special reply port after a failed RPC.
        pub fn mig_dealloc_special_reply_port(reply_port: mach_port_t);
    }

    // libsystem's voucher calls for Mach messages (`<mach/mach.h>`), which `mach2`
    // does not bind: what Apple's MIG stubs and `mach_msg_server` call.
    /// `voucher_mach_msg_state_t`: an opaque thread voucher state.
    #[allow(non_camel_case_types)]
    pub type voucher_mach_msg_state_t = *mut core::ffi::c_void;
    /// `VOUCHER_MACH_MSG_STATE_UNCHANGED`: `voucher_mach_msg_adopt` changed nothing.
    pub const VOUCHER_MACH_MSG_STATE_UNCHANGED: voucher_mach_msg_state_t =
        core::ptr::without_provenance_mut(usize::MAX);
    unsafe extern "C" {
        /// Puts the thread's voucher into an outgoing header (`COPY_SEND`) unless it
        /// already names one; true if it changed the header.
        pub fn voucher_mach_msg_set(msg: *mut mach_msg_header_t) -> boolean_t;
        /// Makes a received message's voucher the thread's, taking it out of the header;
        /// returns the state to restore.
        pub fn voucher_mach_msg_adopt(msg: *mut mach_msg_header_t) -> voucher_mach_msg_state_t;
        /// Restores the state `voucher_mach_msg_adopt` returned.
        pub fn voucher_mach_msg_revert(state: voucher_mach_msg_state_t);
    }
}
#[cfg(target_vendor = "apple")]
pub use apple::*;

/// The loopback kernel, with its table of fidelity to XNU. Its items are also
/// re-exported as `sys::*`.
#[cfg(not(target_vendor = "apple"))]
pub mod loopback;
#[cfg(not(target_vendor = "apple"))]
pub use loopback::*;
