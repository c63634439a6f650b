/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/mig_compile_fail-8aa00c24d3e05ed5.d: /work/main/compile-fail/src/lib.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libmig_compile_fail-8aa00c24d3e05ed5.rmeta: /work/main/compile-fail/src/lib.rs

/work/main/compile-fail/src/lib.rs:
