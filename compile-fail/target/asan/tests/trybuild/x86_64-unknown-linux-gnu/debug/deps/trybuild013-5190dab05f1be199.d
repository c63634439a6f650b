/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild013-5190dab05f1be199.d: /work/main/compile-fail/tests/ui/empty-array.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild013-5190dab05f1be199.rmeta: /work/main/compile-fail/tests/ui/empty-array.rs

/work/main/compile-fail/tests/ui/empty-array.rs:
