//! What a generated `Client` sends through: anything that names a send right.

use crate::rights::SendRight;
use crate::sys::mach_port_t;

/// A value that names a send right to send requests through: what a generated
/// subsystem's `Client<P>` holds.
///
/// Implemented for an owned [`SendRight`] (the client releases it when dropped), for
/// borrows and shared owners of one (`&SendRight`, `Arc<SendRight>`, `Rc<SendRight>`,
/// `Box<SendRight>`: the borrow checker keeps the right alive as long as the client),
/// and for a [`BorrowedName`], a bare name whose right someone else keeps.
///
/// Implementing it is safe: a client only ever *copies* a send right out of the name
/// (`MACH_MSG_TYPE_COPY_SEND`) for the time of a call, so a wrong name makes the call
/// fail (`MACH_SEND_INVALID_DEST`) and never makes it unsound.
pub trait SendPort {
    /// The name of the send right, in this task.
    fn name(&self) -> mach_port_t;
}

impl SendPort for SendRight {
    fn name(&self) -> mach_port_t {
        SendRight::name(self)
    }
}

impl<T: SendPort + ?Sized> SendPort for &T {
    fn name(&self) -> mach_port_t {
        (**self).name()
    }
}

impl<T: SendPort + ?Sized> SendPort for std::sync::Arc<T> {
    fn name(&self) -> mach_port_t {
        (**self).name()
    }
}

impl<T: SendPort + ?Sized> SendPort for std::rc::Rc<T> {
    fn name(&self) -> mach_port_t {
        (**self).name()
    }
}

impl<T: SendPort + ?Sized> SendPort for Box<T> {
    fn name(&self) -> mach_port_t {
        (**self).name()
    }
}

/// A bare name of a send right this value does not own: for a name you only have as a
/// number, such as `mach_task_self()`, a special port, or a name a C library hands out.
///
/// Nothing ties the right's lifetime to this value: whoever owns the right must keep it
/// while clients call through the name. A name whose right is gone is not undefined
/// behaviour, only a failed call (`MACH_SEND_INVALID_DEST`), or, should the task have
/// reused the name for another right meanwhile, a request sent to that right's port.
/// Where you hold the right as a [`SendRight`], give the client the `SendRight` (or a
/// reference to it) instead, and the compiler keeps it alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BorrowedName(pub mach_port_t);

impl SendPort for BorrowedName {
    fn name(&self) -> mach_port_t {
        self.0
    }
}
