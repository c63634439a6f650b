//! `cargo fuzz run dispatch`: arbitrary bytes sent through the loopback kernel to a
//! generated server for every wire type (the harness of `tests/garbage.rs`). Each input
//! must be answered without a crash, and leave no right and no region behind. A bit of
//! the header's voucher field (which the harness clears) sends the request through the
//! generated C demux instead of `dispatch` (`MIG_FUZZ_NO_C_DEMUX=1` turns that off).

#![no_main]

use std::cell::RefCell;

#[path = "../../tests/fuzzing/mod.rs"]
mod fuzzing;

thread_local! {
    static HARNESS: RefCell<fuzzing::Harness> = RefCell::new(fuzzing::Harness::new());
}

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    HARNESS.with_borrow_mut(|harness| harness.feed(input));
});
