/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild071-ef57b04cc4b774a3.d: /work/main/compile-fail/tests/ui/unknown-include.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild071-ef57b04cc4b774a3.rmeta: /work/main/compile-fail/tests/ui/unknown-include.rs

/work/main/compile-fail/tests/ui/unknown-include.rs:
