/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild028-53b6f02ce09f65a0.d: /work/main/compile-fail/tests/ui/missing-argument-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild028-53b6f02ce09f65a0.rmeta: /work/main/compile-fail/tests/ui/missing-argument-type.rs

/work/main/compile-fail/tests/ui/missing-argument-type.rs:
