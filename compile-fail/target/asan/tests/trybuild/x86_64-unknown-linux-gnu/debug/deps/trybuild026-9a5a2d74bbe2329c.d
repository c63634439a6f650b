/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild026-9a5a2d74bbe2329c.d: /work/main/compile-fail/tests/ui/long-form-ipc-type.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild026-9a5a2d74bbe2329c.rmeta: /work/main/compile-fail/tests/ui/long-form-ipc-type.rs

/work/main/compile-fail/tests/ui/long-form-ipc-type.rs:
