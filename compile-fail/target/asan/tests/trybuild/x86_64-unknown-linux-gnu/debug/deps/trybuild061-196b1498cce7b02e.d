/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild061-196b1498cce7b02e.d: /work/main/compile-fail/tests/ui/statement-without-semicolon-at-end.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild061-196b1498cce7b02e.rmeta: /work/main/compile-fail/tests/ui/statement-without-semicolon-at-end.rs

/work/main/compile-fail/tests/ui/statement-without-semicolon-at-end.rs:
