/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild039-5386852d8349b180.d: /work/main/compile-fail/tests/ui/next-types-without-size.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild039-5386852d8349b180.rmeta: /work/main/compile-fail/tests/ui/next-types-without-size.rs

/work/main/compile-fail/tests/ui/next-types-without-size.rs:
