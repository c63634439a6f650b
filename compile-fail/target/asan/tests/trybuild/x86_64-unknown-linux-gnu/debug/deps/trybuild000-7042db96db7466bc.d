/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild000-7042db96db7466bc.d: /work/main/compile-fail/tests/ui/argument-named-like-count.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild000-7042db96db7466bc.rmeta: /work/main/compile-fail/tests/ui/argument-named-like-count.rs

/work/main/compile-fail/tests/ui/argument-named-like-count.rs:
