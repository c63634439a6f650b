//! Arbitrary bytes as requests: generated dispatch functions of several subsystems must
//! answer every one with a reply (or `MIG_BAD_ID`) and never panic, read out of bounds or
//! take a right or region twice. A bounded, deterministic cousin of the fuzz target; CI
//! also runs it under AddressSanitizer.

#![cfg(not(target_vendor = "apple"))]

use mig::sys::mach_port_t;
use mig::{InlineArray, InlineString, MessageBuffer, OutOfLine, PolyPort, SendRight};

mig::mig! {
    /// Every wire type at once.
    subsystem everything 10000;
    #include <mach/mach_types.defs>
    type small_t = array[*:4] of int;
    type name_t = c_string[*:16];
    routine scalars(server: mach_port_t; a: int8_t; b: int16_t; c: int64_t; out d: int);
    routine arrays(server: mach_port_t; x: small_t; y: small_t; out z: small_t);
    routine ports(server: mach_port_t; p: mach_port_t; q: mach_port_move_send_t; out r: mach_port_make_send_t);
    routine ool(server: mach_port_t; data: pointer_t; names: mach_port_array_t; out back: pointer_t);
    routine strings(server: mach_port_t; s: name_t; out t: name_t);
    routine handlers(server: mach_port_t; out masks: exception_mask_array_t;
        out h: exception_handler_array_t, SameCount);
    routine poly(server: mach_port_t; p: mach_port_poly_t; ServerAuditToken who: audit_token_t);
    simpleroutine note(server: mach_port_t; v: thread_state_t);
}

struct All;

impl everything::Server for All {
    fn scalars(&self, _: mach_port_t, a: i8, b: i16, c: i64) -> mig::Result<i32> {
        Ok(i32::from(a) + i32::from(b) + c as i32)
    }
    fn arrays(&self, _: mach_port_t, x: &[i32], y: &[i32]) -> mig::Result<InlineArray<i32, 4>> {
        InlineArray::from_slice(if x.len() > y.len() { x } else { y })
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
    fn handlers(&self, _: mach_port_t) -> mig::Result<everything::handlers::ServerOutput> {
        Ok(everything::handlers::ServerOutput {
            masks: InlineArray::new(),
            h: Vec::new(),
        })
    }
    fn poly(&self, _: mach_port_t, _p: PolyPort, _who: [u32; 8]) -> mig::Result<()> {
        Ok(())
    }
    fn note(&self, _: mach_port_t, _v: &[u32]) -> mig::Result<()> {
        Ok(())
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn arbitrary_requests_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut request = MessageBuffer::for_receive(everything::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(everything::MAX_REPLY_SIZE);
    let capacity = request.capacity();
    for round in 0..20_000u32 {
        // Random bytes, then a plausible header: a known id most of the time, sizes
        // around the real ones, the complex bit or not, descriptor counts near the truth.
        let bytes = request.bytes_mut();
        for b in bytes.iter_mut() {
            *b = rng.next() as u8;
        }
        // Out-of-line addresses in a received message come from the kernel, and dispatch
        // trusts them as Apple MIG's does; garbage there could only pass the checks by
        // chance (a descriptor type and a size matching its count). Zero the descriptor
        // area most of the time so that the rounds probe the checks, not luck.
        if !round.is_multiple_of(4) {
            bytes[28..capacity.min(600)].fill(0);
        }
        let id = 10000 + (rng.next() % 10) as i32;
        let size = match rng.next() % 3 {
            0 => (rng.next() % capacity as u64) as u32,
            1 => {
                everything::ROUTINES[(id as usize - 10000) % everything::ROUTINES.len()]
                    .request
                    .size as u32
            }
            _ => (rng.next() % 128) as u32 * 4,
        };
        let head = request.header_mut();
        head.msgh_id = id;
        head.msgh_size = size.min(capacity as u32 - mig::MAX_TRAILER_SIZE as u32);
        head.msgh_bits = if rng.next().is_multiple_of(2) {
            0x8000_0000
        } else {
            0
        } | 0x12;
        head.msgh_remote_port = 0;
        head.msgh_local_port = 0;
        everything::dispatch(&All, &mut request, &mut reply);
        let answer = reply.header();
        assert_eq!(answer.msgh_id, id + 100);
        assert!(answer.msgh_size as usize <= everything::MAX_REPLY_SIZE);
    }
}
