/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild010-b99cdd17bcaeb1b6.d: /work/main/compile-fail/tests/ui/division-by-zero.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild010-b99cdd17bcaeb1b6.rmeta: /work/main/compile-fail/tests/ui/division-by-zero.rs

/work/main/compile-fail/tests/ui/division-by-zero.rs:
