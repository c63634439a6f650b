//! What a stub releases when the kernel refuses its request, error by error, as XNU
//! leaves the message (`osfmk/ipc/ipc_kmsg.c`, `osfmk/ipc/mach_msg.c`): nothing taken
//! (header and format errors), taken up to a failing right in the body
//! (`ipc_kmsg_copyin_body`), or taken and handed back renamed (`mach_msg_receive_pseudo`
//! after a send timeout). Whatever the caller gave away is released exactly once; what
//! it lent is left alone. Checked with the loopback's accounting.

#![cfg(not(target_vendor = "apple"))]

mod common;

use common::{accounting, full_queue, in_new_task};
use mig::sys::{self, mach_port_t};
use mig::{Error, OutOfLine, ReceiveRight, SendRight};

mig::mig! {
    subsystem refused 9400;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>

    routine copied_then_moved(server: mach_port_t; copied: mach_port_t; moved: mach_port_move_send_t);
    routine moved_then_copied(server: mach_port_t; moved: mach_port_move_send_t; copied: mach_port_t);
    routine lent_names_then_moved(server: mach_port_t; names: mach_port_array_t; moved: mach_port_move_send_t);
    /// `^array[n]`: always sent in a fresh region that goes with the message.
    type three_ports_t = ^array[3] of mach_port_t;
    routine moved_then_three(server: mach_port_t; moved: mach_port_move_send_t; three: three_ports_t);
    waittime 0;
    /// Everything a request can carry, lent and given away.
    simpleroutine drop_off(server: mach_port_t; copied: mach_port_t; moved: mach_port_move_send_t;
        given: pointer_t, dealloc; lent: pointer_t; physical: pointer_t, dealloc, PhysicalCopy);
    /// The same, waiting for a reply.
    routine hand_over(server: mach_port_t; copied: mach_port_t; moved: mach_port_move_send_t;
        given: pointer_t, dealloc; lent: pointer_t; physical: pointer_t, dealloc, PhysicalCopy);
}

/// A name this task does not hold.
const BOGUS: mach_port_t = 0x0bad_0b03;

fn send_refs(name: mach_port_t) -> u32 {
    let mut refs = 0;
    // SAFETY: an out-pointer to a local.
    unsafe { sys::mach_port_get_refs(sys::mach_task_self(), name, sys::MACH_PORT_RIGHT_SEND, &mut refs) };
    refs
}

/// A port, and a send right to it the test keeps: the reference count shows whether a
/// moved reference was released too often or not at all.
fn port_with_kept_right() -> (ReceiveRight, SendRight) {
    let port = ReceiveRight::allocate().unwrap();
    let kept = port.make_send().unwrap();
    (port, kept)
}

/// A moved send right after a lent name that does not hold its right: XNU's
/// `ipc_kmsg_copyin_body` stops at the lent name, so the moved right is still the
/// caller's, and the stub releases it.
#[test]
fn a_moved_right_after_a_refused_name_is_released() {
    in_new_task(|_| {
        let (_server, dest) = port_with_kept_right();
        let (port, kept) = port_with_kept_right();
        assert_eq!(
            refused::copied_then_moved(dest.name(), BOGUS, kept.clone()),
            Err(Error::MACH_SEND_INVALID_RIGHT)
        );
        assert_eq!(send_refs(port.name()), 1, "the moved reference was released");
        drop(kept);
    });
}

/// The same in the other order: the kernel consumed the moved right before it reached
/// the failing name (`ipc_kmsg_clean_descriptors`), so the stub must not release it.
#[test]
fn a_moved_right_before_a_refused_name_is_not_released_twice() {
    in_new_task(|_| {
        let (_server, dest) = port_with_kept_right();
        let (port, kept) = port_with_kept_right();
        assert_eq!(
            refused::moved_then_copied(dest.name(), kept.clone(), BOGUS),
            Err(Error::MACH_SEND_INVALID_RIGHT)
        );
        assert_eq!(
            send_refs(port.name()),
            1,
            "the kernel took the moved reference, once"
        );
        drop(kept);
    });
}

/// A failing name inside an out-of-line array of lent names: the names before it were
/// taken (`ipc_kmsg_copyin_ool_ports_descriptor` destroys them), the moved right after
/// the array is still the caller's.
#[test]
fn a_moved_right_after_a_refused_name_in_a_lent_array_is_released() {
    in_new_task(|_| {
        let (_server, dest) = port_with_kept_right();
        let (lent_port, lent) = port_with_kept_right();
        let (port, kept) = port_with_kept_right();
        assert_eq!(
            refused::lent_names_then_moved(dest.name(), &[lent.name(), BOGUS], kept.clone()),
            Err(Error::MACH_SEND_INVALID_RIGHT)
        );
        assert_eq!(send_refs(port.name()), 1, "the moved reference was released");
        assert_eq!(send_refs(lent_port.name()), 1, "the lent name is untouched");
        drop((kept, lent));
    });
}

/// A failing name inside an array the message gives away with its region: XNU unmaps
/// the region before copying the names in (`ipc_kmsg_copyin_ool_ports_descriptor`), so
/// the stub must not read it back (AddressSanitizer would report it); the moved right
/// before it was taken by the kernel and is not released again.
#[test]
fn a_refused_name_in_an_array_given_away_is_not_read_back() {
    in_new_task(|_| {
        let (_server, dest) = port_with_kept_right();
        let (port, kept) = port_with_kept_right();
        let before = accounting().1;
        assert_eq!(
            refused::moved_then_three(dest.name(), kept.clone(), &[BOGUS]),
            Err(Error::MACH_SEND_INVALID_RIGHT)
        );
        assert_eq!(
            send_refs(port.name()),
            1,
            "the kernel took the moved reference, once"
        );
        assert_eq!(accounting().1, before, "the array's region went with the message");
        drop(kept);
    });
}

/// Sends `drop_off` into a full queue with this thread's sends pseudo-received on
/// timeout, `bits` or-ed into the result; checks that what it gave away is released and
/// what it lent is not.
fn drop_off_times_out(bits: sys::mach_msg_return_t) {
    in_new_task(|_| {
        let (server, dest) = full_queue();
        let (copied_port, copied) = port_with_kept_right();
        let (moved_port, moved) = port_with_kept_right();
        let lent = OutOfLine::copy_from(&[3u8; 5000]).unwrap();
        let before = accounting();
        let given = OutOfLine::copy_from(&[7u8; 5000]).unwrap();
        let physical = OutOfLine::copy_from(&[9u8; 100]).unwrap();
        sys::loopback_pseudo_receive_timeouts(Some(bits));
        let result = refused::drop_off(
            dest.name(),
            copied.name(),
            moved.clone(),
            given,
            lent.as_slice(),
            physical,
        );
        sys::loopback_pseudo_receive_timeouts(None);
        assert_eq!(
            accounting(),
            before,
            "the moved right, the given regions and the handed-back copies were released"
        );
        assert_eq!(
            result,
            Err(Error::MACH_SEND_TIMED_OUT),
            "reported without the bits"
        );
        assert_eq!(
            (send_refs(copied_port.name()), send_refs(moved_port.name())),
            (1, 1)
        );
        assert!(
            lent.as_slice().iter().all(|&b| b == 3),
            "lent memory is the caller's"
        );
        drop((server, dest, copied, moved));
    });
}

/// XNU ors what its pseudo-receive could not hand back into the send's result
/// (`mr |= mach_msg_receive_pseudo(...)` in `mach_msg_trap_send`, `osfmk/ipc/mach_msg.c`):
/// a timed-out send is still recognized, and what it held is still released.
#[test]
fn a_send_timeout_with_error_bits_still_releases_what_was_given() {
    drop_off_times_out(sys::MACH_MSG_VM_SPACE);
    drop_off_times_out(sys::MACH_MSG_IPC_SPACE | sys::MACH_MSG_VM_SPACE);
}

/// A region moved with `PhysicalCopy` comes back from a pseudo-receive with `deallocate`
/// clear (`ipc_kmsg_deflate_memory_descriptor`: set only for virtual copies), at the
/// address the caller gave away (the loopback puts it back there, as XNU's
/// `vm_map_copyout` may): the stub releases it all the same.
#[test]
fn a_physical_copy_handed_back_at_its_old_address_is_released() {
    drop_off_times_out(0);
    in_new_task(|_| {
        let (server, dest) = full_queue();
        let (moved_port, moved) = port_with_kept_right();
        let lent = OutOfLine::copy_from(&[3u8; 100]).unwrap();
        let before = accounting().1;
        let given = OutOfLine::copy_from(&[7u8; 5000]).unwrap();
        let physical = OutOfLine::copy_from(&[9u8; 100]).unwrap();
        sys::loopback_pseudo_receive_timeouts(Some(0));
        let result = refused::hand_over(
            dest.name(),
            NO_NAME,
            moved.clone(),
            given,
            lent.as_slice(),
            physical,
        );
        sys::loopback_pseudo_receive_timeouts(None);
        assert_eq!(result, Err(Error::MACH_SEND_TIMED_OUT));
        assert_eq!(accounting().1, before, "no region left behind");
        assert_eq!(
            send_refs(moved_port.name()),
            1,
            "the moved reference was released"
        );
        drop((server, dest));
    });
}

/// No name: `MACH_PORT_NULL` travels as it is and copies nothing.
const NO_NAME: mach_port_t = sys::MACH_PORT_NULL;
