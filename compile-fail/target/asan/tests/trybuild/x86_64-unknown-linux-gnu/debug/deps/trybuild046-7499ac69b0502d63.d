/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild046-7499ac69b0502d63.d: /work/main/compile-fail/tests/ui/request-sent-without-unsafe.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild046-7499ac69b0502d63.rmeta: /work/main/compile-fail/tests/ui/request-sent-without-unsafe.rs

/work/main/compile-fail/tests/ui/request-sent-without-unsafe.rs:
