/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild066-b9ff03ac5c88a940.d: /work/main/compile-fail/tests/ui/type-named-like-generated.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild066-b9ff03ac5c88a940.rmeta: /work/main/compile-fail/tests/ui/type-named-like-generated.rs

/work/main/compile-fail/tests/ui/type-named-like-generated.rs:
