//! What a client stub does around its message: MIG's user-side protocol.
//!
//! The generated stub fills in the request's data fields; these functions set the header,
//! call `mach_msg` on the thread's reply port, and check the reply the way Apple MIG's
//! `__MIG_check__Reply__*` functions do.

use core::mem::size_of;

use crate::error::{Error, Result};
use crate::message::{Message, descriptors_match};
use crate::sys::{
    self, mach_msg_header_t, mach_msg_id_t, mach_msg_trailer_t, mach_msg_type_name_t, mach_port_t,
};

/// `MACH_NOTIFY_SEND_ONCE`: what arrives on the reply port when the server destroyed the
/// request's reply right without answering.
const MACH_NOTIFY_SEND_ONCE: mach_msg_id_t = 0o100 + 0o07;
/// Offset of `RetCode` in every non-complex reply (after the header and NDR).
const RETCODE_OFFSET: usize = 32;
/// `sizeof(mig_reply_error_t)`.
pub(crate) const REPLY_ERROR_SIZE: usize = 36;

/// The reply as received: the message and the trailer the kernel appends.
#[repr(C, packed(4))]
#[derive(Clone, Copy)]
struct Received<Rp: Copy> {
    message: Rp,
    trailer: mach_msg_trailer_t,
}

/// The stub's one buffer: the request goes out of it and the reply comes back into it.
#[repr(C)]
union Exchange<Rq: Copy, Rp: Copy> {
    request: Rq,
    reply: Received<Rp>,
}

/// Sends `request` to `dest` and returns the checked reply: a MIG `routine`.
///
/// The header is set here: `dest` with `dest_disposition` as the remote port, this
/// thread's MIG reply port (made send-once) as the local port, and `id`. Transport errors,
/// a reply that fails MIG's checks, and a non-zero `RetCode` all come back as `Err`.
pub fn rpc<Rq: Message, Rp: Message>(
    request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
) -> Result<Rp> {
    const { assert!(size_of::<Rp>() >= REPLY_ERROR_SIZE) };
    let mut exchange = Exchange { request };
    let head = (&raw mut exchange).cast::<mach_msg_header_t>();
    // SAFETY: the MIG reply port belongs to this thread; asking for it has no
    // preconditions.
    let reply_port = unsafe { sys::mig_get_reply_port() };
    // SAFETY: `Exchange` starts with the request, which starts with a header (`Message`
    // contract); the union is 4-byte aligned like the header.
    unsafe {
        (*head).msgh_bits =
            sys::MACH_MSGH_BITS(dest_disposition, sys::MACH_MSG_TYPE_MAKE_SEND_ONCE) | complex_bit::<Rq>();
        (*head).msgh_size = 0;
        (*head).msgh_remote_port = dest;
        (*head).msgh_local_port = reply_port;
        (*head).msgh_voucher_port = 0;
        (*head).msgh_id = id;
    }
    // SAFETY: `head` points at a buffer of `size_of::<Exchange>()` bytes, which covers
    // both the request we send and the reply plus trailer we let the kernel write.
    let result = unsafe {
        sys::mach_msg(
            head,
            sys::MACH_SEND_MSG | sys::MACH_RCV_MSG,
            size_of::<Rq>() as u32,
            size_of::<Received<Rp>>() as u32,
            reply_port,
            sys::MACH_MSG_TIMEOUT_NONE,
            sys::MACH_PORT_NULL,
        )
    };
    if let Some(error) = Error::from_code(result) {
        // As Apple's stubs: if the request never left, the reply port is intact; any
        // other failure may leave a reply in flight, so the port is discarded lest a
        // late reply be taken for the next call's.
        // SAFETY: `reply_port` is this thread's MIG reply port.
        unsafe {
            match result {
                sys::MACH_SEND_INVALID_DATA | sys::MACH_SEND_INVALID_DEST | sys::MACH_SEND_INVALID_HEADER => {
                    sys::mig_put_reply_port(reply_port)
                }
                _ => sys::mig_dealloc_reply_port(reply_port),
            }
        }
        return Err(error);
    }
    // SAFETY: the kernel wrote a header (at least) into the buffer.
    let reply_head = unsafe { *head };
    let retcode = || {
        // SAFETY: only called once the size is known to be at least 36 bytes, and the
        // buffer holds at least that many.
        unsafe {
            head.cast::<u8>()
                .add(RETCODE_OFFSET)
                .cast::<i32>()
                .read_unaligned()
        }
    };
    let checked = if Rp::DESCRIPTORS.is_empty() {
        check_reply(&reply_head, id + 100, size_of::<Rp>(), retcode)
    } else {
        // SAFETY: the kernel wrote `msgh_size` bytes (at most the buffer's size).
        let bytes = unsafe {
            core::slice::from_raw_parts(
                head.cast::<u8>(),
                (reply_head.msgh_size as usize).min(size_of::<Exchange<Rq, Rp>>()),
            )
        };
        check_complex_reply(
            &reply_head,
            bytes,
            id + 100,
            size_of::<Rp>(),
            Rp::DESCRIPTORS,
            retcode,
        )
    };
    if let Err(error) = checked {
        // As Apple's stubs, whatever failed: release what the reply carried.
        // SAFETY: a received message, which we own and release exactly once.
        unsafe { sys::mach_msg_destroy(head) };
        return Err(error);
    }
    // SAFETY: the reply passed the checks, so the buffer holds a whole `Rp`, and any bit
    // pattern is a valid `Rp` (`Message` contract).
    Ok(unsafe { exchange.reply.message })
}

/// Apple MIG's reply check for a non-complex reply of `size` bytes: the id, the size
/// (exact, or a 36-byte `mig_reply_error_t` carrying an error), no complex bit, no
/// remote port, and finally the server's `RetCode`.
fn check_reply(
    head: &mach_msg_header_t,
    reply_id: mach_msg_id_t,
    size: usize,
    retcode: impl Fn() -> i32,
) -> Result<()> {
    if head.msgh_id != reply_id {
        return Err(if head.msgh_id == MACH_NOTIFY_SEND_ONCE {
            Error::MIG_SERVER_DIED
        } else {
            Error::MIG_REPLY_MISMATCH
        });
    }
    let received = head.msgh_size as usize;
    let complex = head.msgh_bits & sys::MACH_MSGH_BITS_COMPLEX != 0;
    let shape_ok = !complex
        && (received == size || (received == REPLY_ERROR_SIZE && size != REPLY_ERROR_SIZE && retcode() != 0));
    if !shape_ok || head.msgh_remote_port != sys::MACH_PORT_NULL {
        return Err(Error::MIG_TYPE_ERROR);
    }
    Error::check(retcode())
}

/// Apple MIG's check of a complex reply: a complex message with the right descriptor
/// count and size, or else a 36-byte `mig_reply_error_t` carrying an error; then no
/// remote port; then every descriptor's type and disposition.
fn check_complex_reply(
    head: &mach_msg_header_t,
    bytes: &[u8],
    reply_id: mach_msg_id_t,
    size: usize,
    descriptors: &[crate::message::Descriptor],
    retcode: impl Fn() -> i32,
) -> Result<()> {
    if head.msgh_id != reply_id {
        return Err(if head.msgh_id == MACH_NOTIFY_SEND_ONCE {
            Error::MIG_SERVER_DIED
        } else {
            Error::MIG_REPLY_MISMATCH
        });
    }
    let simple = head.msgh_bits & sys::MACH_MSGH_BITS_COMPLEX == 0;
    let received = head.msgh_size as usize;
    let count = bytes
        .get(24..28)
        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    let complex_ok = !simple && received == size && count == Some(descriptors.len() as u32);
    let error_ok = simple && received == REPLY_ERROR_SIZE && retcode() != 0;
    if !(complex_ok || error_ok) || head.msgh_remote_port != sys::MACH_PORT_NULL {
        return Err(Error::MIG_TYPE_ERROR);
    }
    if simple {
        return Error::check(retcode());
    }
    if !descriptors_match(bytes, descriptors) {
        return Err(Error::MIG_TYPE_ERROR);
    }
    Ok(())
}

/// `MACH_MSGH_BITS_COMPLEX` if `M` carries descriptors.
pub(crate) fn complex_bit<M: Message>() -> u32 {
    if M::DESCRIPTORS.is_empty() {
        0
    } else {
        sys::MACH_MSGH_BITS_COMPLEX
    }
}

/// Sends `request` to `dest` without waiting: a MIG `simpleroutine`.
pub fn send<Rq: Message>(
    mut request: Rq,
    dest: mach_port_t,
    dest_disposition: mach_msg_type_name_t,
    id: mach_msg_id_t,
) -> Result<()> {
    let head = (&raw mut request).cast::<mach_msg_header_t>();
    // SAFETY: `Rq` starts with a header and is 4-byte aligned (`Message` contract);
    // `mach_msg` reads `size_of::<Rq>()` bytes of it.
    let result = unsafe {
        (*head).msgh_bits = sys::MACH_MSGH_BITS(dest_disposition, 0) | complex_bit::<Rq>();
        (*head).msgh_size = 0;
        (*head).msgh_remote_port = dest;
        (*head).msgh_local_port = sys::MACH_PORT_NULL;
        (*head).msgh_voucher_port = 0;
        (*head).msgh_id = id;
        sys::mach_msg(
            head,
            sys::MACH_SEND_MSG,
            size_of::<Rq>() as u32,
            0,
            sys::MACH_PORT_NULL,
            sys::MACH_MSG_TIMEOUT_NONE,
            sys::MACH_PORT_NULL,
        )
    };
    Error::check(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(id: i32, size: u32, bits: u32) -> mach_msg_header_t {
        mach_msg_header_t {
            msgh_bits: bits,
            msgh_size: size,
            msgh_id: id,
            ..Default::default()
        }
    }

    #[test]
    fn reply_checks_follow_apple_mig() {
        assert_eq!(check_reply(&head(200, 40, 0x12), 200, 40, || 0), Ok(()));
        assert_eq!(
            check_reply(&head(201, 40, 0x12), 200, 40, || 0),
            Err(Error::MIG_REPLY_MISMATCH)
        );
        assert_eq!(
            check_reply(&head(71, 24, 0x12), 200, 40, || 0),
            Err(Error::MIG_SERVER_DIED)
        );
        assert_eq!(
            check_reply(&head(200, 44, 0x12), 200, 40, || 0),
            Err(Error::MIG_TYPE_ERROR)
        );
        assert_eq!(
            check_reply(&head(200, 40, 0x8000_0012), 200, 40, || 0),
            Err(Error::MIG_TYPE_ERROR)
        );
        // A mig_reply_error_t is accepted only when it carries an error.
        assert_eq!(
            check_reply(&head(200, 36, 0x12), 200, 40, || 5),
            Err(Error::KERN_FAILURE)
        );
        assert_eq!(
            check_reply(&head(200, 36, 0x12), 200, 40, || 0),
            Err(Error::MIG_TYPE_ERROR)
        );
        let mut with_remote = head(200, 40, 0x12);
        with_remote.msgh_remote_port = 0x103;
        assert_eq!(
            check_reply(&with_remote, 200, 40, || 0),
            Err(Error::MIG_TYPE_ERROR)
        );
    }
}
