/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild002-5ebbe2cb0f97b40f.d: /work/main/compile-fail/tests/ui/arguments-separated-by-commas.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild002-5ebbe2cb0f97b40f.rmeta: /work/main/compile-fail/tests/ui/arguments-separated-by-commas.rs

/work/main/compile-fail/tests/ui/arguments-separated-by-commas.rs:
