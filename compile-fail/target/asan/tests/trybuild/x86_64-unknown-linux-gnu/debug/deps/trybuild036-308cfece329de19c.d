/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/trybuild036-308cfece329de19c.d: /work/main/compile-fail/tests/ui/misspelled-statement.rs

/work/main/compile-fail/target/asan/tests/trybuild/x86_64-unknown-linux-gnu/debug/deps/libtrybuild036-308cfece329de19c.rmeta: /work/main/compile-fail/tests/ui/misspelled-statement.rs

/work/main/compile-fail/tests/ui/misspelled-statement.rs:
