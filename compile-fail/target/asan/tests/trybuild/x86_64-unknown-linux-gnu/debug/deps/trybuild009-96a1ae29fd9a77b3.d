/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild009-96a1ae29fd9a77b3.d: /work/main/compile-fail/tests/ui/demux-without-unsafe.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild009-96a1ae29fd9a77b3.rmeta: /work/main/compile-fail/tests/ui/demux-without-unsafe.rs

/work/main/compile-fail/tests/ui/demux-without-unsafe.rs:
