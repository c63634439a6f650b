//! `cargo fuzz run client`: a hostile server. The input's first byte picks a generated
//! client stub of the `everything` subsystem, the rest is the reply it receives, sent
//! through the loopback kernel (the harness of `tests/garbage.rs`). Each call must
//! return without a crash, and the stub's result, dropped, must leave no right,
//! reference and region behind.

#![no_main]

use std::cell::RefCell;

#[path = "../../tests/fuzzing/mod.rs"]
mod fuzzing;

thread_local! {
    static HARNESS: RefCell<fuzzing::client::Harness> = RefCell::new(fuzzing::client::Harness::new());
}

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    HARNESS.with_borrow_mut(|harness| harness.feed(input));
});
