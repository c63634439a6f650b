/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild022-32e4c4c37e18ea9a.d: /work/main/compile-fail/tests/ui/if-without-endif.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild022-32e4c4c37e18ea9a.rmeta: /work/main/compile-fail/tests/ui/if-without-endif.rs

/work/main/compile-fail/tests/ui/if-without-endif.rs:
