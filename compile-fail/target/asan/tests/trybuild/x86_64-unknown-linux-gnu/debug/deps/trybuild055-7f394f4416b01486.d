/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild055-7f394f4416b01486.d: /work/main/compile-fail/tests/ui/rust-type-i32.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild055-7f394f4416b01486.rmeta: /work/main/compile-fail/tests/ui/rust-type-i32.rs

/work/main/compile-fail/tests/ui/rust-type-i32.rs:
