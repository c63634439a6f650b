/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild054-85c19ed110e13d26.d: /work/main/compile-fail/tests/ui/rust-type-bool-u64.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild054-85c19ed110e13d26.rmeta: /work/main/compile-fail/tests/ui/rust-type-bool-u64.rs

/work/main/compile-fail/tests/ui/rust-type-bool-u64.rs:
