/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild068-f3e1b538792304f3.d: /work/main/compile-fail/tests/ui/unknown-constant.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild068-f3e1b538792304f3.rmeta: /work/main/compile-fail/tests/ui/unknown-constant.rs

/work/main/compile-fail/tests/ui/unknown-constant.rs:
