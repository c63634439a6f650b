//! The type names MIG knows without a `type` statement: XNU's `MACH_MSG_TYPE_*` and
//! NeXT MiG's `MSG_TYPE_*` and standard port types.

use crate::model::{Origin, Rust, Type, Wire};

/// NeXT MiG's IPC type names (the Mach 2.5 `MSG_TYPE_*` of the manual this crate
/// started from), as the XNU names they stand for. `MSG_TYPE_PORT` was a send right the
/// sender keeps, `MSG_TYPE_PORT_ALL` the receive right (with ownership), which moves.
fn next_msg_type(name: &str) -> Option<&'static str> {
    Some(match name {
        "MSG_TYPE_BOOLEAN" => "MACH_MSG_TYPE_BOOLEAN",
        "MSG_TYPE_BIT" => "MACH_MSG_TYPE_BIT",
        "MSG_TYPE_BYTE" => "MACH_MSG_TYPE_BYTE",
        "MSG_TYPE_CHAR" => "MACH_MSG_TYPE_CHAR",
        "MSG_TYPE_INTEGER_8" => "MACH_MSG_TYPE_INTEGER_8",
        "MSG_TYPE_INTEGER_16" => "MACH_MSG_TYPE_INTEGER_16",
        "MSG_TYPE_INTEGER_32" => "MACH_MSG_TYPE_INTEGER_32",
        "MSG_TYPE_UNSTRUCTURED" => "MACH_MSG_TYPE_UNSTRUCTURED",
        "MSG_TYPE_PORT" => "MACH_MSG_TYPE_COPY_SEND",
        "MSG_TYPE_PORT_ALL" => "MACH_MSG_TYPE_MOVE_RECEIVE",
        _ => return None,
    })
}

/// NeXT's standard port types, for text that uses them without defining them (its
/// `std_types.defs` did; xnu's does not).
pub(super) fn next_standard_type(name: &str) -> Option<Type> {
    let mach = match name {
        "port_t" => "MSG_TYPE_PORT",
        "port_all_t" => "MSG_TYPE_PORT_ALL",
        _ => return None,
    };
    primitive(mach, name).map(|ty| Type {
        name: name.to_owned(),
        ..ty
    })
}

/// A `MACH_MSG_TYPE_*` name (case-sensitive, as in migcom's lexer) or NeXT's
/// `MSG_TYPE_*` for it. `declared` is the name being given to it, used for the sign of
/// integers.
pub(super) fn primitive(name: &str, declared: &str) -> Option<Type> {
    if let Some(mach) = next_msg_type(name) {
        return primitive(mach, declared).map(|ty| Type {
            name: name.to_owned(),
            ..ty
        });
    }
    // NeXT gave strings and reals their size in the long form only.
    let sizeless = match name {
        "MSG_TYPE_REAL" => Some("`MSG_TYPE_REAL` values without a size (write `float` or `double`)"),
        "MSG_TYPE_STRING" => Some("`MSG_TYPE_STRING` values without a size (write `c_string[n]`)"),
        _ => None,
    };
    if let Some(what) = sizeless {
        return Some(Type {
            name: name.to_owned(),
            origin: Origin::Primitive,
            wire: Wire::Unsupported(what),
            rust: Rust::None,
        });
    }
    let unsigned = {
        let d = declared.to_ascii_lowercase();
        d.starts_with("uint")
            || d.starts_with("u_int")
            || d.starts_with("unsigned")
            || d.starts_with("natural")
    };
    let int = |size: u32, signed: &'static str, unsigned_ty: &'static str| {
        (
            Wire::Scalar { size },
            Rust::Primitive(if unsigned { unsigned_ty } else { signed }),
        )
    };
    let port = |send: u32| (Wire::Port { send }, Rust::Sys("mach_port_t"));
    let (wire, rust) = match name {
        "MACH_MSG_TYPE_BOOLEAN" => (Wire::Scalar { size: 4 }, Rust::Sys("boolean_t")),
        "MACH_MSG_TYPE_INTEGER_8" => int(1, "i8", "u8"),
        "MACH_MSG_TYPE_INTEGER_16" => int(2, "i16", "u16"),
        "MACH_MSG_TYPE_INTEGER_32" => int(4, "i32", "u32"),
        "MACH_MSG_TYPE_INTEGER_64" => int(8, "i64", "u64"),
        "MACH_MSG_TYPE_REAL_32" => (Wire::Scalar { size: 4 }, Rust::Primitive("f32")),
        "MACH_MSG_TYPE_REAL_64" => (Wire::Scalar { size: 8 }, Rust::Primitive("f64")),
        "MACH_MSG_TYPE_CHAR" => (Wire::Scalar { size: 1 }, Rust::Primitive("::core::ffi::c_char")),
        "MACH_MSG_TYPE_BYTE" => (Wire::Scalar { size: 1 }, Rust::Primitive("u8")),
        "MACH_MSG_TYPE_PORT_NAME" => (Wire::Scalar { size: 4 }, Rust::Sys("mach_port_name_t")),
        "MACH_MSG_TYPE_MOVE_RECEIVE" => port(16),
        "MACH_MSG_TYPE_MOVE_SEND" => port(17),
        "MACH_MSG_TYPE_MOVE_SEND_ONCE" => port(18),
        "MACH_MSG_TYPE_COPY_SEND" => port(19),
        "MACH_MSG_TYPE_MAKE_SEND" => port(20),
        "MACH_MSG_TYPE_MAKE_SEND_ONCE" => port(21),
        // Received forms: what a server sees; sent polymorphically.
        "MACH_MSG_TYPE_PORT_RECEIVE"
        | "MACH_MSG_TYPE_PORT_SEND"
        | "MACH_MSG_TYPE_PORT_SEND_ONCE"
        | "MACH_MSG_TYPE_POLYMORPHIC" => (Wire::PolymorphicPort, Rust::Sys("mach_port_t")),
        // migcom gives `MACH_MSG_TYPE_UNSTRUCTURED` no size ("must use full IPC type
        // decl", and the full form is refused) and does not know the string names
        // (`c_string` replaced them).
        "MACH_MSG_TYPE_UNSTRUCTURED" => (
            Wire::Unsupported(
                "`MACH_MSG_TYPE_UNSTRUCTURED` values (it has no size; Apple's MIG refuses it too)",
            ),
            Rust::None,
        ),
        "MACH_MSG_TYPE_STRING" | "MACH_MSG_TYPE_STRING_C" => (
            Wire::Unsupported(
                "`MACH_MSG_TYPE_STRING` values (Apple's MIG does not know it either: use `c_string[n]`)",
            ),
            Rust::None,
        ),
        "MACH_MSG_TYPE_BIT" => (Wire::Unsupported("arrays of `MACH_MSG_TYPE_BIT`"), Rust::None),
        _ => return None,
    };
    Some(Type {
        name: name.to_owned(),
        origin: Origin::Primitive,
        wire,
        rust,
    })
}
