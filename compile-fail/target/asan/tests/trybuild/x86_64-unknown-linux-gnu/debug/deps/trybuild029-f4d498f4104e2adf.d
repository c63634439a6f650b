/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild029-f4d498f4104e2adf.d: /work/main/compile-fail/tests/ui/missing-colon.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild029-f4d498f4104e2adf.rmeta: /work/main/compile-fail/tests/ui/missing-colon.rs

/work/main/compile-fail/tests/ui/missing-colon.rs:
