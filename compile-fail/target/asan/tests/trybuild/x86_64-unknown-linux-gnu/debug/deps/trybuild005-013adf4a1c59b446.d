/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild005-013adf4a1c59b446.d: /work/main/compile-fail/tests/ui/base-too-large.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild005-013adf4a1c59b446.rmeta: /work/main/compile-fail/tests/ui/base-too-large.rs

/work/main/compile-fail/tests/ui/base-too-large.rs:
