//! Receive trailers: the option bits that request them, their layouts, and
//! how the loopback fills them in.
//!
//! Everything public here is a *loopback extra*: `mach2` has the element
//! numbers (`MACH_RCV_TRAILER_SEQNO`, ...) but not the option macros nor the
//! larger trailer structs.

#![allow(non_camel_case_types, non_snake_case, missing_docs)]

use super::types::{
    MACH_MSG_TRAILER_FORMAT_0, MACH_RCV_TRAILER_AUDIT, MACH_RCV_TRAILER_AV, MACH_RCV_TRAILER_CTX,
    MACH_RCV_TRAILER_LABELS, MACH_RCV_TRAILER_NULL, MACH_RCV_TRAILER_SENDER, MACH_RCV_TRAILER_SEQNO,
    audit_token_t, mach_msg_audit_trailer_t, mach_msg_option_t, mach_msg_security_trailer_t,
    mach_msg_seqno_trailer_t, mach_msg_size_t, mach_msg_trailer_size_t, mach_msg_trailer_t,
    mach_msg_trailer_type_t, mach_port_context_t, mach_port_name_t, mach_port_seqno_t, security_token_t,
};

/// Option bits holding the requested trailer elements.
pub const MACH_RCV_TRAILER_MASK: mach_msg_option_t = 0xf << 24;

/// `MACH_RCV_TRAILER_TYPE(x)`: option bits selecting the trailer format.
pub const fn MACH_RCV_TRAILER_TYPE(x: mach_msg_trailer_type_t) -> mach_msg_option_t {
    ((x & 0xf) << 28) as mach_msg_option_t
}

/// `MACH_RCV_TRAILER_ELEMENTS(x)`: option bits asking for trailer elements `x`
/// (`MACH_RCV_TRAILER_SEQNO`, `_SENDER`, `_AUDIT`, `_CTX`, ...).
pub const fn MACH_RCV_TRAILER_ELEMENTS(x: mach_msg_trailer_type_t) -> mach_msg_option_t {
    ((x & 0xf) << 24) as mach_msg_option_t
}

/// `GET_RCV_ELEMENTS(option)`: the trailer elements an option word asks for.
pub const fn GET_RCV_ELEMENTS(option: mach_msg_option_t) -> mach_msg_trailer_type_t {
    ((option as u32) >> 24) & 0xf
}

/// `REQUESTED_TRAILER_SIZE(option)`: bytes of trailer a receive with `option`
/// gets after the message.
pub const fn REQUESTED_TRAILER_SIZE(option: mach_msg_option_t) -> mach_msg_trailer_size_t {
    let size = match GET_RCV_ELEMENTS(option) {
        MACH_RCV_TRAILER_NULL => size_of::<mach_msg_trailer_t>(),
        MACH_RCV_TRAILER_SEQNO => size_of::<mach_msg_seqno_trailer_t>(),
        MACH_RCV_TRAILER_SENDER => size_of::<mach_msg_security_trailer_t>(),
        MACH_RCV_TRAILER_AUDIT => size_of::<mach_msg_audit_trailer_t>(),
        MACH_RCV_TRAILER_CTX => size_of::<mach_msg_context_trailer_t>(),
        MACH_RCV_TRAILER_AV => size_of::<mach_msg_mac_trailer_t>(),
        _ => size_of::<mach_msg_max_trailer_t>(),
    };
    size as mach_msg_trailer_size_t
}

/// `msg_labels_t`: MAC label handle of the sender (always 0 here).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct msg_labels_t {
    pub sender: mach_port_name_t,
}

/// `mach_msg_context_trailer_t`: audit trailer plus the receiving port's
/// context. 4-byte packed as in the C header, hence 60 bytes.
#[repr(C, packed(4))]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_context_trailer_t {
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    pub msgh_seqno: mach_port_seqno_t,
    pub msgh_sender: security_token_t,
    pub msgh_audit: audit_token_t,
    pub msgh_context: mach_port_context_t,
}

/// `mach_msg_mac_trailer_t`: the largest trailer (68 bytes).
#[repr(C, packed(4))]
#[derive(Copy, Clone, Debug, Default, Hash, PartialOrd, PartialEq, Eq, Ord)]
pub struct mach_msg_mac_trailer_t {
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    pub msgh_seqno: mach_port_seqno_t,
    pub msgh_sender: security_token_t,
    pub msgh_audit: audit_token_t,
    pub msgh_context: mach_port_context_t,
    pub msgh_ad: i32,
    pub msgh_labels: msg_labels_t,
}

/// `mach_msg_max_trailer_t`: room for any trailer.
pub type mach_msg_max_trailer_t = mach_msg_mac_trailer_t;
/// `mach_msg_format_0_trailer_t`: what notification structs end with.
pub type mach_msg_format_0_trailer_t = mach_msg_security_trailer_t;

/// `MAX_TRAILER_SIZE`: bytes to reserve after a message for any trailer.
pub const MAX_TRAILER_SIZE: mach_msg_size_t = size_of::<mach_msg_max_trailer_t>() as u32;
/// `MACH_MSG_TRAILER_MINIMUM_SIZE`: the format-0 trailer every receive gets.
pub const MACH_MSG_TRAILER_MINIMUM_SIZE: mach_msg_size_t = size_of::<mach_msg_trailer_t>() as u32;

/// Checks the trailer request bits of a receive option word.
pub(super) fn validate(option: mach_msg_option_t) -> bool {
    let format = (option as u32) >> 28;
    format == MACH_MSG_TRAILER_FORMAT_0 && GET_RCV_ELEMENTS(option) <= MACH_RCV_TRAILER_LABELS
}

// SAFETY: these POSIX calls take no arguments, cannot fail and touch no
// caller memory, so declaring them `safe` is sound.
unsafe extern "C" {
    safe fn getuid() -> u32;
    safe fn geteuid() -> u32;
    safe fn getgid() -> u32;
    safe fn getegid() -> u32;
}

/// A task's identity as the kernel writes it into the trailers of the messages the
/// task sends: its security and audit tokens (XNU keeps them in the task, set from the
/// process's credentials by `set_security_token` in bsd/kern/kern_prot.c, and copies
/// them into each message at send in `ipc_kmsg_init_trailer_and_sign`,
/// osfmk/ipc/ipc_kmsg.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Tokens {
    pub security: security_token_t,
    pub audit: audit_token_t,
}

impl Tokens {
    /// What messages the kernel itself sends carry (`KERNEL_SECURITY_TOKEN_VALUE`,
    /// `KERNEL_AUDIT_TOKEN_VALUE`): uid 0 gid 1, and an all-zero audit token.
    pub(super) const KERNEL: Tokens = Tokens {
        security: security_token_t { val: [0, 1] },
        audit: audit_token_t { val: [0; 8] },
    };

    /// The process's own: its effective ids in the security token and, in the audit
    /// token, the audit user id (taken to be the real uid), effective and real ids and
    /// pid; the audit session id and pid version have no Linux counterpart (0).
    pub(super) fn of_process() -> Tokens {
        let (ruid, euid, rgid, egid) = (getuid(), geteuid(), getgid(), getegid());
        Tokens {
            security: security_token_t { val: [euid, egid] },
            audit: audit_token_t {
                val: [ruid, euid, egid, ruid, rgid, std::process::id(), 0, 0],
            },
        }
    }
}

/// The bytes of the trailer `option` asks for, for a message sent with `sender`'s
/// tokens and dequeued with sequence number `seqno` from a port whose context is
/// `context`.
pub(super) fn build(
    option: mach_msg_option_t,
    seqno: mach_port_seqno_t,
    context: mach_port_context_t,
    sender: Tokens,
) -> Vec<u8> {
    let size = REQUESTED_TRAILER_SIZE(option);
    // Laid out as `mach_msg_max_trailer_t` (packed, so no padding), then cut
    // to the requested size.
    let mut words = vec![MACH_MSG_TRAILER_FORMAT_0, size, seqno];
    words.extend(sender.security.val);
    words.extend(sender.audit.val);
    let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
    bytes.extend_from_slice(&context.to_ne_bytes());
    // msgh_ad and msgh_labels.sender: no MAC framework.
    bytes.extend_from_slice(&[0; 8]);
    bytes.truncate(size as usize);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XNU's trailer sizes: 8, 12, 20, 52, 60 and 68 bytes.
    #[test]
    fn trailer_sizes_match_xnu() {
        let size = |e| REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(e));
        assert_eq!(size(MACH_RCV_TRAILER_NULL), 8);
        assert_eq!(size(MACH_RCV_TRAILER_SEQNO), 12);
        assert_eq!(size(MACH_RCV_TRAILER_SENDER), 20);
        assert_eq!(size(MACH_RCV_TRAILER_AUDIT), 52);
        assert_eq!(size(MACH_RCV_TRAILER_CTX), 60);
        assert_eq!(size(MACH_RCV_TRAILER_AV), 68);
        assert_eq!(MAX_TRAILER_SIZE, 68);
        assert_eq!(
            build(MACH_RCV_TRAILER_ELEMENTS(4), 7, 9, Tokens::KERNEL).len(),
            60
        );
    }
}
