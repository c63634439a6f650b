//! `c_string[n]` and `c_string[*:n]`: `&CStr` in, `InlineString` out, packed to their
//! length on the wire, never truncated.

mod common;

use std::ffi::CStr;

use common::Running;

use mig::sys::mach_port_t;
use mig::{Error, InlineString};

mig::mig! {
    subsystem names 8000;
    #include <mach/mach_types.defs>
    type name_t = c_string[*:80];
    type label_t = c_string[10];

    /// Like netname's `look_up`: two variable strings in one request.
    routine look_up(server: mach_port_t; host_name: name_t; port_name: name_t; out joined: name_t);
    routine label(server: mach_port_t; l: label_t; out back: label_t; out len: int);
}

struct Names;

impl names::Server for Names {
    fn look_up(&self, _: mach_port_t, host: &CStr, port: &CStr) -> mig::Result<InlineString<80>> {
        let joined = format!("{}:{}\0", host.to_str().unwrap(), port.to_str().unwrap());
        InlineString::from_c_str(CStr::from_bytes_with_nul(joined.as_bytes()).unwrap())
    }
    fn label(&self, _: mach_port_t, l: &CStr) -> mig::Result<names::label::Output> {
        Ok(names::label::Output {
            back: InlineString::from_c_str(l)?,
            len: l.to_bytes().len() as i32,
        })
    }
}

#[test]
fn layouts_follow_apple_mig() {
    // netname_look_up's request: offset, count, 80 chars, twice.
    let fields: Vec<_> = names::ROUTINES[0]
        .request
        .fields
        .iter()
        .map(|f| (f.name, f.offset, f.size))
        .collect();
    assert_eq!(
        fields,
        [
            ("Head", 0, 24),
            ("NDR", 24, 8),
            ("host_nameOffset", 32, 4),
            ("host_nameCnt", 36, 4),
            ("host_name", 40, 80),
            ("port_nameOffset", 120, 4),
            ("port_nameCnt", 124, 4),
            ("port_name", 128, 80)
        ]
    );
    let fields: Vec<_> = names::ROUTINES[1]
        .request
        .fields
        .iter()
        .map(|f| (f.name, f.offset, f.size))
        .collect();
    assert_eq!(fields[2..], [("l", 32, 10), ("lPad", 42, 2)]);
}

#[test]
fn strings_round_trip() {
    let server = Running::start(names::Service(Names));
    let client = names::Client::new(server.right());

    assert_eq!(
        client.look_up(c"host", c"service").unwrap().as_c_str(),
        c"host:service"
    );
    assert_eq!(client.look_up(c"", c"").unwrap().as_c_str(), c":");
    let out = client.label(c"ninechars").unwrap();
    assert_eq!((out.back.as_c_str(), out.len), (c"ninechars", 9));
    // Ten characters need eleven bytes: refused before sending, never truncated.
    assert_eq!(
        client.label(c"tencharss!").map(|_| ()),
        Err(Error::MIG_ARRAY_TOO_LARGE)
    );
    let long = std::ffi::CString::new(vec![b'x'; 80]).unwrap();
    assert_eq!(
        client.look_up(&long, c"").map(|_| ()),
        Err(Error::MIG_ARRAY_TOO_LARGE)
    );

    server.stop();
}
