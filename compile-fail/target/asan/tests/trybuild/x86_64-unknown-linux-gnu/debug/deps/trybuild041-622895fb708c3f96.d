/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild041-622895fb708c3f96.d: /work/main/compile-fail/tests/ui/out-in-simpleroutine.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild041-622895fb708c3f96.rmeta: /work/main/compile-fail/tests/ui/out-in-simpleroutine.rs

/work/main/compile-fail/tests/ui/out-in-simpleroutine.rs:
