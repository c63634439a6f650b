//! The bootstrap name service's data: what the registry holds for each
//! service name (the calls are in `bootstrap.rs`; the registry itself is a
//! field of the kernel).

use super::ids::ObjId;

/// A registration: the registry holds a send right to `port` (so a
/// registered port never sees no-senders, as with launchd).
#[derive(Debug)]
pub(super) struct Service {
    pub port: ObjId,
    /// Created by `bootstrap_check_in` (the registry made the port).
    pub checked_in: bool,
}
