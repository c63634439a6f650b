/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild031-aaa4bbb56e66d80f.d: /work/main/compile-fail/tests/ui/missing-semicolon.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild031-aaa4bbb56e66d80f.rmeta: /work/main/compile-fail/tests/ui/missing-semicolon.rs

/work/main/compile-fail/tests/ui/missing-semicolon.rs:
