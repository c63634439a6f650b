/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild070-ed59c9ebb2f3a9da.d: /work/main/compile-fail/tests/ui/unknown-flag.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild070-ed59c9ebb2f3a9da.rmeta: /work/main/compile-fail/tests/ui/unknown-flag.rs

/work/main/compile-fail/tests/ui/unknown-flag.rs:
