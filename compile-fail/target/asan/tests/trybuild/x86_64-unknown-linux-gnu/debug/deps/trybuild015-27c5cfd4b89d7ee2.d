/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild015-27c5cfd4b89d7ee2.d: /work/main/compile-fail/tests/ui/empty.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild015-27c5cfd4b89d7ee2.rmeta: /work/main/compile-fail/tests/ui/empty.rs

/work/main/compile-fail/tests/ui/empty.rs:
