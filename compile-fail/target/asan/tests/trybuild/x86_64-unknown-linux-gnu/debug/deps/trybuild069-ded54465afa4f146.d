/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild069-ded54465afa4f146.d: /work/main/compile-fail/tests/ui/unknown-directive.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild069-ded54465afa4f146.rmeta: /work/main/compile-fail/tests/ui/unknown-directive.rs

/work/main/compile-fail/tests/ui/unknown-directive.rs:
