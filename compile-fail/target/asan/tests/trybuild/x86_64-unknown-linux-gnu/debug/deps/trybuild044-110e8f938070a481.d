/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild044-110e8f938070a481.d: /work/main/compile-fail/tests/ui/reply-port-argument.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild044-110e8f938070a481.rmeta: /work/main/compile-fail/tests/ui/reply-port-argument.rs

/work/main/compile-fail/tests/ui/reply-port-argument.rs:
