/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild001-c117e901a5b71247.d: /work/main/compile-fail/tests/ui/argument-named-like-header.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild001-c117e901a5b71247.rmeta: /work/main/compile-fail/tests/ui/argument-named-like-header.rs

/work/main/compile-fail/tests/ui/argument-named-like-header.rs:
