/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild038-6a9b2edc35a981a5.d: /work/main/compile-fail/tests/ui/msgh-id-overflow.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild038-6a9b2edc35a981a5.rmeta: /work/main/compile-fail/tests/ui/msgh-id-overflow.rs

/work/main/compile-fail/tests/ui/msgh-id-overflow.rs:
