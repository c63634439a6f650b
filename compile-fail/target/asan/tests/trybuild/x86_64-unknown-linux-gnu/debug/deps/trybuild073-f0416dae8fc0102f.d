/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild073-f0416dae8fc0102f.d: /work/main/compile-fail/tests/ui/unknown-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild073-f0416dae8fc0102f.rmeta: /work/main/compile-fail/tests/ui/unknown-type.rs

/work/main/compile-fail/tests/ui/unknown-type.rs:
