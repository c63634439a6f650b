/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild067-ea415f341ef17619.d: /work/main/compile-fail/tests/ui/unbounded-c-string.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild067-ea415f341ef17619.rmeta: /work/main/compile-fail/tests/ui/unbounded-c-string.rs

/work/main/compile-fail/tests/ui/unbounded-c-string.rs:
