/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/mig-d86a4c2d8442ebbe.d: /work/main/src/lib.rs /work/main/src/../README.md

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libmig-d86a4c2d8442ebbe.rmeta: /work/main/src/lib.rs /work/main/src/../README.md

/work/main/src/lib.rs:
/work/main/src/../README.md:
