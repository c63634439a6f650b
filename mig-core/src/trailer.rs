//! The trailer the kernel appends to a received message: sequence number, sender's
//! security and audit tokens, port context. MIG's `msgseqno`, `ServerSecToken`,
//! `ServerAuditToken` and `ServerContextToken` arguments come from it.

use core::mem::size_of;

use crate::array::Pod;
use crate::error::{Error, Result};
use crate::message::MessageBuffer;

/// `sizeof(mach_msg_max_trailer_t)`.
const MAX: usize = crate::MAX_TRAILER_SIZE;

/// The trailer of a received message (a request, or a reply carrying `UserSecToken` or
/// `UserAuditToken` values), copied out of the receive buffer for the handler or stub.
#[derive(Clone, Copy, Debug)]
pub struct Trailer {
    bytes: [u8; MAX],
}

/// The receive option asking for every trailer element up to the port context
/// (`MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
/// MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX)`), which the server loop passes so
/// that handlers can learn who sent a request.
pub const RECEIVE_TRAILER_OPTIONS: i32 = receive_options(4);

/// `MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) | MACH_RCV_TRAILER_ELEMENTS(elements)`:
/// the receive option asking for a format-0 trailer holding everything up to `elements`.
pub(crate) const fn receive_options(elements: u32) -> i32 {
    ((elements & 0xf) << 24) as i32
}

impl Trailer {
    /// No trailer: what handlers that read none are given.
    pub(crate) const EMPTY: Trailer = Trailer { bytes: [0; MAX] };

    /// The trailer after the message in `buffer` (at `msgh_size` rounded up to 4), as far
    /// as the buffer holds it.
    pub fn of(buffer: &MessageBuffer) -> Trailer {
        Trailer::after(buffer.whole())
    }

    /// The trailer after the message at the start of `message` (a received message and
    /// whatever follows it in its buffer).
    pub(crate) fn after(message: &[u8]) -> Trailer {
        let mut bytes = [0u8; MAX];
        let size = message
            .get(4..8)
            .map_or(0, |b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
        let at = (size as usize).next_multiple_of(4);
        if let Some(available) = message.get(at..at + 8) {
            // The trailer says how long it is: copy that much (8 bytes, unless elements
            // were asked for).
            bytes[..8].copy_from_slice(available);
            let size = u32::from_ne_bytes([available[4], available[5], available[6], available[7]]) as usize;
            let n = size.clamp(8, MAX).min(message.len() - at);
            bytes[8..n].copy_from_slice(&message[at + 8..at + n]);
        }
        Trailer { bytes }
    }

    /// Whether the trailer is format 0 and holds everything up to `elements`
    /// (`MACH_RCV_TRAILER_*`: 2 the sender's security token, 3 the audit token, 4 the
    /// port context).
    pub(crate) fn holds(&self, elements: u32) -> bool {
        let needed = match elements {
            0 => 8,
            1 => 12,
            2 => 20,
            3 => 52,
            _ => 60,
        };
        let format = u32::from_ne_bytes([self.bytes[0], self.bytes[1], self.bytes[2], self.bytes[3]]);
        format == 0 && self.size() >= needed
    }

    /// `msgh_trailer_size`.
    pub fn size(&self) -> usize {
        u32::from_ne_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]]) as usize
    }

    /// A format-0 trailer element of type `T` at `offset`, if the trailer reaches past
    /// it; `MIG_TRAILER_ERROR` otherwise (the receiver did not ask for it, or the
    /// message came through a path that did not provide it).
    fn element<T: Pod>(&self, offset: usize) -> Result<T> {
        let end = offset + size_of::<T>();
        let format = u32::from_ne_bytes([self.bytes[0], self.bytes[1], self.bytes[2], self.bytes[3]]);
        if format != 0 || self.size() < end || end > MAX {
            return Err(Error::MIG_TRAILER_ERROR);
        }
        // SAFETY: `offset..end` lies within `bytes` (checked), `T` is plain data, and
        // `read_unaligned` has no alignment needs.
        Ok(unsafe { self.bytes.as_ptr().add(offset).cast::<T>().read_unaligned() })
    }

    /// The port's sequence number for this message (`msgseqno`).
    pub fn seqno<T: Pod>(&self) -> Result<T> {
        self.element(8)
    }

    /// The sender's security token: its effective uid and gid (`ServerSecToken`, or
    /// `UserSecToken` on a reply).
    pub fn security_token<T: Pod>(&self) -> Result<T> {
        self.element(12)
    }

    /// The sender's audit token: audit user, euid, egid, ruid, rgid, pid, session,
    /// pid version (`ServerAuditToken`, or `UserAuditToken` on a reply).
    pub fn audit_token<T: Pod>(&self) -> Result<T> {
        self.element(20)
    }

    /// The receiving port's context value (`ServerContextToken`).
    pub fn context<T: Pod>(&self) -> Result<T> {
        self.element(52)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailer(format: u32, size: u32) -> Trailer {
        let mut bytes = [0u8; MAX];
        bytes[..4].copy_from_slice(&format.to_ne_bytes());
        bytes[4..8].copy_from_slice(&size.to_ne_bytes());
        Trailer { bytes }
    }

    #[test]
    fn a_trailer_holds_what_its_size_reaches() {
        // Format 0 with the sender's security token (20 bytes), as MIG's
        // `trailer_size < sizeof(security_token_t)` checks count.
        assert!(trailer(0, 20).holds(2));
        assert!(!trailer(0, 20).holds(3), "no audit token in 20 bytes");
        assert!(trailer(0, 52).holds(3));
        assert!(!trailer(1, 68).holds(2), "only format 0 is understood");
        assert_eq!(
            trailer(0, 8).security_token::<[u32; 2]>(),
            Err(Error::MIG_TRAILER_ERROR)
        );
        assert_eq!(trailer(0, 20).security_token::<[u32; 2]>(), Ok([0, 0]));
    }
}
