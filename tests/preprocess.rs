//! The preprocessor subset inside a real macro invocation: spans carry line numbers on
//! stable Rust, so directives end where their line ends.

mig::mig! {
    subsystem pp 11000;
    #include <mach/mach_types.defs>
    // Users set names at the top of the block, as `cc -D` would.
    #define WITH_AUDIT 1
    #define STATE_WORDS 4 * 2

    #if WITH_AUDIT
    routine audited(server: mach_port_t; ServerAuditToken who: audit_token_t);
    #else
    routine audited(server: mach_port_t);
    #endif
    #ifndef KERNEL_SERVER
    routine user_side(server: mach_port_t; words: array_t = array[STATE_WORDS] of int);
    #endif
}

#[test]
fn directives_select_and_substitute() {
    assert_eq!(pp::ROUTINES.len(), 2);
    assert_eq!(
        pp::ROUTINES[0].request.size,
        24,
        "the audit token is a trailer argument"
    );
    assert_eq!(pp::ROUTINES[1].request.size, 32 + 8 * 4);
}
