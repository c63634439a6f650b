/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild047-778512b74384c229.d: /work/main/compile-fail/tests/ui/result-after-arrow.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild047-778512b74384c229.rmeta: /work/main/compile-fail/tests/ui/result-after-arrow.rs

/work/main/compile-fail/tests/ui/result-after-arrow.rs:
