/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild017-07791245a13e5606.d: /work/main/compile-fail/tests/ui/error-directive.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild017-07791245a13e5606.rmeta: /work/main/compile-fail/tests/ui/error-directive.rs

/work/main/compile-fail/tests/ui/error-directive.rs:
