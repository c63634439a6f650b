/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild065-766f2ed087c74f6b.d: /work/main/compile-fail/tests/ui/two-subsystems.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild065-766f2ed087c74f6b.rmeta: /work/main/compile-fail/tests/ui/two-subsystems.rs

/work/main/compile-fail/tests/ui/two-subsystems.rs:
