//! Who sent a message: the security and audit tokens the kernel writes into a received
//! message's trailer, as typed values (MIG's `ServerSecToken` and `ServerAuditToken`
//! arguments, and `UserSecToken`/`UserAuditToken` on a reply).
//!
//! The kernel stamps both tokens from the *sending task* when the message is sent (XNU:
//! `ipc_kmsg_init_trailer_and_sign` in osfmk/ipc/ipc_kmsg.c copies `task_get_sec_token`
//! and `task_get_audit_token` of the sender); messages the kernel itself sends
//! (notifications, exception messages) carry [`SecurityToken::KERNEL`] and
//! [`AuditToken::KERNEL`] instead. A sender cannot choose them, so they are the one
//! identity a server can trust. The task's tokens are set from its credentials by
//! `set_security_token`/`proc_calc_audit_token` in bsd/kern/kern_prot.c, which is where
//! the meaning of each field below comes from.
//!
//! # Pairing with code signing (macOS)
//!
//! A uid says which user runs the caller, not which program it is. To require a
//! particular signed program, hand the whole audit token to the Security framework, which
//! identifies the process by pid *and pid version* (so a pid reused by another process
//! does not pass):
//!
//! - `SecTaskCreateWithAuditToken(NULL, token)`, then `SecTaskCopyValueForEntitlement`
//!   or `SecTaskValidateForRequirement` on the result;
//! - or `SecCodeCopyGuestWithAttributes(NULL, attributes, 0, &code)` with
//!   `kSecGuestAttributeAudit` mapped to a `CFData` of the token's 32 bytes
//!   ([`AuditToken::as_bytes`]), then `SecCodeCheckValidity(code, 0, requirement)`.
//!
//! `mig` does not depend on the Security framework; bind those calls with the crate you
//! prefer (`security-framework`, or a few `extern "C"` declarations). Do not look a pid
//! up with `proc_pidpath` and check the file instead: the process may have exited and its
//! pid been reused between the message and the check, which the audit token's pid
//! version rules out.

use core::fmt;

use crate::array::Pod;
use crate::error::{Error, Result};

/// The sender's audit token (`audit_token_t`): who the sending process is, as the kernel
/// saw it when the message was sent.
///
/// What a `ServerAuditToken` argument hands a handler. Field meanings are those XNU
/// writes (`proc_calc_audit_token`, bsd/kern/kern_prot.c) and libbsm's
/// `audit_token_to_*` functions read: `val[0]` the audit user id, `[1]` the effective
/// uid, `[2]` the effective gid, `[3]` the real uid, `[4]` the real gid, `[5]` the pid,
/// `[6]` the audit session id, `[7]` the pid version.
///
/// ```
/// # use mig_core as mig;
/// use mig::AuditToken;
///
/// fn handle(caller: AuditToken) -> mig::Result<()> {
///     caller.require_euid(0)?; // only root: anyone else gets KERN_DENIED
///     Ok(())
/// }
/// let user = AuditToken::from([501, 501, 20, 501, 20, 4242, 100_004, 7]);
/// assert_eq!(handle(user), Err(mig::Error::KERN_DENIED));
/// assert_eq!(user.pid(), 4242);
/// ```
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AuditToken {
    val: [u32; 8],
}

// SAFETY: `#[repr(C)]` over `[u32; 8]`: 32 bytes, no padding, every bit pattern valid.
unsafe impl Pod for AuditToken {}

impl AuditToken {
    /// The token of messages the kernel sends (`KERNEL_AUDIT_TOKEN_VALUE`, all zeros):
    /// notifications and exception messages carry it.
    pub const KERNEL: AuditToken = AuditToken { val: [0; 8] };

    /// XNU's `INVALID_AUDIT_TOKEN_VALUE` (every field `UINT_MAX`): an identity that is no
    /// one's, for a variable not yet set.
    pub const INVALID: AuditToken = AuditToken { val: [u32::MAX; 8] };

    /// The token with these raw values (`audit_token_t.val`).
    pub const fn from_raw(val: [u32; 8]) -> AuditToken {
        AuditToken { val }
    }

    /// The raw values, as `audit_token_t.val` holds them.
    pub const fn as_raw(&self) -> [u32; 8] {
        self.val
    }

    /// The token's 32 bytes as the C struct holds them (what `kSecGuestAttributeAudit`
    /// takes, wrapped in a `CFData`).
    pub fn as_bytes(&self) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        for (chunk, v) in bytes.chunks_exact_mut(4).zip(self.val) {
            chunk.copy_from_slice(&v.to_ne_bytes());
        }
        bytes
    }

    /// The audit user id (`val[0]`, `audit_token_to_auid`): the user who logged in to
    /// the session, kept across `setuid`. `AU_DEFAUDITID` (`u32::MAX`) when unset.
    pub const fn audit_user_id(&self) -> u32 {
        self.val[0]
    }

    /// The effective user id (`val[1]`, `audit_token_to_euid`): whose permissions the
    /// sender has. The one to check for access.
    pub const fn euid(&self) -> u32 {
        self.val[1]
    }

    /// The effective group id (`val[2]`, `audit_token_to_egid`).
    pub const fn egid(&self) -> u32 {
        self.val[2]
    }

    /// The real user id (`val[3]`, `audit_token_to_ruid`).
    pub const fn ruid(&self) -> u32 {
        self.val[3]
    }

    /// The real group id (`val[4]`, `audit_token_to_rgid`).
    pub const fn rgid(&self) -> u32 {
        self.val[4]
    }

    /// The sender's process id (`val[5]`, `audit_token_to_pid`); 0 for the kernel.
    pub const fn pid(&self) -> i32 {
        self.val[5] as i32
    }

    /// The audit session id (`val[6]`, `audit_token_to_asid`).
    pub const fn asid(&self) -> i32 {
        self.val[6] as i32
    }

    /// The pid version (`val[7]`, `audit_token_to_pidversion`): tells this process from
    /// a later one given the same pid. Compare it too when you remember a caller.
    pub const fn pid_version(&self) -> i32 {
        self.val[7] as i32
    }

    /// Whether the kernel sent the message ([`AuditToken::KERNEL`]): a real
    /// notification or exception, not one a process forged.
    pub const fn is_kernel(&self) -> bool {
        let mut i = 0;
        while i < 8 {
            if self.val[i] != 0 {
                return false;
            }
            i += 1;
        }
        true
    }

    /// `Ok(self)` if `allowed` accepts the caller, else `KERN_DENIED`: a handler's access
    /// check in one line (`caller.require(|c| c.euid() == 0 || c.is_kernel())?;`).
    pub fn require(self, allowed: impl FnOnce(&AuditToken) -> bool) -> Result<AuditToken> {
        if allowed(&self) {
            Ok(self)
        } else {
            Err(Error::KERN_DENIED)
        }
    }

    /// `Ok(self)` if the caller's effective uid is `uid`, else `KERN_DENIED`.
    pub fn require_euid(self, uid: u32) -> Result<AuditToken> {
        self.require(|c| c.euid() == uid)
    }
}

impl From<[u32; 8]> for AuditToken {
    fn from(val: [u32; 8]) -> AuditToken {
        AuditToken { val }
    }
}

impl From<AuditToken> for [u32; 8] {
    fn from(token: AuditToken) -> [u32; 8] {
        token.val
    }
}

impl fmt::Debug for AuditToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditToken")
            .field("audit_user_id", &self.audit_user_id())
            .field("euid", &self.euid())
            .field("egid", &self.egid())
            .field("ruid", &self.ruid())
            .field("rgid", &self.rgid())
            .field("pid", &self.pid())
            .field("asid", &self.asid())
            .field("pid_version", &self.pid_version())
            .finish()
    }
}

/// The sender's security token (`security_token_t`): its effective uid and gid when
/// the message was sent (`set_security_token`, bsd/kern/kern_prot.c: `val[0]` is
/// `kauth_cred_getuid`, `val[1]` `kauth_cred_getgid`).
///
/// What a `ServerSecToken` argument hands a handler. The audit token says more (the pid,
/// the real ids); prefer it.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SecurityToken {
    val: [u32; 2],
}

// SAFETY: `#[repr(C)]` over `[u32; 2]`: 8 bytes, no padding, every bit pattern valid.
unsafe impl Pod for SecurityToken {}

impl SecurityToken {
    /// The token of messages the kernel sends (`KERNEL_SECURITY_TOKEN_VALUE`: uid 0,
    /// gid 1).
    pub const KERNEL: SecurityToken = SecurityToken { val: [0, 1] };

    /// The token with these raw values (`security_token_t.val`).
    pub const fn from_raw(val: [u32; 2]) -> SecurityToken {
        SecurityToken { val }
    }

    /// The raw values, as `security_token_t.val` holds them.
    pub const fn as_raw(&self) -> [u32; 2] {
        self.val
    }

    /// The sender's effective user id (`val[0]`).
    pub const fn uid(&self) -> u32 {
        self.val[0]
    }

    /// The sender's effective group id (`val[1]`).
    pub const fn gid(&self) -> u32 {
        self.val[1]
    }

    /// `Ok(self)` if the sender's effective uid is `uid`, else `KERN_DENIED`.
    pub fn require_uid(self, uid: u32) -> Result<SecurityToken> {
        if self.uid() == uid {
            Ok(self)
        } else {
            Err(Error::KERN_DENIED)
        }
    }
}

impl From<[u32; 2]> for SecurityToken {
    fn from(val: [u32; 2]) -> SecurityToken {
        SecurityToken { val }
    }
}

impl From<SecurityToken> for [u32; 2] {
    fn from(token: SecurityToken) -> [u32; 2] {
        token.val
    }
}

impl fmt::Debug for SecurityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityToken")
            .field("uid", &self.uid())
            .field("gid", &self.gid())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_where_xnu_writes_them() {
        let t = AuditToken::from([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            (t.audit_user_id(), t.euid(), t.egid(), t.ruid(), t.rgid()),
            (1, 2, 3, 4, 5)
        );
        assert_eq!((t.pid(), t.asid(), t.pid_version()), (6, 7, 8));
        assert_eq!(
            format!("{t:?}"),
            "AuditToken { audit_user_id: 1, euid: 2, egid: 3, ruid: 4, rgid: 5, pid: 6, asid: 7, pid_version: 8 }"
        );
        assert_eq!(<[u32; 8]>::from(t), t.as_raw());
        assert_eq!(&t.as_bytes()[20..24], &6u32.to_ne_bytes());
        assert!(AuditToken::KERNEL.is_kernel() && !t.is_kernel());
        let s = SecurityToken::from([501, 20]);
        assert_eq!((s.uid(), s.gid()), (501, 20));
        assert_eq!(format!("{s:?}"), "SecurityToken { uid: 501, gid: 20 }");
        assert_eq!(s.require_uid(0), Err(Error::KERN_DENIED));
        assert_eq!(core::mem::size_of::<AuditToken>(), 32);
        assert_eq!(core::mem::size_of::<SecurityToken>(), 8);
    }
}
