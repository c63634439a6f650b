/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild072-5c703092abd8198d.d: /work/main/compile-fail/tests/ui/unknown-statement.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild072-5c703092abd8198d.rmeta: /work/main/compile-fail/tests/ui/unknown-statement.rs

/work/main/compile-fail/tests/ui/unknown-statement.rs:
