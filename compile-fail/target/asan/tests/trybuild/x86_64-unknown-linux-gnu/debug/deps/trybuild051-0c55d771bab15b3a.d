/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild051-0c55d771bab15b3a.d: /work/main/compile-fail/tests/ui/routine-named-like-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild051-0c55d771bab15b3a.rmeta: /work/main/compile-fail/tests/ui/routine-named-like-type.rs

/work/main/compile-fail/tests/ui/routine-named-like-type.rs:
