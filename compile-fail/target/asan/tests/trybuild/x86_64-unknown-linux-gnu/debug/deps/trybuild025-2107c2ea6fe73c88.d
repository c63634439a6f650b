/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild025-2107c2ea6fe73c88.d: /work/main/compile-fail/tests/ui/intran-wrong-signature.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild025-2107c2ea6fe73c88.rmeta: /work/main/compile-fail/tests/ui/intran-wrong-signature.rs

/work/main/compile-fail/tests/ui/intran-wrong-signature.rs:
