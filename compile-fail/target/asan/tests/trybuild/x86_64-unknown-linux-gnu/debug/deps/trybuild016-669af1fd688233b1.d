/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild016-669af1fd688233b1.d: /work/main/compile-fail/tests/ui/endif-without-if.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild016-669af1fd688233b1.rmeta: /work/main/compile-fail/tests/ui/endif-without-if.rs

/work/main/compile-fail/tests/ui/endif-without-if.rs:
