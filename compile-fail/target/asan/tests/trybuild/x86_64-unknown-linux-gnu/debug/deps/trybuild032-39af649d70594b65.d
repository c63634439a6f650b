/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild032-39af649d70594b65.d: /work/main/compile-fail/tests/ui/missing-std-types.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild032-39af649d70594b65.rmeta: /work/main/compile-fail/tests/ui/missing-std-types.rs

/work/main/compile-fail/tests/ui/missing-std-types.rs:
