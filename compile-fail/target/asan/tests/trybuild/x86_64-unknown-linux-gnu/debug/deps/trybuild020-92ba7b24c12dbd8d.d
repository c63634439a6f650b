/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild020-92ba7b24c12dbd8d.d: /work/main/compile-fail/tests/ui/function-without-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild020-92ba7b24c12dbd8d.rmeta: /work/main/compile-fail/tests/ui/function-without-type.rs

/work/main/compile-fail/tests/ui/function-without-type.rs:
