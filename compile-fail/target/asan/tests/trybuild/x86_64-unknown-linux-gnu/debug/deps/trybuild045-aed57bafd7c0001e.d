/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild045-aed57bafd7c0001e.d: /work/main/compile-fail/tests/ui/request-port-not-a-port.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild045-aed57bafd7c0001e.rmeta: /work/main/compile-fail/tests/ui/request-port-not-a-port.rs

/work/main/compile-fail/tests/ui/request-port-not-a-port.rs:
