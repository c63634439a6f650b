/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild014-1aca8c83ae2a5a81.d: /work/main/compile-fail/tests/ui/empty-c-string.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild014-1aca8c83ae2a5a81.rmeta: /work/main/compile-fail/tests/ui/empty-c-string.rs

/work/main/compile-fail/tests/ui/empty-c-string.rs:
