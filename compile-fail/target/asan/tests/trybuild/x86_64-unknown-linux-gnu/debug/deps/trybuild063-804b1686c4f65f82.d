/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild063-804b1686c4f65f82.d: /work/main/compile-fail/tests/ui/translated-types-conflict.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild063-804b1686c4f65f82.rmeta: /work/main/compile-fail/tests/ui/translated-types-conflict.rs

/work/main/compile-fail/tests/ui/translated-types-conflict.rs:
