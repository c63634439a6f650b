/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild012-918bd44275e0cde7.d: /work/main/compile-fail/tests/ui/duplicate-routine.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild012-918bd44275e0cde7.rmeta: /work/main/compile-fail/tests/ui/duplicate-routine.rs

/work/main/compile-fail/tests/ui/duplicate-routine.rs:
