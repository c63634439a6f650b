/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild037-dda409dff8c72643.d: /work/main/compile-fail/tests/ui/misspelled-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild037-dda409dff8c72643.rmeta: /work/main/compile-fail/tests/ui/misspelled-type.rs

/work/main/compile-fail/tests/ui/misspelled-type.rs:
