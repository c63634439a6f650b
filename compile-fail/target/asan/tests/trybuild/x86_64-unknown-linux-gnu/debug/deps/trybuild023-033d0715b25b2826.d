/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild023-033d0715b25b2826.d: /work/main/compile-fail/tests/ui/inout-polymorphic.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild023-033d0715b25b2826.rmeta: /work/main/compile-fail/tests/ui/inout-polymorphic.rs

/work/main/compile-fail/tests/ui/inout-polymorphic.rs:
