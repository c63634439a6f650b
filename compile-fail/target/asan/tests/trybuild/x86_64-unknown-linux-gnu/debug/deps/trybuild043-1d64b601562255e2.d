/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild043-1d64b601562255e2.d: /work/main/compile-fail/tests/ui/physical-copy-on-inline.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild043-1d64b601562255e2.rmeta: /work/main/compile-fail/tests/ui/physical-copy-on-inline.rs

/work/main/compile-fail/tests/ui/physical-copy-on-inline.rs:
