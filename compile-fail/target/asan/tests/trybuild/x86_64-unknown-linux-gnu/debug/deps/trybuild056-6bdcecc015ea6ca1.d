/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild056-6bdcecc015ea6ca1.d: /work/main/compile-fail/tests/ui/rusttype-not-fixed.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild056-6bdcecc015ea6ca1.rmeta: /work/main/compile-fail/tests/ui/rusttype-not-fixed.rs

/work/main/compile-fail/tests/ui/rusttype-not-fixed.rs:
