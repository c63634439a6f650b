//! The expansion gives the user's crate no warnings, whatever the subsystem holds: this
//! file denies them, so a warning in generated code fails its compilation.

#![deny(warnings)]

/// Only `type` statements, as a shared types file pasted on its own: no routine, so the
/// dispatch knows no id.
mod types_only {
    mig::mig! {
        subsystem shared_types 5000;
        #include <mach/std_types.defs>
        type pair_t = struct[2] of int;
        type name_t = c_string[32];
    }
}

/// One routine of each kind next to them.
mod with_routines {
    mig::mig! {
        subsystem mixed 5100;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        type pair_t = struct[2] of int;
        routine swap(server: mach_port_t; inout p: pair_t);
        simpleroutine poke(server: mach_port_t; v: int);
        skip;
    }
}

#[test]
fn a_subsystem_without_routines_dispatches_nothing() {
    use types_only::shared_types;
    let _: shared_types::pair_t = [1, 2];
    assert!(shared_types::ROUTINES.is_empty());
    assert_eq!((shared_types::BASE, shared_types::END), (5000, 5000));
    assert_eq!(with_routines::mixed::ROUTINES.len(), 2);
}
