//! The trailer the kernel appends to a received message: sequence number, sender's
//! security and audit tokens, port context. MIG's `msgseqno`, `ServerSecToken`,
//! `ServerAuditToken` and `ServerContextToken` arguments come from it.

use core::mem::size_of;

use crate::array::Pod;
use crate::error::{Error, Result};
use crate::message::MessageBuffer;

/// `sizeof(mach_msg_max_trailer_t)`.
const MAX: usize = crate::MAX_TRAILER_SIZE;

/// The trailer of a received request, copied out before the message is unpacked.
#[derive(Clone, Copy, Debug)]
pub struct Trailer {
    bytes: [u8; MAX],
}

/// The receive option asking for every trailer element up to the port context
/// (`MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
/// MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX)`), which the server loop passes so
/// that handlers can learn who sent a request.
pub const RECEIVE_TRAILER_OPTIONS: i32 = (4 & 0xf) << 24;

impl Trailer {
    /// The trailer after the message in `buffer` (at `msgh_size` rounded up to 4), as far
    /// as the buffer holds it.
    pub fn of(buffer: &MessageBuffer) -> Trailer {
        let mut bytes = [0u8; MAX];
        let at = (buffer.header().msgh_size as usize).next_multiple_of(4);
        let all = buffer.whole();
        if let Some(available) = all.get(at..) {
            let n = available.len().min(MAX);
            bytes[..n].copy_from_slice(&available[..n]);
        }
        Trailer { bytes }
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

    /// The sender's security token: its effective uid and gid (`ServerSecToken`).
    pub fn security_token<T: Pod>(&self) -> Result<T> {
        self.element(12)
    }

    /// The sender's audit token: audit user, euid, egid, ruid, rgid, pid, session,
    /// pid version (`ServerAuditToken`).
    pub fn audit_token<T: Pod>(&self) -> Result<T> {
        self.element(20)
    }

    /// The receiving port's context value (`ServerContextToken`).
    pub fn context<T: Pod>(&self) -> Result<T> {
        self.element(52)
    }
}
