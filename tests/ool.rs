//! Out-of-line memory: slices sent by reference and copied by the kernel, received
//! regions owned by `OutOfLine` values that return their memory on drop.

#![cfg(not(target_vendor = "apple"))]

mod common;

use common::Running;
use mig::sys::{self, mach_port_t};
use mig::{Error, OutOfLine, Outgoing};

mig::mig! {
    subsystem bulk 7000;
    #include <mach/mach_types.defs>

    type words_t = array[] of int;
    type small_t = ^array[*:4] of int;
    type six_t = ^array[6] of int;

    /// Like `mach_vm_write`: out-of-line data in, a 64-bit address after it.
    routine write(server: mach_port_t; address: mach_vm_address_t; data: pointer_t);
    routine sum(server: mach_port_t; data: pointer_t; out total: uint64_t);
    routine reverse(server: mach_port_t; data: words_t; out reversed: words_t);
    /// `Overwrite`: a hint XNU ignores (`MACH_RCV_OVERWRITE` is 0); the data arrives as usual.
    routine fill(server: mach_port_t; n: int; out data: pointer_t, Overwrite; out n_back: int);
    routine bounded(server: mach_port_t; data: small_t);
    /// `dealloc`: the client's memory moves with the request.
    routine give(server: mach_port_t; data: pointer_t, dealloc; out len: int);
    /// `Dealloc` on returned data changes nothing: returned memory always moves.
    routine take(server: mach_port_t; out data: pointer_t, Dealloc);
    /// `^T` of a fixed-size value, as `mach_port_construct` sends its options.
    routine construct(task: mach_port_t; options: mach_port_options_ptr_t;
        context: mach_port_context_t; out name: mach_port_name_t);
    /// `^array[n] of T`: exactly `n` elements out of line, no count.
    routine six(server: mach_port_t; data: six_t; out sum: int);
    /// `out ^T`: the value comes back out of line and arrives as a plain value.
    routine options(server: mach_port_t; seed: uint64_t; out options: mach_port_options_ptr_t);
    /// `inout ^array[n] of T`: out of line both ways.
    routine rotate(server: mach_port_t; inout data: six_t);
}

struct Bulk;

impl bulk::Server for Bulk {
    fn write(&self, _: mach_port_t, address: u64, data: OutOfLine<u8>) -> mig::Result<()> {
        if data.len() as u64 == address {
            Ok(())
        } else {
            Err(Error::KERN_INVALID_ADDRESS)
        }
    }
    fn sum(&self, _: mach_port_t, data: OutOfLine<u8>) -> mig::Result<u64> {
        Ok(data.iter().map(|&b| u64::from(b)).sum())
    }
    fn reverse(&self, _: mach_port_t, data: OutOfLine<i32>) -> mig::Result<OutOfLine<i32>> {
        let mut v = data.to_vec();
        v.reverse();
        OutOfLine::copy_from(&v)
    }
    fn fill(&self, _: mach_port_t, n: i32) -> mig::Result<bulk::fill::Output> {
        let data: Vec<u8> = (0..n).map(|i| i as u8).collect();
        Ok(bulk::fill::Output {
            data: OutOfLine::copy_from(&data)?,
            n_back: n,
        })
    }
    fn give(&self, _: mach_port_t, data: OutOfLine<u8>) -> mig::Result<i32> {
        Ok(data.len() as i32)
    }
    fn take(&self, _: mach_port_t) -> mig::Result<OutOfLine<u8>> {
        OutOfLine::copy_from(b"taken")
    }
    fn six(&self, _: mach_port_t, data: [i32; 6]) -> mig::Result<i32> {
        Ok(data.iter().sum())
    }
    fn options(&self, _: mach_port_t, seed: u64) -> mig::Result<[u64; 3]> {
        Ok([seed, seed + 1, seed + 2])
    }
    fn rotate(&self, _: mach_port_t, mut data: [i32; 6]) -> mig::Result<[i32; 6]> {
        data.rotate_left(1);
        Ok(data)
    }
    fn construct(&self, _: mach_port_t, options: [u64; 3], context: u64) -> mig::Result<u32> {
        Ok((options[0] + options[1] + options[2] + context) as u32)
    }
    fn bounded(&self, _: mach_port_t, data: OutOfLine<i32>) -> mig::Result<()> {
        if data.len() <= 4 {
            Ok(())
        } else {
            Err(Error::KERN_INVALID_ARGUMENT)
        }
    }
}

#[test]
fn layouts_follow_apple_mig() {
    let _turn = common::one_at_a_time();
    // Apple MIG's `mach_vm_write` request: body, the OOL descriptor, NDR, then the
    // address and the count, in argument order.
    let fields: Vec<_> = bulk::ROUTINES[0]
        .request
        .fields
        .iter()
        .map(|f| (f.name, f.offset, f.size))
        .collect();
    assert_eq!(
        fields,
        [
            ("Head", 0, 24),
            ("msgh_body", 24, 4),
            ("data", 28, 16),
            ("NDR", 44, 8),
            ("address", 52, 8),
            ("dataCnt", 60, 4)
        ]
    );
    assert_eq!(bulk::ROUTINES[0].request.size, 64);
    // `mach_port_construct`'s request: the options out of line, 24 bytes.
    let construct = bulk::ROUTINES[7].request;
    assert_eq!((construct.size, construct.descriptors), (60, 1));
    // `vm_read`'s reply shape: descriptor, NDR, count.
    let reply = bulk::ROUTINES[2].reply.unwrap();
    assert_eq!((reply.size, reply.complex, reply.descriptors), (56, true, 1));
}

#[test]
fn out_of_line_round_trips() {
    let _turn = common::one_at_a_time();
    let server = Running::start(bulk::Service(Bulk));
    let port = server.port();

    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(bulk::write(port, big.len() as u64, &big), Ok(()));
    assert_eq!(bulk::sum(port, &big), Ok(big.iter().map(|&b| u64::from(b)).sum()));
    assert_eq!(bulk::sum(port, &[]), Ok(0));

    let reversed = bulk::reverse(port, &[1, 2, 3]).unwrap();
    assert_eq!(&*reversed, &[3, 2, 1]);
    let address = reversed.as_ptr() as u64;
    assert!(
        sys::loopback_vm_is_allocated(address as _),
        "the reply's region belongs to the client"
    );
    drop(reversed);
    assert!(
        !sys::loopback_vm_is_allocated(address as _),
        "and is returned on drop"
    );

    let out = bulk::fill(port, 5000).unwrap();
    assert_eq!(
        (out.data.len(), out.n_back, out.data[4999]),
        (5000, 5000, (4999 % 256) as u8)
    );

    assert_eq!(bulk::bounded(port, &[1, 2, 3, 4]), Ok(()));
    assert_eq!(
        bulk::bounded(port, &[1, 2, 3, 4, 5]),
        Err(Error::MIG_ARRAY_TOO_LARGE)
    );

    let mine = OutOfLine::copy_from(&[7u8; 3000]).unwrap();
    let address = mine.as_ptr() as u64;
    assert_eq!(bulk::give(port, mine), Ok(3000));
    assert!(
        !sys::loopback_vm_is_allocated(address as _),
        "the region left with the request"
    );
    assert_eq!(&*bulk::take(port).unwrap(), b"taken");
    assert_eq!(bulk::construct(port, &[1, 2, 3], 4), Ok(10));
    assert_eq!(bulk::six(port, &[1, 2, 3, 4, 5, 6]), Ok(21));
    // Header, body and one out-of-line descriptor (of 24 bytes): no count, no NDR.
    let six = &bulk::ROUTINES[bulk::six::ID as usize - bulk::BASE as usize].request;
    assert_eq!((six.size, six.descriptors), (24 + 4 + 16, 1));

    server.stop();
}

#[test]
fn values_return_out_of_line_and_leave_no_region_behind() {
    let _turn = common::one_at_a_time();
    // Apple MIG's reply for `out ^T`: complex, header, body, the descriptor, and no
    // `RetCode` (errors come back as a `mig_reply_error_t`).
    let options = bulk::ROUTINES[bulk::options::ID as usize - bulk::BASE as usize];
    let reply = options.reply.unwrap();
    assert_eq!((reply.size, reply.complex, reply.descriptors), (44, true, 1));
    let rotate = bulk::ROUTINES[bulk::rotate::ID as usize - bulk::BASE as usize];
    assert_eq!((rotate.request.size, rotate.reply.unwrap().size), (44, 44));

    let server = Running::start(bulk::Service(Bulk));
    let port = server.port();
    let before = sys::loopback_live_ool_bytes();
    for seed in 0..50 {
        assert_eq!(bulk::options(port, seed), Ok([seed, seed + 1, seed + 2]));
        assert_eq!(bulk::rotate(port, &[1, 2, 3, 4, 5, 6]), Ok([2, 3, 4, 5, 6, 1]));
    }
    server.stop();
    // Each reply's region was read and freed by the stub; the server's copies moved.
    assert_eq!(sys::loopback_live_ool_bytes(), before, "no region left behind");
}

#[test]
fn a_region_that_disagrees_with_its_count_is_refused() {
    let _turn = common::one_at_a_time();
    let data = [1u8, 2, 3];
    let (count, mut descriptor) = mig::__private::slice_to_wire(&data, u32::MAX).unwrap();
    descriptor.size = 2; // says two bytes; the count says three
    let mut request = mig::MessageBuffer::for_receive(bulk::MAX_REQUEST_SIZE);
    request.write(bulk::sum::Request {
        Head: sys::mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS_COMPLEX,
            msgh_size: core::mem::size_of::<bulk::sum::Request>() as u32,
            msgh_id: bulk::sum::ID,
            ..Default::default()
        },
        msgh_body: sys::mach_msg_body_t {
            msgh_descriptor_count: 1,
        },
        data: descriptor,
        NDR: mig::__private::NDR,
        dataCnt: count,
    });
    let mut reply = mig::MessageBuffer::with_capacity(bulk::MAX_REPLY_SIZE);
    common::deliver(&mut request).unwrap();
    bulk::dispatch(&Bulk, &mut request, &mut reply);
    // The kernel carried a region of the descriptor's size; the refused request still
    // holds it.
    // SAFETY: a received request, released once.
    unsafe { sys::mach_msg_destroy(request.as_mut_ptr()) };
    assert_eq!(
        &reply.bytes()[32..36],
        &Error::MIG_TYPE_ERROR.code().to_le_bytes()
    );
}

/// Queues a `sum` request carrying `data` (lent: it must outlive the call) on `dest`.
fn queue_sum(dest: mach_port_t, data: sys::mach_msg_ool_descriptor_t, count: u32) {
    let mut request = bulk::sum::Request {
        Head: sys::mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS_COMPLEX | sys::MACH_MSG_TYPE_COPY_SEND,
            msgh_size: 0,
            msgh_remote_port: dest,
            msgh_id: bulk::sum::ID,
            ..Default::default()
        },
        msgh_body: sys::mach_msg_body_t {
            msgh_descriptor_count: 1,
        },
        data,
        NDR: mig::__private::NDR,
        dataCnt: count,
    };
    // SAFETY: a complete request whose descriptor lends memory the caller keeps alive.
    let sent = unsafe {
        sys::mach_msg(
            (&raw mut request).cast(),
            sys::MACH_SEND_MSG,
            core::mem::size_of::<bulk::sum::Request>() as u32,
            0,
            sys::MACH_PORT_NULL,
            0,
            sys::MACH_PORT_NULL,
        )
    };
    assert_eq!(sent, sys::MACH_MSG_SUCCESS);
}

/// XNU maps a volatile out-of-line region into the receiver like any other
/// (`ipc_kmsg_copyout_descriptors`), but libsystem's `mach_msg_destroy` skips volatile
/// descriptors: a server that refuses one (no routine expects it) must free the region
/// itself. Found by the client fuzz target (a hostile server's reply); the server side
/// is checked here, the client side by `tests/garbage.rs`.
#[test]
fn a_refused_volatile_region_is_freed() {
    common::in_new_task(|_| {
        let port = mig::ReceiveRight::allocate().unwrap();
        let send = port.make_send().unwrap();
        let data = vec![5u8; 4096];
        let (count, mut descriptor) = mig::__private::slice_to_wire(&data, u32::MAX).unwrap();
        descriptor.type_ = sys::MACH_MSG_OOL_VOLATILE_DESCRIPTOR as u8;
        let before = common::accounting();
        queue_sum(send.name(), descriptor, count);
        let (mut buffer, mut reply) = (
            mig::MessageBuffer::for_receive(bulk::MAX_REQUEST_SIZE),
            mig::MessageBuffer::with_capacity(bulk::MAX_REPLY_SIZE),
        );
        mig::serve_one(port.name(), &bulk::Service(Bulk), &mut buffer, &mut reply).unwrap();
        assert_eq!(
            common::accounting(),
            before,
            "the refused request's region was freed"
        );
    });
}

/// `MessageBuffer::destroy` releases all a received message holds, physical copies
/// included (XNU delivers them without `deallocate`, and libsystem's `mach_msg_destroy`
/// then leaves them); a buffer without the proof of a receive is left alone.
#[test]
fn destroying_a_received_message_frees_its_physical_copies() {
    common::in_new_task(|_| {
        let port = mig::ReceiveRight::allocate().unwrap();
        let send = port.make_send().unwrap();
        let data = vec![5u8; 4096];
        let (count, descriptor) = mig::__private::slice_to_wire(&data, u32::MAX).unwrap();
        let before = common::accounting();
        queue_sum(send.name(), mig::__private::physical_copy(descriptor), count);
        let mut buffer = mig::MessageBuffer::for_receive(bulk::MAX_REQUEST_SIZE);
        assert_eq!(
            buffer.receive(port.name(), sys::MACH_RCV_TIMEOUT, 0),
            sys::MACH_MSG_SUCCESS
        );
        assert_ne!(common::accounting(), before, "the kernel mapped a copy");
        assert!(buffer.destroy());
        assert_eq!(common::accounting(), before, "and destroy freed it");
        assert!(!buffer.destroy(), "once");
    });
}

mig::mig! {
    subsystem copies 7100;
    #include <mach/std_types.defs>
    routine physical(server: mach_port_t; data: pointer_t, PhysicalCopy; out sum: int);
    routine virtual_(server: mach_port_t; data: pointer_t; out sum: int);
    /// `dealloc[]`: the caller chooses on each call whether the memory moves.
    routine maybe_give(server: mach_port_t; data: pointer_t, dealloc[]; out sum: int);
}

struct Copies;

impl copies::Server for Copies {
    fn physical(&self, _: mach_port_t, data: OutOfLine<u8>) -> mig::Result<i32> {
        Ok(data.iter().map(|&b| i32::from(b)).sum())
    }
    fn virtual_(&self, port: mach_port_t, data: OutOfLine<u8>) -> mig::Result<i32> {
        self.physical(port, data)
    }
    fn maybe_give(&self, port: mach_port_t, data: OutOfLine<u8>) -> mig::Result<i32> {
        self.physical(port, data)
    }
}

/// Records the copy option of each request's first descriptor, then dispatches. (The
/// deallocate flag is the sender's business: a receiver sees it cleared.)
struct CopyOptions(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

// SAFETY: forwards to the generated dispatch and writes nothing itself.
unsafe impl mig::Demux for CopyOptions {
    const BASE: i32 = copies::BASE;
    const END: i32 = copies::END;
    const MAX_REQUEST_SIZE: usize = copies::MAX_REQUEST_SIZE;
    const MAX_REPLY_SIZE: usize = copies::MAX_REPLY_SIZE;

    fn demux(&self, request: &mut mig::MessageBuffer, reply: &mut mig::MessageBuffer) -> bool {
        // Header (24), descriptor count (4), then the descriptor: address (8),
        // deallocate (1), copy (1).
        let copy = request.bytes()[24 + 4 + 8 + 1];
        self.0.lock().unwrap().push(copy);
        copies::dispatch(&Copies, request, reply)
    }
}

#[test]
fn physical_copy_sets_the_descriptor_copy_option() {
    let _turn = common::one_at_a_time();
    let seen = std::sync::Arc::default();
    let server = Running::start(CopyOptions(std::sync::Arc::clone(&seen)));
    let client = copies::Client::new(server.right());
    let data = [1u8, 2, 3, 4];
    assert_eq!(client.physical(&data), Ok(10));
    assert_eq!(client.virtual_(&data), Ok(10));
    server.stop();
    let (physical, virtual_) = (
        sys::MACH_MSG_PHYSICAL_COPY as u8,
        sys::MACH_MSG_VIRTUAL_COPY as u8,
    );
    assert_eq!(*seen.lock().unwrap(), [physical, virtual_]);
}

#[test]
fn dealloc_at_runtime_lets_each_call_borrow_or_move() {
    let _turn = common::one_at_a_time();
    let server = Running::start(copies::Service(Copies));
    let client = copies::Client::new(server.right());
    let data = [5u8; 8];
    // Borrowed: the kernel copies, the caller keeps its slice.
    assert_eq!(client.maybe_give(Outgoing::Borrowed(&data)), Ok(40));
    // Moved: the pages leave with the request.
    let moved = OutOfLine::copy_from(&data).unwrap();
    let address = moved.as_ptr() as u64;
    assert_eq!(client.maybe_give(moved.into()), Ok(40));
    assert!(
        !sys::loopback_vm_is_allocated(address as _),
        "the region left with the request"
    );
    server.stop();
}

/// Serves `bulk` on a thread that receives out-of-line memory at `placement`, as XNU
/// delivers it at the sender's page offset; returns the send right and the thread.
fn serve_placed(placement: sys::OolPlacement) -> (mig::SendRight, std::thread::JoinHandle<mig::Result<()>>) {
    let receive = mig::ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let thread = std::thread::spawn(move || {
        sys::loopback_set_ool_placement(placement);
        let result = mig::serve(receive.name(), &bulk::Service(Bulk));
        // The test destroyed the port through its name.
        let _ = receive.into_raw();
        result
    });
    (send, thread)
}

fn stop_placed(send: mig::SendRight, thread: std::thread::JoinHandle<mig::Result<()>>) {
    // SAFETY: the receive right lives in this task under the send right's name;
    // destroying it ends the server's loop.
    unsafe { sys::mach_port_destroy(sys::mach_task_self(), send.name()) };
    thread.join().unwrap().unwrap();
}

/// A peer on XNU chooses the page offset its out-of-line data arrives at
/// (`ipc_kmsg_copyout_ool_descriptor` keeps the sender's `offset & page_mask`), so an
/// `OutOfLine<i32>` can arrive at `page + 2`. The server's checks move such a region
/// to aligned memory before the handler builds a slice over it (a misaligned
/// `&[i32]` is undefined behaviour; before, debug builds aborted), and nothing leaks.
#[test]
fn misaligned_out_of_line_requests_are_realigned_before_the_handler_sees_them() {
    let _turn = common::one_at_a_time();
    let before = sys::loopback_live_ool_bytes();
    let (port, server) = serve_placed(sys::OolPlacement::Offset(2));
    let reversed = bulk::reverse(port.name(), &[1, 2, 3, 4]).unwrap();
    assert_eq!(&*reversed, &[4, 3, 2, 1]);
    drop(reversed);
    // Bytes (alignment 1) arrive where the sender's offset puts them, uncopied.
    assert_eq!(bulk::sum(port.name(), &[1, 2, 3]), Ok(6));
    stop_placed(port, server);
    assert_eq!(sys::loopback_live_ool_bytes(), before, "no region left behind");
}

/// The same from a hostile (or merely XNU-placed) server: a reply's `OutOfLine<i32>`
/// arriving at `page + 2` reaches the caller aligned, its values intact.
#[test]
fn misaligned_out_of_line_replies_are_realigned_for_the_client() {
    let _turn = common::one_at_a_time();
    let before = sys::loopback_live_ool_bytes();
    let server = Running::start(bulk::Service(Bulk));
    let previous = sys::loopback_set_ool_placement(sys::OolPlacement::Offset(2));
    let reversed = bulk::Client::new(server.right()).reverse(&[1, 2, 3]);
    sys::loopback_set_ool_placement(previous);
    let reversed = reversed.unwrap();
    assert!(reversed.as_ptr().is_aligned());
    assert_eq!(&*reversed, &[3, 2, 1]);
    drop(reversed);
    server.stop();
    assert_eq!(sys::loopback_live_ool_bytes(), before, "no region left behind");
}

/// `[T; 0]` is `Pod`: values of a zero-sized type take no memory (address 0), yet the
/// slice over them must not start at null (before, `from_raw_parts(null, 3)`).
#[test]
fn zero_sized_elements_give_a_non_null_slice() {
    let empty: OutOfLine<[u8; 0]> = OutOfLine::copy_from(&[[]; 3]).unwrap();
    assert_eq!(empty.len(), 3);
    // Before, the slice started at address 0.
    assert_ne!(empty.as_slice().as_ptr() as usize, 0);
    assert_eq!(empty.byte_len(), 0);
    let (count, descriptor) = empty.into_wire().unwrap();
    assert_eq!((count, descriptor.size, descriptor.deallocate), (3, 0, 0));
}

/// An out-of-line descriptor's size has 32 bits: an `OutOfLine` of more than 4 GiB
/// cannot be sent, and saying so beats sending its first bytes as the whole
/// (before, `into_wire` truncated the size). The region is released, not leaked.
#[test]
fn out_of_line_over_4_gib_is_refused_not_truncated() {
    let _turn = common::one_at_a_time();
    let before = sys::loopback_live_ool_bytes();
    let bytes = (1u64 << 32) + 4096;
    let mut address = 0;
    // SAFETY: our own task and an out-pointer to a local. The loopback's zeroed pages
    // are only touched when written.
    let kr =
        unsafe { sys::mach_vm_allocate(sys::mach_task_self(), &mut address, bytes, sys::VM_FLAGS_ANYWHERE) };
    assert_eq!(kr, sys::KERN_SUCCESS);
    // SAFETY: a region of ours of `bytes` zeroed (so initialized) bytes, page-aligned,
    // owned by nothing else.
    let huge = unsafe { OutOfLine::<u8>::from_raw(address, bytes as usize) };
    assert_eq!(huge.into_wire().err(), Some(Error::MIG_ARRAY_TOO_LARGE));
    assert_eq!(sys::loopback_live_ool_bytes(), before, "the region was released");
}

/// The loopback's bytes of a `copies::physical` request whose count disagrees with its
/// region (3 bytes, count 2): `MIG_TYPE_ERROR`.
fn mismatched_physical_request(
    data: &[u8; 3],
    reply: mach_port_t,
    dest: mach_port_t,
) -> copies::physical::Request {
    let (_, descriptor) = mig::__private::slice_to_wire(data, u32::MAX).unwrap();
    copies::physical::Request {
        Head: sys::mach_msg_header_t {
            msgh_bits: sys::MACH_MSGH_BITS_COMPLEX
                | sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_COPY_SEND, sys::MACH_MSG_TYPE_MAKE_SEND_ONCE),
            msgh_size: core::mem::size_of::<copies::physical::Request>() as u32,
            msgh_remote_port: dest,
            msgh_local_port: reply,
            msgh_id: copies::physical::ID,
            ..Default::default()
        },
        msgh_body: sys::mach_msg_body_t {
            msgh_descriptor_count: 1,
        },
        data: mig::__private::physical_copy(descriptor),
        NDR: mig::__private::NDR,
        dataCnt: 2,
    }
}

/// XNU marks a received physical copy not deallocate-on-destroy
/// (`ipc_kmsg_deflate_memory_descriptor`), so the `mach_msg_destroy` with which a
/// server releases a request it refuses leaves the region: the server releases it
/// itself.
#[test]
fn rejected_requests_release_physically_copied_regions() {
    let _turn = common::one_at_a_time();
    let server = Running::start(copies::Service(Copies));
    let before = sys::loopback_live_ool_bytes();
    let data = [1u8, 2, 3];
    // SAFETY: this thread's reply port.
    let reply = unsafe { sys::mig_get_reply_port() };
    #[repr(C)]
    union Exchange {
        request: copies::physical::Request,
        reply: [u8; 256],
    }
    let mut exchange = Exchange {
        request: mismatched_physical_request(&data, reply, server.port()),
    };
    // SAFETY: the union holds the request to send and room for the reply.
    let kr = unsafe {
        sys::mach_msg(
            (&raw mut exchange).cast(),
            sys::MACH_SEND_MSG | sys::MACH_RCV_MSG,
            core::mem::size_of::<copies::physical::Request>() as u32,
            256,
            reply,
            0,
            0,
        )
    };
    assert_eq!(kr, sys::MACH_MSG_SUCCESS);
    // SAFETY: the kernel wrote a reply into the buffer.
    let answer = unsafe { exchange.reply };
    assert_eq!(&answer[32..36], &Error::MIG_TYPE_ERROR.code().to_ne_bytes());
    server.stop();
    assert_eq!(
        sys::loopback_live_ool_bytes(),
        before,
        "the refused region was released"
    );
}

/// The client's side: a server replying with a physical copy the reply checks refuse
/// (a count that disagrees with the region); the stub releases the region although
/// `mach_msg_destroy` does not.
#[test]
fn rejected_replies_release_physically_copied_regions() {
    let _turn = common::one_at_a_time();
    let receive = mig::ReceiveRight::allocate().unwrap();
    let send = receive.make_send().unwrap();
    let hostile = std::thread::spawn(move || {
        let mut buffer = mig::MessageBuffer::for_receive(bulk::MAX_REQUEST_SIZE);
        // SAFETY: the buffer is writable for its capacity.
        let kr = unsafe {
            sys::mach_msg(
                buffer.as_mut_ptr(),
                sys::MACH_RCV_MSG,
                0,
                buffer.capacity() as u32,
                receive.name(),
                0,
                0,
            )
        };
        assert_eq!(kr, sys::MACH_MSG_SUCCESS);
        let head = *buffer.header();
        // Release the request's region now (keeping the reply right), so that only the
        // reply's can be left when the client looks.
        buffer.header_mut().msgh_remote_port = sys::MACH_PORT_NULL;
        // SAFETY: a received message we own, destroyed once.
        unsafe { sys::mach_msg_destroy(buffer.as_mut_ptr()) };
        let data = [7i32; 3];
        let (_, descriptor) = mig::__private::slice_to_wire(&data, u32::MAX).unwrap();
        let mut reply = bulk::reverse::Reply {
            Head: sys::mach_msg_header_t {
                msgh_bits: sys::MACH_MSGH_BITS_COMPLEX
                    | sys::MACH_MSGH_BITS(sys::MACH_MSG_TYPE_MOVE_SEND_ONCE, 0),
                msgh_size: core::mem::size_of::<bulk::reverse::Reply>() as u32,
                msgh_remote_port: head.msgh_remote_port,
                msgh_id: head.msgh_id + 100,
                ..Default::default()
            },
            msgh_body: sys::mach_msg_body_t {
                msgh_descriptor_count: 1,
            },
            reversed: mig::__private::physical_copy(descriptor),
            NDR: mig::__private::NDR,
            reversedCnt: 2,
        };
        // SAFETY: a whole reply of `msgh_size` bytes; the region it names is `data`.
        let kr = unsafe {
            sys::mach_msg(
                (&raw mut reply).cast(),
                sys::MACH_SEND_MSG,
                reply.Head.msgh_size,
                0,
                0,
                0,
                0,
            )
        };
        assert_eq!(kr, sys::MACH_MSG_SUCCESS);
        receive
    });
    let before = sys::loopback_live_ool_bytes();
    assert_eq!(
        bulk::reverse(send.name(), &[1, 2, 3]).err(),
        Some(Error::MIG_TYPE_ERROR)
    );
    assert_eq!(
        sys::loopback_live_ool_bytes(),
        before,
        "the refused region was released"
    );
    drop(hostile.join().unwrap());
}
