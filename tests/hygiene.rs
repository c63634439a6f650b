//! Generated code names everything by absolute path: it compiles without the prelude,
//! with `Result`, `Ok` and `Option` shadowed, with the crate renamed, and it documents
//! every public item.

#![no_implicit_prelude]
#![deny(missing_docs, warnings)]

extern crate mig as renamed_mig;
extern crate std;

#[allow(dead_code)]
struct Result;
#[allow(dead_code)]
struct Ok;
#[allow(dead_code)]
struct Option;

renamed_mig::mig! {
    /// A subsystem compiled in a hostile scope.
    subsystem hygiene 900;
    #include <mach/mach_types.defs>
    type counter_t = MACH_MSG_TYPE_INTEGER_16;
    /// Three shapes of reply.
    routine one(task: task_t; a: counter_t; out b: counter_t);
    routine two(task: task_t; inout a: natural_t; out b: int64_t);
    simpleroutine three(task: task_t; a: boolean_t);
}

#[test]
fn expands_without_the_prelude() {
    std::assert_eq!(hygiene::ROUTINES.len(), 3);
    std::assert_eq!(std::mem::size_of::<hygiene::one::Request>(), 36);
}
