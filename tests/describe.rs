//! Messages you can read: `mig::describe` names a message's routine and fields from the
//! layout tables, and the wire structs' `Debug` shows their fields by MIG name.

mod common;

use mig::sys::MACH_RCV_TIMEOUT;
use mig::{Direction, MessageBuffer, ReceiveRight, describe};

mig::mig! {
    subsystem logger 7300;
    #include <mach/std_types.defs>
    type words_t = array[*:8] of int;
    type name_t = c_string[*:32];

    /// Variable arrays move what follows them down on the wire: `after` lies right
    /// after the words and the name actually sent.
    simpleroutine log(server: mach_port_t; level: int; words: words_t; name: name_t; after: int);
    routine ping(server: mach_port_t; port: mach_port_copy_send_t; out back: int);
}

mig::mig! {
    subsystem other 9100;
    #include <mach/std_types.defs>
    routine nothing(server: mach_port_t);
}

/// Sends `log` to a port of ours and receives it raw.
fn sent_log(level: i32, words: &[i32], name: &std::ffi::CStr, after: i32) -> MessageBuffer {
    let port = ReceiveRight::allocate().unwrap();
    let send = port.make_send().unwrap();
    logger::log(send.name(), level, words, name, after).unwrap();
    let mut buffer = MessageBuffer::for_receive(logger::MAX_REQUEST_SIZE);
    assert_eq!(buffer.receive(port.name(), MACH_RCV_TIMEOUT, 0), 0);
    buffer
}

#[test]
fn a_received_request_is_described_by_its_routine_and_values() {
    let buffer = sent_log(3, &[10, -1, 30], c"disk", 77);
    // 32 bytes of header and NDR, level, wordsCnt, 3 words, nameOffset, nameCnt, "disk\0"
    // rounded up to 8, after.
    assert_eq!(buffer.bytes().len(), 32 + 4 + 4 + 12 + 8 + 8 + 4);
    let description = describe(buffer.bytes(), &[&other::SUBSYSTEM, &logger::SUBSYSTEM]);
    assert_eq!(description.routine(), Some(("logger", "log", Direction::Request)));
    assert_eq!(
        description.to_string(),
        "logger.log request (msgh_id 7300, 72 bytes): level = 3, words = [10, 0xffffffff, 30], \
         name = \"disk\", after = 77"
    );
    let debug = format!("{description:?}");
    assert!(
        debug.starts_with("logger.log request { Head: mach_msg_header_t { msgh_bits: "),
        "{debug}"
    );
    assert!(
        debug.contains("msgh_size: 72,") && debug.contains("msgh_id: 7300 }"),
        "{debug}"
    );
    assert!(
        debug.contains(
            "wordsCnt: 3, words: [10, 0xffffffff, 30], nameOffset: 0, nameCnt: 5, name: \"disk\", after: 77 }"
        ),
        "{debug}"
    );
}

#[test]
fn descriptors_and_return_codes_are_decoded() {
    let port = ReceiveRight::allocate().unwrap();
    let send = port.make_send().unwrap();
    let carried = ReceiveRight::allocate().unwrap();
    let carried_send = carried.make_send().unwrap();
    // A `ping` request, caught raw: the stub waits for a reply that never comes.
    let stub = std::thread::spawn({
        let name = send.name();
        let carried = carried_send.name();
        move || logger::ping(name, carried)
    });
    let mut buffer = MessageBuffer::for_receive(logger::MAX_REQUEST_SIZE);
    assert_eq!(buffer.receive(port.name(), 0, 0), 0);
    let text = format!("{:?}", describe(buffer.bytes(), &[&logger::SUBSYSTEM]));
    assert!(text.starts_with("logger.ping request { Head: "), "{text}");
    assert!(text.contains("msgh_body: 1, port: [port { name: 0x"), "{text}");
    // The receiver sees a copied send right as MACH_MSG_TYPE_PORT_SEND (17).
    assert!(text.contains("disposition: 17 }]"), "{text}");

    // An error reply to it: only a return code, which the full reply layout does not fit.
    let mut error = [0u8; 36];
    error[4..8].copy_from_slice(&36u32.to_le_bytes());
    error[20..24].copy_from_slice(&(logger::ping::ID + 100).to_le_bytes());
    error[32..36].copy_from_slice(&mig::Error::MIG_BAD_ARGUMENTS.code().to_le_bytes());
    assert_eq!(
        describe(&error, &[&logger::SUBSYSTEM]).to_string(),
        "logger.ping reply (msgh_id 7401, 36 bytes): MIG_BAD_ARGUMENTS (0xfffffed0)"
    );

    // Destroying the request releases the stub's send-once reply right: its call fails.
    buffer.destroy();
    assert!(stub.join().unwrap().is_err());
}

#[test]
fn unknown_and_truncated_messages_are_shown_as_far_as_they_go() {
    let buffer = sent_log(1, &[1, 2], c"x", 5);
    assert_eq!(
        describe(buffer.bytes(), &[&other::SUBSYSTEM]).to_string(),
        "message msgh_id 7300 (64 bytes), of no known subsystem"
    );
    // Cut inside the words: the fields before the cut, then `..`.
    let cut = &buffer.bytes()[..44];
    let debug = format!("{:?}", describe(cut, &[&logger::SUBSYSTEM]));
    assert!(debug.ends_with("level: 1, wordsCnt: 2, .. }"), "{debug}");
    // A count past its maximum is clamped to it, never read past the message.
    let mut forged = buffer.bytes().to_vec();
    forged[36..40].copy_from_slice(&u32::MAX.to_le_bytes());
    let debug = format!("{:?}", describe(&forged, &[&logger::SUBSYSTEM]));
    assert!(debug.ends_with("wordsCnt: 4294967295, .. }"), "{debug}");
    // Nothing at all.
    assert_eq!(
        describe(&[], &[&logger::SUBSYSTEM]).to_string(),
        "message msgh_id -1 (0 bytes), of no known subsystem"
    );
}

#[test]
fn wire_structs_debug_their_fields_by_mig_name() {
    // The struct's maximum layout, filled by hand.
    // SAFETY: a wire struct is plain data (`mig::Message`): all zeros is a valid value.
    let mut request: logger::log::Request = unsafe { core::mem::zeroed() };
    request.level = 2;
    request.wordsCnt = 2;
    request.words[..2].copy_from_slice(&[4, 5]);
    request.nameCnt = 3;
    request.name[..3].copy_from_slice(&[b'a' as i8, b'b' as i8, 0]);
    request.after = 9;
    let debug = format!("{request:?}");
    assert!(
        debug.starts_with("log::Request { Head: mach_msg_header_t {"),
        "{debug}"
    );
    assert!(
        debug.ends_with(
            "level: 2, wordsCnt: 2, words: [4, 5], nameOffset: 0, nameCnt: 3, name: \"ab\", after: 9 }"
        ),
        "{debug}"
    );
    // `{:#?}` puts a field per line.
    assert!(format!("{request:#?}").contains("\n    level: 2,\n"));
}
