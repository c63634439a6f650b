//! The loopback kernel: an in-process implementation of the Mach IPC API
//! subset generated code uses, with the names, signatures, `#[repr(C)]`
//! layouts, constants and return codes of the `mach2` crate.
//!
//! The whole process is one IPC space (the task `mach_task_self()` names).
//! Ports, rights, queues, blocking `mach_msg`, send-once notifications, the
//! per-thread MIG reply port, out-of-line memory and a bootstrap name
//! service behave as on XNU, so Mach clients and servers run, and can be
//! tested, on any platform.
//!
//! Loopback-only additions (no `mach2` counterpart): `mach_port_get_refs`,
//! `mach_port_type` and `MACH_PORT_TYPE_*`, `mach_reply_port`,
//! `mach_port_move_member`, `vm_allocate`/`vm_deallocate`, the trailer
//! option helpers (`MACH_RCV_TRAILER_ELEMENTS`, ...), and the accounting
//! functions `loopback_live_rights`, `loopback_live_ports` and
//! `loopback_vm_is_allocated`.

mod bootstrap;
mod kern_return;
mod mach_port;
mod mig;
mod msg;
mod port;
mod space;
mod trailer;
mod types;
mod vm;

pub use self::bootstrap::{
    BOOTSTRAP_BAD_COUNT, BOOTSTRAP_MAX_NAME_LEN, BOOTSTRAP_NAME_IN_USE, BOOTSTRAP_NO_CHILDREN,
    BOOTSTRAP_NO_MEMORY, BOOTSTRAP_NOT_PRIVILEGED, BOOTSTRAP_SERVICE_ACTIVE, BOOTSTRAP_SUCCESS,
    BOOTSTRAP_UNKNOWN_SERVICE, bootstrap_check_in, bootstrap_look_up, bootstrap_port, bootstrap_register,
    bootstrap_status_t, name_t,
};
pub use self::kern_return::*;
pub use self::mach_port::{
    loopback_live_ports, loopback_live_rights, mach_port_allocate, mach_port_construct, mach_port_deallocate,
    mach_port_destroy, mach_port_destruct, mach_port_extract_right, mach_port_get_attributes,
    mach_port_get_refs, mach_port_insert_right, mach_port_mod_refs, mach_port_move_member,
    mach_port_set_attributes, mach_port_type, mach_reply_port, mach_task_self,
};
pub use self::mig::{
    mig_allocate, mig_dealloc_reply_port, mig_deallocate, mig_get_reply_port, mig_put_reply_port,
};
pub use self::msg::{mach_msg, mach_msg_destroy, mach_msg_send};
pub use self::trailer::{
    GET_RCV_ELEMENTS, MACH_MSG_TRAILER_MINIMUM_SIZE, MACH_RCV_TRAILER_ELEMENTS, MACH_RCV_TRAILER_MASK,
    MACH_RCV_TRAILER_TYPE, MAX_TRAILER_SIZE, REQUESTED_TRAILER_SIZE, mach_msg_context_trailer_t,
    mach_msg_format_0_trailer_t, mach_msg_mac_trailer_t, mach_msg_max_trailer_t, msg_labels_t,
};
pub use self::types::*;
pub use self::vm::{
    PAGE_SIZE, VM_FLAGS_ANYWHERE, VM_FLAGS_FIXED, loopback_vm_is_allocated, mach_vm_allocate,
    mach_vm_deallocate, vm_allocate, vm_deallocate,
};
