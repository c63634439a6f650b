/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild059-d1a37e7033eb8369.d: /work/main/compile-fail/tests/ui/same-count-first.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild059-d1a37e7033eb8369.rmeta: /work/main/compile-fail/tests/ui/same-count-first.rs

/work/main/compile-fail/tests/ui/same-count-first.rs:
