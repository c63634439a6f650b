/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/mig_compile_fail-55032d305fcda54b.d: /work/main/compile-fail/src/lib.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libmig_compile_fail-55032d305fcda54b.rmeta: /work/main/compile-fail/src/lib.rs

/work/main/compile-fail/src/lib.rs:
