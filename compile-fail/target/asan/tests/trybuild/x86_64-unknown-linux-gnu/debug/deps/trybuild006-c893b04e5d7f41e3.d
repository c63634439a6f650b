/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild006-c893b04e5d7f41e3.d: /work/main/compile-fail/tests/ui/count-in-out-on-scalar.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild006-c893b04e5d7f41e3.rmeta: /work/main/compile-fail/tests/ui/count-in-out-on-scalar.rs

/work/main/compile-fail/tests/ui/count-in-out-on-scalar.rs:
