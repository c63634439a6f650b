//! Arbitrary bytes as requests: a generated dispatch for every wire type must answer
//! each with a reply (or `MIG_BAD_ID`) and never panic, read out of bounds or take a
//! right or region twice. Bounded, deterministic cousins of the fuzz target
//! (`fuzz/`, the same harness); CI also runs them under AddressSanitizer.

#![cfg(not(target_vendor = "apple"))]

mod fuzzing;

use fuzzing::{Harness, Path, client, everything};
use mig::MessageBuffer;

/// The tests here count the process's live rights and regions: one at a time.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f` in a task (a name space) of its own, so that its accounting sees no other
/// test's rights (a thread's MIG reply port goes away when the thread ends, whenever
/// that is).
fn in_new_task(f: impl FnOnce()) {
    let _turn = one_at_a_time();
    let task = mig::sys::loopback_task_create();
    mig::sys::loopback_with_task(task, f);
    assert_eq!(mig::sys::loopback_task_terminate(task), mig::sys::KERN_SUCCESS);
    // SAFETY: our send right to the (now dead) task port.
    unsafe { mig::sys::mach_port_deallocate(mig::sys::mach_task_self(), task) };
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

/// Bytes written into a buffer by hand, whatever they say, are refused before anything
/// in them is trusted: `dispatch` answers `MIG_BAD_ID` or `MIG_BAD_ARGUMENTS`, no
/// handler runs, and no name or address in them is released.
#[test]
fn bytes_written_by_hand_are_never_trusted() {
    in_new_task(bytes_written_by_hand);
}

fn bytes_written_by_hand() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut request = MessageBuffer::for_receive(everything::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(everything::MAX_REPLY_SIZE);
    let capacity = request.capacity();
    let (rights, regions) = (
        mig::sys::loopback_live_rights(),
        mig::sys::loopback_live_ool_bytes(),
    );
    for _ in 0..20_000u32 {
        // Random bytes under a plausible header: a known id most of the time, sizes
        // around the real ones, the complex bit or not.
        for b in request.bytes_mut().iter_mut() {
            *b = rng.next() as u8;
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
        everything::dispatch(&Untouchable, &mut request, &mut reply);
        let answer = reply.header();
        assert_eq!(answer.msgh_id, id + 100);
        let code = i32::from_ne_bytes(reply.bytes()[32..36].try_into().unwrap());
        assert!(
            code == mig::Error::MIG_BAD_ARGUMENTS.code() || code == mig::Error::MIG_BAD_ID.code(),
            "answered {code}"
        );
    }
    assert_eq!(mig::sys::loopback_live_rights(), rights);
    assert_eq!(mig::sys::loopback_live_ool_bytes(), regions);
}

/// The attack of a caller with only safe code: a request written by hand whose
/// out-of-line descriptor points at the caller's own live region. Dispatched as if
/// received, the handler's `OutOfLine` would free that region (a use after free under
/// AddressSanitizer); refused, the region stays the caller's.
#[test]
fn a_request_written_by_hand_cannot_free_the_callers_memory() {
    in_new_task(free_the_callers_memory);
}

fn free_the_callers_memory() {
    let live = mig::OutOfLine::copy_from(&[7u8; 100]).unwrap();
    let (_, data) = mig::__private::slice_to_wire(&live, u32::MAX).unwrap();
    let mut request = MessageBuffer::for_receive(everything::MAX_REQUEST_SIZE);
    request.write(everything::ool::Request {
        Head: mig::sys::mach_msg_header_t {
            msgh_bits: mig::sys::MACH_MSGH_BITS_COMPLEX,
            msgh_size: core::mem::size_of::<everything::ool::Request>() as u32,
            msgh_id: everything::ool::ID,
            ..Default::default()
        },
        msgh_body: mig::sys::mach_msg_body_t {
            msgh_descriptor_count: 2,
        },
        data,
        names: mig::__private::ool_ports_borrowed(&[], mig::sys::MACH_MSG_TYPE_PORT_SEND as u8, u32::MAX)
            .unwrap()
            .1,
        NDR: mig::__private::NDR,
        dataCnt: 100,
        namesCnt: 0,
    });
    let regions = mig::sys::loopback_live_ool_bytes();
    let mut reply = MessageBuffer::with_capacity(everything::MAX_REPLY_SIZE);
    everything::dispatch(&Untouchable, &mut request, &mut reply);
    assert_eq!(
        &reply.bytes()[32..36],
        &mig::Error::MIG_BAD_ARGUMENTS.code().to_ne_bytes()
    );
    assert_eq!(mig::sys::loopback_live_ool_bytes(), regions, "nothing was freed");
    assert_eq!(&live[..], &[7u8; 100][..]);
}

/// A server whose handlers must never run.
struct Untouchable;

impl everything::Server for Untouchable {
    fn scalars(&self, _: mig::sys::mach_port_t, _: i8, _: i16, _: i64) -> mig::Result<i32> {
        unreachable!("a handler ran on bytes no kernel delivered")
    }
    fn arrays(
        &self,
        _: mig::sys::mach_port_t,
        _: &[i32],
        _: &[i32],
        _: &mut mig::OutArray<'_, i32>,
    ) -> mig::Result<()> {
        unreachable!("a handler ran on bytes no kernel delivered")
    }
    fn ports(
        &self,
        _: mig::sys::mach_port_t,
        _: mig::SendRight,
        _: mig::SendRight,
    ) -> mig::Result<mig::sys::mach_port_t> {
        unreachable!("a handler ran on bytes no kernel delivered")
    }
    fn ool(
        &self,
        _: mig::sys::mach_port_t,
        _: mig::OutOfLine<u8>,
        _: Vec<mig::SendRight>,
    ) -> mig::Result<mig::OutOfLine<u8>> {
        unreachable!("a handler ran on bytes no kernel delivered")
    }
    fn strings(&self, _: mig::sys::mach_port_t, _: &std::ffi::CStr) -> mig::Result<mig::InlineString<16>> {
        unreachable!("a handler ran on bytes no kernel delivered")
    }
    fn handlers(
        &self,
        _: mig::sys::mach_port_t,
        _: &mut mig::OutArray<'_, i32>,
    ) -> mig::Result<Vec<mig::sys::mach_port_t>> {
        unreachable!("a handler ran on bytes no kernel delivered")
    }
    fn poly(&self, _: mig::sys::mach_port_t, _: mig::PolyPort, _: mig::AuditToken) -> mig::Result<()> {
        unreachable!("a handler ran on bytes no kernel delivered")
    }
    fn words(&self, _: mig::sys::mach_port_t, _: mig::OutOfLine<i64>) -> mig::Result<mig::OutOfLine<i64>> {
        unreachable!("a handler ran on bytes no kernel delivered")
    }
    fn note(&self, _: mig::sys::mach_port_t, _: &[u32]) -> mig::Result<()> {
        unreachable!("a handler ran on bytes no kernel delivered")
    }
}

/// Mutations of `seeds` and plain random bytes, `count` of them, each at most `max`
/// bytes long; `complex_at` is where the byte holding the complex bit lies, set most of
/// the time in random inputs so that descriptors are exercised.
fn mutations(
    seeds: &[Vec<u8>],
    seed: u64,
    count: u32,
    max: usize,
    complex_at: usize,
    mut feed: impl FnMut(&[u8]),
) {
    let mut rng = Rng(seed);
    let mut input = vec![0u8; max];
    for _ in 0..count {
        let len = if rng.next().is_multiple_of(2) {
            // A valid message with a few bytes changed, its end moved now and then.
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
            // Bytes alone, complex most of the time.
            let len = (rng.next() % input.len() as u64) as usize;
            for b in &mut input[..len] {
                *b = rng.next() as u8;
            }
            if len > complex_at && !rng.next().is_multiple_of(4) {
                input[complex_at] |= 0x80;
            }
            len
        };
        feed(&input[..len]);
    }
}

/// Requests through the generated `dispatch`.
#[test]
fn arbitrary_messages_through_the_kernel_leak_nothing() {
    arbitrary_messages_through(Path::Dispatch, 0x2545_f491_4f6c_dd1d);
}

/// The same requests through the generated C demux, `demux::<S>` with MIG's C
/// signature, which copies each request into buffers of its own: rights and regions
/// that handlers take there must not be released again from the caller's buffer (the
/// fuzzer found that they were, when the handler then failed: `c_demux` now copies the
/// header and descriptors back as the dispatch left them).
#[test]
fn arbitrary_messages_through_the_c_demux_leak_nothing() {
    arbitrary_messages_through(Path::CDemux, 0x9e37_79b9_7f4a_7c15);
}

fn arbitrary_messages_through(path: Path, seed: u64) {
    // In a task of its own: in the test process's own space, the MIG reply port of the
    // thread of the test that ran before goes away whenever that thread ends, which can
    // be in the middle of this one's accounting.
    // The seeds come from the generated clients talking to a recorder thread, which
    // serves the test process's own space: made before entering the task.
    let seeds = fuzzing::seeds();
    in_new_task(|| arbitrary_messages(path, seed, &seeds));
}

fn arbitrary_messages(path: Path, seed: u64, seeds: &[Vec<u8>]) {
    assert_eq!(seeds.len(), everything::ROUTINES.len(), "one seed per routine");
    let mut harness = Harness::new();
    for seed in seeds {
        harness.feed_through(seed, path);
    }
    mutations(seeds, seed, 20_000, everything::MAX_REQUEST_SIZE, 3, |input| {
        harness.feed_through(input, path)
    });
    // The inputs must reach the server, and some must pass its checks.
    assert!(harness.sent > 1_000, "only {} inputs were sent", harness.sent);
    assert!(harness.answered > 0, "no input was answered with a result");
    eprintln!("sent {}, answered {}", harness.sent, harness.answered);
}

/// A hostile server: arbitrary replies (ids, complex bits, descriptor types and
/// dispositions, counts, sizes, a reply port of their own) to every generated client
/// stub. Each stub must return without a crash, and what it returns, dropped, must
/// leave no right, reference or region behind; nor may a reply it refuses. (In a task
/// of its own: the harness counts the names of the whole space, which other test
/// threads' reply ports leave when those threads end.)
#[test]
fn arbitrary_replies_leak_nothing_in_the_client_stubs() {
    in_new_task(arbitrary_replies);
}

fn arbitrary_replies() {
    let seeds = client::seeds();
    assert_eq!(seeds.len(), everything::ROUTINES.len(), "one seed per routine");
    let mut harness = client::Harness::new();
    for seed in &seeds {
        harness.feed(seed);
    }
    // Every recorded reply is one its stub accepts (the simpleroutine only sends).
    assert_eq!(harness.accepted, seeds.len() as u64, "a valid reply was refused");
    mutations(
        &seeds,
        0x0123_4567_89ab_cdef,
        20_000,
        everything::MAX_REPLY_SIZE + 129,
        4,
        |input| harness.feed(input),
    );
    assert!(harness.sent > 1_000, "only {} replies were sent", harness.sent);
    assert!(
        harness.accepted > 1_000,
        "only {} replies were accepted",
        harness.accepted
    );
    eprintln!("sent {}, accepted {}", harness.sent, harness.accepted);
}

/// Writes the seeds into the fuzz targets' corpora (requests for `dispatch`, replies
/// for `client`): `cargo test --test garbage -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes files: run by hand when the subsystem changes"]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/dispatch");
    std::fs::create_dir_all(&dir).unwrap();
    for (index, seed) in fuzzing::seeds().iter().enumerate() {
        let name = everything::ROUTINES[index].name;
        std::fs::write(dir.join(format!("{index}-{name}")), seed).unwrap();
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/client");
    std::fs::create_dir_all(&dir).unwrap();
    for (index, seed) in client::seeds().iter().enumerate() {
        let name = everything::ROUTINES[index].name;
        std::fs::write(dir.join(format!("{index}-{name}")), seed).unwrap();
    }
}
