//! The fuzzing harness, shared by `tests/garbage.rs` (bounded, in the test suite) and the
//! cargo-fuzz target `fuzz/fuzz_targets/dispatch.rs`.
//!
//! Arbitrary bytes become a request that goes *through the loopback kernel* to a server
//! generated for every wire type: the kernel refuses what it would refuse on macOS, and
//! what it delivers carries real rights and real out-of-line regions, so dispatch is
//! probed as a server on XNU would be. Only what a kernel never lets through is fixed
//! up before sending: descriptor addresses point into the harness's own memory, and port
//! names are ones the harness holds. After each input, every right and every region must
//! be back to where it was. A bit of the input sends the request through the C demux
//! (`demux::<S>`) instead of `dispatch`.
//!
//! `client` is the other direction: a hostile server against the generated client stubs.

#![allow(dead_code)]

pub mod client;

use mig::sys::{self, mach_msg_header_t, mach_port_t};
use mig::{InlineArray, InlineString, MessageBuffer, OutArray, OutOfLine, PolyPort, SendRight};

mig::mig! {
    /// Every wire type at once.
    subsystem everything 10000;
    #include <mach/mach_types.defs>
    type small_t = array[*:4] of int;
    type name_t = c_string[*:16];
    type words_t = ^array[] of int64_t;
    routine scalars(server: mach_port_t; a: int8_t; b: int16_t; c: int64_t; out d: int);
    routine arrays(server: mach_port_t; x: small_t; y: small_t; out z: small_t);
    routine ports(server: mach_port_t; p: mach_port_t; q: mach_port_move_send_t; out r: mach_port_make_send_t);
    routine ool(server: mach_port_t; data: pointer_t; names: mach_port_array_t; out back: pointer_t);
    routine strings(server: mach_port_t; s: name_t; out t: name_t);
    routine handlers(server: mach_port_t; out masks: exception_mask_array_t;
        out h: exception_handler_array_t, SameCount);
    routine poly(server: mach_port_t; p: mach_port_poly_t; ServerAuditToken who: audit_token_t);
    /// Out-of-line 8-byte elements: a region arriving misaligned for them is realigned.
    routine words(server: mach_port_t; w: words_t; out back: words_t);
    simpleroutine note(server: mach_port_t; v: thread_state_t);
}

/// Handlers that use what they receive, and fail now and then.
pub struct All;

impl everything::Server for All {
    fn scalars(&self, _: mach_port_t, a: i8, b: i16, c: i64) -> mig::Result<i32> {
        Ok(i32::from(a).wrapping_add(i32::from(b)).wrapping_add(c as i32))
    }
    fn arrays(&self, _: mach_port_t, x: &[i32], y: &[i32], z: &mut OutArray<'_, i32>) -> mig::Result<()> {
        z.extend_from_slice(if x.len() > y.len() { x } else { y })
    }
    fn ports(&self, _: mach_port_t, _p: SendRight, _q: SendRight) -> mig::Result<mach_port_t> {
        Err(mig::Error::KERN_FAILURE)
    }
    fn ool(&self, _: mach_port_t, data: OutOfLine<u8>, _names: Vec<SendRight>) -> mig::Result<OutOfLine<u8>> {
        OutOfLine::copy_from(&data)
    }
    fn strings(&self, _: mach_port_t, s: &std::ffi::CStr) -> mig::Result<InlineString<16>> {
        InlineString::from_c_str(s)
    }
    fn handlers(&self, _: mach_port_t, _masks: &mut OutArray<'_, i32>) -> mig::Result<Vec<mach_port_t>> {
        Ok(Vec::new())
    }
    fn poly(&self, _: mach_port_t, p: PolyPort, _who: mig::AuditToken) -> mig::Result<()> {
        // SAFETY: a right this request delivered, owned by this handler alone.
        drop(unsafe { p.into_right() });
        Ok(())
    }
    fn words(&self, _: mach_port_t, w: OutOfLine<i64>) -> mig::Result<OutOfLine<i64>> {
        // Reads every element: a misaligned slice would be caught here (debug assertions
        // and sanitizers).
        let sum = w.iter().fold(0i64, |a, b| a.wrapping_add(*b));
        OutOfLine::copy_from(&[sum])
    }
    fn note(&self, _: mach_port_t, _v: &[u32]) -> mig::Result<()> {
        Ok(())
    }
}

impl mig::StaticServer for All {
    fn instance() -> &'static Self {
        &All
    }
}

/// How a request reaches the generated server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// `everything::dispatch`, through `everything::Service`.
    Dispatch,
    /// `everything::demux::<All>`, MIG's C demux signature, as a C server loop calls it
    /// (here from `serve_one`, which then does what `mach_msg_server_once` does with
    /// the request and the reply).
    CDemux,
}

/// The C demux behind the `Demux` trait, so that `serve_one` can drive it.
struct ThroughC;

// SAFETY: forwards to the generated C demux, which builds replies as the dispatch does.
unsafe impl mig::Demux for ThroughC {
    const BASE: i32 = everything::BASE;
    const END: i32 = everything::END;
    const MAX_REQUEST_SIZE: usize = everything::MAX_REQUEST_SIZE;
    const MAX_REPLY_SIZE: usize = everything::MAX_REPLY_SIZE;

    fn demux(&self, request: &mut MessageBuffer, reply: &mut MessageBuffer) -> bool {
        let (request, reply) = (request.as_mut_ptr(), reply.as_mut_ptr());
        // SAFETY: `serve_one` received the request (and its trailer) into this buffer
        // and hands it over untouched; `reply` holds `MAX_REPLY_SIZE` bytes.
        unsafe { everything::demux::<All>(request, reply) != 0 }
    }
}

/// Port descriptors' type byte sits at the same offset in every descriptor kind.
const TYPE_AT: usize = 11;
const PORT_DESCRIPTOR: usize = 12;
const OOL_DESCRIPTOR: usize = 16;
/// What out-of-line descriptors may point at.
const SCRATCH: usize = 64 * 1024;
/// The dispositions a sender may use with a right it holds and keeps.
const DISPOSITIONS: [u8; 3] = [
    sys::MACH_MSG_TYPE_COPY_SEND as u8,
    sys::MACH_MSG_TYPE_MAKE_SEND as u8,
    sys::MACH_MSG_TYPE_MAKE_SEND_ONCE as u8,
];

/// A server port, a reply port, buffers, and the accounting to return to.
pub struct Harness {
    port: mach_port_t,
    reply: mach_port_t,
    request: MessageBuffer,
    answer: MessageBuffer,
    scratch: Vec<u8>,
    names: Vec<mach_port_t>,
    rights: usize,
    ool_bytes: usize,
    /// Inputs the kernel accepted, and replies that carried a result (not an error).
    pub sent: u64,
    pub answered: u64,
    /// Whether [`feed`](Self::feed) may take the C demux (unless `MIG_FUZZ_NO_C_DEMUX`
    /// is set: a fuzzing run can then go on past a defect found there).
    pub c_demux: bool,
}

impl Harness {
    pub fn new() -> Harness {
        // Regions arrive at the sender's offset within their page, as XNU maps them,
        // so that misaligned out-of-line data is exercised too (this thread receives).
        sys::loopback_set_ool_placement(sys::OolPlacement::SendersOffset);
        let allocate = || {
            let mut name = 0;
            // SAFETY: our own task and a writable out-pointer.
            let kr = unsafe {
                sys::mach_port_allocate(sys::mach_task_self(), sys::MACH_PORT_RIGHT_RECEIVE, &mut name)
            };
            assert_eq!(kr, sys::KERN_SUCCESS);
            name
        };
        let (port, reply) = (allocate(), allocate());
        // SAFETY: `port` names our receive right.
        let kr = unsafe {
            sys::mach_port_insert_right(sys::mach_task_self(), port, port, sys::MACH_MSG_TYPE_MAKE_SEND)
        };
        assert_eq!(kr, sys::KERN_SUCCESS);
        Harness {
            port,
            reply,
            request: MessageBuffer::for_receive(everything::MAX_REQUEST_SIZE),
            answer: MessageBuffer::with_capacity(everything::MAX_REPLY_SIZE),
            scratch: (0..SCRATCH).map(|i| i as u8).collect(),
            names: vec![port; 64],
            rights: sys::loopback_live_rights(),
            ool_bytes: sys::loopback_live_ool_bytes(),
            sent: 0,
            answered: 0,
            c_demux: std::env::var_os("MIG_FUZZ_NO_C_DEMUX").is_none(),
        }
    }

    /// Sends `input` as a request, lets the server handle whatever the kernel delivers,
    /// drains the answers, and checks that nothing leaked. The low bit of the voucher
    /// field (which a sender's message cannot use here, and the fix-up clears) picks the
    /// way in: the generated `dispatch`, or the C demux `demux::<All>` that C server
    /// loops call.
    pub fn feed(&mut self, input: &[u8]) {
        let path = match input.get(16) {
            Some(flag) if flag & 1 == 1 && self.c_demux => Path::CDemux,
            _ => Path::Dispatch,
        };
        self.feed_through(input, path);
    }

    /// [`feed`](Self::feed) through the way in given.
    pub fn feed_through(&mut self, input: &[u8], path: Path) {
        let mut message = vec![0u8; input.len().clamp(24, everything::MAX_REQUEST_SIZE) & !3];
        let n = message.len().min(input.len());
        message[..n].copy_from_slice(&input[..n]);
        self.fix_up(&mut message);
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
        if sent == sys::KERN_SUCCESS {
            self.sent += 1;
            let served = match path {
                Path::Dispatch => mig::serve_one(
                    self.port,
                    &everything::Service(All),
                    &mut self.request,
                    &mut self.answer,
                ),
                Path::CDemux => mig::serve_one(self.port, &ThroughC, &mut self.request, &mut self.answer),
            };
            assert!(served.is_ok(), "the server loop failed: {served:?}");
        }
        self.drain(self.reply);
        // Send-once rights to the server port that the server destroyed came back to it
        // as notifications.
        self.drain(self.port);
        assert_eq!(
            (
                sys::loopback_live_rights(),
                sys::loopback_live_ool_bytes(),
                self.send_refs()
            ),
            (self.rights, self.ool_bytes, 1),
            "an input leaked rights, references or memory (send result {sent:#x}, id {})",
            i32::from_ne_bytes(message[20..24].try_into().unwrap())
        );
    }

    /// User references of our send right to the server port: rights the server
    /// received were made from it and coalesce into its name.
    fn send_refs(&self) -> u32 {
        let mut refs = 0;
        // SAFETY: our own task and port, a writable out-pointer.
        let kr = unsafe {
            sys::mach_port_get_refs(
                sys::mach_task_self(),
                self.port,
                sys::MACH_PORT_RIGHT_SEND,
                &mut refs,
            )
        };
        assert_eq!(kr, sys::KERN_SUCCESS);
        refs
    }

    /// What a kernel guarantees, made true: our ports in the header, descriptor
    /// addresses into our memory, port names we hold.
    fn fix_up(&self, message: &mut [u8]) {
        let len = message.len();
        let read = |m: &[u8], at: usize| u32::from_ne_bytes(m[at..at + 4].try_into().unwrap());
        let complex = read(message, 0) & sys::MACH_MSGH_BITS_COMPLEX;
        let bits =
            complex | sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, sys::MACH_MSG_TYPE_MAKE_SEND_ONCE);
        message[0..4].copy_from_slice(&bits.to_ne_bytes());
        message[4..8].copy_from_slice(&(len as u32).to_ne_bytes());
        message[8..12].copy_from_slice(&self.port.to_ne_bytes());
        message[12..16].copy_from_slice(&self.reply.to_ne_bytes());
        message[16..20].copy_from_slice(&0u32.to_ne_bytes());
        // Mostly the subsystem's ids, so that most inputs reach a routine's checks.
        let span = (everything::END - everything::BASE + 2) as u32;
        let id = everything::BASE + (read(message, 20) % span) as i32;
        message[20..24].copy_from_slice(&id.to_ne_bytes());
        if complex != 0 {
            fix_descriptors(message, 8, self.port, &self.scratch, &self.names);
        }
    }

    /// Receives and destroys whatever reached `port`: replies (with what they carry)
    /// and send-once notifications.
    fn drain(&mut self, port: mach_port_t) {
        while self.answer.receive(port, sys::MACH_RCV_TIMEOUT, 0) == sys::KERN_SUCCESS {
            // A result is anything but a 36-byte `mig_reply_error_t` with an error.
            let bytes = self.answer.bytes();
            let error = bytes.len() >= 36 && i32::from_ne_bytes(bytes[32..36].try_into().unwrap()) != 0;
            if self.answer.header().msgh_id >= everything::BASE + 100
                && !(self.answer.header().msgh_size == 36 && error)
            {
                self.answered += 1;
            }
            assert!(self.answer.destroy());
        }
    }
}

/// The descriptors of a complex message (header at the start), made what a kernel
/// would accept from a sender holding `port`: a count below `counts`, port names that are
/// `port` or null, dispositions a sender may use with a right it keeps, and addresses
/// into `scratch` and `names` (sizes and counts within them). Types, flags and the
/// bytes between stay the fuzzer's.
pub fn fix_descriptors(
    message: &mut [u8],
    counts: u32,
    port: mach_port_t,
    scratch: &[u8],
    names: &[mach_port_t],
) {
    let len = message.len();
    if len < 28 {
        return;
    }
    let read = |m: &[u8], at: usize| u32::from_ne_bytes(m[at..at + 4].try_into().unwrap());
    let count = read(message, 24) % counts;
    message[24..28].copy_from_slice(&count.to_ne_bytes());
    let mut at = 28;
    for _ in 0..count {
        if at + PORT_DESCRIPTOR > len {
            break;
        }
        let pick = message[at + TYPE_AT];
        let disposition = DISPOSITIONS[usize::from(message[at + 4]) % DISPOSITIONS.len()];
        match u32::from(pick) {
            sys::MACH_MSG_PORT_DESCRIPTOR => {
                // name, pad, pad, disposition, type
                let name = if message[at].is_multiple_of(4) { 0 } else { port };
                message[at..at + 4].copy_from_slice(&name.to_ne_bytes());
                message[at + 10] = disposition;
                at += PORT_DESCRIPTOR;
            }
            sys::MACH_MSG_OOL_DESCRIPTOR | sys::MACH_MSG_OOL_VOLATILE_DESCRIPTOR
                if at + OOL_DESCRIPTOR <= len =>
            {
                // address, deallocate, copy, pad, type, size
                // Anywhere in the first bytes of the scratch: the receivers get the region
                // at that offset within its page (`OolPlacement::SendersOffset`, as XNU
                // maps it), aligned for its elements or not.
                let shift = usize::from(message[at]) % 64;
                let size = read(message, at + 12) % ((scratch.len() - shift) as u32 + 1);
                let address = scratch.as_ptr() as u64 + shift as u64;
                message[at..at + 8].copy_from_slice(&address.to_ne_bytes());
                message[at + 8] = 0;
                message[at + 12..at + 16].copy_from_slice(&size.to_ne_bytes());
                at += OOL_DESCRIPTOR;
            }
            sys::MACH_MSG_OOL_PORTS_DESCRIPTOR if at + OOL_DESCRIPTOR <= len => {
                // address, deallocate, copy, disposition, type, count
                let count = read(message, at + 12) % (names.len() as u32 + 1);
                message[at..at + 8].copy_from_slice(&(names.as_ptr() as u64).to_ne_bytes());
                message[at + 8] = 0;
                message[at + 10] = disposition;
                message[at + 12..at + 16].copy_from_slice(&count.to_ne_bytes());
                at += OOL_DESCRIPTOR;
            }
            // Any other type: the kernel refuses the message.
            _ => at += OOL_DESCRIPTOR,
        }
    }
}

/// Valid requests of every routine, as the generated clients send them (a recorder
/// keeps the bytes and drops each request, so the clients see `MIG_SERVER_DIED`): the
/// seeds that mutations start from.
pub fn seeds() -> Vec<Vec<u8>> {
    let receive = mig::ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let port = send.name();
    let recorder = std::thread::spawn(move || {
        let mut seeds = Vec::new();
        let mut buffer = MessageBuffer::for_receive(everything::MAX_REQUEST_SIZE);
        // SAFETY: a writable buffer of `capacity()` bytes; each message received is
        // destroyed once, which releases what it carries.
        while unsafe {
            sys::mach_msg(
                buffer.as_mut_ptr(),
                sys::MACH_RCV_MSG,
                0,
                buffer.capacity() as u32,
                receive.name(),
                0,
                sys::MACH_PORT_NULL,
            )
        } == sys::KERN_SUCCESS
        {
            let size = buffer.header().msgh_size as usize;
            seeds.push(buffer.bytes()[..size].to_vec());
            let last = buffer.header().msgh_id == everything::note::ID;
            unsafe { sys::mach_msg_destroy(buffer.as_mut_ptr()) };
            if last {
                break;
            }
        }
        seeds
    });
    let right = || mig::ReceiveRight::allocate().unwrap();
    let (a, b) = (right(), right());
    let _ = everything::scalars(port, -1, 300, 1 << 40);
    let _ = everything::arrays(port, &[1, 2, 3], &[4], &mut InlineArray::new());
    let _ = everything::ports(port, port, a.make_send().unwrap());
    let _ = everything::ool(port, &[7u8; 100], &[port]);
    let _ = everything::strings(port, c"seed");
    let _ = everything::handlers(port, &mut InlineArray::new());
    let _ = everything::poly(
        port,
        PolyPort {
            name: b.name(),
            disposition: sys::MACH_MSG_TYPE_MAKE_SEND,
        },
    );
    let _ = everything::words(port, &[1, -2, 3]);
    let _ = everything::note(port, &[1, 2, 3]);
    recorder.join().unwrap()
}

impl Drop for Harness {
    fn drop(&mut self) {
        // SAFETY: both names are our receive rights (and `port` our send right).
        unsafe {
            sys::mach_port_destroy(sys::mach_task_self(), self.port);
            sys::mach_port_destroy(sys::mach_task_self(), self.reply);
        }
    }
}
