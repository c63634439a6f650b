/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild003-ab0899e17e018987.d: /work/main/compile-fail/tests/ui/audit-token-wrong-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild003-ab0899e17e018987.rmeta: /work/main/compile-fail/tests/ui/audit-token-wrong-type.rs

/work/main/compile-fail/tests/ui/audit-token-wrong-type.rs:
