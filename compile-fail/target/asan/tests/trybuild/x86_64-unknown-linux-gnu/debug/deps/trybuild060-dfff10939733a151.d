/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild060-dfff10939733a151.d: /work/main/compile-fail/tests/ui/several-errors.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild060-dfff10939733a151.rmeta: /work/main/compile-fail/tests/ui/several-errors.rs

/work/main/compile-fail/tests/ui/several-errors.rs:
