//! Message queues: delivering a message to a port, which queues it, hands it
//! to the kernel's own server (a task port), or destroys it (a dead port, a
//! receive right sent into its own queue).

use super::ids::ObjId;
use super::kernel::{Kernel, header_bytes};
use super::port::{Carried, Kmsg, Target};
use super::trailer::Tokens;
use super::types::{NDR_record, mach_msg_header_t};

/// MIG's `MIG_BAD_ID`: the kernel's answer to a routine it does not serve.
const MIG_BAD_ID: i32 = -303;

impl Kernel {
    /// Queues a message on `port`. A message that would carry a port's
    /// receive right into that port's own queue (directly or through other
    /// in-transit receive rights) is destroyed instead, as XNU does; so is a
    /// message to a dead port. Messages to a task port are handled by the
    /// kernel (see `kobject_message`).
    pub(super) fn enqueue(&mut self, port: ObjId, mut kmsg: Kmsg) {
        let receives = kmsg.carried_receives();
        let circular = receives.iter().any(|&r| self.leads_to(port, r));
        let Some(target) = self.ports.get(&port) else {
            self.release_all(kmsg.into_rights());
            return;
        };
        if target.task.is_some() {
            self.kobject_message(kmsg);
            return;
        }
        if circular {
            self.release_all(kmsg.into_rights());
            return;
        }
        for r in receives {
            if let Some(p) = self.ports.get_mut(&r) {
                p.transit = Some(port);
            }
        }
        kmsg.stamp = self.next_stamp;
        self.next_stamp += 1;
        if let Some(p) = self.ports.get_mut(&port) {
            p.queue.push_back(kmsg);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        self.signal_ready(port);
    }

    /// Whether `from` is `to`, or is in transit (transitively) inside `to`.
    fn leads_to(&self, from: ObjId, to: ObjId) -> bool {
        let mut current = from;
        for _ in 0..=self.ports.len() {
            if current == to {
                return true;
            }
            match self.ports.get(&current).and_then(|p| p.transit) {
                Some(next) => current = next,
                None => return false,
            }
        }
        // A loop not through `to` cannot exist; be conservative anyway.
        true
    }

    /// A message sent to a task port: the kernel serves no routines in the
    /// loopback, so, as XNU does for an unknown id, it destroys the request
    /// and answers a reply right with a `mig_reply_error_t` of `MIG_BAD_ID`.
    pub(super) fn kobject_message(&mut self, kmsg: Kmsg) {
        let id = kmsg
            .bytes
            .get(20..24)
            .and_then(|b| b.try_into().ok())
            .map_or(0, i32::from_ne_bytes);
        let reply = kmsg.reply;
        let mut rights = kmsg.into_rights();
        if reply.is_some() {
            // `into_rights` lists the destination, then the reply right.
            rights.remove(1);
        }
        self.release_all(rights);
        let Some(
            reply @ Carried {
                target: Target::Port(port),
                ..
            },
        ) = reply
        else {
            return;
        };
        let header = mach_msg_header_t {
            msgh_size: 36,
            msgh_id: id.wrapping_add(100),
            ..Default::default()
        };
        let mut bytes = header_bytes(&header);
        let r = NDR_record;
        bytes.extend([
            r.mig_vers,
            r.if_vers,
            r.reserved1,
            r.mig_encoding,
            r.int_rep,
            r.char_rep,
            r.float_rep,
            r.reserved32,
        ]);
        bytes.extend(MIG_BAD_ID.to_ne_bytes());
        let answer = Kmsg {
            bytes,
            dest: reply,
            reply: None,
            descs: Vec::new(),
            stamp: 0,
            sender: Tokens::KERNEL,
        };
        self.enqueue(port, answer);
    }
}
