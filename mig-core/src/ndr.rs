//! The NDR record.

use crate::sys::NDR_record_t;

/// `NDR_record` for x86_64 and arm64 macOS: bytes `00 00 00 00 01 00 00 00`.
pub const LITTLE_ENDIAN: NDR_record_t = {
    let bytes: [u8; 8] = [0, 0, 0, 0, 1, 0, 0, 0];
    // SAFETY: NDR_record_t is eight `u8`s in a repr(C) struct; any bytes are valid.
    unsafe { core::mem::transmute::<[u8; 8], NDR_record_t>(bytes) }
};
