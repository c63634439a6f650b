//! The built-in bootstrap (launchd-style) name service: a registry from
//! service names to send rights, reached through `bootstrap_port`.

#![allow(non_camel_case_types, non_upper_case_globals)]

use std::ffi::{c_char, c_int, c_uint};

use super::current;
use super::ids::{BOOTSTRAP_NAME, SpaceId};
use super::kern_return::{KERN_INVALID_ARGUMENT, KERN_SUCCESS, kern_return_t};
use super::kernel::{self, Kernel};
use super::port::{Carried, Kind, Target};
use super::right::Ledger;
use super::service::Service;
use super::space::Right;
use super::types::{
    MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_SEND_INVALID_DEST, MACH_SEND_INVALID_RIGHT,
    mach_port_t,
};

/// `BOOTSTRAP_MAX_NAME_LEN`: size of `name_t`, terminating NUL included.
pub const BOOTSTRAP_MAX_NAME_LEN: c_uint = 128;
/// `BOOTSTRAP_SUCCESS`.
pub const BOOTSTRAP_SUCCESS: kern_return_t = 0;
/// `BOOTSTRAP_NOT_PRIVILEGED`.
pub const BOOTSTRAP_NOT_PRIVILEGED: kern_return_t = 1100;
/// `BOOTSTRAP_NAME_IN_USE`: the name is registered to a live port.
pub const BOOTSTRAP_NAME_IN_USE: kern_return_t = 1101;
/// `BOOTSTRAP_UNKNOWN_SERVICE`: no live registration under the name.
pub const BOOTSTRAP_UNKNOWN_SERVICE: kern_return_t = 1102;
/// `BOOTSTRAP_SERVICE_ACTIVE`: check-in for a service someone else serves.
pub const BOOTSTRAP_SERVICE_ACTIVE: kern_return_t = 1103;
/// `BOOTSTRAP_BAD_COUNT`.
pub const BOOTSTRAP_BAD_COUNT: kern_return_t = 1104;
/// `BOOTSTRAP_NO_MEMORY`.
pub const BOOTSTRAP_NO_MEMORY: kern_return_t = 1105;
/// `BOOTSTRAP_NO_CHILDREN`.
pub const BOOTSTRAP_NO_CHILDREN: kern_return_t = 1106;

/// `name_t`: a service name buffer.
pub type name_t = [c_char; 128];
/// `bootstrap_status_t`.
pub type bootstrap_status_t = c_int;

/// The send right to the bootstrap server every process starts with. In the
/// loopback a fixed reserved name; the `bootstrap_*` calls accept only it.
pub static bootstrap_port: mach_port_t = BOOTSTRAP_NAME;

/// The caller's space, if it is alive (a terminated task reaches no server).
fn caller(k: &Kernel) -> Result<SpaceId, kern_return_t> {
    let sid = current::current();
    k.space(sid).map(|_| sid).ok_or(MACH_SEND_INVALID_DEST)
}

/// Reads a service name, truncated to `name_t`'s 127 characters as the MIG
/// `name_t` argument is.
///
/// # Safety
/// `name` must be null or point at a NUL-terminated string (or at least 127
/// readable bytes).
unsafe fn read_name(name: *const c_char) -> Result<Vec<u8>, kern_return_t> {
    if name.is_null() {
        return Err(KERN_INVALID_ARGUMENT);
    }
    let mut bytes = Vec::new();
    for i in 0..BOOTSTRAP_MAX_NAME_LEN as usize - 1 {
        // SAFETY: bytes up to and including the NUL are readable per the
        // caller, and we stop at the NUL.
        let byte = unsafe { name.add(i).read() } as u8;
        if byte == 0 {
            break;
        }
        bytes.push(byte);
    }
    Ok(bytes)
}

fn check_bootstrap(bp: mach_port_t) -> Result<(), kern_return_t> {
    if bp == BOOTSTRAP_NAME {
        Ok(())
    } else {
        // Any other port would not reach the bootstrap server.
        Err(MACH_SEND_INVALID_DEST)
    }
}

/// Writes a result name through `out` and maps the result to a return code.
///
/// # Safety
/// `out` must be valid for writes when `result` is `Ok`.
unsafe fn finish(result: Result<mach_port_t, kern_return_t>, out: *mut mach_port_t) -> kern_return_t {
    match result {
        Ok(name) => {
            // SAFETY: checked non-null by the callers; writable per the caller.
            unsafe { out.write_unaligned(name) };
            KERN_SUCCESS
        }
        Err(e) => e,
    }
}

/// `bootstrap_register`: registers a send right for `sp` (made from its
/// receive right, or copied from its send right) under `service_name`.
/// `BOOTSTRAP_NAME_IN_USE` if a live port is already registered there.
///
/// # Safety
/// `service_name` must be null or a NUL-terminated string.
pub unsafe extern "C" fn bootstrap_register(
    bp: mach_port_t,
    service_name: *mut c_char,
    sp: mach_port_t,
) -> kern_return_t {
    if let Err(e) = check_bootstrap(bp) {
        return e;
    }
    // SAFETY: forwarded from the caller.
    let name = match unsafe { read_name(service_name) } {
        Ok(name) => name,
        Err(e) => return e,
    };
    let result = kernel::with(|k| {
        let sid = caller(k)?;
        if k.services.contains_key(&name) {
            return Err(BOOTSTRAP_NAME_IN_USE);
        }
        let disposition = match k.lookup(sid, sp) {
            Some(Right::Port { receive: true, .. }) => MACH_MSG_TYPE_MAKE_SEND,
            _ => MACH_MSG_TYPE_COPY_SEND,
        };
        match k.check_copyin(sid, &mut Ledger::default(), sp, disposition) {
            Ok(Target::Port(_)) => {}
            Ok(_) => return Err(KERN_INVALID_ARGUMENT),
            Err(_) => return Err(MACH_SEND_INVALID_RIGHT),
        }
        let Target::Port(port) = k.copyin(sid, sp, disposition).target else {
            return Err(MACH_SEND_INVALID_RIGHT);
        };
        let checked_in = false;
        k.services.insert(name, Service { port, checked_in });
        Ok(())
    });
    result.err().unwrap_or(BOOTSTRAP_SUCCESS)
}

/// The checks `bootstrap_check_in` and `bootstrap_look_up` share: the bootstrap port,
/// an out-pointer, and the service name.
///
/// # Safety
/// `service_name` must be null or a NUL-terminated string.
unsafe fn lookup_arguments(
    bp: mach_port_t,
    service_name: *const c_char,
    sp: *mut mach_port_t,
) -> Result<Vec<u8>, kern_return_t> {
    check_bootstrap(bp)?;
    if sp.is_null() {
        return Err(KERN_INVALID_ARGUMENT);
    }
    // SAFETY: forwarded from the caller.
    unsafe { read_name(service_name) }
}

/// `bootstrap_check_in`: the server side. Creates a port registered under
/// `service_name` and returns its receive right; checking in again returns
/// the same receive right while it lives. A name registered with
/// `bootstrap_register` gives `BOOTSTRAP_SERVICE_ACTIVE`.
///
/// # Safety
/// `service_name` must be null or a NUL-terminated string; `sp` writable.
pub unsafe extern "C" fn bootstrap_check_in(
    bp: mach_port_t,
    service_name: *const c_char,
    sp: *mut mach_port_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    let name = match unsafe { lookup_arguments(bp, service_name, sp) } {
        Ok(name) => name,
        Err(e) => return e,
    };
    let result = kernel::with(|k| {
        let sid = caller(k)?;
        if let Some(service) = k.services.get(&name) {
            let port = service.port;
            let ours = k.ports.get(&port).is_some_and(|p| p.receiver == Some(sid));
            return match (service.checked_in && ours, k.receive_name(port)) {
                (true, Some(receive)) => Ok(receive),
                _ => Err(BOOTSTRAP_SERVICE_ACTIVE),
            };
        }
        let (port, receive) = k.new_port(sid)?;
        // The registry keeps a send right it made from the receive right.
        if let Some(p) = k.ports.get_mut(&port) {
            p.mscount += 1;
        }
        k.send_made(port);
        let checked_in = true;
        k.services.insert(name, Service { port, checked_in });
        Ok(receive)
    });
    // SAFETY: `sp` is non-null and writable per the caller.
    unsafe { finish(result, sp) }
}

/// `bootstrap_look_up`: a send right (one more user reference) to the
/// service registered under `service_name`, or `BOOTSTRAP_UNKNOWN_SERVICE`.
/// Registrations end when their port dies.
///
/// # Safety
/// `service_name` must be null or a NUL-terminated string; `sp` writable.
pub unsafe extern "C" fn bootstrap_look_up(
    bp: mach_port_t,
    service_name: *const c_char,
    sp: *mut mach_port_t,
) -> kern_return_t {
    // SAFETY: forwarded from the caller.
    let name = match unsafe { lookup_arguments(bp, service_name, sp) } {
        Ok(name) => name,
        Err(e) => return e,
    };
    let result = kernel::with(|k| {
        let sid = caller(k)?;
        let port = k
            .services
            .get(&name)
            .map(|service| service.port)
            .ok_or(BOOTSTRAP_UNKNOWN_SERVICE)?;
        // A copy of the registry's send right.
        k.send_made(port);
        Ok(k.copyout(
            sid,
            Carried {
                target: Target::Port(port),
                kind: Kind::Send,
            },
        ))
    });
    // SAFETY: `sp` is non-null and writable per the caller.
    unsafe { finish(result, sp) }
}
