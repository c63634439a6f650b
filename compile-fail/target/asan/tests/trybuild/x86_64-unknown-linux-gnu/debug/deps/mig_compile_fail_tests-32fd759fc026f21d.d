/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/mig_compile_fail_tests-32fd759fc026f21d.d: main.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libmig_compile_fail_tests-32fd759fc026f21d.rmeta: main.rs

main.rs:
