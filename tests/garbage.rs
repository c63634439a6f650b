//! Arbitrary bytes as requests: a generated dispatch for every wire type must answer
//! each with a reply (or `MIG_BAD_ID`) and never panic, read out of bounds or take a
//! right or region twice. Bounded, deterministic cousins of the fuzz target
//! (`fuzz/`, the same harness); CI also runs them under AddressSanitizer.

#![cfg(not(target_vendor = "apple"))]

mod fuzzing;

use fuzzing::{All, Harness, everything};
use mig::MessageBuffer;

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

#[test]
fn arbitrary_messages_through_the_kernel_leak_nothing() {
    let seeds = fuzzing::seeds();
    assert_eq!(seeds.len(), everything::ROUTINES.len(), "one seed per routine");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut harness = Harness::new();
    for seed in &seeds {
        harness.feed(seed);
    }
    let mut input = vec![0u8; everything::MAX_REQUEST_SIZE];
    for _ in 0..20_000 {
        let len = if rng.next().is_multiple_of(2) {
            // A valid request with a few bytes changed, its end moved now and then.
            let seed = &seeds[(rng.next() % seeds.len() as u64) as usize];
            input[..seed.len()].copy_from_slice(seed);
            for _ in 0..1 + rng.next() % 4 {
                input[(rng.next() % seed.len() as u64) as usize] = rng.next() as u8;
            }
            match rng.next() % 8 {
                0 => (rng.next() % input.len() as u64) as usize,
                _ => seed.len(),
            }
        } else {
            // Bytes alone, complex most of the time so that descriptors are exercised.
            let len = (rng.next() % input.len() as u64) as usize;
            for b in &mut input[..len] {
                *b = rng.next() as u8;
            }
            if len >= 4 && !rng.next().is_multiple_of(4) {
                input[3] |= 0x80;
            }
            len
        };
        harness.feed(&input[..len]);
    }
    // The inputs must reach the server, and some must pass its checks.
    assert!(harness.sent > 1_000, "only {} inputs were sent", harness.sent);
    assert!(harness.answered > 0, "no input was answered with a result");
    eprintln!("sent {}, answered {}", harness.sent, harness.answered);
}

/// Writes the seeds into the fuzz target's corpus:
/// `cargo test --test garbage -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes files: run by hand when the subsystem changes"]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/dispatch");
    std::fs::create_dir_all(&dir).unwrap();
    for (index, seed) in fuzzing::seeds().iter().enumerate() {
        let name = everything::ROUTINES[index].name;
        std::fs::write(dir.join(format!("{index}-{name}")), seed).unwrap();
    }
}
