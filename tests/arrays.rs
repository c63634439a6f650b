//! Variable-size inline arrays (`array[*:n] of T`): packed on the wire exactly as Apple
//! MIG packs them, checked on receipt, and surfaced as slices in and `InlineArray`s out.

mod common;

use common::Running;
use mig::sys::mach_port_t;
use mig::{Error, InlineArray, MessageBuffer, OutArray, ReceiveRight};

mig::mig! {
    /// Exception-style messages: a code array, a flavor, a state in and a state out.
    subsystem catcher 2405;
    #include <mach/mach_types.defs>

    type exception_type_t = int;
    type code_t = array[*:2] of int64_t;

    routine raise(server: mach_port_t; thread: mach_port_t; task: mach_port_t;
        exception: exception_type_t; code: code_t);
    routine raise_state(server: mach_port_t; exception: exception_type_t;
        code: code_t, const; inout flavor: int; old_state: thread_state_t, const;
        out new_state: thread_state_t);
    routine raise_state_identity(server: mach_port_t; thread: mach_port_t; task: mach_port_t;
        exception: exception_type_t; code: code_t; inout flavor: int;
        old_state: thread_state_t; out new_state: thread_state_t);
    /// Bytes, to show sub-word elements rounded up to 4 on the wire.
    routine echo_bytes(server: mach_port_t; data: bytes_t = array[*:9] of uint8_t;
        out echoed: bytes_t; out count: int);
}

fn fields(l: &mig::Layout) -> Vec<(&'static str, usize, usize)> {
    l.fields.iter().map(|f| (f.name, f.offset, f.size)).collect()
}

#[test]
fn layouts_match_apple_mig() {
    // Figures from Apple MIG on xnu's mach_exc.defs (64-bit macOS).
    let r = catcher::ROUTINES;
    assert_eq!(
        (r[0].request.id, r[0].request.size, r[0].request.descriptors),
        (2405, 84, 2)
    );
    assert_eq!(
        fields(&r[0].request),
        [
            ("Head", 0, 24),
            ("msgh_body", 24, 4),
            ("thread", 28, 12),
            ("task", 40, 12),
            ("NDR", 52, 8),
            ("exception", 60, 4),
            ("codeCnt", 64, 4),
            ("code", 68, 16)
        ]
    );
    assert_eq!(r[1].request.size, 5248);
    assert_eq!(
        fields(&r[1].request),
        [
            ("Head", 0, 24),
            ("NDR", 24, 8),
            ("exception", 32, 4),
            ("codeCnt", 36, 4),
            ("code", 40, 16),
            ("flavor", 56, 4),
            ("old_stateCnt", 60, 4),
            ("old_state", 64, 5184)
        ]
    );
    let reply = r[1].reply.unwrap();
    assert_eq!(reply.size, 5228);
    assert_eq!(
        fields(&reply),
        [
            ("Head", 0, 24),
            ("NDR", 24, 8),
            ("RetCode", 32, 4),
            ("flavor", 36, 4),
            ("new_stateCnt", 40, 4),
            ("new_state", 44, 5184)
        ]
    );
    assert_eq!((r[2].request.size, r[2].request.complex), (5276, true));
    assert_eq!(
        fields(&r[3].request)[2..],
        [("dataCnt", 32, 4), ("data", 36, 9), ("dataPad", 45, 3)]
    );
}

struct Catcher;

impl catcher::Server for Catcher {
    fn raise(
        &self,
        _: mach_port_t,
        _: mig::SendRight,
        _: mig::SendRight,
        exception: i32,
        code: &[i64],
    ) -> mig::Result<()> {
        if exception == 1 && code == [2, 3] {
            Ok(())
        } else {
            Err(Error::KERN_INVALID_ARGUMENT)
        }
    }
    fn raise_state(
        &self,
        _: mach_port_t,
        exception: i32,
        code: &[i64],
        flavor: i32,
        old_state: &[u32],
        new_state: &mut OutArray<'_, u32>,
    ) -> mig::Result<i32> {
        // The new state: the old one reversed, plus the exception and the code count.
        for &value in old_state.iter().rev() {
            new_state.push(value)?;
        }
        new_state.push(exception as u32)?;
        new_state.push(code.len() as u32)?;
        Ok(flavor + 1)
    }
    fn raise_state_identity(
        &self,
        _: mach_port_t,
        _: mig::SendRight,
        _: mig::SendRight,
        _: i32,
        code: &[i64],
        flavor: i32,
        old_state: &[u32],
        new_state: &mut OutArray<'_, u32>,
    ) -> mig::Result<i32> {
        new_state.extend_from_slice(&old_state[..old_state.len().min(code.len())])?;
        Ok(flavor)
    }
    fn echo_bytes(&self, _: mach_port_t, data: &[u8], echoed: &mut OutArray<'_, u8>) -> mig::Result<i32> {
        echoed.extend_from_slice(data)?;
        Ok(data.len() as i32)
    }
}

fn with_server(test: impl FnOnce(mach_port_t)) {
    let server = Running::start(catcher::Service(Catcher));
    test(server.port());
}

#[test]
fn arrays_round_trip() {
    with_server(|port| {
        // Stand-ins for the thread and task ports: any send right will do.
        let stand_in = ReceiveRight::allocate().unwrap();
        let stand_in_send = stand_in.make_send().unwrap();
        let task = stand_in_send.name();
        assert_eq!(catcher::raise(port, task, task, 1, &[2, 3]), Ok(()));
        assert_eq!(
            catcher::raise(port, task, task, 1, &[2]),
            Err(Error::KERN_INVALID_ARGUMENT)
        );

        let mut new_state = InlineArray::new();
        let flavor = catcher::raise_state(port, 5, &[10], 7, &[1, 2, 3], &mut new_state).unwrap();
        assert_eq!(flavor, 8);
        assert_eq!(&*new_state, &[3, 2, 1, 5, 1]);

        // Empty and full arrays are both fine.
        catcher::raise_state(port, 0, &[], 0, &[], &mut new_state).unwrap();
        assert_eq!(&*new_state, &[0, 0]);
        let full: Vec<u32> = (0..1294).collect();
        catcher::raise_state(port, 0, &[1, 2], 0, &full, &mut new_state).unwrap();
        assert_eq!(new_state.len(), 1296);
        assert_eq!(new_state[0], 1293);

        let flavor =
            catcher::raise_state_identity(port, task, task, 0, &[1, 2], 9, &[4, 5, 6], &mut new_state)
                .unwrap();
        assert_eq!((flavor, &*new_state), (9, &[4, 5][..]));

        let mut echoed = InlineArray::new();
        for n in 0..=9 {
            let data: Vec<u8> = (1..=n).collect();
            let count = catcher::echo_bytes(port, &data, &mut echoed).unwrap();
            assert_eq!((&*echoed, count), (&data[..], i32::from(n)));
        }
    });
}

#[test]
fn too_many_elements_fail_before_sending() {
    // No server at all: the error comes from the stub, not the transport.
    let port = ReceiveRight::allocate().unwrap();
    let send = port.make_send().unwrap();
    assert_eq!(
        catcher::raise(send.name(), send.name(), send.name(), 1, &[1, 2, 3]),
        Err(Error::MIG_ARRAY_TOO_LARGE)
    );
    assert_eq!(
        catcher::echo_bytes(send.name(), &[0; 10], &mut InlineArray::new()).map(|_| ()),
        Err(Error::MIG_ARRAY_TOO_LARGE)
    );
}

/// A raw `raise_state` request: the packed bytes Apple's stub would send.
fn raw_raise_state(code: &[i64], state: &[u32], code_count: u32) -> MessageBuffer {
    let mut words: Vec<u8> = Vec::new();
    let push = |words: &mut Vec<u8>, bytes: &[u8]| words.extend_from_slice(bytes);
    push(&mut words, &[0; 24]); // header, filled below
    push(&mut words, &[0, 0, 0, 0, 1, 0, 0, 0]); // NDR
    push(&mut words, &3i32.to_le_bytes()); // exception
    push(&mut words, &code_count.to_le_bytes());
    for c in code {
        push(&mut words, &c.to_le_bytes());
    }
    push(&mut words, &4i32.to_le_bytes()); // flavor
    push(&mut words, &(state.len() as u32).to_le_bytes());
    for s in state {
        push(&mut words, &s.to_le_bytes());
    }
    let mut buffer = MessageBuffer::for_receive(catcher::MAX_REQUEST_SIZE);
    buffer.bytes_mut()[..words.len()].copy_from_slice(&words);
    let head = buffer.header_mut();
    head.msgh_size = words.len() as u32;
    head.msgh_id = catcher::raise_state::ID;
    common::deliver(&mut buffer).unwrap();
    buffer
}

#[test]
fn packed_requests_are_unpacked_and_checked() {
    let mut reply = MessageBuffer::with_capacity(catcher::MAX_REPLY_SIZE);
    // codeCnt = 1 and a 2-element state: 64 bytes, as the golden README's loopback run.
    let mut request = raw_raise_state(&[0x1122334455667788], &[0x11, 0x22], 1);
    assert_eq!(request.header().msgh_size, 64);
    assert!(catcher::dispatch(&Catcher, &mut request, &mut reply));
    let out = reply.view::<catcher::raise_state::Reply>().unwrap();
    assert_eq!(({ out.RetCode }, { out.flavor }, { out.new_stateCnt }), (0, 5, 4));
    // The reply is packed too: 44 bytes of header and fields, then 4 elements.
    assert_eq!(reply.header().msgh_size, 44 + 16);

    // A count that promises more than was sent is refused.
    let mut request = raw_raise_state(&[1], &[1, 2], 2);
    catcher::dispatch(&Catcher, &mut request, &mut reply);
    assert_eq!(
        &reply.bytes()[32..36],
        &Error::MIG_BAD_ARGUMENTS.code().to_le_bytes()
    );
    // So is a count above the maximum.
    let mut request = raw_raise_state(&[1, 2, 3], &[], 3);
    catcher::dispatch(&Catcher, &mut request, &mut reply);
    assert_eq!(
        &reply.bytes()[32..36],
        &Error::MIG_BAD_ARGUMENTS.code().to_le_bytes()
    );
}

mig::mig! {
    /// `CountInOut`, as `thread_get_state` uses it: the caller says how many elements it
    /// can take, the server answers with at most that many.
    subsystem stater 3700;
    #include <mach/mach_types.defs>
    routine get_state(thread: mach_port_t; flavor: int; out old_state: thread_state_t, CountInOut);
}

struct Stater;

impl stater::Server for Stater {
    fn get_state(
        &self,
        _: mach_port_t,
        flavor: i32,
        old_state_capacity: u32,
        old_state: &mut OutArray<'_, u32>,
    ) -> mig::Result<()> {
        let n = (flavor as u32).min(old_state_capacity) as usize;
        old_state.extend_from_slice(&(0..n as u32).collect::<Vec<_>>())
    }
}

#[test]
fn count_in_out_carries_the_callers_capacity() {
    // Apple MIG's `thread_get_state`: the request carries `old_stateCnt` where the
    // argument stands; the reply carries the count and the elements.
    let request = stater::ROUTINES[0].request;
    assert_eq!(
        fields(&request),
        [
            ("Head", 0, 24),
            ("NDR", 24, 8),
            ("flavor", 32, 4),
            ("old_stateCnt", 36, 4)
        ]
    );
    assert_eq!(stater::ROUTINES[0].reply.unwrap().size, 5224);

    let server = Running::start(stater::Service(Stater));
    let mut old_state = InlineArray::new();
    let client = stater::Client::new(server.right());
    client.get_state(10, 4, &mut old_state).unwrap();
    assert_eq!(&*old_state, &[0, 1, 2, 3]);
    client.get_state(2, 1296, &mut old_state).unwrap();
    assert_eq!(&*old_state, &[0, 1]);
}

/// A user's struct for a `struct[2] of int`, bound by `rusttype:`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timespec {
    pub sec: i32,
    pub nsec: i32,
}

// SAFETY: two `i32`s: every bit pattern is a value.
unsafe impl mig::Pod for Timespec {}

mig::mig! {
    subsystem clocks 7400;
    #include <mach/std_types.defs>
    type timespec_t = struct[2] of int rusttype: Timespec;
    routine later(server: mach_port_t; t: timespec_t; seconds: int; out later: timespec_t);
}

struct Clock;

impl clocks::Server for Clock {
    fn later(&self, _: mach_port_t, t: Timespec, seconds: i32) -> mig::Result<Timespec> {
        Ok(Timespec {
            sec: t.sec + seconds,
            ..t
        })
    }
}

#[test]
fn rusttype_binds_a_rust_struct_to_fixed_data() {
    let server = Running::start(clocks::Service(Clock));
    let t = Timespec { sec: 10, nsec: 5 };
    assert_eq!(
        clocks::Client::new(server.right()).later(t, 32),
        Ok(Timespec { sec: 42, nsec: 5 })
    );
    // On the wire it is MIG's 8 bytes: header, NDR, the struct, the int.
    assert_eq!(clocks::ROUTINES[0].request.size, 32 + 8 + 4);
    server.stop();
}
