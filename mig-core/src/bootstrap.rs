//! The bootstrap name service (launchd on macOS, built into the loopback kernel
//! elsewhere): servers publish a port under a name, clients look it up.
//!
//! A server publishes with [`check_in`]: launchd creates the service (or hands over the
//! one its job declares in `MachServices`) and returns its receive right; the name lives
//! as long as that right. [`register`] publishes a send right the caller made; launchd
//! has deprecated it since macOS 10.5 and refuses it inside the App Sandbox
//! (`BOOTSTRAP_NOT_PRIVILEGED`), so use it only where check-in cannot serve.

use std::ffi::CString;

use crate::error::{Error, Result};
use crate::rights::{ReceiveRight, SendRight};
use crate::sys::{self, mach_port_t};

fn c_name(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| Error::KERN_INVALID_ARGUMENT)
}

fn bootstrap() -> mach_port_t {
    // mach2 declares `bootstrap_port` as an extern static (reading it is unsafe); the
    // loopback's is an ordinary one.
    #[allow(unused_unsafe)]
    // SAFETY: reading the process's bootstrap port name, set up before `main`.
    unsafe {
        sys::bootstrap_port
    }
}

/// Checks in as the server of `name`: returns the service's receive right, creating the
/// service if no job declared it. Clients find it with [`look_up`] until the right is
/// dropped.
pub fn check_in(name: &str) -> Result<ReceiveRight> {
    let name = c_name(name)?;
    let mut port = sys::MACH_PORT_NULL;
    // SAFETY: a NUL-terminated name and a valid out-pointer.
    Error::check(unsafe { sys::bootstrap_check_in(bootstrap(), name.as_ptr(), &mut port) })?;
    // SAFETY: check-in hands us the service's receive right.
    Ok(unsafe { ReceiveRight::from_raw(port) })
}

/// Publishes a send right to `port` under `name` (`bootstrap_register`): deprecated by
/// launchd and refused in the App Sandbox; prefer [`check_in`].
pub fn register(name: &str, port: &SendRight) -> Result<()> {
    let name = c_name(name)?;
    // SAFETY: a NUL-terminated name (the C API takes it mutable but does not write it)
    // and a send right we hold.
    Error::check(unsafe { sys::bootstrap_register(bootstrap(), name.as_ptr().cast_mut(), port.name()) })
}

/// Looks up the service registered under `name`: returns a send right to it.
pub fn look_up(name: &str) -> Result<SendRight> {
    let name = c_name(name)?;
    let mut port = sys::MACH_PORT_NULL;
    // SAFETY: a NUL-terminated name and a valid out-pointer.
    Error::check(unsafe { sys::bootstrap_look_up(bootstrap(), name.as_ptr(), &mut port) })?;
    // SAFETY: look-up hands us a send right reference.
    Ok(unsafe { SendRight::from_raw(port) })
}
