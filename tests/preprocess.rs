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

// xnu's own idioms: bitwise `#if` tests and the built-in type files beyond the
// standard and Mach ones.
mig::mig! {
    subsystem xnu_idioms 11100;
    #include <mach/std_types.defs>
    #include <mach/clock_types.defs>
    #include <mach_debug/mach_debug_types.defs>
    #include <UserNotification/UNDTypes.defs>
    #define FEATURE_SEND_POSSIBLE 4

    #if (KERNEL_USER | FEATURE_SEND_POSSIBLE) && !(FEATURE_SEND_POSSIBLE & 3) && (1 << 3) == 8
    routine clock_time(clock_serv: clock_serv_t; out cur_time: mach_timespec_t);
    #else
    routine clock_time_never(clock_serv: clock_serv_t);
    #endif
    routine zone_name(server: mach_port_t; out name: mach_zone_name_t);
    simpleroutine notify_user(server: UNDServerRef; message: UNDMessage);
}

#[test]
fn xnu_type_files_and_bitwise_conditions() {
    let names: Vec<_> = xnu_idioms::ROUTINES.iter().map(|r| r.name).collect();
    assert_eq!(names, ["clock_time", "zone_name", "notify_user"]);
    let clock = &xnu_idioms::ROUTINES[0];
    // Reply: header, NDR, RetCode, then the two-int mach_timespec_t.
    assert_eq!(clock.reply.as_ref().map(|r| r.size), Some(36 + 8));
    let zone = &xnu_idioms::ROUTINES[1];
    assert_eq!(zone.reply.as_ref().map(|r| r.size), Some(36 + 80));
    let _: mig::types::clock_serv_t = 0;
    let _: mig::types::mach_zone_name_t = [0; 80];
}

// Function-like macros written inline, as xnu's type files use them.
mig::mig! {
    subsystem calls 11200;
    #include <mach/std_types.defs>
    #define VM_ADD_CTYPE(type) ctype: type
    #define VM_UNSAFE_TYPE(unsafe_type) VM_ADD_CTYPE(unsafe_type)
    #define PAIR(a, b) struct[2] of a
    #define ROUTINE_NAME(name) name

    type address_t = uint64_t VM_UNSAFE_TYPE(address_ut);
    type pair_t = PAIR(int, unused);
    routine ROUTINE_NAME(swap)(server: mach_port_t; inout p: pair_t; out at: address_t);
}

#[test]
fn function_like_macros_expand_inline() {
    assert_eq!(calls::ROUTINES[0].name, "swap");
    // Header, NDR, the pair; back: header, NDR, RetCode, the pair, the address.
    assert_eq!(calls::ROUTINES[0].request.size, 32 + 8);
    assert_eq!(
        calls::ROUTINES[0].reply.as_ref().map(|r| r.size),
        Some(36 + 8 + 8)
    );
}
