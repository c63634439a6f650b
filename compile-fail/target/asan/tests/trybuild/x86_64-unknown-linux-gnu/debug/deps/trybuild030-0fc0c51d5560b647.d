/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild030-0fc0c51d5560b647.d: /work/main/compile-fail/tests/ui/missing-semicolon-after-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild030-0fc0c51d5560b647.rmeta: /work/main/compile-fail/tests/ui/missing-semicolon-after-type.rs

/work/main/compile-fail/tests/ui/missing-semicolon-after-type.rs:
