//! An argument's rules: what its direction means, which flags MIG knows, and, once its
//! type is resolved, the rules in `RULES`, one `check_*` function each.

use crate::errors::Errors;
use crate::lex::Sp;
use crate::model::{Arg, Role, TrailerElement, Type, Wire};
use crate::syntax::{self, ArgType, TypeSpec};

use super::Checker;

impl Checker<'_> {
    /// Checks one argument of `routine`: its model, or `None` once an error is reported.
    pub(super) fn argument(
        &mut self,
        arg: &syntax::Arg,
        simple: bool,
        routine: &str,
        cx: &mut Errors,
    ) -> Option<Arg> {
        let role = role(arg, cx)?;
        // Before the flags and the type: on an argument the routine cannot have, their
        // errors would only add to its own.
        if !check_no_reply_in_simpleroutine(arg, role, simple, routine, cx) {
            return None;
        }
        let flags = Flags::read(&arg.flags, cx);
        let ty = self.argument_type(arg, cx)?;
        let candidate = Candidate {
            arg,
            role,
            ty,
            flags,
            simple,
            routine,
        };
        if !RULES.iter().all(|rule| rule(&candidate, cx)) {
            return None;
        }
        let translation = self.types.translation(&candidate.ty.name);
        let Candidate { ty, flags, .. } = candidate;
        // From the direction or the name: `///` docs before them are not the argument.
        let start = arg.direction.as_ref().unwrap_or(&arg.name).span.start;
        Some(Arg {
            name: arg.name.text.clone(),
            span: Sp { start, ..arg.span },
            name_span: arg.name.span,
            role,
            ty,
            count_in_out: flags.count_in_out.is_some(),
            physical_copy: flags.physical_copy.is_some(),
            // As with `dealloc`, only what a client sends can differ.
            dealloc_at_runtime: flags.dealloc_at_runtime.is_some() && matches!(role, Role::In | Role::InOut),
            // Out-of-line data a server returns always moves with the reply (its
            // `OutOfLine` owner gives it up), so only what a client sends can differ.
            dealloc: matches!(flags.dealloc, Some((_, true))) && matches!(role, Role::In | Role::InOut),
            ret_code: flags.ret_code.is_some(),
            same_count: flags.same_count.is_some(),
            // Resolved once the routine's arguments are all known.
            count_from: None,
            translation,
        })
    }

    /// The argument's type: a name, or a type declared in place (`data: bytes_t = array[*:9]
    /// of uint8_t`), which is a `type` statement of its own.
    fn argument_type(&mut self, arg: &syntax::Arg, cx: &mut Errors) -> Option<Type> {
        match &arg.ty {
            ArgType::Named(name) => self.types.resolve(&TypeSpec::Name(name.clone()), None, cx),
            ArgType::Declared {
                name,
                spec,
                annotations,
            } => {
                let decl = syntax::TypeDecl {
                    docs: Vec::new(),
                    name: name.clone(),
                    spec: (**spec).clone(),
                    annotations: annotations.clone(),
                    span: arg.span,
                };
                self.type_statement(&decl, cx);
                self.types.get(&name.text).cloned()
            }
        }
    }
}

/// An argument with its role and type, which the rules look at.
struct Candidate<'a> {
    arg: &'a syntax::Arg,
    role: Role,
    ty: Type,
    flags: Flags,
    simple: bool,
    routine: &'a str,
}

impl Candidate<'_> {
    fn name(&self) -> &str {
        &self.arg.name.text
    }
}

/// A rule: reports what is wrong at its span and says whether the argument is right.
type Rule = fn(&Candidate<'_>, &mut Errors) -> bool;

/// The rules of an argument whose type is known, in order: the first one broken is
/// reported, and the argument is left out.
const RULES: [Rule; 14] = [
    check_msgtype,
    check_ret_code,
    check_sendable,
    check_trailer_needs_reply,
    check_trailer_type,
    check_variable_array_one_way,
    check_reply_port_type,
    check_request_port_type,
    check_polymorphic_one_way,
    check_count_in_out,
    check_dealloc_at_runtime,
    check_dealloc,
    check_overwrite,
    check_physical_copy,
];

/// What the argument's direction makes it (`in` when none is written).
fn role(arg: &syntax::Arg, cx: &mut Errors) -> Option<Role> {
    let Some(d) = &arg.direction else {
        return Some(Role::In);
    };
    let trailer = |element, server, user| Role::Trailer {
        element,
        server,
        user,
    };
    Some(match d.text.to_ascii_lowercase().as_str() {
        "in" => Role::In,
        "out" => Role::Out,
        "inout" => Role::InOut,
        "requestport" => Role::RequestPort,
        // `msgtype` (NeXT's): a client-side value too, left out of the model once its
        // type is checked (see `Checker::arguments`).
        "waittime" | "sendtime" | "msgoption" | "msgtype" => Role::ClientOption,
        "replyport" => Role::ReplyPort {
            client: true,
            server: true,
        },
        "ureplyport" => Role::ReplyPort {
            client: true,
            server: false,
        },
        "sreplyport" => Role::ReplyPort {
            client: false,
            server: true,
        },
        "msgseqno" => trailer(TrailerElement::Seqno, true, false),
        "serversectoken" => trailer(TrailerElement::SecurityToken, true, false),
        "usersectoken" => trailer(TrailerElement::SecurityToken, false, true),
        "sectoken" => trailer(TrailerElement::SecurityToken, true, true),
        "serveraudittoken" => trailer(TrailerElement::AuditToken, true, false),
        "useraudittoken" => trailer(TrailerElement::AuditToken, false, true),
        "audittoken" => trailer(TrailerElement::AuditToken, true, true),
        "servercontexttoken" => trailer(TrailerElement::Context, true, false),
        _ => {
            cx.error(
                d.span,
                format!("`{}` arguments are not supported yet by `mig!`", d.text),
            );
            return None;
        }
    })
}

/// A simpleroutine gets no reply, so nothing comes back: no `out` or `inout`.
fn check_no_reply_in_simpleroutine(
    arg: &syntax::Arg,
    role: Role,
    simple: bool,
    routine: &str,
    cx: &mut Errors,
) -> bool {
    if !(simple && matches!(role, Role::Out | Role::InOut)) {
        return true;
    }
    let direction = arg.direction.as_ref().expect("out and inout are written");
    cx.error(
        direction.span,
        format!(
            "simpleroutine `{routine}` cannot have an `{}` argument: a simpleroutine gets no reply \
             (make it a `routine`)",
            direction.text
        ),
    );
    false
}

/// The IPC flags written after an argument's type, each where it is written.
#[derive(Default)]
struct Flags {
    count_in_out: Option<Sp>,
    /// `dealloc` (true) or `notdealloc` (false).
    dealloc: Option<(Sp, bool)>,
    same_count: Option<Sp>,
    ret_code: Option<Sp>,
    physical_copy: Option<Sp>,
    /// `Overwrite` asks Apple's stub to receive out-of-line data into the caller's memory
    /// (`MACH_RCV_OVERWRITE`). XNU defines that option as 0: the kernel always maps fresh
    /// memory, so it changes nothing and is only checked.
    overwrite: Option<Sp>,
    /// `dealloc[]`.
    dealloc_at_runtime: Option<Sp>,
}

impl Flags {
    /// Reads the flags, reporting those MIG does not know (and going on).
    fn read(flags: &[syntax::Flag], cx: &mut Errors) -> Flags {
        let mut read = Flags::default();
        for flag in flags {
            let name = &flag.name;
            if name.is_keyword("const") || name.is_keyword("auto") {
                // `Const` only makes the C parameter `const` (slices are read-only
                // already); `Auto` only tunes the C stub's buffers.
            } else if name.is_keyword("retcode") {
                read.ret_code = Some(name.span);
            } else if name.is_keyword("physicalcopy") {
                read.physical_copy = Some(name.span);
            } else if name.is_keyword("overwrite") {
                read.overwrite = Some(name.span);
            } else if name.is_keyword("countinout") {
                read.count_in_out = Some(name.span);
            } else if name.is_keyword("samecount") {
                read.same_count = Some(name.span);
            } else if name.is_keyword("dealloc") && flag.brackets {
                read.dealloc_at_runtime = Some(name.span);
            } else if (name.is_keyword("dealloc") && !flag.brackets) || name.is_keyword("notdealloc") {
                read.dealloc = Some((name.span, name.is_keyword("dealloc")));
            } else {
                unknown_flag(name, cx);
            }
        }
        read
    }
}

/// Apple's MIG knows exactly these flags; anything else is its syntax error.
fn unknown_flag(name: &syntax::Ident, cx: &mut Errors) {
    const FLAGS: [&str; 9] = [
        "SameCount",
        "RetCode",
        "PhysicalCopy",
        "Overwrite",
        "Dealloc",
        "NotDealloc",
        "CountInOut",
        "Auto",
        "Const",
    ];
    let hint = match crate::suggest::closest(&name.text, FLAGS) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("MIG's flags are {}", FLAGS.map(|f| format!("`{f}`")).join(", ")),
    };
    cx.error(name.span, format!("unknown IPC flag `{}`; {hint}", name.text));
}

/// NeXT's `msgtype` argument set the Mach 2.5 message's `msg_type`, a 32-bit integer.
fn check_msgtype(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    let is_msgtype = c.arg.direction.as_ref().is_some_and(|d| d.is_keyword("msgtype"));
    if !is_msgtype || matches!(c.ty.wire, Wire::Scalar { size: 4 }) {
        return true;
    }
    cx.error(
        c.arg.span,
        format!(
            "a `msgtype` argument is a 32-bit integer (`int`, NeXT's `MSG_TYPE_INTEGER_32`); `{}` is not",
            c.name()
        ),
    );
    false
}

/// `RetCode`, MIG's old way of naming a simpleroutine's status argument, marks a 32-bit
/// integer of a simpleroutine: on the wire an ordinary integer, so it needs no code of
/// its own (a routine's reply carries its own return code).
fn check_ret_code(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    let Some(span) = c.flags.ret_code else {
        return true;
    };
    if !c.simple {
        cx.error(
            span,
            format!(
                "`RetCode` is allowed only on a simpleroutine's argument; `{}` is a \
                 routine, whose reply carries its own return code",
                c.routine
            ),
        );
        return false;
    }
    if !matches!(c.ty.wire, Wire::Scalar { size: 4 }) {
        cx.error(
            span,
            format!(
                "`RetCode` marks a 32-bit integer such as `kern_return_t`; `{}` has type `{}`",
                c.name(),
                c.ty.name
            ),
        );
        return false;
    }
    true
}

/// The type is one `mig!` can put on the wire.
fn check_sendable(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    let Wire::Unsupported(what) = c.ty.wire else {
        return true;
    };
    cx.error(
        c.arg.span,
        format!(
            "argument `{}` has type `{}`: `mig!` cannot send {what}",
            c.name(),
            c.ty.name
        ),
    );
    false
}

/// A value of the reply's trailer (`UserSecToken`, `AuditToken`, …) needs a reply, which
/// a simpleroutine does not get.
fn check_trailer_needs_reply(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    if !(matches!(c.role, Role::Trailer { user: true, .. }) && c.simple) {
        return true;
    }
    let direction = c.arg.direction.as_ref().expect("trailer arguments are written");
    cx.error(
        direction.span,
        format!(
            "simpleroutine `{}` cannot have a `{}` argument: it comes from the reply's \
             trailer, and a simpleroutine gets no reply (make it a `routine`)",
            c.routine, direction.text
        ),
    );
    false
}

/// A trailer value has the size of its trailer element, and is plain data.
fn check_trailer_type(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    let Role::Trailer { element, .. } = c.role else {
        return true;
    };
    if c.ty.wire.inline_size() == Some(element.size())
        && matches!(c.ty.wire, Wire::Scalar { .. } | Wire::Fixed { .. })
    {
        return true;
    }
    cx.error(
        c.arg.span,
        format!(
            "`{}` takes a {}-byte type (such as `{}`), not `{}`",
            c.arg.direction.as_ref().map_or("", |d| d.text.as_str()),
            element.size(),
            match element {
                TrailerElement::Seqno => "mach_port_seqno_t",
                TrailerElement::SecurityToken => "security_token_t",
                TrailerElement::AuditToken => "audit_token_t",
                TrailerElement::Context => "mach_port_context_t",
            },
            c.ty.name
        ),
    );
    false
}

/// MIG sends a variable-size array one way only: not `inout`.
fn check_variable_array_one_way(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    if !(c.role == Role::InOut && matches!(c.ty.wire, Wire::Variable { .. })) {
        return true;
    }
    cx.error(
        c.arg.span,
        format!(
            "variable-size array `{}` cannot be `inout`: MIG sends it one way only (use an `in` and an `out` argument)",
            c.name()
        ),
    );
    false
}

/// A reply port is a port (with its disposition: not `polymorphic`).
fn check_reply_port_type(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    if !matches!(c.role, Role::ReplyPort { .. }) || matches!(c.ty.wire, Wire::Port { .. }) {
        return true;
    }
    cx.error(
        c.arg.span,
        format!("reply port `{}` must have a port type", c.name()),
    );
    false
}

/// A request port is a port.
fn check_request_port_type(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    if c.role != Role::RequestPort || matches!(c.ty.wire, Wire::Port { .. } | Wire::PolymorphicPort) {
        return true;
    }
    cx.error(
        c.arg.span,
        format!("request port `{}` must have a port type", c.name()),
    );
    false
}

/// A polymorphic port's disposition is chosen per message: not `inout`.
fn check_polymorphic_one_way(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    if !(matches!(c.ty.wire, Wire::PolymorphicPort) && c.role == Role::InOut) {
        return true;
    }
    cx.error(
        c.arg.span,
        "a polymorphic port cannot be `inout` (use an `in` and an `out` argument)",
    );
    false
}

/// `CountInOut` sends the caller's capacity for an `out` variable-size array.
fn check_count_in_out(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    let Some(span) = c.flags.count_in_out else {
        return true;
    };
    if c.role == Role::Out && matches!(c.ty.wire, Wire::Variable { .. }) {
        return true;
    }
    cx.error(
        span,
        format!(
            "`CountInOut` applies to an `out` variable-size array (`array[*:n]`); `{}` is not one",
            c.name()
        ),
    );
    false
}

/// `dealloc[]` (the caller decides per call) applies to out-of-line data, and not with
/// `dealloc` or `notdealloc` (which decide for every call).
fn check_dealloc_at_runtime(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    let Some(span) = c.flags.dealloc_at_runtime else {
        return true;
    };
    if matches!(c.ty.wire, Wire::OutOfLine { .. }) && c.flags.dealloc.is_none() {
        return true;
    }
    cx.error(
        span,
        format!(
            "`dealloc[]` applies to out-of-line data, without `dealloc` or `notdealloc`; `{}` {}",
            c.name(),
            if c.flags.dealloc.is_some() {
                "has both"
            } else {
                "is not out of line"
            }
        ),
    );
    false
}

/// `dealloc` and `notdealloc` apply to out-of-line data. An `array[]` of ports travels
/// out of line too: Apple's MIG sets its descriptor's `deallocate` bit for `dealloc`.
fn check_dealloc(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    let Some((span, _)) = c.flags.dealloc else {
        return true;
    };
    if matches!(c.ty.wire, Wire::OutOfLine { .. } | Wire::OutOfLinePorts { .. }) {
        return true;
    }
    // Inline rights move or stay by their disposition, not by `dealloc`.
    let why = match c.ty.wire {
        Wire::Port { .. } | Wire::PortArray { .. } | Wire::PolymorphicPort => {
            " (its rights move or stay as its type says: `mach_port_move_send_t` moves a \
             send right, `mach_port_copy_send_t` keeps it; an `array[] of` ports travels \
             out of line, where `dealloc` applies)"
        }
        _ => "",
    };
    cx.error(
        span,
        format!(
            "`dealloc` and `notdealloc` apply to out-of-line data; `{}` is not out of line{why}",
            c.name()
        ),
    );
    false
}

/// `Overwrite` applies to out-of-line data the routine returns.
fn check_overwrite(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    let Some(span) = c.flags.overwrite else {
        return true;
    };
    if c.role == Role::Out
        && matches!(
            c.ty.wire,
            Wire::OutOfLine { .. } | Wire::OutOfLinePorts { .. } | Wire::OutOfLineValue { .. }
        )
    {
        return true;
    }
    cx.error(
        span,
        format!(
            "`Overwrite` applies to out-of-line data a routine returns; `{}` is not an `out` \
             out-of-line argument",
            c.name()
        ),
    );
    false
}

/// `PhysicalCopy` applies to out-of-line data. migcom ignores it on inline data and
/// ports with a warning; here it is an error, as it would do nothing.
fn check_physical_copy(c: &Candidate<'_>, cx: &mut Errors) -> bool {
    let Some(span) = c.flags.physical_copy else {
        return true;
    };
    if matches!(c.ty.wire, Wire::OutOfLine { .. } | Wire::OutOfLineValue { .. }) {
        return true;
    }
    cx.error(
        span,
        format!(
            "`PhysicalCopy` applies to out-of-line data; `{}` is not out of line",
            c.name()
        ),
    );
    false
}
