//! Layouts checked against Apple MIG (bootstrap_cmds-138 on xnu-11417.101.15, macOS x86_64).
//!
//! Each module below is an xnu subsystem cut down to its simple messages (the other
//! routines are `skip;`, as in the golden corpus), built on the built-in standard types.
//! The expected numbers are literal fixtures copied from what Apple's MIG and the C
//! compiler produced for the same definitions: msgh_ids, struct sizes, and every
//! field's name, offset and size.

use mig::{Layout, RoutineLayout};

type Fields = &'static [(&'static str, usize, usize)];

/// (name, request id, request size, request fields, reply (id, size, fields)).
type Expected = (&'static str, i32, usize, Fields, Option<(i32, usize, Fields)>);

fn fields(layout: &Layout) -> Vec<(&'static str, usize, usize)> {
    layout.fields.iter().map(|f| (f.name, f.offset, f.size)).collect()
}

fn check(table: &[RoutineLayout], expected: &[Expected]) {
    assert_eq!(table.len(), expected.len(), "routine count");
    for (got, &(name, id, size, request_fields, reply)) in table.iter().zip(expected) {
        assert_eq!(got.name, name);
        assert_eq!((got.request.id, got.request.size), (id, size), "{name} request");
        assert!(
            !got.request.complex && got.request.descriptors == 0,
            "{name} request is simple"
        );
        assert_eq!(fields(&got.request), request_fields, "{name} request fields");
        match (got.reply, reply) {
            (Some(got), Some((id, size, reply_fields))) => {
                assert_eq!((got.id, got.size), (id, size), "{name} reply");
                assert_eq!(fields(&got), reply_fields, "{name} reply fields");
            }
            (None, None) => {}
            (got, want) => panic!("{name}: reply {got:?}, expected {want:?}"),
        }
    }
}

mod mach_vm_defs {
    mig::mig! {
        subsystem mach_vm 4800;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        skip; skip; skip; skip; skip; skip; skip;
        routine mach_vm_copy(target_task : vm_map_t;
            source_address : mach_vm_address_t;
            size : mach_vm_size_t;
            dest_address : mach_vm_address_t);
        routine mach_vm_read_overwrite(target_task : vm_map_read_t;
            address : mach_vm_address_t;
            size : mach_vm_size_t;
            data : mach_vm_address_t;
            out outsize : mach_vm_size_t);
        routine mach_vm_msync(target_task : vm_map_t;
            address : mach_vm_address_t;
            size : mach_vm_size_t;
            sync_flags : vm_sync_t);
        routine mach_vm_behavior_set(target_task : vm_map_t;
            address : mach_vm_address_t;
            size : mach_vm_size_t;
            new_behavior : vm_behavior_t);
        skip;
        routine mach_vm_machine_attribute(target_task : vm_map_t;
            address : mach_vm_address_t;
            size : mach_vm_size_t;
            attribute : vm_machine_attribute_t;
            inout value : vm_machine_attribute_val_t);
        skip;
        routine mach_vm_page_query(target_map : vm_map_read_t;
            offset : mach_vm_offset_t;
            out disposition : integer_t;
            out ref_count : integer_t);
        skip; skip; skip;
        routine mach_vm_purgable_control (target_task : vm_map_t;
            address : mach_vm_address_t;
            control : vm_purgable_t;
            inout state : int);
        skip;
        routine mach_vm_page_range_query(target_map : vm_map_read_t;
            address : mach_vm_offset_t;
            size : mach_vm_size_t;
            dispositions : mach_vm_address_t;
            inout dispositions_count : mach_vm_size_t);
        skip; skip; skip; skip; skip; skip;
    }
}

#[test]
fn mach_vm_matches_apple_mig() {
    check(
        mach_vm_defs::mach_vm::ROUTINES,
        &[
            (
                "mach_vm_copy",
                4807,
                56,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("source_address", 32, 8),
                    ("size", 40, 8),
                    ("dest_address", 48, 8),
                ],
                Some((4907, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_vm_read_overwrite",
                4808,
                56,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 8),
                    ("size", 40, 8),
                    ("data", 48, 8),
                ],
                Some((
                    4908,
                    44,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("outsize", 36, 8),
                    ],
                )),
            ),
            (
                "mach_vm_msync",
                4809,
                52,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 8),
                    ("size", 40, 8),
                    ("sync_flags", 48, 4),
                ],
                Some((4909, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_vm_behavior_set",
                4810,
                52,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 8),
                    ("size", 40, 8),
                    ("new_behavior", 48, 4),
                ],
                Some((4910, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_vm_machine_attribute",
                4812,
                56,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 8),
                    ("size", 40, 8),
                    ("attribute", 48, 4),
                    ("value", 52, 4),
                ],
                Some((
                    4912,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("value", 36, 4),
                    ],
                )),
            ),
            (
                "mach_vm_page_query",
                4814,
                40,
                &[("Head", 0, 24), ("NDR", 24, 8), ("offset", 32, 8)],
                Some((
                    4914,
                    44,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("disposition", 36, 4),
                        ("ref_count", 40, 4),
                    ],
                )),
            ),
            (
                "mach_vm_purgable_control",
                4818,
                48,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 8),
                    ("control", 40, 4),
                    ("state", 44, 4),
                ],
                Some((
                    4918,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("state", 36, 4),
                    ],
                )),
            ),
            (
                "mach_vm_page_range_query",
                4820,
                64,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 8),
                    ("size", 40, 8),
                    ("dispositions", 48, 8),
                    ("dispositions_count", 56, 8),
                ],
                Some((
                    4920,
                    44,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("dispositions_count", 36, 8),
                    ],
                )),
            ),
        ],
    );
}

mod host_priv_defs {
    mig::mig! {
        subsystem host_priv 400;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        type clock_flavor_t = int;
        type time_t = int;
        type sleep_type_t = int;
        type alarm_type_t = int;
        type clock_res_t = int;
        type clock_id_t = int;
        skip;
        routine host_reboot(host_priv : host_priv_t;
            options : int);
        skip; skip; skip; skip; skip; skip; skip;
        routine kmod_create(host_priv : host_priv_t;
            info : vm_address_t;
            out module : kmod_t);
        routine kmod_destroy(host_priv : host_priv_t;
            module : kmod_t);
        skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip;
    }
}

#[test]
fn host_priv_matches_apple_mig() {
    check(
        host_priv_defs::host_priv::ROUTINES,
        &[
            (
                "host_reboot",
                401,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("options", 32, 4)],
                Some((501, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "kmod_create",
                409,
                40,
                &[("Head", 0, 24), ("NDR", 24, 8), ("info", 32, 8)],
                Some((
                    509,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("module", 36, 4),
                    ],
                )),
            ),
            (
                "kmod_destroy",
                410,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("module", 32, 4)],
                Some((510, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
        ],
    );
}

mod mach_port_defs {
    mig::mig! {
        subsystem mach_port 3200;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        UserPrefix _kernelrpc_;
        skip;
        routine mach_port_type(task : ipc_space_t;
            name : mach_port_name_t;
            out ptype : mach_port_type_t);
        routine mach_port_rename(task : ipc_space_t;
            old_name : mach_port_name_t;
            new_name : mach_port_name_t);
        routine mach_port_allocate_name(task : ipc_space_t;
            right : mach_port_right_t;
            name : mach_port_name_t);
        routine mach_port_allocate(task : ipc_space_t;
            right : mach_port_right_t;
            out name : mach_port_name_t);
        routine mach_port_destroy(task : ipc_space_t;
            name : mach_port_name_t);
        routine mach_port_deallocate(task : ipc_space_t;
            name : mach_port_name_t);
        routine mach_port_get_refs(task : ipc_space_t;
            name : mach_port_name_t;
            right : mach_port_right_t;
            out refs : mach_port_urefs_t);
        routine mach_port_mod_refs(task : ipc_space_t;
            name : mach_port_name_t;
            right : mach_port_right_t;
            delta : mach_port_delta_t);
        skip;
        routine mach_port_set_mscount(task : ipc_space_t;
            name : mach_port_name_t;
            mscount : mach_port_mscount_t);
        skip;
        routine mach_port_move_member(task : ipc_space_t;
            member : mach_port_name_t;
            after : mach_port_name_t);
        skip; skip; skip;
        routine mach_port_set_seqno(task : ipc_space_t;
            name : mach_port_name_t;
            seqno : mach_port_seqno_t);
        skip; skip; skip; skip;
        routine task_set_port_space(task : ipc_space_t;
            table_entries : int);
        routine mach_port_get_srights(task : ipc_space_t;
            name : mach_port_name_t;
            out srights : mach_port_rights_t);
        skip;
        routine mach_port_dnrequest_info(task : ipc_space_t;
            name : mach_port_name_t;
            out dnr_total : unsigned;
            out dnr_used : unsigned);
        routine mach_port_kernel_object(task : ipc_space_read_t;
            name : mach_port_name_t;
            out object_type : unsigned;
            out object_addr : unsigned);
        routine mach_port_insert_member(task : ipc_space_t;
            name : mach_port_name_t;
            pset : mach_port_name_t);
        routine mach_port_extract_member(task : ipc_space_t;
            name : mach_port_name_t;
            pset : mach_port_name_t);
        routine mach_port_get_context(task : ipc_space_read_t;
            name : mach_port_name_t;
            out context : mach_vm_address_t );
        routine mach_port_set_context(task : ipc_space_t;
            name : mach_port_name_t;
            context : mach_vm_address_t );
        routine mach_port_kobject(task : ipc_space_read_t;
            name : mach_port_name_t;
            out object_type : natural_t;
            out object_addr : mach_vm_address_t);
        skip;
        routine mach_port_destruct(task : ipc_space_t;
            name : mach_port_name_t;
            srdelta : mach_port_delta_t;
            guard : uint64_t );
        routine mach_port_guard(task : ipc_space_t;
            name : mach_port_name_t;
            guard : uint64_t;
            strict : boolean_t);
        routine mach_port_unguard(task : ipc_space_t;
            name : mach_port_name_t;
            guard : uint64_t );
        skip;
        routine mach_port_special_reply_port_reset_link(task : ipc_space_t;
            name : mach_port_name_t;
            out srp_lost_link : boolean_t);
        routine mach_port_guard_with_flags(task : ipc_space_t;
            name : mach_port_name_t;
            guard : uint64_t;
            flags : uint64_t);
        routine mach_port_swap_guard(task : ipc_space_t;
            name : mach_port_name_t;
            old_guard : uint64_t;
            new_guard : uint64_t);
        skip;
        routine mach_port_is_connection_for_service(task : ipc_space_t;
            connection_port : mach_port_name_t;
            service_port : mach_port_name_t;
            out filter_policy_id : uint64_t );
        skip; skip;
    }
}

#[test]
fn mach_port_matches_apple_mig() {
    check(
        mach_port_defs::mach_port::ROUTINES,
        &[
            (
                "mach_port_type",
                3201,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
                Some((
                    3301,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("ptype", 36, 4),
                    ],
                )),
            ),
            (
                "mach_port_rename",
                3202,
                40,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("old_name", 32, 4),
                    ("new_name", 36, 4),
                ],
                Some((3302, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_allocate_name",
                3203,
                40,
                &[("Head", 0, 24), ("NDR", 24, 8), ("right", 32, 4), ("name", 36, 4)],
                Some((3303, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_allocate",
                3204,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("right", 32, 4)],
                Some((
                    3304,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("name", 36, 4),
                    ],
                )),
            ),
            (
                "mach_port_destroy",
                3205,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
                Some((3305, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_deallocate",
                3206,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
                Some((3306, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_get_refs",
                3207,
                40,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4), ("right", 36, 4)],
                Some((
                    3307,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("refs", 36, 4),
                    ],
                )),
            ),
            (
                "mach_port_mod_refs",
                3208,
                44,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("name", 32, 4),
                    ("right", 36, 4),
                    ("delta", 40, 4),
                ],
                Some((3308, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_set_mscount",
                3210,
                40,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("name", 32, 4),
                    ("mscount", 36, 4),
                ],
                Some((3310, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_move_member",
                3212,
                40,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("member", 32, 4),
                    ("after", 36, 4),
                ],
                Some((3312, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_set_seqno",
                3216,
                40,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4), ("seqno", 36, 4)],
                Some((3316, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "task_set_port_space",
                3221,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("table_entries", 32, 4)],
                Some((3321, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_get_srights",
                3222,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
                Some((
                    3322,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("srights", 36, 4),
                    ],
                )),
            ),
            (
                "mach_port_dnrequest_info",
                3224,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
                Some((
                    3324,
                    44,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("dnr_total", 36, 4),
                        ("dnr_used", 40, 4),
                    ],
                )),
            ),
            (
                "mach_port_kernel_object",
                3225,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
                Some((
                    3325,
                    44,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("object_type", 36, 4),
                        ("object_addr", 40, 4),
                    ],
                )),
            ),
            (
                "mach_port_insert_member",
                3226,
                40,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4), ("pset", 36, 4)],
                Some((3326, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_extract_member",
                3227,
                40,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4), ("pset", 36, 4)],
                Some((3327, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_get_context",
                3228,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
                Some((
                    3328,
                    44,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("context", 36, 8),
                    ],
                )),
            ),
            (
                "mach_port_set_context",
                3229,
                44,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("name", 32, 4),
                    ("context", 36, 8),
                ],
                Some((3329, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_kobject",
                3230,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
                Some((
                    3330,
                    48,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("object_type", 36, 4),
                        ("object_addr", 40, 8),
                    ],
                )),
            ),
            (
                "mach_port_destruct",
                3232,
                48,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("name", 32, 4),
                    ("srdelta", 36, 4),
                    ("guard", 40, 8),
                ],
                Some((3332, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_guard",
                3233,
                48,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("name", 32, 4),
                    ("guard", 36, 8),
                    ("strict", 44, 4),
                ],
                Some((3333, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_unguard",
                3234,
                44,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4), ("guard", 36, 8)],
                Some((3334, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_special_reply_port_reset_link",
                3236,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("name", 32, 4)],
                Some((
                    3336,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("srp_lost_link", 36, 4),
                    ],
                )),
            ),
            (
                "mach_port_guard_with_flags",
                3237,
                52,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("name", 32, 4),
                    ("guard", 36, 8),
                    ("flags", 44, 8),
                ],
                Some((3337, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_swap_guard",
                3238,
                52,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("name", 32, 4),
                    ("old_guard", 36, 8),
                    ("new_guard", 44, 8),
                ],
                Some((3338, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "mach_port_is_connection_for_service",
                3240,
                40,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("connection_port", 32, 4),
                    ("service_port", 36, 4),
                ],
                Some((
                    3340,
                    44,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("filter_policy_id", 36, 8),
                    ],
                )),
            ),
        ],
    );
}

mod processor_defs {
    mig::mig! {
        subsystem processor 3000;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        routine processor_start(processor : processor_t);
        routine processor_exit(processor : processor_t);
        skip; skip; skip; skip;
    }
}

#[test]
fn processor_matches_apple_mig() {
    check(
        processor_defs::processor::ROUTINES,
        &[
            (
                "processor_start",
                3000,
                24,
                &[("Head", 0, 24)],
                Some((3100, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "processor_exit",
                3001,
                24,
                &[("Head", 0, 24)],
                Some((3101, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
        ],
    );
}

mod semaphore_defs {
    mig::mig! {
        subsystem semaphore 617200;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        type clock_flavor_t = int;
        type time_t = int;
        type sleep_type_t = int;
        type alarm_type_t = int;
        type clock_res_t = int;
        type clock_id_t = int;
        routine semaphore_signal(semaphore : semaphore_t);
        routine semaphore_signal_all(semaphore : semaphore_t);
        routine semaphore_wait(semaphore : semaphore_t);
        skip; skip; skip; skip;
    }
}

#[test]
fn semaphore_matches_apple_mig() {
    check(
        semaphore_defs::semaphore::ROUTINES,
        &[
            (
                "semaphore_signal",
                617200,
                24,
                &[("Head", 0, 24)],
                Some((617300, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "semaphore_signal_all",
                617201,
                24,
                &[("Head", 0, 24)],
                Some((617301, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "semaphore_wait",
                617202,
                24,
                &[("Head", 0, 24)],
                Some((617302, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
        ],
    );
}

mod task_defs {
    mig::mig! {
        subsystem task 3400;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        skip;
        routine task_terminate(target_task : task_t);
        skip; skip; skip; skip; skip;
        routine task_suspend(target_task : task_read_t);
        routine task_resume(target_task : task_read_t);
        skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip;
        routine task_set_emulation(target_port : task_t;
            routine_entry_pt: vm_address_t;
            routine_number : int);
        skip; skip;
        routine task_set_ras_pc(target_task : task_t;
            basepc : vm_address_t;
            boundspc : vm_address_t);
        skip; skip;
        routine task_assign_default(task : task_t;
            assign_threads : boolean_t);
        skip; skip; skip; skip;
        routine task_set_phys_footprint_limit(task : task_t;
            new_limit : int;
            out old_limit : int);
        skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip;
        routine task_get_exc_guard_behavior(task : task_inspect_t;
            out behavior : task_exc_guard_behavior_t);
        routine task_set_exc_guard_behavior(task : task_t;
            behavior : task_exc_guard_behavior_t);
        skip;
        routine _kernelrpc_mach_task_is_self(task : task_name_t;
            out is_self : boolean_t);
        skip; skip; skip;
        routine task_dyld_process_info_notify_deregister(target_task : task_read_t;
            notify : mach_port_name_t);
        skip; skip;
        routine task_set_corpse_forking_behavior(task : task_t;
            behavior : task_corpse_forking_behavior_t);
        skip; skip; skip;
    }
}

#[test]
fn task_matches_apple_mig() {
    check(
        task_defs::task::ROUTINES,
        &[
            (
                "task_terminate",
                3401,
                24,
                &[("Head", 0, 24)],
                Some((3501, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "task_suspend",
                3407,
                24,
                &[("Head", 0, 24)],
                Some((3507, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "task_resume",
                3408,
                24,
                &[("Head", 0, 24)],
                Some((3508, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "task_set_emulation",
                3424,
                44,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("routine_entry_pt", 32, 8),
                    ("routine_number", 40, 4),
                ],
                Some((3524, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "task_set_ras_pc",
                3427,
                48,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("basepc", 32, 8),
                    ("boundspc", 40, 8),
                ],
                Some((3527, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "task_assign_default",
                3430,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("assign_threads", 32, 4)],
                Some((3530, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "task_set_phys_footprint_limit",
                3435,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("new_limit", 32, 4)],
                Some((
                    3535,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("old_limit", 36, 4),
                    ],
                )),
            ),
            (
                "task_get_exc_guard_behavior",
                3452,
                24,
                &[("Head", 0, 24)],
                Some((
                    3552,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("behavior", 36, 4),
                    ],
                )),
            ),
            (
                "task_set_exc_guard_behavior",
                3453,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("behavior", 32, 4)],
                Some((3553, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "_kernelrpc_mach_task_is_self",
                3455,
                24,
                &[("Head", 0, 24)],
                Some((
                    3555,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("is_self", 36, 4),
                    ],
                )),
            ),
            (
                "task_dyld_process_info_notify_deregister",
                3459,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("notify", 32, 4)],
                Some((3559, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "task_set_corpse_forking_behavior",
                3462,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("behavior", 32, 4)],
                Some((3562, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
        ],
    );
}

mod thread_act_defs {
    mig::mig! {
        subsystem thread_act 3600;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        skip; skip; skip; skip; skip;
        routine thread_suspend(target_act : thread_read_t);
        routine thread_resume(target_act : thread_read_t);
        routine thread_abort(target_act : thread_act_t);
        routine thread_abort_safely(target_act : thread_act_t);
        routine thread_depress_abort(thread : thread_act_t);
        skip; skip; skip; skip; skip; skip; skip; skip; skip; skip;
        routine etap_trace_thread(target_act : thread_act_t;
            trace_status : boolean_t);
        skip;
        routine thread_assign_default(thread : thread_act_t);
        skip; skip; skip; skip; skip; skip; skip; skip; skip;
    }
}

#[test]
fn thread_act_matches_apple_mig() {
    check(
        thread_act_defs::thread_act::ROUTINES,
        &[
            (
                "thread_suspend",
                3605,
                24,
                &[("Head", 0, 24)],
                Some((3705, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "thread_resume",
                3606,
                24,
                &[("Head", 0, 24)],
                Some((3706, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "thread_abort",
                3607,
                24,
                &[("Head", 0, 24)],
                Some((3707, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "thread_abort_safely",
                3608,
                24,
                &[("Head", 0, 24)],
                Some((3708, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "thread_depress_abort",
                3609,
                24,
                &[("Head", 0, 24)],
                Some((3709, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "etap_trace_thread",
                3620,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("trace_status", 32, 4)],
                Some((3720, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "thread_assign_default",
                3622,
                24,
                &[("Head", 0, 24)],
                Some((3722, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
        ],
    );
}

mod vm32_map_defs {
    mig::mig! {
        subsystem vm32_map 3800;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        skip; skip; skip; skip; skip; skip; skip; skip;
        routine vm_copy(target_task : vm_map_t;
            source_address : vm32_address_t;
            size : vm32_size_t;
            dest_address : vm32_address_t);
        routine vm_read_overwrite(target_task : vm_map_read_t;
            address : vm32_address_t;
            size : vm32_size_t;
            data : vm32_address_t;
            out outsize : vm32_size_t);
        routine vm_msync(target_task : vm_map_t;
            address : vm32_address_t;
            size : vm32_size_t;
            sync_flags : vm_sync_t);
        routine vm_behavior_set(target_task : vm_map_t;
            address : vm32_address_t;
            size : vm32_size_t;
            new_behavior : vm_behavior_t);
        skip;
        routine vm_machine_attribute(target_task : vm_map_t;
            address : vm32_address_t;
            size : vm32_size_t;
            attribute : vm_machine_attribute_t;
            inout value : vm_machine_attribute_val_t);
        skip;
        routine task_wire(target_task : vm_map_t;
            must_wire : boolean_t);
        skip;
        routine vm_map_page_query(target_map :vm_map_read_t;
            offset :vm32_offset_t;
            out disposition :integer_t;
            out ref_count :integer_t);
        skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip; skip;
        routine vm_purgable_control(target_task : vm_map_t;
            address : vm32_address_t;
            control : vm_purgable_t;
            inout state : int);
        routine vm_map_exec_lockdown(target_task : vm_map_t);
    }
}

#[test]
fn vm32_map_matches_apple_mig() {
    check(
        vm32_map_defs::vm32_map::ROUTINES,
        &[
            (
                "vm_copy",
                3808,
                44,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("source_address", 32, 4),
                    ("size", 36, 4),
                    ("dest_address", 40, 4),
                ],
                Some((3908, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "vm_read_overwrite",
                3809,
                44,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 4),
                    ("size", 36, 4),
                    ("data", 40, 4),
                ],
                Some((
                    3909,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("outsize", 36, 4),
                    ],
                )),
            ),
            (
                "vm_msync",
                3810,
                44,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 4),
                    ("size", 36, 4),
                    ("sync_flags", 40, 4),
                ],
                Some((3910, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "vm_behavior_set",
                3811,
                44,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 4),
                    ("size", 36, 4),
                    ("new_behavior", 40, 4),
                ],
                Some((3911, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "vm_machine_attribute",
                3813,
                48,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 4),
                    ("size", 36, 4),
                    ("attribute", 40, 4),
                    ("value", 44, 4),
                ],
                Some((
                    3913,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("value", 36, 4),
                    ],
                )),
            ),
            (
                "task_wire",
                3815,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("must_wire", 32, 4)],
                Some((3915, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
            (
                "vm_map_page_query",
                3817,
                36,
                &[("Head", 0, 24), ("NDR", 24, 8), ("offset", 32, 4)],
                Some((
                    3917,
                    44,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("disposition", 36, 4),
                        ("ref_count", 40, 4),
                    ],
                )),
            ),
            (
                "vm_purgable_control",
                3830,
                44,
                &[
                    ("Head", 0, 24),
                    ("NDR", 24, 8),
                    ("address", 32, 4),
                    ("control", 36, 4),
                    ("state", 40, 4),
                ],
                Some((
                    3930,
                    40,
                    &[
                        ("Head", 0, 24),
                        ("NDR", 24, 8),
                        ("RetCode", 32, 4),
                        ("state", 36, 4),
                    ],
                )),
            ),
            (
                "vm_map_exec_lockdown",
                3831,
                24,
                &[("Head", 0, 24)],
                Some((3931, 36, &[("Head", 0, 24), ("NDR", 24, 8), ("RetCode", 32, 4)])),
            ),
        ],
    );
}

/// The "reply simpleroutine" pattern: a `RetCode` argument in a simpleroutine. Apple's
/// MIG leaves it out of the request when the request is complex (`migcom.tproj/routine.c`,
/// `rtProcessRetCode`: the argument keeps only `akbSendRcv`, so `WriteStructDecl`, which
/// lists `akbRequest|akbSendBody` arguments, skips it) and sends it in a simple request.
/// It still counts as data for `rtProcessNdrCode`, so a request left with only ports
/// keeps its `NDR`.
mod ret_code_defs {
    mig::mig! {
        subsystem ret_code 4000;
        #include <mach/std_types.defs>
        #include <mach/mach_types.defs>
        simpleroutine x_reply(rp: mach_port_move_send_once_t; kr: kern_return_t, RetCode; data: pointer_t);
        simpleroutine y_reply(rp: mach_port_move_send_once_t; kr: kern_return_t, RetCode; v: int);
        simpleroutine z_reply(rp: mach_port_move_send_once_t; kr: kern_return_t, RetCode; p: mach_port_move_send_t);
        simpleroutine w_reply(rp: mach_port_move_send_once_t; a: int; kr: kern_return_t, RetCode;
            p: mach_port_move_send_t; b: int);
    }
}

#[test]
fn ret_code_is_left_out_of_a_complex_request_only() {
    const HEAD: usize = 24;
    const BODY: usize = 4;
    const PORT: usize = 12;
    const OOL: usize = 16;
    const NDR: usize = 8;
    let table = ret_code_defs::ret_code::ROUTINES;
    let expect = |index: usize, complex: bool, fields: &[(&str, usize)]| {
        let got = &table[index].request;
        assert!(table[index].reply.is_none());
        assert_eq!(got.id, 4000 + index as i32);
        assert_eq!(got.complex, complex, "{}", table[index].name);
        // Each field follows the one before it (pack(4), every size a multiple of 4).
        let mut offset = 0;
        let mut want = Vec::new();
        for &(name, size) in fields {
            want.push((name, offset, size));
            offset += size;
        }
        assert_eq!(fields_of(got), want, "{} fields", table[index].name);
        assert_eq!(got.size, offset, "{} size", table[index].name);
    };
    fn fields_of(layout: &Layout) -> Vec<(&'static str, usize, usize)> {
        fields(layout)
    }
    // Complex: no `kr`; 4 bytes shorter than with it.
    expect(
        0,
        true,
        &[
            ("Head", HEAD),
            ("msgh_body", BODY),
            ("data", OOL),
            ("NDR", NDR),
            ("dataCnt", 4),
        ],
    );
    assert_eq!(table[0].request.size, 56);
    // Simple: `kr` is sent like any 32-bit argument.
    expect(1, false, &[("Head", HEAD), ("NDR", NDR), ("kr", 4), ("v", 4)]);
    // Complex with only a port left: the `NDR` stays, with nothing after it.
    expect(
        2,
        true,
        &[("Head", HEAD), ("msgh_body", BODY), ("p", PORT), ("NDR", NDR)],
    );
    // Complex, `kr` between data: the data after it moves up.
    expect(
        3,
        true,
        &[
            ("Head", HEAD),
            ("msgh_body", BODY),
            ("p", PORT),
            ("NDR", NDR),
            ("a", 4),
            ("b", 4),
        ],
    );
}
