/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild019-e94cfa9bf67828e5.d: /work/main/compile-fail/tests/ui/function-like-macro-parameters.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild019-e94cfa9bf67828e5.rmeta: /work/main/compile-fail/tests/ui/function-like-macro-parameters.rs

/work/main/compile-fail/tests/ui/function-like-macro-parameters.rs:
