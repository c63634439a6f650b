/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild021-ed9807883013446a.d: /work/main/compile-fail/tests/ui/hex-number.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild021-ed9807883013446a.rmeta: /work/main/compile-fail/tests/ui/hex-number.rs

/work/main/compile-fail/tests/ui/hex-number.rs:
