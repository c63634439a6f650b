/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild035-40bac19d7a07386f.d: /work/main/compile-fail/tests/ui/misspelled-include.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild035-40bac19d7a07386f.rmeta: /work/main/compile-fail/tests/ui/misspelled-include.rs

/work/main/compile-fail/tests/ui/misspelled-include.rs:
