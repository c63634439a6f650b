/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/mig_compile_fail_tests-476729676c181002.d: main.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libmig_compile_fail_tests-476729676c181002.rmeta: main.rs

main.rs:
