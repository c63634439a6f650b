//! ABI types and constants: `mach/message.h`, `mach/port.h`, `mach/ndr.h`,
//! `mach/boolean.h`, `mach/vm_types.h` and the bits of `mach/mach_types.h`
//! generated code needs.
//!
//! Names, values, `#[repr(C)]` layouts and derives are those of the `mach2`
//! crate (v0.7), which mirror the C headers, so code written against `mach2`
//! compiles unchanged against the loopback. Items marked *loopback extra* have
//! no `mach2` counterpart (they exist in the C headers).

#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case, missing_docs)]

use core::ffi::{c_char, c_int, c_uchar, c_uint, c_void};
use core::mem;

// ---------------------------------------------------------------- vm_types.h

pub type natural_t = c_uint;
pub type integer_t = c_int;
pub type vm_offset_t = usize;
pub type vm_size_t = usize;
pub type vm_address_t = vm_offset_t;
pub type mach_vm_address_t = u64;
pub type mach_vm_size_t = u64;
pub type vm_map_t = mach_port_t;
pub type mach_port_context_t = mach_vm_address_t;

// ----------------------------------------------------------------- boolean.h

#[cfg(target_arch = "x86_64")]
pub type boolean_t = c_uint;
#[cfg(not(target_arch = "x86_64"))]
pub type boolean_t = c_int;

// -------------------------------------------------------------- mach_types.h

pub type ipc_space_t = mach_port_t;
pub type task_t = mach_port_t;
pub type vm_task_entry_t = mach_port_t;

// -------------------------------------------------------------------- port.h

pub type mach_port_name_t = natural_t;
pub type mach_port_t = c_uint;
pub type mach_port_array_t = *mut mach_port_t;

pub const MACH_PORT_NULL: mach_port_t = 0;
pub const MACH_PORT_DEAD: mach_port_t = !0;

pub type mach_port_right_t = natural_t;

pub const MACH_PORT_RIGHT_SEND: mach_port_right_t = 0;
pub const MACH_PORT_RIGHT_RECEIVE: mach_port_right_t = 1;
pub const MACH_PORT_RIGHT_SEND_ONCE: mach_port_right_t = 2;
pub const MACH_PORT_RIGHT_PORT_SET: mach_port_right_t = 3;
pub const MACH_PORT_RIGHT_DEAD_NAME: mach_port_right_t = 4;
pub const MACH_PORT_RIGHT_LABELH: mach_port_right_t = 5;
pub const MACH_PORT_RIGHT_NUMBER: mach_port_right_t = 6;

pub type mach_port_type_t = natural_t;

// Loopback extra: `MACH_PORT_TYPE(right)` bits returned by `mach_port_type`.
pub const MACH_PORT_TYPE_NONE: mach_port_type_t = 0;
pub const MACH_PORT_TYPE_SEND: mach_port_type_t = 1 << 16;
pub const MACH_PORT_TYPE_RECEIVE: mach_port_type_t = 1 << 17;
pub const MACH_PORT_TYPE_SEND_ONCE: mach_port_type_t = 1 << 18;
pub const MACH_PORT_TYPE_PORT_SET: mach_port_type_t = 1 << 19;
pub const MACH_PORT_TYPE_DEAD_NAME: mach_port_type_t = 1 << 20;
pub const MACH_PORT_TYPE_LABELH: mach_port_type_t = 1 << 21;
pub const MACH_PORT_TYPE_SEND_RECEIVE: mach_port_type_t = MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE;
pub const MACH_PORT_TYPE_SEND_RIGHTS: mach_port_type_t = MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE;
pub const MACH_PORT_TYPE_PORT_RIGHTS: mach_port_type_t = MACH_PORT_TYPE_SEND_RIGHTS | MACH_PORT_TYPE_RECEIVE;
pub const MACH_PORT_TYPE_PORT_OR_DEAD: mach_port_type_t =
    MACH_PORT_TYPE_PORT_RIGHTS | MACH_PORT_TYPE_DEAD_NAME;
pub const MACH_PORT_TYPE_ALL_RIGHTS: mach_port_type_t = MACH_PORT_TYPE_PORT_OR_DEAD | MACH_PORT_TYPE_PORT_SET;

pub type mach_port_urefs_t = natural_t;
pub type mach_port_delta_t = integer_t;

// Loopback extra: the most user references one name can hold.
pub const MACH_PORT_UREFS_MAX: mach_port_urefs_t = (1 << 16) - 1;

pub type mach_port_seqno_t = natural_t;
pub type mach_port_mscount_t = natural_t;
pub type mach_port_msgcount_t = natural_t;
pub type mach_port_rights_t = natural_t;

pub const MACH_PORT_QLIMIT_ZERO: mach_port_msgcount_t = 0;
pub const MACH_PORT_QLIMIT_BASIC: mach_port_msgcount_t = 5;
pub const MACH_PORT_QLIMIT_SMALL: mach_port_msgcount_t = 16;
pub const MACH_PORT_QLIMIT_LARGE: mach_port_msgcount_t = 1024;
pub const MACH_PORT_QLIMIT_KERNEL: mach_port_msgcount_t = 65534;
pub const MACH_PORT_QLIMIT_MIN: mach_port_msgcount_t = MACH_PORT_QLIMIT_ZERO;
pub const MACH_PORT_QLIMIT_DEFAULT: mach_port_msgcount_t = MACH_PORT_QLIMIT_BASIC;
pub const MACH_PORT_QLIMIT_MAX: mach_port_msgcount_t = MACH_PORT_QLIMIT_LARGE;

/// `mach_port_limits_t`: the `MACH_PORT_LIMITS_INFO` attribute (queue limit).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_port_limits_t {
    pub mpl_qlimit: mach_port_msgcount_t,
}

pub type mach_port_info_t = *mut integer_t;

pub type mach_port_flavor_t = c_int;

pub const MACH_PORT_LIMITS_INFO: mach_port_flavor_t = 1;
pub const MACH_PORT_RECEIVE_STATUS: mach_port_flavor_t = 2;
pub const MACH_PORT_DNREQUESTS_SIZE: mach_port_flavor_t = 3;
pub const MACH_PORT_TEMPOWNER: mach_port_flavor_t = 4;
pub const MACH_PORT_IMPORTANCE_RECEIVER: mach_port_flavor_t = 5;
pub const MACH_PORT_DENAP_RECEIVER: mach_port_flavor_t = 6;
pub const MACH_PORT_INFO_EXT: mach_port_flavor_t = 7;
pub const MACH_PORT_GUARD_INFO: mach_port_flavor_t = 8;
pub const MACH_PORT_SERVICE_THROTTLED: mach_port_flavor_t = 9;

pub const MACH_PORT_LIMITS_INFO_COUNT: natural_t =
    (mem::size_of::<mach_port_limits_t>() / mem::size_of::<natural_t>()) as natural_t;
pub const MACH_PORT_DNREQUESTS_SIZE_COUNT: natural_t = 1;
pub const MACH_PORT_SERVICE_THROTTLED_COUNT: natural_t = 1;

pub const MPO_CONTEXT_AS_GUARD: u32 = 1;
pub const MPO_QLIMIT: u32 = 2;
pub const MPO_TEMPOWNER: u32 = 4;
pub const MPO_IMPORTANCE_RECEIVER: u32 = 8;
pub const MPO_INSERT_SEND_RIGHT: u32 = 0x10;
pub const MPO_STRICT: u32 = 0x20;
pub const MPO_DENAP_RECEIVER: u32 = 0x40;
pub const MPO_IMMOVABLE_RECEIVE: u32 = 0x80;

pub const MACH_PORT_WEAK_REPLY_ENTITLEMENT: *const c_char =
    c"com.apple.private.allow-weak-reply-port".as_ptr();

pub type mpo_flags_t = u32;
pub const MPO_WEAK_REPLY_PORT: mpo_flags_t = 0x4000;
pub const MPO_NOTIFICATION_PORT: mpo_flags_t = 0x4400;

pub const kGUARD_EXC_WEAK_REPLY_PORT: u32 = 0x0010_0002;
pub const kGUARD_EXC_MOVE_WEAK_REPLY_PORT: u32 = 0x0010_0004;
pub const kGUARD_EXC_INVALID_NOTIFICATION_PORT: u32 = 0x0010_0006;
pub const kGUARD_EXC_MACH_EXC_THREAD_SET_STATE: u32 = 0x0010_0007;
pub const kGUARD_EXC_CV_NOTIFICATION_PORT_REQ: u32 = 0x0010_0008;

/// `mach_port_options_t`: what `mach_port_construct` builds.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_port_options_t {
    pub flags: u32,
    pub mpl: mach_port_limits_t,
    pub reserved: [u64; 2],
}

// ----------------------------------------------------------------- message.h

pub type mach_msg_timeout_t = natural_t;
pub type mach_msg_bits_t = c_uint;
pub type mach_msg_id_t = integer_t;
pub type mach_msg_size_t = natural_t;
pub type mach_msg_copy_options_t = c_uint;
pub type mach_msg_descriptor_type_t = c_uint;
pub type mach_msg_type_name_t = c_uint;
pub type mach_msg_guard_flags_t = c_uint;
pub type mach_msg_trailer_type_t = c_uint;
pub type mach_msg_trailer_size_t = c_uint;
pub type mach_msg_option_t = integer_t;
pub type mach_msg_type_number_t = natural_t;
pub type mach_msg_type_size_t = natural_t;
pub type mach_msg_return_t = super::kern_return::kern_return_t;

pub const MACH_MSG_TIMEOUT_NONE: mach_msg_timeout_t = 0;

pub const MACH_MSGH_BITS_ZERO: mach_msg_bits_t = 0x0000_0000;
pub const MACH_MSGH_BITS_REMOTE_MASK: mach_msg_bits_t = 0x0000_001f;
pub const MACH_MSGH_BITS_LOCAL_MASK: mach_msg_bits_t = 0x0000_1f00;
pub const MACH_MSGH_BITS_VOUCHER_MASK: mach_msg_bits_t = 0x001f_0000;
pub const MACH_MSGH_BITS_PORTS_MASK: mach_msg_bits_t =
    MACH_MSGH_BITS_REMOTE_MASK | MACH_MSGH_BITS_LOCAL_MASK | MACH_MSGH_BITS_VOUCHER_MASK;
pub const MACH_MSGH_BITS_COMPLEX: mach_msg_bits_t = 0x8000_0000;
pub const MACH_MSGH_BITS_USER: mach_msg_bits_t = 0x801f_1f1f;

/// `MACH_MSGH_BITS(remote, local)`: header bits from the two port dispositions.
pub fn MACH_MSGH_BITS(remote: mach_msg_bits_t, local: mach_msg_bits_t) -> mach_msg_bits_t {
    remote | (local << 8)
}

pub const MACH_MSG_TYPE_MOVE_RECEIVE: mach_msg_type_name_t = 16;
pub const MACH_MSG_TYPE_MOVE_SEND: mach_msg_type_name_t = 17;
pub const MACH_MSG_TYPE_MOVE_SEND_ONCE: mach_msg_type_name_t = 18;
pub const MACH_MSG_TYPE_COPY_SEND: mach_msg_type_name_t = 19;
pub const MACH_MSG_TYPE_MAKE_SEND: mach_msg_type_name_t = 20;
pub const MACH_MSG_TYPE_MAKE_SEND_ONCE: mach_msg_type_name_t = 21;
pub const MACH_MSG_TYPE_COPY_RECEIVE: mach_msg_type_name_t = 22;
pub const MACH_MSG_TYPE_DISPOSE_RECEIVE: mach_msg_type_name_t = 24;
pub const MACH_MSG_TYPE_DISPOSE_SEND: mach_msg_type_name_t = 25;
pub const MACH_MSG_TYPE_DISPOSE_SEND_ONCE: mach_msg_type_name_t = 26;

pub const MACH_MSG_TYPE_PORT_NONE: mach_msg_type_name_t = 0;
pub const MACH_MSG_TYPE_PORT_NAME: mach_msg_type_name_t = 15;
pub const MACH_MSG_TYPE_PORT_RECEIVE: mach_msg_type_name_t = MACH_MSG_TYPE_MOVE_RECEIVE;
pub const MACH_MSG_TYPE_PORT_SEND: mach_msg_type_name_t = MACH_MSG_TYPE_MOVE_SEND;
pub const MACH_MSG_TYPE_PORT_SEND_ONCE: mach_msg_type_name_t = MACH_MSG_TYPE_MOVE_SEND_ONCE;
pub const MACH_MSG_TYPE_LAST: mach_msg_type_name_t = 22;

pub const MACH_MSG_PHYSICAL_COPY: mach_msg_copy_options_t = 0;
pub const MACH_MSG_VIRTUAL_COPY: mach_msg_copy_options_t = 1;
pub const MACH_MSG_ALLOCATE: mach_msg_copy_options_t = 2;

pub const MACH_MSG_GUARD_FLAGS_NONE: mach_msg_guard_flags_t = 0;
pub const MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE: mach_msg_guard_flags_t = 1;
pub const MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND: mach_msg_guard_flags_t = 2;
pub const MACH_MSG_GUARD_FLAGS_MASK: mach_msg_guard_flags_t = 3;

pub const MACH_MSG_PORT_DESCRIPTOR: mach_msg_descriptor_type_t = 0;
pub const MACH_MSG_OOL_DESCRIPTOR: mach_msg_descriptor_type_t = 1;
pub const MACH_MSG_OOL_PORTS_DESCRIPTOR: mach_msg_descriptor_type_t = 2;
pub const MACH_MSG_OOL_VOLATILE_DESCRIPTOR: mach_msg_descriptor_type_t = 3;
pub const MACH_MSG_GUARDED_PORT_DESCRIPTOR: mach_msg_descriptor_type_t = 4;

pub const MACH_MSG_OPTION_NONE: mach_msg_option_t = 0x0000_0000;

pub const MACH_SEND_MSG: mach_msg_option_t = 0x0000_0001;
pub const MACH_RCV_MSG: mach_msg_option_t = 0x0000_0002;

pub const MACH_RCV_LARGE: mach_msg_option_t = 0x0000_0004;
pub const MACH_RCV_LARGE_IDENTITY: mach_msg_option_t = 0x0000_0008;

pub const MACH_SEND_TIMEOUT: mach_msg_option_t = 0x0000_0010;
pub const MACH_SEND_OVERRIDE: mach_msg_option_t = 0x0000_0020;
pub const MACH_SEND_INTERRUPT: mach_msg_option_t = 0x0000_0040;
pub const MACH_SEND_NOTIFY: mach_msg_option_t = 0x0000_0080;
pub const MACH_SEND_ALWAYS: mach_msg_option_t = 0x0001_0000;
pub const MACH_SEND_FILTER_NONFATAL: mach_msg_option_t = 0x0001_0000;
pub const MACH_SEND_TRAILER: mach_msg_option_t = 0x0002_0000;
pub const MACH_SEND_NOIMPORTANCE: mach_msg_option_t = 0x0004_0000;
pub const MACH_SEND_NODENAP: mach_msg_option_t = MACH_SEND_NOIMPORTANCE;
pub const MACH_SEND_IMPORTANCE: mach_msg_option_t = 0x0008_0000;
pub const MACH_SEND_SYNC_OVERRIDE: mach_msg_option_t = 0x0010_0000;
pub const MACH_SEND_PROPAGATE_QOS: mach_msg_option_t = 0x0020_0000;
pub const MACH_SEND_SYNC_USE_THRPRI: mach_msg_option_t = MACH_SEND_PROPAGATE_QOS;

pub const MACH_RCV_TIMEOUT: mach_msg_option_t = 0x0000_0100;
pub const MACH_RCV_NOTIFY: mach_msg_option_t = 0x0000_0000;
pub const MACH_RCV_INTERRUPT: mach_msg_option_t = 0x0000_0400;
pub const MACH_RCV_VOUCHER: mach_msg_option_t = 0x0000_0800;
pub const MACH_RCV_OVERWRITE: mach_msg_option_t = 0x0000_0000;
pub const MACH_RCV_GUARDED_DESC: mach_msg_option_t = 0x0000_1000;
pub const MACH_RCV_SYNC_WAIT: mach_msg_option_t = 0x0000_4000;
pub const MACH_RCV_SYNC_PEEK: mach_msg_option_t = 0x0000_8000;

pub const MACH_MSG_STRICT_REPLY: mach_msg_option_t = 0x0000_0200;

pub const MACH_RCV_TRAILER_NULL: mach_msg_trailer_type_t = 0;
pub const MACH_RCV_TRAILER_SEQNO: mach_msg_trailer_type_t = 1;
pub const MACH_RCV_TRAILER_SENDER: mach_msg_trailer_type_t = 2;
pub const MACH_RCV_TRAILER_AUDIT: mach_msg_trailer_type_t = 3;
pub const MACH_RCV_TRAILER_CTX: mach_msg_trailer_type_t = 4;
pub const MACH_RCV_TRAILER_AV: mach_msg_trailer_type_t = 7;
pub const MACH_RCV_TRAILER_LABELS: mach_msg_trailer_type_t = 8;

pub const MACH_MSG_SUCCESS: mach_msg_return_t = 0x0000_0000;

pub const MACH_MSG_MASK: mach_msg_return_t = 0x0000_3e00;
pub const MACH_MSG_IPC_SPACE: mach_msg_return_t = 0x0000_2000;
pub const MACH_MSG_VM_SPACE: mach_msg_return_t = 0x0000_1000;
pub const MACH_MSG_IPC_KERNEL: mach_msg_return_t = 0x0000_0800;
pub const MACH_MSG_VM_KERNEL: mach_msg_return_t = 0x0000_0400;

pub const MACH_SEND_IN_PROGRESS: mach_msg_return_t = 0x1000_0001;
pub const MACH_SEND_INVALID_DATA: mach_msg_return_t = 0x1000_0002;
pub const MACH_SEND_INVALID_DEST: mach_msg_return_t = 0x1000_0003;
pub const MACH_SEND_TIMED_OUT: mach_msg_return_t = 0x1000_0004;
pub const MACH_SEND_INVALID_VOUCHER: mach_msg_return_t = 0x1000_0005;
pub const MACH_SEND_INTERRUPTED: mach_msg_return_t = 0x1000_0007;
pub const MACH_SEND_MSG_TOO_SMALL: mach_msg_return_t = 0x1000_0008;
pub const MACH_SEND_INVALID_REPLY: mach_msg_return_t = 0x1000_0009;
pub const MACH_SEND_INVALID_RIGHT: mach_msg_return_t = 0x1000_000a;
pub const MACH_SEND_INVALID_NOTIFY: mach_msg_return_t = 0x1000_000b;
pub const MACH_SEND_INVALID_MEMORY: mach_msg_return_t = 0x1000_000c;
pub const MACH_SEND_NO_BUFFER: mach_msg_return_t = 0x1000_000d;
pub const MACH_SEND_TOO_LARGE: mach_msg_return_t = 0x1000_000e;
pub const MACH_SEND_INVALID_TYPE: mach_msg_return_t = 0x1000_000f;
pub const MACH_SEND_INVALID_HEADER: mach_msg_return_t = 0x1000_0010;
pub const MACH_SEND_INVALID_TRAILER: mach_msg_return_t = 0x1000_0011;
pub const MACH_SEND_INVALID_CONTEXT: mach_msg_return_t = 0x1000_0012;
pub const MACH_SEND_INVALID_RT_OOL_SIZE: mach_msg_return_t = 0x1000_0015;
pub const MACH_SEND_NO_GRANT_DEST: mach_msg_return_t = 0x1000_0016;
pub const MACH_SEND_MSG_FILTERED: mach_msg_return_t = 0x1000_0017;

pub const MACH_RCV_IN_PROGRESS: mach_msg_return_t = 0x1000_4001;
pub const MACH_RCV_INVALID_NAME: mach_msg_return_t = 0x1000_4002;
pub const MACH_RCV_TIMED_OUT: mach_msg_return_t = 0x1000_4003;
pub const MACH_RCV_TOO_LARGE: mach_msg_return_t = 0x1000_4004;
pub const MACH_RCV_INTERRUPTED: mach_msg_return_t = 0x1000_4005;
pub const MACH_RCV_PORT_CHANGED: mach_msg_return_t = 0x1000_4006;
pub const MACH_RCV_INVALID_NOTIFY: mach_msg_return_t = 0x1000_4007;
pub const MACH_RCV_INVALID_DATA: mach_msg_return_t = 0x1000_4008;
pub const MACH_RCV_PORT_DIED: mach_msg_return_t = 0x1000_4009;
pub const MACH_RCV_IN_SET: mach_msg_return_t = 0x1000_400a;
pub const MACH_RCV_HEADER_ERROR: mach_msg_return_t = 0x1000_400b;
pub const MACH_RCV_BODY_ERROR: mach_msg_return_t = 0x1000_400c;
pub const MACH_RCV_INVALID_TYPE: mach_msg_return_t = 0x1000_400d;
pub const MACH_RCV_SCATTER_SMALL: mach_msg_return_t = 0x1000_400e;
pub const MACH_RCV_INVALID_TRAILER: mach_msg_return_t = 0x1000_400f;
pub const MACH_RCV_IN_PROGRESS_TIMED: mach_msg_return_t = 0x1000_4011;
pub const MACH_RCV_INVALID_REPLY: mach_msg_return_t = 0x1000_4012;

/// `mach_msg_header_t`: the fixed 24-byte start of every message.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_header_t {
    pub msgh_bits: mach_msg_bits_t,
    pub msgh_size: mach_msg_size_t,
    pub msgh_remote_port: mach_port_t,
    pub msgh_local_port: mach_port_t,
    pub msgh_voucher_port: mach_port_name_t,
    pub msgh_id: mach_msg_id_t,
}

/// `mach_msg_body_t`: descriptor count following the header of a complex message.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_body_t {
    pub msgh_descriptor_count: mach_msg_size_t,
}

/// `mach_msg_base_t`: header plus body, the start of every complex message.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_base_t {
    pub header: mach_msg_header_t,
    pub body: mach_msg_body_t,
}

pub const MACH_MSG_TRAILER_FORMAT_0: mach_msg_trailer_type_t = 0;

/// `mach_msg_trailer_t`: the minimal (format 0, 8-byte) receive trailer.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_trailer_t {
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    pub msgh_trailer_size: mach_msg_trailer_size_t,
}

/// `mach_msg_seqno_trailer_t`: trailer with the port's sequence number.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_seqno_trailer_t {
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    pub msgh_seqno: mach_port_seqno_t,
}

/// `security_token_t`: the sender's effective uid and gid.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct security_token_t {
    pub val: [c_uint; 2],
}

/// `mach_msg_security_trailer_t`: trailer with seqno and sender security token.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_security_trailer_t {
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    pub msgh_seqno: mach_port_seqno_t,
    pub msgh_sender: security_token_t,
}

/// `audit_token_t`: auid, euid, egid, ruid, rgid, pid, asid, pidversion.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct audit_token_t {
    pub val: [c_uint; 8],
}

/// `mach_msg_audit_trailer_t`: security trailer plus the sender's audit token.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_audit_trailer_t {
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    pub msgh_seqno: mach_port_seqno_t,
    pub msgh_sender: security_token_t,
    pub msgh_audit: audit_token_t,
}

/// `mach_msg_type_descriptor_t`: the common shape of all descriptors.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_type_descriptor_t {
    pub pad1: natural_t,
    pub pad2: mach_msg_size_t,
    pub pad3: [u8; 3],
    pub type_: u8,
}

/// `mach_msg_port_descriptor_t`: one port right carried in a complex message.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_port_descriptor_t {
    pub name: mach_port_t,
    pub pad1: mach_msg_size_t,
    pub pad2: u16,
    pub disposition: u8,
    pub type_: u8,
}

impl mach_msg_port_descriptor_t {
    /// A port descriptor sending `name` with `disposition`.
    pub fn new(name: mach_port_t, disposition: mach_msg_type_name_t) -> Self {
        Self {
            name,
            pad1: 0,
            pad2: 0,
            disposition: disposition as u8,
            type_: MACH_MSG_PORT_DESCRIPTOR as u8,
        }
    }
}

/// `mach_msg_ool_descriptor_t`: out-of-line memory carried in a complex message.
#[repr(C)]
#[derive(Copy, Clone, Debug, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_ool_descriptor_t {
    pub address: *mut c_void,
    #[cfg(not(target_pointer_width = "64"))]
    pub size: mach_msg_size_t,
    pub deallocate: u8,
    pub copy: u8,
    pub pad1: u8,
    pub type_: u8,
    #[cfg(target_pointer_width = "64")]
    pub size: mach_msg_size_t,
}

impl mach_msg_ool_descriptor_t {
    /// An out-of-line memory descriptor for `size` bytes at `address`.
    pub fn new(
        address: *mut c_void,
        deallocate: bool,
        copy: mach_msg_copy_options_t,
        size: mach_msg_size_t,
    ) -> Self {
        Self {
            address,
            deallocate: u8::from(deallocate),
            copy: copy as u8,
            pad1: 0,
            type_: MACH_MSG_OOL_DESCRIPTOR as u8,
            size,
        }
    }
}

/// `mach_msg_ool_ports_descriptor_t`: an out-of-line array of port rights.
#[repr(C)]
#[derive(Copy, Clone, Debug, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_ool_ports_descriptor_t {
    pub address: *mut c_void,
    #[cfg(not(target_pointer_width = "64"))]
    pub count: mach_msg_size_t,
    pub deallocate: u8,
    pub copy: u8,
    pub disposition: u8,
    pub type_: u8,
    #[cfg(target_pointer_width = "64")]
    pub count: mach_msg_size_t,
}

impl mach_msg_ool_ports_descriptor_t {
    /// An out-of-line ports descriptor for `count` names at `address`.
    pub fn new(
        address: *mut c_void,
        deallocate: bool,
        copy: mach_msg_copy_options_t,
        disposition: mach_msg_type_name_t,
        count: mach_msg_size_t,
    ) -> Self {
        Self {
            address,
            deallocate: u8::from(deallocate),
            copy: copy as u8,
            disposition: disposition as u8,
            type_: MACH_MSG_OOL_PORTS_DESCRIPTOR as u8,
            count,
        }
    }
}

// ---------------------------------------------------------------- notify.h

// Loopback extra: notification message ids (`mach/notify.h`).
pub const MACH_NOTIFY_FIRST: c_int = 0o100;
pub const MACH_NOTIFY_PORT_DELETED: c_int = MACH_NOTIFY_FIRST + 0o01;
pub const MACH_NOTIFY_SEND_POSSIBLE: c_int = MACH_NOTIFY_FIRST + 0o02;
pub const MACH_NOTIFY_PORT_DESTROYED: c_int = MACH_NOTIFY_FIRST + 0o05;
pub const MACH_NOTIFY_NO_SENDERS: c_int = MACH_NOTIFY_FIRST + 0o06;
pub const MACH_NOTIFY_SEND_ONCE: c_int = MACH_NOTIFY_FIRST + 0o07;
pub const MACH_NOTIFY_DEAD_NAME: c_int = MACH_NOTIFY_FIRST + 0o10;
pub const MACH_NOTIFY_LAST: c_int = MACH_NOTIFY_FIRST + 0o15;

/// Loopback extra: `mach_send_once_notification_t`, a bare header as received
/// (plus the format-0 trailer the receiver asks for).
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct mach_send_once_notification_t {
    pub not_header: mach_msg_header_t,
    pub trailer: mach_msg_security_trailer_t,
}

// ------------------------------------------------------------------- ndr.h

/// `NDR_record_t`: the data representation tag MIG puts after the header.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct NDR_record_t {
    pub mig_vers: c_uchar,
    pub if_vers: c_uchar,
    pub reserved1: c_uchar,
    pub mig_encoding: c_uchar,
    pub int_rep: c_uchar,
    pub char_rep: c_uchar,
    pub float_rep: c_uchar,
    pub reserved32: c_uchar,
}

/// The host's data representation: little-endian integers (`int_rep` 1),
/// ASCII, IEEE floats.
pub static NDR_record: NDR_record_t = NDR_record_t {
    mig_vers: 0,
    if_vers: 0,
    reserved1: 0,
    mig_encoding: 0,
    int_rep: 1,
    char_rep: 0,
    float_rep: 0,
    reserved32: 0,
};
