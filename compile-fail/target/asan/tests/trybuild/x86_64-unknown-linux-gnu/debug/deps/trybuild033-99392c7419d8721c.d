/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild033-99392c7419d8721c.d: /work/main/compile-fail/tests/ui/missing-subsystem-base.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild033-99392c7419d8721c.rmeta: /work/main/compile-fail/tests/ui/missing-subsystem-base.rs

/work/main/compile-fail/tests/ui/missing-subsystem-base.rs:
