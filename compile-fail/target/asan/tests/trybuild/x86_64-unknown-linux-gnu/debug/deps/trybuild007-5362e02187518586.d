/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild007-5362e02187518586.d: /work/main/compile-fail/tests/ui/dealloc-at-runtime-on-scalar.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild007-5362e02187518586.rmeta: /work/main/compile-fail/tests/ui/dealloc-at-runtime-on-scalar.rs

/work/main/compile-fail/tests/ui/dealloc-at-runtime-on-scalar.rs:
