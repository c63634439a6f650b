/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild050-b5533ad50ca782de.d: /work/main/compile-fail/tests/ui/routine-named-like-generated.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild050-b5533ad50ca782de.rmeta: /work/main/compile-fail/tests/ui/routine-named-like-generated.rs

/work/main/compile-fail/tests/ui/routine-named-like-generated.rs:
