/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild004-69452cd54242d582.d: /work/main/compile-fail/tests/ui/bad-if-expression.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild004-69452cd54242d582.rmeta: /work/main/compile-fail/tests/ui/bad-if-expression.rs

/work/main/compile-fail/tests/ui/bad-if-expression.rs:
