/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild053-29a96ab4e5b2391e.d: /work/main/compile-fail/tests/ui/rust-reference-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild053-29a96ab4e5b2391e.rmeta: /work/main/compile-fail/tests/ui/rust-reference-type.rs

/work/main/compile-fail/tests/ui/rust-reference-type.rs:
