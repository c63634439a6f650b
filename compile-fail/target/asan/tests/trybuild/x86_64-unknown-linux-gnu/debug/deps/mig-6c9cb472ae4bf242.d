/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/mig-6c9cb472ae4bf242.d: /work/main/src/lib.rs /work/main/src/../README.md

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libmig-6c9cb472ae4bf242.rmeta: /work/main/src/lib.rs /work/main/src/../README.md

/work/main/src/lib.rs:
/work/main/src/../README.md:
