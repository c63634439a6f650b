/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild062-7b5eb5e78daf2369.d: /work/main/compile-fail/tests/ui/subsystem-after-routine.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild062-7b5eb5e78daf2369.rmeta: /work/main/compile-fail/tests/ui/subsystem-after-routine.rs

/work/main/compile-fail/tests/ui/subsystem-after-routine.rs:
