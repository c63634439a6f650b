//! The semantic model: what `check` proves about a definition and what `layout` and
//! `expand` consume. Names are resolved, numbers evaluated, ids assigned.

use crate::lex::Sp;

/// The largest message XNU accepts (`MACH_MSG_SIZE_MAX` is far larger, but the
/// kernel refuses inline data past 64 MB): `check` bounds each type by it and `layout`
/// each message.
pub const MAX_MESSAGE: u32 = 64 * 1024 * 1024;

/// A checked subsystem.
#[derive(Debug)]
pub struct Subsystem {
    pub name: String,
    pub docs: Vec<String>,
    pub base: i32,
    /// The `type` statements of the definition, in order (built-in types excluded).
    pub types: Vec<TypeDef>,
    pub routines: Vec<Routine>,
    /// The msgh_id one past the last routine (skips included): MIG's `end`.
    pub end: i32,
    /// What each MIG type name in scope stands for in Rust, aliases followed to the end
    /// (`int` → `i32`), for the handlers' docs.
    pub rust_names: std::collections::BTreeMap<String, String>,
}

/// A user `type` statement, which becomes a Rust type alias.
#[derive(Clone, Debug)]
pub struct TypeDef {
    pub name: String,
    pub docs: Vec<String>,
    pub ty: Type,
}

/// A resolved MIG type.
#[derive(Clone, Debug)]
pub struct Type {
    /// The MIG name the argument or statement used.
    pub name: String,
    /// Where the Rust type of that name lives.
    pub origin: Origin,
    pub wire: Wire,
    /// What the name aliases in Rust.
    pub rust: Rust,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// One of the standard types of `std_types.defs`/`mach_types.defs`: `mig::types::NAME`.
    Builtin,
    /// A `type` statement of this definition: an alias in the subsystem's module.
    User,
    /// A `MACH_MSG_TYPE_*` name used directly: no alias, only the primitive.
    Primitive,
}

/// How a type travels in a message.
#[derive(Clone, Debug)]
pub enum Wire {
    /// Inline plain data of this many bytes (1, 2, 4 or 8).
    Scalar { size: u32 },
    /// A port right, sent with this disposition (`MACH_MSG_TYPE_*`).
    Port { send: u32 },
    /// `array[n] of T` or `struct[n] of T` of inline data: `count` elements of
    /// `element_size` bytes each.
    Fixed { count: u32, element_size: u32 },
    /// `array[*:max] of T` of inline data: a count, then up to `max` elements, packed
    /// on the wire to what the count says.
    Variable { max: u32, element_size: u32 },
    /// `^array[] of T`, `^array[*:max] of T` or `array[] of T`: elements in memory of
    /// their own, sent by an out-of-line descriptor, with an inline count.
    OutOfLine { max: Option<u32>, element_size: u32 },
    /// `c_string[max]` (fixed) or `c_string[*:max]` (variable: an offset and a count
    /// travel before it, and it is packed like a variable array).
    CString { max: u32, variable: bool },
    /// `array[max] of <port>` or `array[*:max] of <port>`: always `max` port descriptors
    /// (unused ones null), with a count when variable.
    PortArray { send: u32, max: u32, variable: bool },
    /// `^T` for a fixed-size `T`: one value out of line, `size` bytes.
    OutOfLineValue { size: u32 },
    /// `array[] of <port>`, `^array[] of <port>` or `^array[*:max] of <port>`: an
    /// out-of-line ports descriptor with an inline count; `^array[max] of <port>`
    /// (`exact`): always `max` names (unused ones null), no count.
    OutOfLinePorts {
        send: u32,
        max: Option<u32>,
        exact: bool,
    },
    /// `polymorphic`: a port whose disposition is chosen at run time.
    PolymorphicPort,
    /// Recognized MIG syntax this version of `mig!` cannot put on the wire yet.
    Unsupported(&'static str),
}

/// The Rust type a MIG type stands for.
#[derive(Clone, Debug)]
pub enum Rust {
    /// A primitive: `i32`, `u64`, `f32`, …
    Primitive(&'static str),
    /// An item of the runtime's `sys` module: `mach_port_t`, `boolean_t`, …
    Sys(&'static str),
    /// Another MIG type (an alias of an alias).
    Named { name: String, origin: Origin },
    /// `[T; n]`.
    Array(Box<Rust>, u32),
    /// `mig::InlineArray<T, n>`: up to `n` elements.
    Inline(Box<Rust>, u32),
    /// `mig::OutOfLine<T>`: elements in memory of their own.
    OutOfLine(Box<Rust>),
    /// `mig::InlineString<n>`.
    CString(u32),
    /// `Vec<T>` of port names.
    Ports(Box<Rust>),
    /// A type of the user's, named by `rusttype:` on fixed inline data: a path from the
    /// scope that invokes `mig!`, the span to report a wrong one at, and the size MIG
    /// gives the data.
    User {
        path: Vec<String>,
        span: proc_macro2::Span,
        size: u32,
    },
    /// No Rust type (not yet expressible).
    None,
}

#[derive(Debug)]
pub struct Routine {
    pub name: String,
    /// Where the routine is written, from its keyword to its end: rustc's errors about
    /// its generated items (a handler's signature, a stub's call) go there.
    pub span: Sp,
    /// Where the name is written: what `layout` reports a message's errors at, and
    /// where a generated function's name is placed.
    pub name_span: Sp,
    pub docs: Vec<String>,
    pub simple: bool,
    pub id: i32,
    /// The client function's name (`userprefix` + name).
    pub user_fn: String,
    /// The server trait method's name (`serverprefix` + name).
    pub server_fn: String,
    pub args: Vec<Arg>,
    /// `waittime` in force for this routine: both send and receive time out.
    pub wait_time: Option<OptionValue>,
    /// `sendtime` in force: the send times out.
    pub send_time: Option<OptionValue>,
    /// `msgoption` in force: extra `mach_msg` options.
    pub msg_option: Option<OptionValue>,
    /// `UseSpecialReplyPort` in force: the reply comes back on the thread's special
    /// reply port.
    pub special_reply_port: bool,
}

/// The value of a `waittime`, `sendtime` or `msgoption` statement or argument.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    /// A number.
    Number(u64),
    /// A `MACH_*` constant of the runtime's `sys`.
    Sys(String),
    /// A constant of the user's, in the scope that invokes `mig!`.
    User(String),
    /// The client stub's argument of this name.
    Argument(String),
}

impl Routine {
    /// The argument naming the reply port on the client's side, if any.
    pub fn client_reply_port(&self) -> Option<&Arg> {
        self.args
            .iter()
            .find(|a| matches!(a.role, Role::ReplyPort { client: true, .. }))
    }

    /// The argument handing the reply port to the server's handler, if any.
    pub fn server_reply_port(&self) -> Option<&Arg> {
        self.args
            .iter()
            .find(|a| matches!(a.role, Role::ReplyPort { server: true, .. }))
    }

    pub fn request_port(&self) -> &Arg {
        self.args
            .iter()
            .find(|a| a.role == Role::RequestPort)
            .expect("check guarantees a request port")
    }

    /// What the server sends back.
    pub fn outs(&self) -> impl Iterator<Item = &Arg> {
        self.args
            .iter()
            .filter(|a| matches!(a.role, Role::Out | Role::InOut))
    }

    /// What the client gets back: the `out` values and the reply's trailer values.
    pub fn client_outs(&self) -> impl Iterator<Item = &Arg> {
        self.args
            .iter()
            .filter(|a| matches!(a.role, Role::Out | Role::InOut | Role::Trailer { user: true, .. }))
    }

    /// Whether the server's handler takes values from the request's trailer.
    pub fn server_reads_trailer(&self) -> bool {
        self.args
            .iter()
            .any(|a| matches!(a.role, Role::Trailer { server: true, .. }))
    }

    /// The trailer elements the client asks for with the reply (`MACH_RCV_TRAILER_*`:
    /// 2 up to the security token, 3 up to the audit token), if any.
    pub fn client_trailer_elements(&self) -> Option<u32> {
        self.args
            .iter()
            .filter_map(|a| match a.role {
                Role::Trailer {
                    element, user: true, ..
                } => Some(element.receive_elements()),
                _ => None,
            })
            .max()
    }
}

#[derive(Debug)]
pub struct Arg {
    pub name: String,
    /// Where the argument is written, from its direction (or name) to its last flag:
    /// where the parameters made from it are placed.
    pub span: Sp,
    /// Where the name is written: what `layout` reports a name that meets one of its
    /// fields at.
    pub name_span: Sp,
    pub role: Role,
    pub ty: Type,
    /// `CountInOut`: the request carries the caller's capacity for this `out` array.
    pub count_in_out: bool,
    /// `dealloc` on out-of-line data a client sends: the memory moves with the message.
    pub dealloc: bool,
    /// `dealloc[]` on out-of-line data a client sends: the caller decides per call
    /// whether the memory moves (`mig::Outgoing`).
    pub dealloc_at_runtime: bool,
    /// `PhysicalCopy` on out-of-line data: the kernel copies the bytes instead of
    /// mapping the pages copy-on-write.
    pub physical_copy: bool,
    /// `RetCode` was written on this (simpleroutine's, 32-bit) argument: a complex
    /// request leaves it out and carries a nonzero code as a `mig_reply_error_t` instead
    /// (see `layout::left_out`).
    pub ret_code: bool,
    /// `SameCount` was written on this array.
    pub same_count: bool,
    /// With `SameCount`, the argument whose `<arg>Cnt` this array shares (it has none).
    pub count_from: Option<String>,
    /// The server-side translations of the argument's type, if it has any.
    pub translation: Option<Translation>,
}

/// A type's `intran:`, `outtran:` and `destructor:`: functions of the user's that the
/// server calls between the wire value and the value its handlers see.
#[derive(Clone, Debug)]
pub struct Translation {
    /// The type the handlers see (MIG's translated type).
    pub translated: UserPath,
    /// Wire value to translated value, for what the server receives.
    pub intran: Option<UserPath>,
    /// Translated value to wire value, for what the server sends.
    pub outtran: Option<UserPath>,
    /// Called on a received, translated value once its handler returns.
    pub destructor: Option<UserPath>,
}

/// A path the user wrote, naming an item in the scope that invokes `mig!`, with the span
/// to report a wrong one at.
#[derive(Clone, Debug)]
pub struct UserPath {
    pub path: Vec<String>,
    pub span: proc_macro2::Span,
}

impl Wire {
    /// Whether the type is an array with an element count (its own, or shared).
    pub fn is_counted_array(&self) -> bool {
        matches!(
            self,
            Wire::Variable { .. }
                | Wire::OutOfLine { .. }
                | Wire::OutOfLinePorts { .. }
                | Wire::PortArray { variable: true, .. }
        )
    }
}

impl Arg {
    /// Whether the request carries something for this argument: its value, or (for a
    /// `CountInOut` array) the capacity the caller asks for.
    pub fn in_request(&self) -> bool {
        matches!(self.role, Role::In | Role::InOut) || (self.role == Role::Out && self.count_in_out)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The destination of the request (the first port argument, or `RequestPort`).
    RequestPort,
    In,
    Out,
    InOut,
    /// A value read from a trailer, not in the message: the request's, for the server's
    /// handler (`ServerSecToken`, `msgseqno`, …), the reply's, for the client
    /// (`UserSecToken`, `UserAuditToken`), or both (`SecToken`, `AuditToken`).
    Trailer {
        element: TrailerElement,
        server: bool,
        user: bool,
    },
    /// `waittime`, `sendtime` or `msgoption`: a client-side `mach_msg` parameter.
    ClientOption,
    /// A reply port: the client's own (`ureplyport`), the one the server gets to answer
    /// later (`sreplyport`), or both (`replyport`). Not in the message body.
    ReplyPort {
        client: bool,
        server: bool,
    },
}

/// The trailer elements MIG arguments can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrailerElement {
    /// `msgseqno`
    Seqno,
    /// `ServerSecToken` (or `SecToken`)
    SecurityToken,
    /// `ServerAuditToken` (or `AuditToken`)
    AuditToken,
    /// `ServerContextToken`
    Context,
}

impl TrailerElement {
    /// `MACH_RCV_TRAILER_ELEMENTS` value that brings this element.
    pub fn receive_elements(self) -> u32 {
        match self {
            TrailerElement::Seqno => 1,
            TrailerElement::SecurityToken => 2,
            TrailerElement::AuditToken => 3,
            TrailerElement::Context => 4,
        }
    }

    /// The element's size in bytes.
    pub fn size(self) -> u32 {
        match self {
            TrailerElement::Seqno => 4,
            TrailerElement::SecurityToken | TrailerElement::Context => 8,
            TrailerElement::AuditToken => 32,
        }
    }
}

impl Wire {
    /// Bytes of inline data, for types that travel inline (not as descriptors).
    pub fn inline_size(&self) -> Option<u32> {
        match *self {
            Wire::Scalar { size } => Some(size),
            Wire::Fixed { count, element_size } => Some(count * element_size),
            Wire::Variable { max, element_size } => Some(max * element_size),
            Wire::CString { max, .. } => Some(max),
            _ => None,
        }
    }

    /// Whether it travels as a descriptor (making its message complex).
    pub fn is_descriptor(&self) -> bool {
        matches!(
            self,
            Wire::Port { .. }
                | Wire::PolymorphicPort
                | Wire::OutOfLine { .. }
                | Wire::OutOfLineValue { .. }
                | Wire::PortArray { .. }
                | Wire::OutOfLinePorts { .. }
        )
    }

    /// The disposition ports of this type are sent with, for ports and port arrays.
    pub fn port_disposition(&self) -> Option<u32> {
        match *self {
            Wire::Port { send } | Wire::PortArray { send, .. } | Wire::OutOfLinePorts { send, .. } => {
                Some(send)
            }
            _ => None,
        }
    }

    /// The disposition a receiver sees for a port sent with disposition `send`:
    /// `MOVE_RECEIVE` (16), `PORT_SEND` (17) or `PORT_SEND_ONCE` (18).
    pub fn received_disposition(send: u32) -> u32 {
        match send {
            16 => 16,
            18 | 21 => 18,
            _ => 17,
        }
    }
}

impl Type {
    /// The Rust type of one element, when this type can be an array element.
    pub fn element_rust(&self) -> Rust {
        match self.origin {
            Origin::Primitive => self.rust.clone(),
            origin => Rust::Named {
                name: self.name.clone(),
                origin,
            },
        }
    }
}

/// The Rust name a MIG name becomes: itself, or with a trailing `_` for the four Rust
/// keywords that cannot be raw identifiers (other keywords become raw: `r#type`).
pub fn rust_name(name: &str) -> std::borrow::Cow<'_, str> {
    match name {
        "self" | "Self" | "super" | "crate" => format!("{name}_").into(),
        _ => name.into(),
    }
}
