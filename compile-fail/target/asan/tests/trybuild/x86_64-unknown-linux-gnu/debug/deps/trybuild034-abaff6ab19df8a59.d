/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild034-abaff6ab19df8a59.d: /work/main/compile-fail/tests/ui/missing-subsystem.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild034-abaff6ab19df8a59.rmeta: /work/main/compile-fail/tests/ui/missing-subsystem.rs

/work/main/compile-fail/tests/ui/missing-subsystem.rs:
