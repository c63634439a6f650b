/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild008-0a724c0e7e3b94c2.d: /work/main/compile-fail/tests/ui/dealloc-on-scalar.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild008-0a724c0e7e3b94c2.rmeta: /work/main/compile-fail/tests/ui/dealloc-on-scalar.rs

/work/main/compile-fail/tests/ui/dealloc-on-scalar.rs:
