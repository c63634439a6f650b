/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild064-8ba6a948829d376f.d: /work/main/compile-fail/tests/ui/two-request-ports.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild064-8ba6a948829d376f.rmeta: /work/main/compile-fail/tests/ui/two-request-ports.rs

/work/main/compile-fail/tests/ui/two-request-ports.rs:
