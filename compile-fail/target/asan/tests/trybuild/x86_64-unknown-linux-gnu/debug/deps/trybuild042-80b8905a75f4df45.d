/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild042-80b8905a75f4df45.d: /work/main/compile-fail/tests/ui/overwrite-on-in.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild042-80b8905a75f4df45.rmeta: /work/main/compile-fail/tests/ui/overwrite-on-in.rs

/work/main/compile-fail/tests/ui/overwrite-on-in.rs:
