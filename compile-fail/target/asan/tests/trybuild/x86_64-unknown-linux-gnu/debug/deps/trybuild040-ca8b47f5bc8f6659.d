/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild040-ca8b47f5bc8f6659.d: /work/main/compile-fail/tests/ui/not-a-msg-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild040-ca8b47f5bc8f6659.rmeta: /work/main/compile-fail/tests/ui/not-a-msg-type.rs

/work/main/compile-fail/tests/ui/not-a-msg-type.rs:
