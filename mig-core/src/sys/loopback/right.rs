//! Moving rights between names and the kernel: taking a right from a name
//! (copyin), naming a right in a space (copyout), destroying rights, and
//! what happens when a port dies; and the user-reference operations the port
//! calls, task termination and the MIG runtime share (`deallocate`,
//! `mod_refs`, `destroy_name`).
//!
//! Send rights are counted per port (`Port::srights`, as XNU's
//! `ip_srights`): a name holding send rights counts once whatever its user
//! references, as does each right in a message. When the count drops to zero
//! the port's no-senders request fires.

use super::ids::{Name, ObjId, SpaceId, is_kernel_name};
use super::kern_return::{
    KERN_INVALID_CAPABILITY, KERN_INVALID_NAME, KERN_INVALID_RIGHT, KERN_INVALID_VALUE, KERN_NAME_EXISTS,
    KERN_RIGHT_EXISTS, KERN_UREFS_OVERFLOW, kern_return_t,
};
use super::kernel::Kernel;
use super::port::{Carried, Kind, Port, Target};
use super::space::Right;
use super::types::{
    MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE,
    MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_DEAD,
    MACH_PORT_NULL, MACH_PORT_RIGHT_DEAD_NAME, MACH_PORT_RIGHT_PORT_SET, MACH_PORT_RIGHT_RECEIVE,
    MACH_PORT_RIGHT_SEND, MACH_PORT_RIGHT_SEND_ONCE, MACH_PORT_UREFS_MAX, mach_msg_type_name_t,
    mach_port_delta_t, mach_port_right_t,
};

/// Why a right could not be taken from a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CopyinError {
    /// No such name.
    Name,
    /// The name does not hold the right the disposition needs.
    Right,
    /// Not a disposition that moves a right.
    Disposition,
}

impl CopyinError {
    /// The error the `mach_port_*` calls report.
    pub(super) fn kern_return(self) -> kern_return_t {
        match self {
            CopyinError::Name => KERN_INVALID_NAME,
            CopyinError::Right => KERN_INVALID_RIGHT,
            CopyinError::Disposition => KERN_INVALID_VALUE,
        }
    }
}

/// Rights already claimed from each name by earlier parts of one message, so
/// a message is validated as a whole before anything is taken.
#[derive(Default)]
pub(super) struct Ledger {
    claims: Vec<(Name, Claim)>,
}

#[derive(Clone, Copy, Default)]
struct Claim {
    send: u32,
    dead: u32,
    send_once: bool,
    receive: bool,
}

impl Ledger {
    fn claim(&mut self, name: Name) -> &mut Claim {
        let at = match self.claims.iter().position(|(n, _)| *n == name) {
            Some(at) => at,
            None => {
                self.claims.push((name, Claim::default()));
                self.claims.len() - 1
            }
        };
        &mut self.claims[at].1
    }
}

impl Kernel {
    // ------------------------------------------------------------ send-right count

    /// A send right to `port` came into existence.
    pub(super) fn send_made(&mut self, port: ObjId) {
        if let Some(p) = self.ports.get_mut(&port) {
            p.srights = p.srights.saturating_add(1);
        }
    }

    /// A send right to `port` went away: the last one fires the no-senders
    /// request with the make-send count.
    pub(super) fn send_dropped(&mut self, port: ObjId) {
        let Some(p) = self.ports.get_mut(&port) else {
            return;
        };
        p.srights = p.srights.saturating_sub(1);
        if p.srights == 0
            && let Some(notify) = p.no_senders_request.take()
        {
            let mscount = p.mscount;
            self.notify_no_senders(notify, mscount);
        }
    }

    // ------------------------------------------------------------ names

    /// Frees `name` in `sid`. A dead-name request registered on it is
    /// cancelled with a port-deleted notification, as in XNU.
    pub(super) fn remove_name(&mut self, sid: SpaceId, name: Name) -> Option<Right> {
        let entry = self.space_mut(sid)?.remove(name)?;
        if let Some(notify) = entry.dead_name_request {
            self.notify_port_deleted(notify, name);
        }
        Some(entry.right)
    }

    /// Sets the send user references of a port name (whose rights were
    /// `receive` and `old` references), freeing the name when nothing is
    /// left and releasing its send right when the references reach zero.
    pub(super) fn set_send_urefs(
        &mut self,
        sid: SpaceId,
        name: Name,
        port: ObjId,
        receive: bool,
        old: u32,
        new: u32,
    ) {
        if new == 0 && !receive {
            self.remove_name(sid, name);
        } else {
            let urefs = new;
            self.set_right(sid, name, Right::Port { port, receive, urefs });
        }
        if old > 0 && new == 0 {
            self.send_dropped(port);
        }
    }

    /// Adjusts a dead name's user references, freeing it at zero.
    pub(super) fn add_dead_urefs(&mut self, sid: SpaceId, name: Name, urefs: u32, delta: i64) {
        let left = i64::from(urefs) + delta;
        if left <= 0 {
            self.remove_name(sid, name);
        } else {
            let urefs = u32::try_from(left).unwrap_or(MACH_PORT_UREFS_MAX);
            self.set_right(sid, name, Right::DeadName { urefs });
        }
    }

    // ------------------------------------------------------------ rights in

    /// Checks that `disposition` can take a right from `name` in `sid`, given
    /// what the same message already claimed. Returns what the right will
    /// point at.
    pub(super) fn check_copyin(
        &self,
        sid: SpaceId,
        ledger: &mut Ledger,
        name: Name,
        disposition: mach_msg_type_name_t,
    ) -> Result<Target, CopyinError> {
        Kind::of_disposition(disposition).ok_or(CopyinError::Disposition)?;
        if name == MACH_PORT_NULL {
            return Ok(Target::Null);
        }
        if name == MACH_PORT_DEAD {
            return Ok(Target::Dead);
        }
        if is_kernel_name(name) {
            // The task's own port and the bootstrap port are immovable here.
            return Err(CopyinError::Right);
        }
        let right = self.lookup(sid, name).ok_or(CopyinError::Name)?;
        let claim = ledger.claim(name);
        match (disposition, right) {
            (
                MACH_MSG_TYPE_MOVE_RECEIVE,
                Right::Port {
                    port, receive: true, ..
                },
            ) if !claim.receive => {
                claim.receive = true;
                Ok(Target::Port(port))
            }
            (
                MACH_MSG_TYPE_MAKE_SEND | MACH_MSG_TYPE_MAKE_SEND_ONCE,
                Right::Port {
                    port, receive: true, ..
                },
            ) if !claim.receive => Ok(Target::Port(port)),
            (MACH_MSG_TYPE_COPY_SEND, Right::Port { port, urefs, .. }) if urefs > claim.send => {
                Ok(Target::Port(port))
            }
            (MACH_MSG_TYPE_MOVE_SEND, Right::Port { port, urefs, .. }) if urefs > claim.send => {
                claim.send += 1;
                Ok(Target::Port(port))
            }
            (MACH_MSG_TYPE_MOVE_SEND_ONCE, Right::SendOnce { port }) if !claim.send_once => {
                claim.send_once = true;
                Ok(Target::Port(port))
            }
            // Send rights to dead ports travel as MACH_PORT_DEAD.
            (MACH_MSG_TYPE_COPY_SEND, Right::DeadName { urefs }) if urefs > claim.dead => Ok(Target::Dead),
            (MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE, Right::DeadName { urefs })
                if urefs > claim.dead =>
            {
                claim.dead += 1;
                Ok(Target::Dead)
            }
            _ => Err(CopyinError::Right),
        }
    }

    /// Takes the right `disposition` names from `name` in `sid`. Must follow
    /// a successful `check_copyin`; if it did not, the result is a dead right.
    pub(super) fn copyin(&mut self, sid: SpaceId, name: Name, disposition: mach_msg_type_name_t) -> Carried {
        let kind = Kind::of_disposition(disposition).unwrap_or(Kind::Send);
        let carried = |target| Carried { target, kind };
        if name == MACH_PORT_NULL {
            return carried(Target::Null);
        }
        let Some(right) = self.lookup(sid, name) else {
            return carried(Target::Dead);
        };
        match (disposition, right) {
            (
                MACH_MSG_TYPE_MOVE_RECEIVE,
                Right::Port {
                    port,
                    receive: true,
                    urefs,
                },
            ) => {
                if urefs == 0 {
                    self.remove_name(sid, name);
                } else {
                    let receive = false;
                    self.set_right(sid, name, Right::Port { port, receive, urefs });
                }
                self.leave_set(port);
                if let Some(p) = self.ports.get_mut(&port) {
                    p.clear_receiver();
                }
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_MAKE_SEND, Right::Port { port, .. }) => {
                if let Some(p) = self.ports.get_mut(&port) {
                    p.mscount = p.mscount.wrapping_add(1);
                }
                self.send_made(port);
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_COPY_SEND, Right::Port { port, .. }) => {
                self.send_made(port);
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_MAKE_SEND_ONCE, Right::Port { port, .. }) => carried(Target::Port(port)),
            (MACH_MSG_TYPE_MOVE_SEND, Right::Port { port, receive, urefs }) => {
                if urefs <= 1 {
                    // The name's send right itself leaves: the count is unchanged.
                    if receive {
                        let urefs = 0;
                        self.set_right(sid, name, Right::Port { port, receive, urefs });
                    } else {
                        self.remove_name(sid, name);
                    }
                } else {
                    let urefs = urefs - 1;
                    self.set_right(sid, name, Right::Port { port, receive, urefs });
                    self.send_made(port);
                }
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_MOVE_SEND_ONCE, Right::SendOnce { port }) => {
                self.remove_name(sid, name);
                carried(Target::Port(port))
            }
            (MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE, Right::DeadName { urefs }) => {
                self.add_dead_urefs(sid, name, urefs, -1);
                carried(Target::Dead)
            }
            _ => carried(Target::Dead),
        }
    }

    // ------------------------------------------------------------ rights out

    /// Gives a carried right a name in `sid`, as message receipt does: send
    /// rights coalesce with the port's existing name (user references
    /// saturate at `MACH_PORT_UREFS_MAX`), send-once rights get a new name,
    /// rights to dead ports come out as `MACH_PORT_DEAD`.
    pub(super) fn copyout(&mut self, sid: SpaceId, carried: Carried) -> Name {
        let port = match carried.target {
            Target::Null => return MACH_PORT_NULL,
            Target::Dead => return MACH_PORT_DEAD,
            Target::Port(port) => port,
        };
        if !self.ports.contains_key(&port) {
            return MACH_PORT_DEAD;
        }
        let Some(space) = self.space(sid) else {
            self.release(carried);
            return MACH_PORT_DEAD;
        };
        let existing = space.name_of(port);
        let named = match carried.kind {
            Kind::Send => match existing.and_then(|n| Some((n, self.lookup(sid, n)?))) {
                Some((name, Right::Port { receive, urefs, .. })) => {
                    let now = (urefs + 1).min(MACH_PORT_UREFS_MAX);
                    self.set_right(
                        sid,
                        name,
                        Right::Port {
                            port,
                            receive,
                            urefs: now,
                        },
                    );
                    if urefs > 0 {
                        // Merged into the name's send right.
                        self.send_dropped(port);
                    }
                    Some(name)
                }
                _ => self.new_entry(
                    sid,
                    Right::Port {
                        port,
                        receive: false,
                        urefs: 1,
                    },
                ),
            },
            Kind::SendOnce => self.new_entry(sid, Right::SendOnce { port }),
            Kind::Receive => {
                let named = match existing.and_then(|n| Some((n, self.lookup(sid, n)?))) {
                    Some((name, Right::Port { urefs, .. })) => {
                        self.set_right(
                            sid,
                            name,
                            Right::Port {
                                port,
                                receive: true,
                                urefs,
                            },
                        );
                        Some(name)
                    }
                    _ => self.new_entry(
                        sid,
                        Right::Port {
                            port,
                            receive: true,
                            urefs: 0,
                        },
                    ),
                };
                if named.is_some()
                    && let Some(p) = self.ports.get_mut(&port)
                {
                    p.transit = None;
                    p.receiver = Some(sid);
                }
                named
            }
        };
        named.unwrap_or_else(|| {
            // Out of names (16M of them): the right is lost, as a dead name.
            self.release(carried);
            MACH_PORT_DEAD
        })
    }

    /// Gives a carried right the caller-chosen `name` in `sid`
    /// (`mach_port_insert_right`). On error the right is not consumed; the
    /// caller decides its fate.
    pub(super) fn copyout_named(
        &mut self,
        sid: SpaceId,
        name: Name,
        carried: Carried,
    ) -> Result<(), kern_return_t> {
        let Target::Port(port) = carried.target else {
            return Err(KERN_INVALID_CAPABILITY);
        };
        if !self.ports.contains_key(&port) {
            return Err(KERN_INVALID_CAPABILITY);
        }
        let space = self.space(sid).ok_or(KERN_INVALID_CAPABILITY)?;
        match (carried.kind, space.name_of(port)) {
            (Kind::SendOnce, _) => {
                space.name_free(name)?;
                if let Some(space) = self.space_mut(sid) {
                    space.insert_at(name, Right::SendOnce { port });
                }
            }
            (_, Some(other)) if other != name => return Err(KERN_RIGHT_EXISTS),
            (kind, Some(_)) => {
                let Some(Right::Port { receive, urefs, .. }) = space.lookup(name) else {
                    return Err(KERN_NAME_EXISTS);
                };
                if kind == Kind::Receive {
                    if receive {
                        return Err(KERN_RIGHT_EXISTS);
                    }
                    self.set_right(
                        sid,
                        name,
                        Right::Port {
                            port,
                            receive: true,
                            urefs,
                        },
                    );
                } else if urefs >= MACH_PORT_UREFS_MAX {
                    return Err(KERN_UREFS_OVERFLOW);
                } else {
                    self.set_right(
                        sid,
                        name,
                        Right::Port {
                            port,
                            receive,
                            urefs: urefs + 1,
                        },
                    );
                    if urefs > 0 {
                        self.send_dropped(port);
                    }
                }
            }
            (kind, None) => {
                space.name_free(name)?;
                let receive = kind == Kind::Receive;
                let urefs = u32::from(!receive);
                if let Some(space) = self.space_mut(sid) {
                    space.insert_at(name, Right::Port { port, receive, urefs });
                }
            }
        }
        if carried.kind == Kind::Receive
            && let Some(p) = self.ports.get_mut(&port)
        {
            p.transit = None;
            p.receiver = Some(sid);
        }
        Ok(())
    }

    // ------------------------------------------------------------ destruction

    /// Destroys a carried right: a send right is released (maybe firing
    /// no-senders), a send-once right sends its port a send-once
    /// notification, a receive right destroys its port (or, with a
    /// port-destroyed request, is sent away in the notification instead).
    pub(super) fn release(&mut self, carried: Carried) {
        self.release_all(vec![carried]);
    }

    /// Destroys several rights. Iterative: destroying a port destroys the
    /// messages queued on it, whose rights may destroy further ports.
    pub(super) fn release_all(&mut self, mut work: Vec<Carried>) {
        while let Some(carried) = work.pop() {
            let Target::Port(id) = carried.target else {
                continue;
            };
            match carried.kind {
                Kind::Send => self.send_dropped(id),
                Kind::SendOnce => self.notify_send_once(id),
                Kind::Receive => {
                    let request = self.ports.get_mut(&id).and_then(|p| p.destroyed_request.take());
                    match request {
                        // The port lives on: its receive right goes to the
                        // requester, queued messages and all.
                        Some(notify) => self.notify_port_destroyed(notify, id),
                        None => {
                            if let Some(port) = self.ports.remove(&id) {
                                self.port_died(id, port, &mut work);
                            }
                        }
                    }
                }
            }
        }
    }

    /// A port's receive right is gone: in every space its send and send-once
    /// names become dead names (firing their dead-name requests), it leaves
    /// its set and the bootstrap registry, its no-senders request is
    /// destroyed, and its queued messages are destroyed (their rights pushed
    /// onto `work`).
    pub(super) fn port_died(&mut self, id: ObjId, port: Port, work: &mut Vec<Carried>) {
        let mut dead_names = Vec::new();
        for (&sid, space) in &mut self.spaces {
            let mut names = space.send_once_names(id);
            names.extend(space.name_of(id));
            for name in names {
                let urefs = match space.lookup(name) {
                    Some(Right::Port { urefs, .. }) => urefs,
                    _ => 1,
                };
                if urefs == 0 {
                    // A receive-only name: its right is what just died.
                    dead_names.push((sid, name, None));
                    continue;
                }
                let request = space.entry_mut(name).and_then(|e| e.dead_name_request.take());
                // Each pending dead-name notification carries one more
                // user reference of the dead name.
                let urefs = (urefs + u32::from(request.is_some())).min(MACH_PORT_UREFS_MAX);
                space.set_right(name, Right::DeadName { urefs });
                if let Some(notify) = request {
                    dead_names.push((sid, name, Some(notify)));
                }
            }
        }
        for (sid, name, notify) in dead_names {
            match notify {
                Some(notify) => self.notify_dead_name(notify, name),
                None => {
                    self.remove_name(sid, name);
                }
            }
        }
        if let Some(set) = port.set
            && let Some(s) = self.sets.get_mut(&set)
        {
            s.members.retain(|m| *m != id);
        }
        self.services.retain(|_, service| service.port != id);
        work.extend(port.no_senders_request.map(|notify| Carried {
            target: Target::Port(notify),
            kind: Kind::SendOnce,
        }));
        for kmsg in port.queue {
            work.extend(kmsg.into_rights());
        }
    }
}

impl Port {
    /// What XNU resets when a receive right leaves a space: the make-send
    /// count, the sequence number and the context.
    pub(super) fn clear_receiver(&mut self) {
        self.receiver = None;
        self.mscount = 0;
        self.seqno = 0;
        self.context = 0;
    }
}

/// `urefs + delta`, checked against 0 and `MACH_PORT_UREFS_MAX`.
pub(super) fn apply_delta(urefs: u32, delta: mach_port_delta_t) -> Result<u32, kern_return_t> {
    let left = i64::from(urefs) + i64::from(delta);
    if left < 0 {
        Err(KERN_INVALID_VALUE)
    } else if left > i64::from(MACH_PORT_UREFS_MAX) {
        Err(KERN_UREFS_OVERFLOW)
    } else {
        Ok(left as u32)
    }
}

impl Kernel {
    /// Drops one user reference (`mach_port_deallocate`).
    pub(super) fn deallocate(&mut self, sid: SpaceId, name: Name) -> Result<(), kern_return_t> {
        match self.lookup(sid, name).ok_or(KERN_INVALID_NAME)? {
            Right::Port { port, receive, urefs } if urefs > 0 => {
                self.set_send_urefs(sid, name, port, receive, urefs, urefs - 1);
                Ok(())
            }
            Right::SendOnce { port } => {
                self.remove_name(sid, name);
                self.release(Carried {
                    target: Target::Port(port),
                    kind: Kind::SendOnce,
                });
                Ok(())
            }
            Right::DeadName { urefs } => {
                self.add_dead_urefs(sid, name, urefs, -1);
                Ok(())
            }
            // Receive-only names and port sets have no user references.
            Right::Port { .. } | Right::PortSet { .. } => Err(KERN_INVALID_RIGHT),
        }
    }

    /// Destroys the receive right `name` holds: the name keeps its send
    /// rights (which become a dead name when the port dies) or is freed.
    fn destroy_receive(&mut self, sid: SpaceId, name: Name, port: ObjId, urefs: u32) {
        if urefs > 0 {
            self.set_right(
                sid,
                name,
                Right::Port {
                    port,
                    receive: false,
                    urefs,
                },
            );
        } else {
            self.remove_name(sid, name);
        }
        self.release(Carried {
            target: Target::Port(port),
            kind: Kind::Receive,
        });
    }

    /// Adds `delta` user references of `right` (`mach_port_mod_refs`).
    pub(super) fn mod_refs(
        &mut self,
        sid: SpaceId,
        name: Name,
        right: mach_port_right_t,
        delta: mach_port_delta_t,
    ) -> Result<(), kern_return_t> {
        let entry = self.lookup(sid, name).ok_or(KERN_INVALID_NAME)?;
        match (right, entry) {
            (
                MACH_PORT_RIGHT_RECEIVE,
                Right::Port {
                    port,
                    receive: true,
                    urefs,
                },
            ) => match delta {
                0 => Ok(()),
                // The port dies; send rights under the name become a dead name.
                -1 => {
                    self.destroy_receive(sid, name, port, urefs);
                    Ok(())
                }
                _ => Err(KERN_INVALID_VALUE),
            },
            (MACH_PORT_RIGHT_SEND, Right::Port { port, receive, urefs }) if urefs > 0 => {
                let left = apply_delta(urefs, delta)?;
                self.set_send_urefs(sid, name, port, receive, urefs, left);
                Ok(())
            }
            (MACH_PORT_RIGHT_SEND_ONCE, Right::SendOnce { .. }) => match delta {
                0 => Ok(()),
                -1 => self.deallocate(sid, name),
                _ => Err(KERN_INVALID_VALUE),
            },
            (MACH_PORT_RIGHT_DEAD_NAME, Right::DeadName { urefs }) => {
                let left = apply_delta(urefs, delta)?;
                self.add_dead_urefs(sid, name, urefs, i64::from(left) - i64::from(urefs));
                Ok(())
            }
            (MACH_PORT_RIGHT_PORT_SET, Right::PortSet { set }) => match delta {
                0 => Ok(()),
                -1 => {
                    self.remove_name(sid, name);
                    self.destroy_set(set);
                    Ok(())
                }
                _ => Err(KERN_INVALID_VALUE),
            },
            _ => Err(KERN_INVALID_RIGHT),
        }
    }

    /// Removes every right `name` denotes (`mach_port_destroy`).
    pub(super) fn destroy_name(&mut self, sid: SpaceId, name: Name) -> Result<(), kern_return_t> {
        match self.remove_name(sid, name).ok_or(KERN_INVALID_NAME)? {
            Right::Port { port, receive, urefs } => {
                if urefs > 0 {
                    self.send_dropped(port);
                }
                if receive {
                    self.release(Carried {
                        target: Target::Port(port),
                        kind: Kind::Receive,
                    });
                }
            }
            Right::SendOnce { port } => self.release(Carried {
                target: Target::Port(port),
                kind: Kind::SendOnce,
            }),
            Right::PortSet { set } => self.destroy_set(set),
            Right::DeadName { .. } => {}
        }
        Ok(())
    }

    /// The port whose receive right `name` holds in `sid`.
    pub(super) fn receive_port(&self, sid: SpaceId, name: Name) -> Result<ObjId, kern_return_t> {
        match self.lookup(sid, name).ok_or(KERN_INVALID_NAME)? {
            Right::Port {
                port, receive: true, ..
            } => Ok(port),
            _ => Err(KERN_INVALID_RIGHT),
        }
    }
}
