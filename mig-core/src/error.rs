//! The error every stub and handler returns: a Mach `kern_return_t` that is not success.

use core::fmt;
use core::num::NonZeroI32;

use crate::sys::kern_return_t;

/// A failed Mach or MIG operation, carrying its non-zero `kern_return_t`.
///
/// Client stubs return it for transport failures (`MACH_SEND_INVALID_DEST`, …), for
/// replies that fail MIG's checks (`MIG_REPLY_MISMATCH`, `MIG_TYPE_ERROR`, …) and for the
/// server's own error code. Server handlers return it to send an error reply; returning
/// [`Error::NO_REPLY`] sends nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Error(NonZeroI32);

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:expr;)*) => {
        impl Error {
            $($(#[$doc])* pub const $name: Error = Error(match NonZeroI32::new($value) {
                Some(code) => code,
                None => panic!("error codes are non-zero"),
            });)*
        }

        /// The symbolic name of a known code.
        fn name(code: i32) -> Option<&'static str> {
            match code {
                $($value => Some(stringify!($name)),)*
                _ => None,
            }
        }
    };
}

codes! {
    /// `KERN_INVALID_ADDRESS`
    KERN_INVALID_ADDRESS = 1;
    /// `KERN_PROTECTION_FAILURE`
    KERN_PROTECTION_FAILURE = 2;
    /// `KERN_NO_SPACE`
    KERN_NO_SPACE = 3;
    /// `KERN_INVALID_ARGUMENT`
    KERN_INVALID_ARGUMENT = 4;
    /// `KERN_FAILURE`
    KERN_FAILURE = 5;
    /// `KERN_RESOURCE_SHORTAGE`
    KERN_RESOURCE_SHORTAGE = 6;
    /// `KERN_NOT_RECEIVER`
    KERN_NOT_RECEIVER = 7;
    /// `KERN_NO_ACCESS`
    KERN_NO_ACCESS = 8;
    /// `KERN_INVALID_NAME`
    KERN_INVALID_NAME = 15;
    /// `KERN_INVALID_TASK`
    KERN_INVALID_TASK = 16;
    /// `KERN_INVALID_RIGHT`
    KERN_INVALID_RIGHT = 17;
    /// `KERN_INVALID_VALUE`
    KERN_INVALID_VALUE = 18;
    /// `KERN_UREFS_OVERFLOW`
    KERN_UREFS_OVERFLOW = 19;
    /// `KERN_NAME_EXISTS`
    KERN_NAME_EXISTS = 13;
    /// `KERN_RIGHT_EXISTS`
    KERN_RIGHT_EXISTS = 21;
    /// `KERN_ABORTED`
    KERN_ABORTED = 14;
    /// `KERN_NOT_SUPPORTED`
    KERN_NOT_SUPPORTED = 46;
    /// `KERN_OPERATION_TIMED_OUT`
    KERN_OPERATION_TIMED_OUT = 49;
    /// `KERN_DENIED`
    KERN_DENIED = 53;
    /// `KERN_NOT_FOUND`
    KERN_NOT_FOUND = 56;
    /// `BOOTSTRAP_NOT_PRIVILEGED`
    BOOTSTRAP_NOT_PRIVILEGED = 1100;
    /// `BOOTSTRAP_NAME_IN_USE`: a service is already registered under that name.
    BOOTSTRAP_NAME_IN_USE = 1101;
    /// `BOOTSTRAP_UNKNOWN_SERVICE`: no service is registered under that name.
    BOOTSTRAP_UNKNOWN_SERVICE = 1102;
    /// `MACH_SEND_INVALID_DATA`
    MACH_SEND_INVALID_DATA = 0x1000_0002;
    /// `MACH_SEND_INVALID_DEST`: the destination port is dead or not a send right.
    MACH_SEND_INVALID_DEST = 0x1000_0003;
    /// `MACH_SEND_TIMED_OUT`
    MACH_SEND_TIMED_OUT = 0x1000_0004;
    /// `MACH_SEND_INTERRUPTED`
    MACH_SEND_INTERRUPTED = 0x1000_0007;
    /// `MACH_SEND_MSG_TOO_SMALL`
    MACH_SEND_MSG_TOO_SMALL = 0x1000_0008;
    /// `MACH_SEND_INVALID_REPLY`
    MACH_SEND_INVALID_REPLY = 0x1000_0009;
    /// `MACH_SEND_INVALID_RIGHT`
    MACH_SEND_INVALID_RIGHT = 0x1000_000a;
    /// `MACH_SEND_INVALID_MEMORY`
    MACH_SEND_INVALID_MEMORY = 0x1000_000c;
    /// `MACH_SEND_TOO_LARGE`
    MACH_SEND_TOO_LARGE = 0x1000_000e;
    /// `MACH_SEND_INVALID_TYPE`
    MACH_SEND_INVALID_TYPE = 0x1000_000f;
    /// `MACH_SEND_INVALID_HEADER`
    MACH_SEND_INVALID_HEADER = 0x1000_0010;
    /// `MACH_RCV_INVALID_NAME`
    MACH_RCV_INVALID_NAME = 0x1000_4002;
    /// `MACH_RCV_TIMED_OUT`
    MACH_RCV_TIMED_OUT = 0x1000_4003;
    /// `MACH_RCV_TOO_LARGE`
    MACH_RCV_TOO_LARGE = 0x1000_4004;
    /// `MACH_RCV_INTERRUPTED`
    MACH_RCV_INTERRUPTED = 0x1000_4005;
    /// `MACH_RCV_PORT_DIED`: the port being received on was destroyed.
    MACH_RCV_PORT_DIED = 0x1000_4009;
    /// `MACH_RCV_INVALID_DATA`
    MACH_RCV_INVALID_DATA = 0x1000_4008;
    /// `MIG_TYPE_ERROR`: a message's size, bits or descriptors are not what the routine says.
    MIG_TYPE_ERROR = -300;
    /// `MIG_REPLY_MISMATCH`: the reply's msgh_id is not the routine's reply id.
    MIG_REPLY_MISMATCH = -301;
    /// `MIG_REMOTE_ERROR`
    MIG_REMOTE_ERROR = -302;
    /// `MIG_BAD_ID`: the server has no routine with the request's msgh_id.
    MIG_BAD_ID = -303;
    /// `MIG_BAD_ARGUMENTS`: the server rejected a malformed request.
    MIG_BAD_ARGUMENTS = -304;
    /// `MIG_NO_REPLY`: returned by a handler, the server sends no reply.
    MIG_NO_REPLY = -305;
    /// `MIG_EXCEPTION`
    MIG_EXCEPTION = -306;
    /// `MIG_ARRAY_TOO_LARGE`
    MIG_ARRAY_TOO_LARGE = -307;
    /// `MIG_SERVER_DIED`: the server destroyed the request without replying.
    MIG_SERVER_DIED = -308;
    /// `MIG_TRAILER_ERROR`
    MIG_TRAILER_ERROR = -309;
}

impl Error {
    /// Returned by a server handler: send no reply (the handler keeps the reply right or
    /// the routine answers later). The same code as [`Error::MIG_NO_REPLY`].
    pub const NO_REPLY: Error = Error::MIG_NO_REPLY;

    /// The error for a `kern_return_t`, or `None` for `KERN_SUCCESS`.
    pub const fn from_code(code: kern_return_t) -> Option<Error> {
        match NonZeroI32::new(code) {
            Some(code) => Some(Error(code)),
            None => None,
        }
    }

    /// `Ok(())` for `KERN_SUCCESS`, the error otherwise.
    pub const fn check(code: kern_return_t) -> Result<()> {
        match Error::from_code(code) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// The `kern_return_t`.
    pub const fn code(self) -> kern_return_t {
        self.0.get()
    }

    /// The symbolic name (`"MIG_BAD_ID"`), when the code is one this crate knows.
    pub fn name(self) -> Option<&'static str> {
        name(self.code())
    }
}

impl From<NonZeroI32> for Error {
    fn from(code: NonZeroI32) -> Self {
        Error(code)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "Error({name})"),
            None => write!(f, "Error({:#x})", self.code()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({:#x})", self.code()),
            None => write!(f, "kern_return_t {:#x}", self.code()),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_names() {
        assert_eq!(Error::MIG_BAD_ID.code(), -303);
        assert_eq!(Error::from_code(-303), Some(Error::MIG_BAD_ID));
        assert_eq!(Error::from_code(0), None);
        assert_eq!(Error::MIG_BAD_ID.to_string(), "MIG_BAD_ID (0xfffffed1)");
        assert_eq!(format!("{:?}", Error::from_code(12345).unwrap()), "Error(0x3039)");
    }
}
