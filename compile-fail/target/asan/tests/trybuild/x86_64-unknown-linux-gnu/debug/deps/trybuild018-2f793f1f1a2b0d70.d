/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild018-2f793f1f1a2b0d70.d: /work/main/compile-fail/tests/ui/first-argument-not-a-port.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild018-2f793f1f1a2b0d70.rmeta: /work/main/compile-fail/tests/ui/first-argument-not-a-port.rs

/work/main/compile-fail/tests/ui/first-argument-not-a-port.rs:
