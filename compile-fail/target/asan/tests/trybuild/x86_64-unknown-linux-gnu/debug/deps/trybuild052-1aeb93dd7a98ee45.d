/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild052-1aeb93dd7a98ee45.d: /work/main/compile-fail/tests/ui/rust-fn-instead-of-routine.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild052-1aeb93dd7a98ee45.rmeta: /work/main/compile-fail/tests/ui/rust-fn-instead-of-routine.rs

/work/main/compile-fail/tests/ui/rust-fn-instead-of-routine.rs:
