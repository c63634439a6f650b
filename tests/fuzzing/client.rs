//! The other direction: a hostile server against every generated client stub, shared by
//! `tests/garbage.rs` (bounded) and the cargo-fuzz target `fuzz/fuzz_targets/client.rs`.
//!
//! An input's first byte picks a routine of `everything`; the rest is the reply. It is
//! sent *through the loopback kernel* to the calling thread's MIG reply port before the
//! stub is called (the harness holds that receive right: it is the same task), so the
//! stub, single-threaded and deterministic, sends its request to a port the harness
//! holds and receives the forged reply: any ids, complex bits, descriptor types,
//! counts and sizes the kernel lets a server send. As in the dispatch harness, only
//! what a kernel never lets through is fixed up: descriptor addresses point into the
//! harness's memory and port names are ones it holds. The stub's result is dropped (its
//! rights and regions must go with it), the request is received and destroyed, what is
//! left on the reply port too, and every right, reference and region must be back where
//! it was.

use mig::sys::{self, mach_msg_header_t, mach_port_t};
use mig::{InlineArray, InlineString, MessageBuffer, OutArray, OutOfLine, PolyPort, ReceiveRight, SendRight};

use super::{SCRATCH, everything, fix_descriptors};

/// `MACH_NOTIFY_SEND_ONCE`: what a stub takes for its server's death.
const SEND_ONCE_NOTIFICATION: i32 = 0o107;
/// The longest reply sent: longer than any stub's receive buffer, so that
/// `MACH_RCV_TOO_LARGE` is probed too.
const MAX_FORGED: usize = everything::MAX_REPLY_SIZE + 128;
/// Local-port dispositions a forged reply may carry (a reply a stub must refuse).
const LOCAL: [u32; 4] = [
    0,
    sys::MACH_MSG_TYPE_COPY_SEND,
    sys::MACH_MSG_TYPE_MAKE_SEND,
    sys::MACH_MSG_TYPE_MAKE_SEND_ONCE,
];

/// The server's port (stubs call it), a port whose rights stubs move, scratch memory,
/// and the accounting to return to.
pub struct Harness {
    /// Our receive right, and one send reference that the stubs use.
    port: mach_port_t,
    /// A receive right whose send rights `ports` moves and `poly` makes.
    target: ReceiveRight,
    buffer: MessageBuffer,
    scratch: Vec<u8>,
    names: Vec<mach_port_t>,
    rights: usize,
    ool_bytes: usize,
    /// Forged replies the kernel accepted, and calls that returned `Ok`.
    pub sent: u64,
    pub accepted: u64,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    pub fn new() -> Harness {
        // Regions arrive at the sender's offset within their page, as XNU maps them,
        // so that misaligned out-of-line data is exercised too (this thread receives).
        sys::loopback_set_ool_placement(sys::OolPlacement::SendersOffset);
        let receive = ReceiveRight::allocate().unwrap();
        let port = receive.into_raw();
        // SAFETY: `port` names our receive right.
        let kr = unsafe {
            sys::mach_port_insert_right(sys::mach_task_self(), port, port, sys::MACH_MSG_TYPE_MAKE_SEND)
        };
        assert_eq!(kr, sys::KERN_SUCCESS);
        // The thread's reply port exists from here on: the baseline counts it.
        // SAFETY: the thread's own reply port; asking has no preconditions.
        unsafe { sys::mig_get_reply_port() };
        let target = ReceiveRight::allocate().unwrap();
        Harness {
            port,
            target,
            buffer: MessageBuffer::for_receive(MAX_FORGED.max(everything::MAX_REQUEST_SIZE)),
            scratch: (0..SCRATCH).map(|i| (i * 7) as u8).collect(),
            names: vec![port; 64],
            rights: sys::loopback_live_rights(),
            ool_bytes: sys::loopback_live_ool_bytes(),
            sent: 0,
            accepted: 0,
        }
    }

    /// Queues the reply in `input[1..]` on the thread's reply port, calls the stub that
    /// `input[0]` picks, drops its result, cleans up and checks that nothing leaked.
    pub fn feed(&mut self, input: &[u8]) {
        let Some((&pick, reply)) = input.split_first() else {
            return;
        };
        let index = usize::from(pick) % everything::ROUTINES.len();
        // Fresh each time: a failed call discards the thread's reply port.
        // SAFETY: the thread's own reply port; asking has no preconditions.
        let reply_port = unsafe { sys::mig_get_reply_port() };
        let mut message = vec![0u8; reply.len().clamp(24, MAX_FORGED) & !3];
        let n = message.len().min(reply.len());
        message[..n].copy_from_slice(&reply[..n]);
        self.fix_up(&mut message, index, reply_port);
        // SAFETY: `message` holds `len` bytes starting with a header; the kernel reads
        // them and the memory its descriptors point at (our scratch and names).
        let sent = unsafe {
            sys::mach_msg(
                message.as_mut_ptr().cast::<mach_msg_header_t>(),
                sys::MACH_SEND_MSG | sys::MACH_SEND_TIMEOUT,
                message.len() as u32,
                0,
                sys::MACH_PORT_NULL,
                0,
                sys::MACH_PORT_NULL,
            )
        };
        // Without a reply queued, a stub would wait for ever; with a full queue on our
        // port, its send would.
        assert_eq!(sys::loopback_queued_messages(self.port), Some(0));
        if sent == sys::KERN_SUCCESS {
            self.sent += 1;
            if self.call(index) {
                self.accepted += 1;
            }
        }
        // Until all are empty: destroying the request's reply right notifies the reply
        // port, and destroying a reply left there notifies our port for each send-once
        // right it carried (enough to fill its queue, and block the next stub's send).
        self.drain_all();
        let state = self.state();
        let expected = (self.rights, self.ool_bytes, 1, 0);
        if state == expected {
            return;
        }
        let context = format!(
            "{}, send result {sent:#x}, id {}, {} bytes: {}",
            everything::ROUTINES[index].name,
            i32::from_ne_bytes(message[20..24].try_into().unwrap()),
            message.len(),
            message.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        );
        panic!(
            "a reply leaked rights, references or memory in the client ({context}): \
             (live names, region bytes, send references to the server port and to the \
             target) are {state:?}, not {expected:?}"
        );
    }

    /// Live names, live region bytes, send references to our port and to `target`.
    fn state(&self) -> (usize, usize, u32, u32) {
        (
            sys::loopback_live_rights(),
            sys::loopback_live_ool_bytes(),
            send_refs(self.port),
            send_refs(self.target.name()),
        )
    }

    /// Calls the stub of routine `index` on our port; its result is dropped here.
    /// Returns whether it was `Ok`.
    fn call(&mut self, index: usize) -> bool {
        let port = self.port;
        match everything::ROUTINES[index].name {
            "scalars" => everything::scalars(port, -1, 300, 1 << 40).is_ok(),
            "arrays" => everything::arrays(port, &[1, 2, 3], &[4], &mut InlineArray::new()).is_ok(),
            "ports" => everything::ports(port, port, self.target.make_send().unwrap()).is_ok(),
            "ool" => everything::ool(port, &[7u8; 100], &[port, port]).is_ok(),
            "strings" => everything::strings(port, c"hostile").is_ok(),
            "handlers" => everything::handlers(port, &mut InlineArray::new()).is_ok(),
            "poly" => everything::poly(
                port,
                PolyPort {
                    name: self.target.name(),
                    disposition: sys::MACH_MSG_TYPE_MAKE_SEND,
                },
            )
            .is_ok(),
            // Reads every element: a misaligned slice would be caught here.
            "words" => everything::words(port, &[1, -2, 3])
                .map(|back| back.iter().fold(0i64, |a, b| a.wrapping_add(*b)))
                .is_ok(),
            "note" => everything::note(port, &[1, 2, 3]).is_ok(),
            other => unreachable!("a routine the harness does not know: {other}"),
        }
    }

    /// What a kernel guarantees, made true: the reply goes to the thread's reply port
    /// (as a server's reply would, through the send-once right the request carried);
    /// a local port, if any, and descriptor names are ours; addresses point into our
    /// memory. The id is mostly the routine's reply id, so that the checks behind it
    /// are probed.
    fn fix_up(&self, message: &mut [u8], index: usize, reply_port: mach_port_t) {
        let read = |m: &[u8], at: usize| u32::from_ne_bytes(m[at..at + 4].try_into().unwrap());
        let raw_bits = read(message, 0);
        let complex = raw_bits & sys::MACH_MSGH_BITS_COMPLEX;
        let local = LOCAL[(raw_bits >> 8) as usize % 8 % LOCAL.len()];
        let bits = complex | sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_MAKE_SEND_ONCE, local);
        let local_port = if local == 0 {
            sys::MACH_PORT_NULL
        } else {
            self.port
        };
        let len = message.len() as u32;
        message[0..4].copy_from_slice(&bits.to_ne_bytes());
        message[4..8].copy_from_slice(&len.to_ne_bytes());
        message[8..12].copy_from_slice(&reply_port.to_ne_bytes());
        message[12..16].copy_from_slice(&local_port.to_ne_bytes());
        message[16..20].copy_from_slice(&0u32.to_ne_bytes());
        let raw = read(message, 20);
        let reply_id = everything::ROUTINES[index].request.id + 100;
        let span = (everything::END - everything::BASE + 2) as u32;
        let id = match raw % 16 {
            0 => raw as i32,
            1 => SEND_ONCE_NOTIFICATION,
            2 => everything::BASE + 100 + ((raw >> 4) % span) as i32,
            _ => reply_id,
        };
        message[20..24].copy_from_slice(&id.to_ne_bytes());
        if complex != 0 {
            // Up to the 33 of `handlers`' reply, and a few more.
            fix_descriptors(message, 40, self.port, &self.scratch, &self.names);
        }
    }

    /// Drains our ports and the thread's reply port until all are empty.
    fn drain_all(&mut self) {
        loop {
            // SAFETY: the thread's own reply port; asking has no preconditions.
            let reply_port = unsafe { sys::mig_get_reply_port() };
            let drained = self.drain(self.port) + self.drain(reply_port) + self.drain(self.target.name());
            if drained == 0 {
                break;
            }
        }
    }

    /// Queues a `mig_reply_error_t` (`KERN_FAILURE`) with `id` on the thread's reply port.
    fn queue_error_reply(&mut self, id: i32) {
        let mut message = [0u32; 9];
        // SAFETY: as above.
        let reply_port = unsafe { sys::mig_get_reply_port() };
        message[..6].copy_from_slice(&[
            sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_MAKE_SEND_ONCE, 0),
            36,
            reply_port,
            0,
            0,
            id as u32,
        ]);
        message[7] = 1; // NDR: little-endian integers
        message[8] = sys::KERN_FAILURE as u32;
        // SAFETY: a 36-byte message without descriptors.
        let sent = unsafe {
            sys::mach_msg(
                message.as_mut_ptr().cast::<mach_msg_header_t>(),
                sys::MACH_SEND_MSG | sys::MACH_SEND_TIMEOUT,
                36,
                0,
                sys::MACH_PORT_NULL,
                0,
                sys::MACH_PORT_NULL,
            )
        };
        assert_eq!(sent, sys::KERN_SUCCESS);
    }

    /// Receives and destroys whatever reached `port`; returns how many messages.
    fn drain(&mut self, port: mach_port_t) -> usize {
        let mut drained = 0;
        while self.buffer.receive(port, sys::MACH_RCV_TIMEOUT, 0) == sys::KERN_SUCCESS {
            // Physical copies and volatile regions included, which a bare
            // `mach_msg_destroy` leaves behind.
            assert!(self.buffer.destroy());
            drained += 1;
        }
        drained
    }
}

/// User references of the send right under `name` (0 if there is none).
fn send_refs(name: mach_port_t) -> u32 {
    let mut refs = 0;
    // SAFETY: our own task, a name we hold, a writable out-pointer.
    let kr =
        unsafe { sys::mach_port_get_refs(sys::mach_task_self(), name, sys::MACH_PORT_RIGHT_SEND, &mut refs) };
    assert_eq!(kr, sys::KERN_SUCCESS);
    refs
}

impl Drop for Harness {
    fn drop(&mut self) {
        // SAFETY: our receive right and send reference.
        unsafe { sys::mach_port_destroy(sys::mach_task_self(), self.port) };
    }
}

/// A server that answers every routine with something to carry: the replies the seeds
/// are recorded from.
struct Rich {
    /// A receive right and a send right: `ports` makes send rights from it, `handlers`
    /// copies them.
    port: mach_port_t,
}

impl everything::Server for Rich {
    fn scalars(&self, _: mach_port_t, a: i8, b: i16, c: i64) -> mig::Result<i32> {
        Ok(i32::from(a) + i32::from(b) + c as i32)
    }
    fn arrays(&self, _: mach_port_t, x: &[i32], y: &[i32], z: &mut OutArray<'_, i32>) -> mig::Result<()> {
        z.extend_from_slice(&[x.len() as i32, y.len() as i32, 5])
    }
    fn ports(&self, _: mach_port_t, _p: SendRight, _q: SendRight) -> mig::Result<mach_port_t> {
        Ok(self.port)
    }
    fn ool(&self, _: mach_port_t, data: OutOfLine<u8>, _names: Vec<SendRight>) -> mig::Result<OutOfLine<u8>> {
        OutOfLine::copy_from(&data)
    }
    fn strings(&self, _: mach_port_t, _: &std::ffi::CStr) -> mig::Result<InlineString<16>> {
        InlineString::from_c_str(c"an answer")
    }
    fn handlers(&self, _: mach_port_t, masks: &mut OutArray<'_, i32>) -> mig::Result<Vec<mach_port_t>> {
        masks.extend_from_slice(&[1, 2])?;
        Ok(vec![self.port, self.port])
    }
    fn poly(&self, _: mach_port_t, p: PolyPort, _who: mig::AuditToken) -> mig::Result<()> {
        // SAFETY: a right this request delivered, owned by this handler alone.
        drop(unsafe { p.into_right() });
        Ok(())
    }
    fn words(&self, _: mach_port_t, w: OutOfLine<i64>) -> mig::Result<OutOfLine<i64>> {
        OutOfLine::copy_from(&w)
    }
    fn note(&self, _: mach_port_t, _v: &[u32]) -> mig::Result<()> {
        Ok(())
    }
}

/// `Rich` behind a demux that keeps each reply as the server built it.
struct Recorder {
    service: everything::Service<Rich>,
    replies: std::sync::Mutex<Vec<Vec<u8>>>,
}

// SAFETY: forwards to the generated dispatch and only reads the reply it built.
unsafe impl mig::Demux for Recorder {
    const BASE: i32 = everything::BASE;
    const END: i32 = everything::END;
    const MAX_REQUEST_SIZE: usize = everything::MAX_REQUEST_SIZE;
    const MAX_REPLY_SIZE: usize = everything::MAX_REPLY_SIZE;

    fn demux(&self, request: &mut MessageBuffer, reply: &mut MessageBuffer) -> bool {
        let known = self.service.demux(request, reply);
        self.replies.lock().unwrap().push(reply.bytes().to_vec());
        known
    }
}

/// Valid replies of every routine, as a real server sends them, each behind the byte
/// that picks its routine: the seeds that mutations start from. (A simpleroutine has no
/// reply; its seed is the first routine's, which its stub never reads.)
///
/// Single-threaded, like the harness: each stub takes a stand-in error reply queued
/// beforehand and returns, then the request it left on our port is served by `Rich`,
/// whose reply (as built) is recorded and then drained.
pub fn seeds() -> Vec<Vec<u8>> {
    let mut harness = Harness::new();
    let handed = ReceiveRight::allocate().unwrap();
    let handed_send = handed.make_send().unwrap();
    let recorder = Recorder {
        service: everything::Service(Rich { port: handed.name() }),
        replies: std::sync::Mutex::new(Vec::new()),
    };
    let mut request = MessageBuffer::for_receive(everything::MAX_REQUEST_SIZE);
    let mut answer = MessageBuffer::with_capacity(everything::MAX_REPLY_SIZE);
    let mut recorded = Vec::new();
    for (index, routine) in everything::ROUTINES.iter().enumerate() {
        let Some(layout) = routine.reply else {
            continue;
        };
        harness.queue_error_reply(layout.id);
        assert!(
            !harness.call(index),
            "{} took the stand-in reply for a result",
            routine.name
        );
        let served = mig::serve_one(harness.port, &recorder, &mut request, &mut answer);
        assert_eq!(served, Ok(mig::Served::Handled));
        let reply = recorder
            .replies
            .lock()
            .unwrap()
            .pop()
            .expect("a reply was recorded");
        recorded.push((index, reply));
        harness.drain_all();
    }
    drop(handed_send);
    let first = recorded[0].1.clone();
    (0..everything::ROUTINES.len())
        .map(|index| {
            let reply = recorded
                .iter()
                .find(|(i, _)| *i == index)
                .map_or(&first, |(_, reply)| reply);
            let mut seed = vec![index as u8];
            seed.extend_from_slice(reply);
            seed
        })
        .collect()
}
