/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild011-67c3df887504e706.d: /work/main/compile-fail/tests/ui/duplicate-argument.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild011-67c3df887504e706.rmeta: /work/main/compile-fail/tests/ui/duplicate-argument.rs

/work/main/compile-fail/tests/ui/duplicate-argument.rs:
