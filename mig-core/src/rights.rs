//! Port rights that release themselves.

use crate::error::{Error, Result};
use crate::sys::{self, mach_port_t};

/// The receive right of a port: the port lives as long as this value.
///
/// Dropping it destroys the port; senders then get `MACH_SEND_INVALID_DEST` and a
/// server loop on it returns.
#[derive(Debug)]
pub struct ReceiveRight(mach_port_t);

/// One user reference to a send right.
#[derive(Debug)]
pub struct SendRight(mach_port_t);

/// A send-once right: one message may be sent with it (a reply, typically).
///
/// Dropping it unused destroys it, and the port's receiver gets a send-once
/// notification (which a waiting MIG client reports as `MIG_SERVER_DIED`).
#[derive(Debug)]
pub struct SendOnceRight(mach_port_t);

/// The methods every owner of a right has: take a name, show it, give it up.
macro_rules! owner {
    ($owner:ident, $what:literal) => {
        impl $owner {
            #[doc = concat!("Takes ownership of ", $what, " held under `name`.")]
            ///
            /// # Safety
            ///
            #[doc = concat!("`name` must denote ", $what, " that nothing else will use or release.")]
            pub unsafe fn from_raw(name: mach_port_t) -> Self {
                $owner(name)
            }

            /// The right's name in this task.
            pub fn name(&self) -> mach_port_t {
                self.0
            }

            /// Gives up ownership, returning the name.
            pub fn into_raw(self) -> mach_port_t {
                let name = self.0;
                core::mem::forget(self);
                name
            }
        }
    };
}

owner!(ReceiveRight, "a receive right");
owner!(SendRight, "one user reference of a send right");
owner!(SendOnceRight, "a send-once right");

impl Drop for SendOnceRight {
    fn drop(&mut self) {
        // SAFETY: we own this send-once right (or the dead name it became).
        unsafe { sys::mach_port_deallocate(sys::mach_task_self(), self.0) };
    }
}

impl ReceiveRight {
    /// Allocates a new port.
    pub fn allocate() -> Result<Self> {
        let mut name = sys::MACH_PORT_NULL;
        // SAFETY: `name` is a valid out-pointer; the task is our own.
        Error::check(unsafe {
            sys::mach_port_allocate(sys::mach_task_self(), sys::MACH_PORT_RIGHT_RECEIVE, &mut name)
        })?;
        Ok(ReceiveRight(name))
    }

    /// Makes a send right to this port (`MACH_MSG_TYPE_MAKE_SEND`).
    pub fn make_send(&self) -> Result<SendRight> {
        // SAFETY: we hold the receive right under this name.
        Error::check(unsafe {
            sys::mach_port_insert_right(
                sys::mach_task_self(),
                self.0,
                self.0,
                sys::MACH_MSG_TYPE_MAKE_SEND,
            )
        })?;
        Ok(SendRight(self.0))
    }
}

impl Drop for ReceiveRight {
    fn drop(&mut self) {
        // SAFETY: we own exactly this receive right.
        unsafe { sys::mach_port_mod_refs(sys::mach_task_self(), self.0, sys::MACH_PORT_RIGHT_RECEIVE, -1) };
    }
}

impl Clone for SendRight {
    /// Adds a user reference.
    fn clone(&self) -> Self {
        // SAFETY: we hold a send right under this name. If the port died meanwhile the
        // name is a dead name, whose references are counted the same way.
        unsafe {
            if sys::mach_port_mod_refs(sys::mach_task_self(), self.0, sys::MACH_PORT_RIGHT_SEND, 1) != 0 {
                sys::mach_port_mod_refs(sys::mach_task_self(), self.0, sys::MACH_PORT_RIGHT_DEAD_NAME, 1);
            }
        }
        SendRight(self.0)
    }
}

impl Drop for SendRight {
    fn drop(&mut self) {
        // SAFETY: we own one user reference of this right (or of the dead name it became).
        unsafe { sys::mach_port_deallocate(sys::mach_task_self(), self.0) };
    }
}

/// A received right of any kind, released on drop: what [`PolyPort::into_right`] gives.
#[derive(Debug)]
pub enum Right {
    /// A receive right.
    Receive(ReceiveRight),
    /// A send right (one user reference).
    Send(SendRight),
    /// A send-once right.
    SendOnce(SendOnceRight),
}

/// A right of a kind chosen at run time: MIG's `polymorphic` type. The sender picks the
/// disposition (`MACH_MSG_TYPE_MOVE_SEND`, `MAKE_SEND_ONCE`, …); the receiver learns what
/// arrived (`MACH_MSG_TYPE_PORT_SEND`, …) and owns that right, which it must release
/// itself: [`PolyPort::into_right`] gives the owner that does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolyPort {
    /// The right's name.
    pub name: mach_port_t,
    /// How it travels (sending) or what arrived (received).
    pub disposition: sys::mach_msg_type_name_t,
}

impl PolyPort {
    /// A right sent with `disposition`.
    pub fn new(name: mach_port_t, disposition: sys::mach_msg_type_name_t) -> Self {
        PolyPort { name, disposition }
    }

    /// What a received port descriptor carries.
    #[doc(hidden)]
    pub fn from_descriptor(descriptor: sys::mach_msg_port_descriptor_t) -> Self {
        PolyPort {
            name: descriptor.name,
            disposition: sys::mach_msg_type_name_t::from(descriptor.disposition),
        }
    }

    /// Takes ownership of a *received* right: the owner that releases it on drop, by
    /// the disposition that arrived; `None` for a null or dead name, which holds
    /// nothing to release.
    ///
    /// # Safety
    ///
    /// The right must have been received (its disposition says what this task holds
    /// under `name`) and not be owned elsewhere.
    pub unsafe fn into_right(self) -> Option<Right> {
        if self.name == sys::MACH_PORT_NULL || self.name == sys::MACH_PORT_DEAD {
            return None;
        }
        // SAFETY: per this function's contract the task holds this right, once.
        unsafe {
            match self.disposition {
                sys::MACH_MSG_TYPE_PORT_RECEIVE => Some(Right::Receive(ReceiveRight::from_raw(self.name))),
                sys::MACH_MSG_TYPE_PORT_SEND => Some(Right::Send(SendRight::from_raw(self.name))),
                sys::MACH_MSG_TYPE_PORT_SEND_ONCE => {
                    Some(Right::SendOnce(SendOnceRight::from_raw(self.name)))
                }
                _ => None,
            }
        }
    }

    /// The descriptor that sends it.
    #[doc(hidden)]
    pub fn into_descriptor(self) -> sys::mach_msg_port_descriptor_t {
        crate::__private::port(self.name, self.disposition as u8)
    }
}
