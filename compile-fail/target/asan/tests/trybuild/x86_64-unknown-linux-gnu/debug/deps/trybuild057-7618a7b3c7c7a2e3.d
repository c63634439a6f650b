/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild057-7618a7b3c7c7a2e3.d: /work/main/compile-fail/tests/ui/rusttype-not-plain-data.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild057-7618a7b3c7c7a2e3.rmeta: /work/main/compile-fail/tests/ui/rusttype-not-plain-data.rs

/work/main/compile-fail/tests/ui/rusttype-not-plain-data.rs:
