//! Fixed-capacity C strings for MIG's `c_string[n]` and `c_string[*:n]`.

use core::ffi::{CStr, c_char};
use core::fmt;

use crate::error::{Error, Result};

/// A NUL-terminated string of at most `N` bytes (the NUL included), stored inline: what
/// a MIG `c_string[N]` or `c_string[*:N]` holds. Never truncated: a longer string is
/// `MIG_ARRAY_TOO_LARGE`.
#[derive(Clone, Copy)]
pub struct InlineString<const N: usize> {
    /// Bytes up to and including the NUL.
    len: usize,
    bytes: [c_char; N],
}

impl<const N: usize> InlineString<N> {
    /// A copy of `s`, or `MIG_ARRAY_TOO_LARGE` if it needs more than `N` bytes with its NUL.
    pub fn from_c_str(s: &CStr) -> Result<Self> {
        let with_nul = s.to_bytes_with_nul();
        if with_nul.len() > N {
            return Err(Error::MIG_ARRAY_TOO_LARGE);
        }
        let mut bytes = [0 as c_char; N];
        for (to, &from) in bytes.iter_mut().zip(with_nul) {
            *to = from as c_char;
        }
        Ok(InlineString {
            len: with_nul.len(),
            bytes,
        })
    }

    /// The string.
    pub fn as_c_str(&self) -> &CStr {
        // SAFETY: `bytes[..len]` ends with its only NUL (checked when made), and
        // `c_char` has the layout of `u8`.
        unsafe {
            CStr::from_bytes_with_nul_unchecked(core::slice::from_raw_parts(
                self.bytes.as_ptr().cast(),
                self.len,
            ))
        }
    }

    /// The string as UTF-8, if it is.
    pub fn to_str(&self) -> core::result::Result<&str, core::str::Utf8Error> {
        self.as_c_str().to_str()
    }

    /// The count (bytes with the NUL) and storage a message holds.
    #[doc(hidden)]
    pub fn into_wire(self) -> (u32, [c_char; N]) {
        (self.len as u32, self.bytes)
    }

    /// From a message's storage: the string ends at the first NUL within `count` bytes
    /// (within all `N` for a fixed-size string, which has no count). `None` without a NUL.
    #[doc(hidden)]
    pub fn from_wire(count: Option<u32>, bytes: [c_char; N]) -> Option<Self> {
        let limit = count.map_or(N, |c| (c as usize).min(N));
        let nul = bytes[..limit].iter().position(|&b| b == 0)?;
        let mut clean = [0 as c_char; N];
        clean[..nul].copy_from_slice(&bytes[..nul]);
        Some(InlineString {
            len: nul + 1,
            bytes: clean,
        })
    }
}

impl<const N: usize> fmt::Debug for InlineString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_c_str(), f)
    }
}

impl<const N: usize> PartialEq for InlineString<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_c_str() == other.as_c_str()
    }
}

impl<const N: usize> PartialEq<CStr> for InlineString<N> {
    fn eq(&self, other: &CStr) -> bool {
        self.as_c_str() == other
    }
}

impl<const N: usize> core::ops::Deref for InlineString<N> {
    type Target = CStr;
    fn deref(&self) -> &CStr {
        self.as_c_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_fit_or_fail() {
        let s = InlineString::<6>::from_c_str(c"hello").unwrap();
        assert_eq!(s.as_c_str(), c"hello");
        assert_eq!(s.into_wire().0, 6);
        assert_eq!(
            InlineString::<5>::from_c_str(c"hello").map(|_| ()),
            Err(Error::MIG_ARRAY_TOO_LARGE)
        );
        let mut raw = [b'x' as c_char; 4];
        assert!(InlineString::from_wire(Some(4), raw).is_none(), "no NUL");
        raw[2] = 0;
        assert_eq!(InlineString::from_wire(Some(4), raw).unwrap().as_c_str(), c"xx");
        assert!(
            InlineString::from_wire(Some(2), raw).is_none(),
            "NUL beyond the count"
        );
    }
}
