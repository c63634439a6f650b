/work/main/compile-fail/target/asan/tests/trybuild/debug/deps/mig_macro-e1c95c486affca03.d: /work/main/mig-macro/src/lib.rs /work/main/mig-macro/src/builtin.rs /work/main/mig-macro/src/check.rs /work/main/mig-macro/src/errors.rs /work/main/mig-macro/src/expand/mod.rs /work/main/mig-macro/src/expand/client.rs /work/main/mig-macro/src/expand/names.rs /work/main/mig-macro/src/expand/ports.rs /work/main/mig-macro/src/expand/server.rs /work/main/mig-macro/src/expand/structs.rs /work/main/mig-macro/src/include.rs /work/main/mig-macro/src/layout.rs /work/main/mig-macro/src/lex.rs /work/main/mig-macro/src/model.rs /work/main/mig-macro/src/parse.rs /work/main/mig-macro/src/pipeline.rs /work/main/mig-macro/src/preprocess.rs /work/main/mig-macro/src/suggest.rs /work/main/mig-macro/src/syntax.rs /work/main/mig-macro/src/std/std_types.defs /work/main/mig-macro/src/std/mach_types.defs /work/main/mig-macro/src/std/clock_types.defs /work/main/mig-macro/src/std/mach_debug_types.defs /work/main/mig-macro/src/std/device_types.defs /work/main/mig-macro/src/std/UNDTypes.defs

/work/main/compile-fail/target/asan/tests/trybuild/debug/deps/libmig_macro-e1c95c486affca03.so: /work/main/mig-macro/src/lib.rs /work/main/mig-macro/src/builtin.rs /work/main/mig-macro/src/check.rs /work/main/mig-macro/src/errors.rs /work/main/mig-macro/src/expand/mod.rs /work/main/mig-macro/src/expand/client.rs /work/main/mig-macro/src/expand/names.rs /work/main/mig-macro/src/expand/ports.rs /work/main/mig-macro/src/expand/server.rs /work/main/mig-macro/src/expand/structs.rs /work/main/mig-macro/src/include.rs /work/main/mig-macro/src/layout.rs /work/main/mig-macro/src/lex.rs /work/main/mig-macro/src/model.rs /work/main/mig-macro/src/parse.rs /work/main/mig-macro/src/pipeline.rs /work/main/mig-macro/src/preprocess.rs /work/main/mig-macro/src/suggest.rs /work/main/mig-macro/src/syntax.rs /work/main/mig-macro/src/std/std_types.defs /work/main/mig-macro/src/std/mach_types.defs /work/main/mig-macro/src/std/clock_types.defs /work/main/mig-macro/src/std/mach_debug_types.defs /work/main/mig-macro/src/std/device_types.defs /work/main/mig-macro/src/std/UNDTypes.defs

/work/main/mig-macro/src/lib.rs:
/work/main/mig-macro/src/builtin.rs:
/work/main/mig-macro/src/check.rs:
/work/main/mig-macro/src/errors.rs:
/work/main/mig-macro/src/expand/mod.rs:
/work/main/mig-macro/src/expand/client.rs:
/work/main/mig-macro/src/expand/names.rs:
/work/main/mig-macro/src/expand/ports.rs:
/work/main/mig-macro/src/expand/server.rs:
/work/main/mig-macro/src/expand/structs.rs:
/work/main/mig-macro/src/include.rs:
/work/main/mig-macro/src/layout.rs:
/work/main/mig-macro/src/lex.rs:
/work/main/mig-macro/src/model.rs:
/work/main/mig-macro/src/parse.rs:
/work/main/mig-macro/src/pipeline.rs:
/work/main/mig-macro/src/preprocess.rs:
/work/main/mig-macro/src/suggest.rs:
/work/main/mig-macro/src/syntax.rs:
/work/main/mig-macro/src/std/std_types.defs:
/work/main/mig-macro/src/std/mach_types.defs:
/work/main/mig-macro/src/std/clock_types.defs:
/work/main/mig-macro/src/std/mach_debug_types.defs:
/work/main/mig-macro/src/std/device_types.defs:
/work/main/mig-macro/src/std/UNDTypes.defs:
