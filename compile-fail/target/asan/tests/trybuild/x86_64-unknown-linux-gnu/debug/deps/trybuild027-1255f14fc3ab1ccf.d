/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild027-1255f14fc3ab1ccf.d: /work/main/compile-fail/tests/ui/message-too-large.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild027-1255f14fc3ab1ccf.rmeta: /work/main/compile-fail/tests/ui/message-too-large.rs

/work/main/compile-fail/tests/ui/message-too-large.rs:
