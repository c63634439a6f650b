/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild049-6758daf34731b77f.d: /work/main/compile-fail/tests/ui/retcode-not-32-bit.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild049-6758daf34731b77f.rmeta: /work/main/compile-fail/tests/ui/retcode-not-32-bit.rs

/work/main/compile-fail/tests/ui/retcode-not-32-bit.rs:
