//! The RPC path of inline-only messages allocates nothing: a client stub's request and
//! reply share one stack buffer, and dispatch works in the server loop's two buffers.
//! Counted with a global allocator that counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;

use mig::MessageBuffer;
use mig::sys::mach_port_t;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

mig::mig! {
    subsystem counted 13000;
    #include <mach/mach_types.defs>
    routine add(server: mach_port_t; a: int; b: int; out c: int);
    routine arrays(server: mach_port_t; x: thread_state_t; y: code_t = array[*:2] of int64_t;
        out z: thread_state_t);
}

struct Adder;

impl counted::Server for Adder {
    fn add(&self, _: mach_port_t, a: i32, b: i32) -> mig::Result<i32> {
        Ok(a + b)
    }
    fn arrays(
        &self,
        _: mach_port_t,
        x: &[u32],
        _y: &[i64],
        z: &mut mig::OutArray<'_, u32>,
    ) -> mig::Result<()> {
        z.extend_from_slice(x)
    }
}

/// Runs `f` and returns how many allocations it made.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    f();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

#[test]
fn dispatch_of_inline_messages_allocates_nothing() {
    let mut request = MessageBuffer::for_receive(counted::MAX_REQUEST_SIZE);
    let mut reply = MessageBuffer::with_capacity(counted::MAX_REPLY_SIZE);
    let add = counted::add::Request {
        Head: mig::sys::mach_msg_header_t {
            msgh_size: core::mem::size_of::<counted::add::Request>() as u32,
            msgh_id: counted::add::ID,
            ..Default::default()
        },
        NDR: mig::__private::NDR,
        a: 2,
        b: 3,
    };
    request.write(add);
    common::deliver(&mut request).unwrap();
    assert_eq!(
        allocations(|| assert!(counted::dispatch(&Adder, &mut request, &mut reply))),
        0
    );
    assert_eq!({ reply.view::<counted::add::Reply>().unwrap().c }, 5);

    // Variable arrays are packed and unpacked in place: still nothing.
    let (count, state) = mig::__private::to_wire::<u32, 1296>(&[1, 2, 3]).unwrap();
    let (code_count, code) = mig::__private::to_wire::<i64, 2>(&[7]).unwrap();
    let mut message = counted::arrays::Request {
        Head: mig::sys::mach_msg_header_t {
            msgh_id: counted::arrays::ID,
            ..Default::default()
        },
        NDR: mig::__private::NDR,
        xCnt: count,
        x: state,
        yCnt: code_count,
        y: code,
    };
    // Pack it as a client would have sent it, then hand it to dispatch.
    message.Head.msgh_size = core::mem::size_of::<counted::arrays::Request>() as u32;
    request.write(message);
    let packed = 24 + 8 + 4 + 3 * 4 + 4 + 8;
    let bytes = request.bytes_mut();
    bytes.copy_within(36 + 1296 * 4..36 + 1296 * 4 + 4 + 16, 36 + 12);
    request.header_mut().msgh_size = packed as u32;
    common::deliver(&mut request).unwrap();
    assert_eq!(
        allocations(|| assert!(counted::dispatch(&Adder, &mut request, &mut reply))),
        0
    );
    let out = reply.view::<counted::arrays::Reply>().unwrap();
    assert_eq!(({ out.RetCode }, { out.zCnt }), (0, 3));
}
