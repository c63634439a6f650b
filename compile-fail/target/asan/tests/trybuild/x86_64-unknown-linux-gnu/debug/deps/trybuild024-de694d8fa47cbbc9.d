/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild024-de694d8fa47cbbc9.d: /work/main/compile-fail/tests/ui/inout-variable-array.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild024-de694d8fa47cbbc9.rmeta: /work/main/compile-fail/tests/ui/inout-variable-array.rs

/work/main/compile-fail/tests/ui/inout-variable-array.rs:
