//! Third-party `.defs` text pasted as it is: `ctype:` names a C type from a header the
//! text imports, which means nothing to Rust; the MIG description decides the Rust type.
//! (A user's Rust type is bound with `rusttype:` instead; see `tests/arrays.rs`.)

#![cfg(not(target_vendor = "apple"))]

mod common;

use common::Running;
use mig::sys::mach_port_t;

// As a network daemon's interface file would have it: C type names from its header.
mig::mig! {
    subsystem ifmgr 6100;
    #include <mach/std_types.defs>
    #include <mach/mach_types.defs>
    import "ifmgr_types.h";

    type if_name = array[16] of char ctype: if_name_t;
    type ether_addr = struct[6] of uint8_t ctype: ether_addr_t;
    type if_counters = struct[4] of uint64_t ctype: if_counters_t;
    type if_flags = int ctype: if_flags_t;

    routine if_lookup(server: mach_port_t; name: if_name; out index: int; out flags: if_flags);
    routine if_hwaddr(server: mach_port_t; index: int; out addr: ether_addr; out counters: if_counters);
}

struct Interfaces;

impl ifmgr::Server for Interfaces {
    fn if_lookup(&self, _: mach_port_t, name: ifmgr::if_name) -> mig::Result<ifmgr::if_lookup::Output> {
        let len = name.iter().position(|&c| c == 0).unwrap_or(name.len());
        Ok(ifmgr::if_lookup::Output {
            index: len as i32,
            flags: 0x8843,
        })
    }
    fn if_hwaddr(&self, _: mach_port_t, index: i32) -> mig::Result<ifmgr::if_hwaddr::Output> {
        Ok(ifmgr::if_hwaddr::Output {
            addr: [index as u8, 1, 2, 3, 4, 5],
            counters: [1, 2, 3, u64::MAX],
        })
    }
}

#[test]
fn ctype_on_fixed_data_names_c_types_and_the_definition_decides_the_rust_type() {
    // The aliases are what MIG says the data is; `if_name_t` and friends need not exist.
    let mut name: ifmgr::if_name = [0; 16];
    let addr: ifmgr::ether_addr = [0u8; 6];
    let counters: ifmgr::if_counters = [0u64; 4];
    let _: (ifmgr::ether_addr, ifmgr::if_counters, ifmgr::if_flags) = (addr, counters, 0i32);
    for (slot, c) in name.iter_mut().zip(b"en0") {
        *slot = *c as _;
    }
    let server = Running::start(ifmgr::Service(Interfaces));
    let found = ifmgr::if_lookup(server.port(), name).unwrap();
    assert_eq!((found.index, found.flags), (3, 0x8843));
    let hw = ifmgr::if_hwaddr(server.port(), 9).unwrap();
    assert_eq!(hw.addr, [9, 1, 2, 3, 4, 5]);
    assert_eq!(hw.counters, [1, 2, 3, u64::MAX]);
    // Apple's sizes: header, NDR, 16 chars; header, NDR, RetCode, 6 bytes + 2 of
    // padding, 32 bytes of counters.
    assert_eq!(ifmgr::ROUTINES[0].request.size, 24 + 8 + 16);
    assert_eq!(ifmgr::ROUTINES[1].reply.map(|r| r.size), Some(36 + 8 + 32));
    server.stop();
}
