/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild048-a1179c2b10e20a25.d: /work/main/compile-fail/tests/ui/retcode-in-routine.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild048-a1179c2b10e20a25.rmeta: /work/main/compile-fail/tests/ui/retcode-in-routine.rs

/work/main/compile-fail/tests/ui/retcode-in-routine.rs:
