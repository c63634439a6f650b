/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild058-37534adae4a4a0f7.d: /work/main/compile-fail/tests/ui/rusttype-wrong-size.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild058-37534adae4a4a0f7.rmeta: /work/main/compile-fail/tests/ui/rusttype-wrong-size.rs

/work/main/compile-fail/tests/ui/rusttype-wrong-size.rs:
