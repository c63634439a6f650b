//! Stage 3: syntax tree to model. Resolves type names, applies MIG's rules, numbers the
//! routines. Every problem is reported at its span and checking goes on.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use proc_macro2::{Span, TokenStream};

use crate::builtin::{BUILTIN_FILES, builtin_files};
use crate::errors::Errors;
use crate::lex::{self, Sp};
use crate::model::*;
use crate::parse;
use crate::syntax::{self, ArgType, Expr, Statement, TypeSpec};

/// The largest message XNU accepts (`MACH_MSG_SIZE_MAX` is far larger, but the
/// kernel refuses inline data past 64 MB); sizes beyond it are definition errors.
const MAX_MESSAGE: u32 = 64 * 1024 * 1024;

/// Checks a parsed file. Returns `None` when an error was reported.
pub fn check(file: &syntax::File, cx: &mut Errors) -> Option<Subsystem> {
    let mut checker = Checker::default();
    for statement in &file.statements {
        checker.statement(statement, Origin::User, cx);
    }
    checker.finish(cx)
}

/// The aliases of every built-in type, for `mig::types`.
pub fn builtin_types() -> Vec<TypeDef> {
    let mut checker = Checker::default();
    let mut cx = Errors::new();
    for text in BUILTIN_FILES {
        checker.load_builtin(text, &mut cx);
    }
    assert!(cx.is_empty(), "the built-in definitions must check cleanly");
    // A name two files define alike (`UNDServerRef`) gets one alias.
    let mut seen = BTreeSet::new();
    let mut defs = checker.builtin_defs;
    defs.retain(|def| seen.insert(def.name.clone()));
    defs
}

#[derive(Default)]
struct Checker {
    subsystem: Option<(syntax::Ident, i32, Vec<String>)>,
    types: BTreeMap<String, Type>,
    user_types: Vec<TypeDef>,
    builtin_defs: Vec<TypeDef>,
    /// The built-in files already loaded (a few: a `Vec` is all it takes).
    loaded: Vec<&'static str>,
    routines: Vec<Routine>,
    /// Each routine's name, where it is defined.
    routine_names: BTreeMap<String, crate::lex::Sp>,
    next_id: i32,
    server_prefix: String,
    user_prefix: String,
    /// Types whose definition failed: their uses are not reported again.
    poisoned: BTreeSet<String>,
    /// An `#include` failed (and was reported): unknown types may be its, and are not
    /// reported.
    failed_include: bool,
    wait_time: Option<OptionValue>,
    send_time: Option<OptionValue>,
    msg_option: Option<OptionValue>,
    /// `UseSpecialReplyPort` in force.
    special_reply_port: bool,
    /// Translations of the types that have them, by type name.
    translations: BTreeMap<String, Translation>,
}

impl Checker {
    fn statement(&mut self, statement: &Statement, origin: Origin, cx: &mut Errors) {
        match statement {
            Statement::Subsystem(s) => self.subsystem(s, cx),
            Statement::Include(include) => match builtin_files(&include.path) {
                Some(files) => {
                    for text in files {
                        self.load_builtin(text, cx);
                    }
                }
                // The preprocessor reads every other file, and leaves here only one it
                // could not read, having said why: what it would have defined is
                // missing, and each use of it would only repeat that error.
                None => self.failed_include = true,
            },
            Statement::Type(decl) => self.type_decl(decl, origin, cx),
            Statement::Routine(routine) => self.routine(routine, cx),
            Statement::Skip(span) => {
                if self.require_subsystem(*span, "skip", cx) {
                    self.next_id += 1;
                }
            }
            Statement::Name { keyword, value } => {
                if keyword.is_keyword("serverprefix") {
                    self.server_prefix = value.text.clone();
                } else if keyword.is_keyword("userprefix") {
                    self.user_prefix = value.text.clone();
                }
                // `serverdemux` names the C demux function and `error` the NeXT error
                // procedure: neither changes the Rust items.
            }
            Statement::Text { keyword, value } if keyword.is_keyword("consumeonsenderror") => {
                // What Apple's stubs destroy when a send fails. Ours take moved rights and
                // memory by value, so they always release what the kernel left of them,
                // whatever the send error (more than `Any` does); the setting is checked,
                // and changes nothing.
                if let Some((text, span)) = value
                    && !["none", "timeout", "any"].contains(&text.to_ascii_lowercase().as_str())
                {
                    cx.error(
                        *span,
                        format!("`ConsumeOnSendError` is `None`, `Timeout` or `Any`, not `{text}`"),
                    );
                }
            }
            Statement::Text { keyword, value } => {
                let value = value.as_ref().map(|(text, _)| option_value(text));
                match keyword.text.to_ascii_lowercase().as_str() {
                    "waittime" | "nowaittime" => self.wait_time = value,
                    "sendtime" | "nosendtime" => self.send_time = value,
                    "msgoption" => self.msg_option = value,
                    _ => cx.error(
                        keyword.span,
                        format!("`{}` is not supported yet by `mig!`", keyword.text),
                    ),
                }
            }
            Statement::Number { keyword, value } => {
                // `UserTypeLimit` and `OnStackLimit` only tune C stubs' stack use.
                let value = eval(value, cx);
                if keyword.is_keyword("usespecialreplyport") {
                    self.special_reply_port = value.is_some_and(|v| v != 0);
                }
            }
            Statement::Legacy { keyword, .. } => {
                let instead = "a `type` statement";
                cx.error(
                    keyword.span,
                    format!(
                        "`{}` is NeXT MiG's, not Apple MIG's: write {instead}",
                        keyword.text
                    ),
                );
            }
            // Imports and rcsid only shape C output.
            Statement::CFile { .. } | Statement::Error => {}
        }
    }

    fn load_builtin(&mut self, text: &'static str, cx: &mut Errors) {
        if self.loaded.contains(&text) {
            return;
        }
        self.loaded.push(text);
        // The types each built-in file adds are the same every time: check a file once
        // per compiler thread and reuse its types (they hold no spans, which would not
        // outlive one macro invocation).
        thread_local! {
            static CACHE: std::cell::RefCell<Vec<(usize, Vec<TypeDef>)>> = const {
                std::cell::RefCell::new(Vec::new())
            };
        }
        let key = text.as_ptr() as usize;
        let cached = CACHE.with_borrow(|cache| {
            cache
                .iter()
                .find(|(file, _)| *file == key)
                .map(|(_, defs)| defs.clone())
        });
        if let Some(defs) = cached {
            for def in defs {
                self.types.insert(def.name.clone(), def.ty.clone());
                self.builtin_defs.push(def);
            }
            return;
        }
        let first = self.builtin_defs.len();
        let tokens = TokenStream::from_str(text).expect("built-in definitions lex");
        let tokens = lex::lower(tokens);
        let file = parse::parse(&tokens, cx);
        for statement in &file.statements {
            self.statement(statement, Origin::Builtin, cx);
        }
        let added = self.builtin_defs[first..].to_vec();
        CACHE.with_borrow_mut(|cache| cache.push((key, added)));
    }

    fn subsystem(&mut self, s: &syntax::Subsystem, cx: &mut Errors) {
        if let Some((first, ..)) = &self.subsystem {
            cx.error(
                s.span,
                format!(
                    "a definition has one subsystem; `{}` was declared first",
                    first.text
                ),
            );
            return;
        }
        if !self.routines.is_empty() || self.next_id != 0 {
            cx.error(s.span, "`subsystem` must come before the routines");
        }
        let base = eval(&s.base, cx).unwrap_or(0);
        let base = match i32::try_from(base) {
            Ok(base) => base,
            Err(_) => {
                cx.error(
                    s.base.span(),
                    format!("subsystem base {base} does not fit a msgh_id (i32)"),
                );
                0
            }
        };
        self.next_id = base;
        self.subsystem = Some((s.name.clone(), base, s.docs.clone()));
    }

    fn require_subsystem(&self, span: Sp, what: &str, cx: &mut Errors) -> bool {
        if self.subsystem.is_none() {
            cx.error(
                span,
                format!("`{what}` before `subsystem`: declare `subsystem name base;` first"),
            );
            return false;
        }
        true
    }

    fn type_decl(&mut self, decl: &syntax::TypeDecl, origin: Origin, cx: &mut Errors) {
        if origin == Origin::User {
            // A user type becomes an alias in the subsystem module's type namespace.
            let alias = rust_name(&decl.name.text);
            let clash = generated_type_name(&alias)
                .map(|what| format!("the name of {what}"))
                .or_else(|| {
                    self.routines
                        .iter()
                        .find(|r| rust_name(&r.name) == alias)
                        .map(|r| format!("the name of routine `{}`'s module", r.name))
                });
            if let Some(clash) = clash {
                cx.error(
                    decl.name.span,
                    format!(
                        "type `{}` has {clash}: both would be `{alias}` in the subsystem's module; rename one",
                        decl.name.text
                    ),
                );
                self.poisoned.insert(decl.name.text.clone());
                return;
            }
        }
        let Some(resolved) = self.resolve(&decl.spec, Some(&decl.name.text), cx) else {
            self.poisoned.insert(decl.name.text.clone());
            return;
        };
        // An alias keeps the translations of the type it names, as in MIG.
        let inherited = match &decl.spec {
            TypeSpec::Name(base) => self.translations.get(&base.text).cloned(),
            _ => None,
        };
        match translation(&decl.annotations, inherited, cx) {
            Some(t) => self.translations.insert(decl.name.text.clone(), t),
            None => self.translations.remove(&decl.name.text),
        };
        // `ctype:` names a C type (from a header the `.defs` text imports) and is ignored:
        // the MIG description decides the Rust type, so pasted text compiles as it is.
        // Binding a Rust type of the user's is asked for by `rusttype:`, on fixed inline
        // data only (the Rust forms of ports, arrays and strings are fixed).
        let mut user_type = None;
        for a in decl
            .annotations
            .iter()
            .filter(|a| a.keyword.is_keyword("rusttype") && !a.value.is_empty())
        {
            match resolved.wire {
                Wire::Fixed { count, element_size } if origin == Origin::User => {
                    user_type = Some(Rust::User {
                        path: a.value.iter().map(|i| i.text.clone()).collect(),
                        span: a.value[0].span.start,
                        size: count * element_size,
                    });
                }
                _ => {
                    cx.error(
                        a.keyword.span,
                        format!(
                            "`rusttype:` binds a Rust type to fixed inline data (`struct[n] of T`, \
                             `array[n] of T`); `{}` is not fixed inline data, and its Rust type is \
                             decided by its definition",
                            decl.name.text
                        ),
                    );
                    self.poisoned.insert(decl.name.text.clone());
                    return;
                }
            }
        }
        let rust = match resolved.origin {
            _ if user_type.is_some() => user_type.expect("checked"),
            // A variable array's alias keeps its element type at hand: the element is
            // what slices and wire structs are made of.
            _ if matches!(
                resolved.wire,
                Wire::Variable { .. }
                    | Wire::OutOfLine { .. }
                    | Wire::PortArray { .. }
                    | Wire::OutOfLinePorts { .. }
            ) =>
            {
                resolved.rust.clone()
            }
            Origin::Primitive => resolved.rust.clone(),
            other => Rust::Named {
                name: resolved.name.clone(),
                origin: other,
            },
        };
        let ty = Type {
            name: decl.name.text.clone(),
            origin,
            wire: resolved.wire,
            rust,
        };
        // A later definition replaces an earlier one, as when a pasted text repeats a
        // standard type.
        self.types.insert(decl.name.text.clone(), ty.clone());
        let def = TypeDef {
            name: decl.name.text.clone(),
            docs: decl.docs.clone(),
            ty,
        };
        match origin {
            Origin::Builtin => self.builtin_defs.push(def),
            _ => {
                self.user_types.retain(|t| t.name != def.name);
                self.user_types.push(def);
            }
        }
    }

    /// NeXT MiG's (and GNU MIG's) long form `(type, bits[, dealloc])`, which Apple's MIG
    /// no longer reads ("Long form type declarations aren't allowed any longer"): the bits
    /// must be the type's own, except for strings and reals, whose size they give
    /// (`(MSG_TYPE_STRING, 8*80)` is `c_string[80]`); `dealloc` makes a port move.
    fn long_form(
        &self,
        sender: &syntax::Ident,
        bits: Option<&Expr>,
        dealloc: Option<&syntax::Ident>,
        span: crate::lex::Sp,
        declared: Option<&str>,
        cx: &mut Errors,
    ) -> Option<Type> {
        let name = sender.text.as_str();
        let bits = match bits {
            Some(expr) => Some((eval(expr, cx)?, expr.span())),
            None => None,
        };
        let wrong_bits = |cx: &mut Errors, at: crate::lex::Sp, what: &str| {
            cx.error(at, format!("`{name}` {what}"));
            None
        };
        let mut ty = match (name, bits) {
            ("MSG_TYPE_STRING" | "MACH_MSG_TYPE_STRING" | "MACH_MSG_TYPE_STRING_C", Some((n, at))) => {
                if n <= 0 || n % 8 != 0 {
                    return wrong_bits(
                        cx,
                        at,
                        &format!("takes its length in bits, a multiple of 8; {n} is not"),
                    );
                }
                let length = syntax::Expr::Number((n / 8).to_string(), at);
                self.resolve(
                    &TypeSpec::CString {
                        bound: syntax::ArrayBound::Fixed(length),
                        span,
                    },
                    declared,
                    cx,
                )?
            }
            ("MSG_TYPE_REAL", Some((n, at))) => match n {
                32 => primitive("MACH_MSG_TYPE_REAL_32", declared.unwrap_or(name))?,
                64 => primitive("MACH_MSG_TYPE_REAL_64", declared.unwrap_or(name))?,
                _ => return wrong_bits(cx, at, &format!("is 32 or 64 bits on XNU, not {n}")),
            },
            _ => {
                let ty = primitive(name, declared.unwrap_or(name))?;
                let own = match ty.wire {
                    Wire::Scalar { size } => size * 8,
                    // A port name.
                    Wire::Port { .. } | Wire::PolymorphicPort => 32,
                    _ => 0,
                };
                if let Some((n, at)) = bits
                    && n != i64::from(own)
                {
                    return wrong_bits(
                        cx,
                        at,
                        &if own == 0 {
                            "has no size of its own in a message".to_owned()
                        } else {
                            format!(
                                "is {own} bits, not {n}: the long form's bits must be the type's own \
                                 (for more, write an `array[n] of` or `struct[n] of` it)"
                            )
                        },
                    );
                }
                ty
            }
        };
        if let Some(dealloc) = dealloc {
            ty.wire = match ty.wire {
                // NeXT: "the port is deallocated after the message is sent": it moves.
                Wire::Port { send: 19 | 17 } => Wire::Port { send: 17 },
                Wire::Port { send } => Wire::Port { send },
                _ => {
                    cx.error(
                        dealloc.span,
                        format!("`dealloc` in a long-form type applies to ports; `{name}` is not one"),
                    );
                    return None;
                }
            };
        }
        ty.name = declared.unwrap_or(name).to_owned();
        Some(ty)
    }

    /// Resolves a type spec. `declared` is the name being defined, if any: it decides the
    /// sign of a bare `MACH_MSG_TYPE_INTEGER_*`, which MIG itself leaves to C.
    fn resolve(&self, spec: &TypeSpec, declared: Option<&str>, cx: &mut Errors) -> Option<Type> {
        let unsupported = |what: &'static str| Type {
            name: declared.unwrap_or_default().to_owned(),
            origin: Origin::Primitive,
            wire: Wire::Unsupported(what),
            rust: Rust::None,
        };
        match spec {
            TypeSpec::Name(ident) => {
                if let Some(ty) = self.types.get(&ident.text) {
                    return Some(ty.clone());
                }
                if ident.is_keyword("polymorphic") {
                    return Some(Type {
                        name: ident.text.clone(),
                        origin: Origin::Primitive,
                        wire: Wire::PolymorphicPort,
                        rust: Rust::Sys("mach_port_t"),
                    });
                }
                if let Some(ty) = primitive(&ident.text, declared.unwrap_or(&ident.text)) {
                    return Some(ty);
                }
                if let Some(ty) = next_standard_type(&ident.text) {
                    return Some(ty);
                }
                if self.poisoned.contains(&ident.text) || self.failed_include {
                    // Its definition's error (or its file's) was reported already.
                    return None;
                }
                let suggestion = crate::suggest::closest(&ident.text, self.types.keys().map(String::as_str));
                let message = match (rust_type_hint(&ident.text), suggestion) {
                    (Some(hint), _) => format!("unknown type `{}`: {hint}", ident.text),
                    (None, Some(name)) => format!("unknown type `{}`; did you mean `{name}`?", ident.text),
                    (None, None) => unknown_type_message(&ident.text),
                };
                cx.error(ident.span, message);
                None
            }
            TypeSpec::Ipc {
                sender,
                receiver,
                bits,
                dealloc,
                span,
            } => {
                for ident in std::iter::once(sender).chain(receiver) {
                    if primitive(&ident.text, &ident.text).is_none() && !ident.is_keyword("polymorphic") {
                        cx.error(
                            ident.span,
                            format!("expected a `MACH_MSG_TYPE_*` name, found `{}`", ident.text),
                        );
                        return None;
                    }
                }
                if bits.is_some() || dealloc.is_some() {
                    return self.long_form(sender, bits.as_ref(), dealloc.as_ref(), *span, declared, cx);
                }
                // `A | B`: sent as A, seen by the receiver as B. On the wire and in the
                // sender's API what counts is A; the receiver's checks follow it.
                let mut sent = self.resolve(&TypeSpec::Name(sender.clone()), declared, cx)?;
                sent.name = declared.unwrap_or(&sender.text).to_owned();
                Some(sent)
            }
            TypeSpec::Array { bound, element, .. } => {
                let element = self.resolve(element, None, cx)?;
                match bound {
                    syntax::ArrayBound::Fixed(n) => self.fixed(n, &element, declared, "array[n]", cx),
                    syntax::ArrayBound::Bounded(max) => self.variable(max, &element, declared, cx),
                    // MIG sends unbounded arrays out of line.
                    syntax::ArrayBound::Unbounded => Some(self.out_of_line(&element, None, declared)),
                }
            }
            TypeSpec::Struct { count, element, .. } => {
                let element = self.resolve(element, None, cx)?;
                self.fixed(count, &element, declared, "struct[n]", cx)
            }
            TypeSpec::CString { bound, span } => {
                let (max, variable) = match bound {
                    syntax::ArrayBound::Fixed(n) => (n, false),
                    syntax::ArrayBound::Bounded(n) => (n, true),
                    // migcom's grammar has only `c_string[n]` and `c_string[*:n]`.
                    syntax::ArrayBound::Unbounded => {
                        cx.error(
                            *span,
                            "a `c_string` needs a maximum length, as in Apple's MIG: write `c_string[n]` \
                             (always n bytes) or `c_string[*:n]` (up to n bytes)",
                        );
                        return None;
                    }
                };
                let n = eval(max, cx)?;
                let Some(max) = u32::try_from(n).ok().filter(|&n| n > 0 && n <= MAX_MESSAGE) else {
                    cx.error(
                        max.span(),
                        format!("a `c_string` must hold between 1 and {MAX_MESSAGE} bytes, not {n}"),
                    );
                    return None;
                };
                Some(Type {
                    name: declared.unwrap_or_default().to_owned(),
                    origin: Origin::Primitive,
                    wire: Wire::CString { max, variable },
                    rust: Rust::CString(max),
                })
            }
            TypeSpec::Pointer { target, span } => match &**target {
                TypeSpec::Array { bound, element, .. } => {
                    let element = self.resolve(element, None, cx)?;
                    match bound {
                        // `^array[n] of T`: exactly `n` elements out of line, no count on the
                        // wire; the same as `^` of an `n`-element value.
                        syntax::ArrayBound::Fixed(n) => {
                            let n = eval(n, cx)?;
                            let element_size = element
                                .wire
                                .inline_size()
                                .filter(|_| !matches!(element.wire, Wire::Variable { .. }));
                            // The region's size is a 32-bit descriptor field.
                            let fits = |count: u32| {
                                element_size.is_none_or(|size| {
                                    u64::from(count) * u64::from(size) <= u64::from(u32::MAX)
                                })
                            };
                            let Some(count) = u32::try_from(n).ok().filter(|&count| count > 0 && fits(count))
                            else {
                                cx.error(
                                    *span,
                                    format!("`^array[n]` must have at least one element, not {n}"),
                                );
                                return None;
                            };
                            let (wire, rust) = match (element_size, &element.wire) {
                                (Some(size), _) => (
                                    Wire::OutOfLineValue { size: count * size },
                                    Rust::Array(Box::new(element.element_rust()), count),
                                ),
                                (None, &Wire::Port { send }) => (
                                    Wire::OutOfLinePorts {
                                        send,
                                        max: Some(count),
                                        exact: true,
                                    },
                                    Rust::Ports(Box::new(element.element_rust())),
                                ),
                                _ => {
                                    return Some(unsupported(
                                        "fixed-size out-of-line arrays of polymorphic ports",
                                    ));
                                }
                            };
                            Some(Type {
                                name: declared.unwrap_or_default().to_owned(),
                                origin: Origin::Primitive,
                                wire,
                                rust,
                            })
                        }
                        syntax::ArrayBound::Bounded(max) => {
                            let max = u32::try_from(eval(max, cx)?).ok();
                            Some(self.out_of_line(&element, max, declared))
                        }
                        syntax::ArrayBound::Unbounded => Some(self.out_of_line(&element, None, declared)),
                    }
                }
                other => {
                    let target = self.resolve(other, None, cx)?;
                    match target.wire {
                        // `^T` of a fixed-size value: sent out of line, `sizeof(T)` bytes.
                        Wire::Scalar { .. } | Wire::Fixed { .. } => {
                            let size = target.wire.inline_size().unwrap_or(0);
                            Some(Type {
                                name: declared.unwrap_or_default().to_owned(),
                                origin: Origin::Primitive,
                                wire: Wire::OutOfLineValue { size },
                                rust: target.element_rust(),
                            })
                        }
                        _ => Some(unsupported(
                            "out-of-line (`^`) types other than arrays and fixed-size values",
                        )),
                    }
                }
            },
        }
    }

    /// `array[n] of T` and `struct[n] of T`: `n` elements inline.
    fn fixed(
        &self,
        count: &Expr,
        element: &Type,
        declared: Option<&str>,
        what: &str,
        cx: &mut Errors,
    ) -> Option<Type> {
        let n = eval(count, cx)?;
        let name = declared.unwrap_or_default().to_owned();
        if let Wire::Port { send } = element.wire {
            let Some(max) = u32::try_from(n).ok().filter(|&n| n > 0 && n <= MAX_MESSAGE / 12) else {
                cx.error(
                    count.span(),
                    format!(
                        "`{what}` of ports must have between 1 and {} elements, not {n}",
                        MAX_MESSAGE / 12
                    ),
                );
                return None;
            };
            return Some(Type {
                name,
                origin: Origin::Primitive,
                wire: Wire::PortArray {
                    send,
                    max,
                    variable: false,
                },
                rust: Rust::Ports(Box::new(element.element_rust())),
            });
        }
        let Some(element_size) = element.wire.inline_size() else {
            let why = match element.wire {
                Wire::Port { .. } | Wire::PolymorphicPort => "inline arrays of ports",
                Wire::Unsupported(why) => why,
                _ => "arrays of this element type",
            };
            return Some(Type {
                name,
                origin: Origin::Primitive,
                wire: Wire::Unsupported(why),
                rust: Rust::None,
            });
        };
        let Some(count) = u32::try_from(n)
            .ok()
            .filter(|&n| n > 0 && u64::from(n) * u64::from(element_size) <= MAX_MESSAGE as u64)
        else {
            cx.error(
                count.span(),
                format!(
                    "`{what}` must have between 1 and {} elements, not {n}",
                    MAX_MESSAGE / element_size.max(1)
                ),
            );
            return None;
        };
        Some(Type {
            name,
            origin: Origin::Primitive,
            wire: Wire::Fixed { count, element_size },
            rust: Rust::Array(Box::new(element.element_rust()), count),
        })
    }

    /// Out-of-line elements: data only for now (port arrays come later).
    fn out_of_line(&self, element: &Type, max: Option<u32>, declared: Option<&str>) -> Type {
        let name = declared.unwrap_or_default().to_owned();
        if let Wire::Port { send } = element.wire {
            return Type {
                name,
                origin: Origin::Primitive,
                wire: Wire::OutOfLinePorts {
                    send,
                    max,
                    exact: false,
                },
                rust: Rust::Ports(Box::new(element.element_rust())),
            };
        }
        match element.wire.inline_size() {
            Some(element_size) if !matches!(element.wire, Wire::Variable { .. }) => Type {
                name,
                origin: Origin::Primitive,
                wire: Wire::OutOfLine { max, element_size },
                rust: Rust::OutOfLine(Box::new(element.element_rust())),
            },
            _ => Type {
                name,
                origin: Origin::Primitive,
                wire: Wire::Unsupported("out-of-line arrays of ports"),
                rust: Rust::None,
            },
        }
    }

    /// `array[*:max] of T`: up to `max` elements inline, with a count.
    fn variable(&self, max: &Expr, element: &Type, declared: Option<&str>, cx: &mut Errors) -> Option<Type> {
        let mut ty = self.fixed(max, element, declared, "array[*:n]", cx)?;
        if let Wire::PortArray { variable, .. } = &mut ty.wire {
            *variable = true;
        }
        if let (Wire::Fixed { count, element_size }, Rust::Array(element, _)) = (&ty.wire, &ty.rust) {
            ty.rust = Rust::Inline(element.clone(), *count);
            ty.wire = Wire::Variable {
                max: *count,
                element_size: *element_size,
            };
        }
        Some(ty)
    }

    fn routine(&mut self, r: &syntax::Routine, cx: &mut Errors) {
        if !self.require_subsystem(r.keyword.span, &r.keyword.text, cx) {
            return;
        }
        let id = self.next_id;
        let Some(next) = self
            .next_id
            .checked_add(1)
            .filter(|_| id.checked_add(100).is_some())
        else {
            cx.error(
                r.name.span,
                format!("the msgh_id of `{}` and its reply do not fit an i32", r.name.text),
            );
            return;
        };
        self.next_id = next;
        let simple = r.keyword.is_keyword("simpleroutine") || r.keyword.is_keyword("simpleprocedure");
        if let Some(&first) = self.routine_names.get(&r.name.text) {
            cx.error(
                r.name.span,
                format!("routine `{}` is defined more than once", r.name.text),
            );
            // Stable Rust has no notes for a macro's errors: a second message, at the
            // first definition, stands for one.
            cx.error(first, format!("note: `{}` is first defined here", r.name.text));
            return;
        }
        self.routine_names.insert(r.name.text.clone(), r.name.span);
        let mut args = Vec::new();
        let mut names = BTreeSet::new();
        let mut ok = true;
        for arg in &r.args {
            if !names.insert(arg.name.text.clone()) {
                cx.error(
                    arg.name.span,
                    format!(
                        "argument `{}` is defined more than once in `{}`",
                        arg.name.text, r.name.text
                    ),
                );
                ok = false;
                continue;
            }
            match self.argument(arg, simple, &r.name.text, cx) {
                Some(a) => args.push(a),
                None => ok = false,
            }
        }
        // MIG keeps the first `RetCode` and ignores the rest; a second one is a mistake.
        let mut ret_codes = r
            .args
            .iter()
            .flat_map(|a| &a.flags)
            .filter(|f| f.name.is_keyword("retcode"));
        if let Some(second) = ret_codes.nth(1) {
            cx.error(
                second.name.span,
                format!("`{}` has more than one `RetCode` argument", r.name.text),
            );
            ok = false;
        }
        if !ok {
            return;
        }
        // `SameCount`: the array shares the count of the argument before it, which must
        // be an array going the same way (and may itself share an earlier count).
        for i in 0..args.len() {
            if !args[i].same_count {
                continue;
            }
            let previous = i.checked_sub(1).map(|p| &args[p]);
            match previous {
                Some(p)
                    if p.ty.wire.is_counted_array()
                        && args[i].ty.wire.is_counted_array()
                        && p.role == args[i].role =>
                {
                    args[i].count_from = Some(p.count_from.clone().unwrap_or_else(|| p.name.clone()));
                }
                _ => {
                    cx.error(
                        r.args[i].span,
                        format!(
                            "`SameCount` on `{}` needs a variable-size array just before it, going the same way, whose count it can share",
                            args[i].name
                        ),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return;
        }
        // The request port is the argument marked `RequestPort`, else the first one.
        if !args.iter().any(|a| a.role == Role::RequestPort) {
            match args.first_mut() {
                Some(first)
                    if first.role == Role::In
                        && matches!(first.ty.wire, Wire::Port { .. } | Wire::PolymorphicPort) =>
                {
                    first.role = Role::RequestPort;
                }
                _ => {
                    cx.error(
                        r.name.span,
                        format!(
                            "the first argument of `{}` must be its request port, a port type such as \
                             `mach_port_t`",
                            r.name.text
                        ),
                    );
                    return;
                }
            }
        }
        let clients = args
            .iter()
            .filter(|a| matches!(a.role, Role::ReplyPort { client: true, .. }))
            .count();
        let servers = args
            .iter()
            .filter(|a| matches!(a.role, Role::ReplyPort { server: true, .. }))
            .count();
        if clients > 1 || servers > 1 {
            cx.error(
                r.name.span,
                format!("`{}` has more than one reply port on one side", r.name.text),
            );
            return;
        }
        let request_ports = args.iter().filter(|a| a.role == Role::RequestPort).count();
        if request_ports > 1 {
            cx.error(
                r.name.span,
                format!("`{}` has more than one `RequestPort` argument", r.name.text),
            );
            return;
        }
        let option_arg = |keyword: &str| {
            r.args
                .iter()
                .find(|a| a.direction.as_ref().is_some_and(|d| d.is_keyword(keyword)))
                .map(|a| OptionValue::Argument(a.name.text.clone()))
        };
        let wait_time = option_arg("waittime").or_else(|| self.wait_time.clone());
        let send_time = option_arg("sendtime").or_else(|| self.send_time.clone());
        let msg_option = option_arg("msgoption").or_else(|| self.msg_option.clone());
        // As MIG: a simpleroutine has no reply, and an explicit reply port is the caller's.
        let special_reply_port = self.special_reply_port
            && !simple
            && !args
                .iter()
                .any(|a| matches!(a.role, Role::ReplyPort { client: true, .. }));
        let routine = Routine {
            special_reply_port,
            wait_time,
            send_time,
            msg_option,
            name: r.name.text.clone(),
            docs: r.docs.clone(),
            simple,
            id,
            user_fn: format!("{}{}", self.user_prefix, r.name.text),
            server_fn: format!("{}{}", self.server_prefix, r.name.text),
            args,
        };
        let names_ok = self.routine_names_are_free(&routine, r, cx);
        if names_ok & self.messages_fit(&routine, r, cx) {
            self.routines.push(routine);
        }
    }

    fn argument(&mut self, arg: &syntax::Arg, simple: bool, routine: &str, cx: &mut Errors) -> Option<Arg> {
        let role = match &arg.direction {
            None => Role::In,
            Some(d) => match d.text.to_ascii_lowercase().as_str() {
                "in" => Role::In,
                "out" => Role::Out,
                "inout" => Role::InOut,
                "requestport" => Role::RequestPort,
                "waittime" | "sendtime" | "msgoption" => Role::ClientOption,
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
            },
        };
        if simple && matches!(role, Role::Out | Role::InOut) {
            let direction = arg.direction.as_ref().expect("out and inout are written");
            cx.error(
                direction.span,
                format!(
                    "simpleroutine `{routine}` cannot have an `{}` argument: a simpleroutine gets no reply \
                     (make it a `routine`)",
                    direction.text
                ),
            );
            return None;
        }
        let mut count_in_out = None;
        let mut dealloc = None;
        let mut same_count = None;
        let mut ret_code = None;
        let mut physical_copy = None;
        // `Overwrite` asks Apple's stub to receive out-of-line data into the caller's
        // memory (`MACH_RCV_OVERWRITE`). XNU defines that option as 0: the kernel always
        // maps fresh memory, so it changes nothing and is only checked.
        let mut overwrite = None;
        let mut dealloc_at_runtime = None;
        for flag in &arg.flags {
            if flag.name.is_keyword("const") || flag.name.is_keyword("auto") {
                // `Const` only makes the C parameter `const` (slices are read-only
                // already); `Auto` only tunes the C stub's buffers.
            } else if flag.name.is_keyword("retcode") {
                ret_code = Some(flag.name.span);
            } else if flag.name.is_keyword("physicalcopy") {
                physical_copy = Some(flag.name.span);
            } else if flag.name.is_keyword("overwrite") {
                overwrite = Some(flag.name.span);
            } else if flag.name.is_keyword("countinout") {
                count_in_out = Some(flag.name.span);
            } else if flag.name.is_keyword("samecount") {
                same_count = Some(flag.name.span);
            } else if flag.name.is_keyword("dealloc") && flag.brackets {
                dealloc_at_runtime = Some(flag.name.span);
            } else if (flag.name.is_keyword("dealloc") && !flag.brackets)
                || flag.name.is_keyword("notdealloc")
            {
                dealloc = Some((flag.name.span, flag.name.is_keyword("dealloc")));
            } else {
                // Apple's MIG knows exactly these flags; anything else is its syntax error.
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
                let hint = match crate::suggest::closest(&flag.name.text, FLAGS) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("MIG's flags are {}", FLAGS.map(|f| format!("`{f}`")).join(", ")),
                };
                cx.error(
                    flag.name.span,
                    format!("unknown IPC flag `{}`; {hint}", flag.name.text),
                );
            }
        }
        let ty = match &arg.ty {
            ArgType::Named(name) => self.resolve(&TypeSpec::Name(name.clone()), None, cx)?,
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
                self.type_decl(&decl, Origin::User, cx);
                self.types.get(&name.text)?.clone()
            }
        };
        if let Some(span) = ret_code {
            // MIG's old way of naming a simpleroutine's status argument: on the wire it
            // is an ordinary 32-bit integer, so it needs no code of its own.
            if !simple {
                cx.error(
                    span,
                    format!(
                        "`RetCode` is allowed only on a simpleroutine's argument; `{routine}` is a \
                         routine, whose reply carries its own return code"
                    ),
                );
                return None;
            }
            if !matches!(ty.wire, Wire::Scalar { size: 4 }) {
                cx.error(
                    span,
                    format!(
                        "`RetCode` marks a 32-bit integer such as `kern_return_t`; `{}` has type `{}`",
                        arg.name.text, ty.name
                    ),
                );
                return None;
            }
        }
        if let Wire::Unsupported(what) = ty.wire {
            cx.error(
                arg.span,
                format!(
                    "argument `{}` has type `{}`: `mig!` cannot send {what}",
                    arg.name.text, ty.name
                ),
            );
            return None;
        }
        if let Role::Trailer { user: true, .. } = role
            && simple
        {
            let direction = arg.direction.as_ref().expect("trailer arguments are written");
            cx.error(
                direction.span,
                format!(
                    "simpleroutine `{routine}` cannot have a `{}` argument: it comes from the reply's \
                     trailer, and a simpleroutine gets no reply (make it a `routine`)",
                    direction.text
                ),
            );
            return None;
        }
        if let Role::Trailer { element, .. } = role
            && (ty.wire.inline_size() != Some(element.size())
                || !matches!(ty.wire, Wire::Scalar { .. } | Wire::Fixed { .. }))
        {
            cx.error(
                arg.span,
                format!(
                    "`{}` takes a {}-byte type (such as `{}`), not `{}`",
                    arg.direction.as_ref().map_or("", |d| d.text.as_str()),
                    element.size(),
                    match element {
                        TrailerElement::Seqno => "mach_port_seqno_t",
                        TrailerElement::SecurityToken => "security_token_t",
                        TrailerElement::AuditToken => "audit_token_t",
                        TrailerElement::Context => "mach_port_context_t",
                    },
                    ty.name
                ),
            );
            return None;
        }
        if role == Role::InOut && matches!(ty.wire, Wire::Variable { .. }) {
            cx.error(
                arg.span,
                format!(
                    "variable-size array `{}` cannot be `inout`: MIG sends it one way only (use an `in` and an `out` argument)",
                    arg.name.text
                ),
            );
            return None;
        }
        if matches!(role, Role::ReplyPort { .. }) && !matches!(ty.wire, Wire::Port { .. }) {
            cx.error(
                arg.span,
                format!("reply port `{}` must have a port type", arg.name.text),
            );
            return None;
        }
        if role == Role::RequestPort && !matches!(ty.wire, Wire::Port { .. } | Wire::PolymorphicPort) {
            cx.error(
                arg.span,
                format!("request port `{}` must have a port type", arg.name.text),
            );
            return None;
        }
        if matches!(ty.wire, Wire::PolymorphicPort) && role == Role::InOut {
            cx.error(
                arg.span,
                "a polymorphic port cannot be `inout` (use an `in` and an `out` argument)",
            );
            return None;
        }
        if let Some(span) = count_in_out
            && !(role == Role::Out && matches!(ty.wire, Wire::Variable { .. }))
        {
            cx.error(
                span,
                format!(
                    "`CountInOut` applies to an `out` variable-size array (`array[*:n]`); `{}` is not one",
                    arg.name.text
                ),
            );
            return None;
        }
        if let Some(span) = dealloc_at_runtime
            && (!matches!(ty.wire, Wire::OutOfLine { .. }) || dealloc.is_some())
        {
            cx.error(
                span,
                format!(
                    "`dealloc[]` applies to out-of-line data, without `dealloc` or `notdealloc`; `{}` {}",
                    arg.name.text,
                    if dealloc.is_some() {
                        "has both"
                    } else {
                        "is not out of line"
                    }
                ),
            );
            return None;
        }
        // An `array[]` of ports travels out of line too: Apple's MIG sets its
        // descriptor's `deallocate` bit for `dealloc`.
        if let Some((span, _)) = dealloc
            && !matches!(ty.wire, Wire::OutOfLine { .. } | Wire::OutOfLinePorts { .. })
        {
            cx.error(
                span,
                format!(
                    "`dealloc` and `notdealloc` apply to out-of-line data; `{}` is not out of line",
                    arg.name.text
                ),
            );
            return None;
        }
        if let Some(span) = overwrite
            && !(role == Role::Out
                && matches!(
                    ty.wire,
                    Wire::OutOfLine { .. } | Wire::OutOfLinePorts { .. } | Wire::OutOfLineValue { .. }
                ))
        {
            cx.error(
                span,
                format!(
                    "`Overwrite` applies to out-of-line data a routine returns; `{}` is not an `out` \
                     out-of-line argument",
                    arg.name.text
                ),
            );
            return None;
        }
        // migcom ignores `PhysicalCopy` on inline data and ports with a warning; here it
        // is an error, as it would do nothing.
        if let Some(span) = physical_copy
            && !matches!(ty.wire, Wire::OutOfLine { .. } | Wire::OutOfLineValue { .. })
        {
            cx.error(
                span,
                format!(
                    "`PhysicalCopy` applies to out-of-line data; `{}` is not out of line",
                    arg.name.text
                ),
            );
            return None;
        }
        let translation = self.translations.get(&ty.name).cloned();
        Some(Arg {
            name: arg.name.text.clone(),
            role,
            ty,
            count_in_out: count_in_out.is_some(),
            physical_copy: physical_copy.is_some(),
            // As with `dealloc`, only what a client sends can differ.
            dealloc_at_runtime: dealloc_at_runtime.is_some() && matches!(role, Role::In | Role::InOut),
            // Out-of-line data a server returns always moves with the reply (its
            // `OutOfLine` owner gives it up), so only what a client sends can differ.
            dealloc: matches!(dealloc, Some((_, true))) && matches!(role, Role::In | Role::InOut),
            ret_code: ret_code.is_some(),
            same_count: same_count.is_some(),
            // Resolved once the routine's arguments are all known.
            count_from: None,
            translation,
        })
    }

    /// The routine's generated items must not meet other items of the subsystem module:
    /// its module shares the type namespace with type aliases and the `Server` trait,
    /// its client function the value namespace with the other generated functions.
    fn routine_names_are_free(&self, routine: &Routine, r: &syntax::Routine, cx: &mut Errors) -> bool {
        let module = rust_name(&routine.name);
        let clash = if let Some(what) = generated_type_name(&module) {
            Some(format!("the name of {what}"))
        } else if self.user_types.iter().any(|t| rust_name(&t.name) == module) {
            Some(format!("the name of the type `{}`", routine.name))
        } else {
            self.routines
                .iter()
                .find(|other| rust_name(&other.name) == module)
                .map(|other| format!("the Rust name of routine `{}`", other.name))
        };
        if let Some(clash) = clash {
            cx.error(
                r.name.span,
                format!(
                    "routine `{}` has {clash}: both would be `{module}` in the subsystem's module; rename one",
                    routine.name
                ),
            );
            // Its client function would meet the same routine's: said once is enough.
            return false;
        }
        let function = rust_name(&routine.user_fn);
        let clash = if let Some(what) = generated_value_name(&function) {
            Some(what.to_owned())
        } else {
            self.routines
                .iter()
                .find(|other| rust_name(&other.user_fn) == function)
                .map(|other| format!("the client function of routine `{}`", other.name))
        };
        if let Some(clash) = clash {
            cx.error(
                r.name.span,
                format!(
                    "the client function of `{}` would be `{function}`, which is already {clash}; rename the routine or change `userprefix`",
                    routine.name
                ),
            );
            return false;
        }
        true
    }

    /// Each message fits Mach's limit, and no argument has the name of a field MIG adds
    /// (`Head`, `NDR`, `RetCode`, `<array>Cnt`, `<arg>Pad`, …): the wire structs carry
    /// Apple's field names, so the two would be one field.
    fn messages_fit(&self, routine: &Routine, r: &syntax::Routine, cx: &mut Errors) -> bool {
        let layout = crate::layout::routine(routine);
        let mut ok = true;
        // Each argument is reported once, even when both messages have the field.
        let mut reported = Vec::new();
        let messages = [
            ("request", Some(&layout.request)),
            ("reply", layout.reply.as_ref()),
        ];
        for (which, message) in messages {
            let Some(message) = message else { continue };
            if message.size > MAX_MESSAGE {
                cx.error(
                    r.name.span,
                    format!(
                        "the {which} of `{}` would be larger than the {MAX_MESSAGE} bytes Mach accepts",
                        routine.name
                    ),
                );
                ok = false;
                continue;
            }
            for field in &message.fields {
                let Some(what) = added_field(&field.kind, &field.name, routine) else {
                    continue;
                };
                let user = routine.args.iter().position(|a| a.name == field.name);
                if let Some(index) = user
                    && !reported.contains(&index)
                {
                    reported.push(index);
                    cx.error(
                        r.args[index].name.span,
                        format!(
                            "argument `{}` has the name of a field MIG adds to the {which} ({what}); rename the argument",
                            field.name
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok
    }

    fn finish(self, cx: &mut Errors) -> Option<Subsystem> {
        let Some((name, base, docs)) = self.subsystem else {
            // Statements before a missing subsystem already said so at their own spans.
            if cx.is_empty() {
                cx.error(
                    lex::point(Span::call_site()),
                    "a MIG definition needs a `subsystem name base;` statement",
                );
            }
            return None;
        };
        if !cx.is_empty() {
            return None;
        }
        Some(Subsystem {
            name: name.text,
            docs,
            base,
            types: self.user_types,
            routines: self.routines,
            end: self.next_id,
        })
    }
}

/// A `MACH_MSG_TYPE_*` name (case-sensitive, as in migcom's lexer). `declared` is the
/// name being given to it, used for the sign of integers.
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
fn next_standard_type(name: &str) -> Option<Type> {
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

fn primitive(name: &str, declared: &str) -> Option<Type> {
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

/// A `waittime`/`sendtime`/`msgoption` statement's value: migcom takes any C expression
/// made of `[-/._$A-Za-z0-9]`; here a number, a `MACH_*` constant, or a user constant.
fn option_value(text: &str) -> OptionValue {
    if let Ok(n) = text.parse() {
        OptionValue::Number(n)
    } else if text.starts_with("MACH_") {
        OptionValue::Sys(text.to_owned())
    } else {
        OptionValue::User(text.to_owned())
    }
}

/// What MIG calls a Rust type a Rust programmer may write for an argument.
fn rust_type_hint(name: &str) -> Option<String> {
    let mig = match name {
        "i8" => "`int8_t`",
        "i16" => "`int16_t`",
        "i32" => "`int32_t` (or `int`)",
        "i64" => "`int64_t`",
        "u8" => "`uint8_t`",
        "u16" => "`uint16_t`",
        "u32" => "`uint32_t` (or `unsigned`)",
        "u64" => "`uint64_t`",
        "isize" => "`intptr_t`",
        "usize" => "`uintptr_t` (or `vm_size_t` for a size)",
        "f32" => "`float`",
        "f64" => "`double`",
        "bool" => "`boolean_t`",
        "String" | "str" | "CStr" | "CString" => {
            return Some(format!(
                "MIG has no `{name}`: a string is `c_string[n]` (at most `n` bytes with its NUL), \
                 declared with `type name_t = c_string[256];`"
            ));
        }
        "Vec" | "slice" => {
            return Some(
                "MIG has no `Vec`: an array is `array[*:n] of T` (inline, at most `n`) or \
                 `array[] of T` (out of line), declared with `type`"
                    .to_owned(),
            );
        }
        _ => return None,
    };
    Some(format!("MIG spells `{name}` as {mig}"))
}

fn unknown_type_message(name: &str) -> String {
    let hint = if matches!(
        name,
        "int" | "natural_t" | "integer_t" | "mach_port_t" | "boolean_t" | "kern_return_t"
    ) {
        " (add `#include <mach/std_types.defs>` for the standard types)"
    } else if name.ends_with("_t") {
        " (declare it with `type`, or add `#include <mach/mach_types.defs>`)"
    } else {
        ""
    };
    format!("unknown type `{name}`{hint}")
}

/// Evaluates an `IntExp`.
fn eval(expr: &Expr, cx: &mut Errors) -> Option<i64> {
    match expr {
        Expr::Number(text, span) => match text.parse::<i64>() {
            Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ if text.bytes().all(|b| b.is_ascii_digit()) => {
                cx.error(*span, format!("number `{text}` is too large"));
                None
            }
            _ => {
                cx.error(
                    *span,
                    format!("invalid number `{text}`: MIG numbers are plain decimal digits"),
                );
                None
            }
        },
        Expr::Name(ident) => {
            cx.error(
                ident.span,
                format!(
                    "unknown constant `{0}` (define it with `#define {0} value`)",
                    ident.text
                ),
            );
            None
        }
        Expr::Binary(lhs, op, rhs) => {
            let (l, r) = (eval(lhs, cx)?, eval(rhs, cx)?);
            let value = match op {
                '+' => l.checked_add(r),
                '-' => l.checked_sub(r),
                '*' => l.checked_mul(r),
                _ => l.checked_div(r),
            };
            if value.is_none() {
                cx.error(
                    expr.span(),
                    if *op == '/' && r == 0 {
                        "division by zero"
                    } else {
                        "arithmetic overflow"
                    },
                );
            }
            value
        }
    }
}

/// What a name `mig!` generates in the type namespace of a subsystem module stands for.
fn generated_type_name(name: &str) -> Option<&'static str> {
    match name {
        "Server" => Some("the generated server trait"),
        "Service" => Some("the generated `Service` wrapper"),
        _ => None,
    }
}

/// What a name `mig!` generates in the value namespace of a subsystem module stands for.
fn generated_value_name(name: &str) -> Option<&'static str> {
    match name {
        "dispatch" => Some("the generated server dispatch"),
        "demux" => Some("the generated C demux function"),
        "Service" => Some("the generated `Service` wrapper"),
        "BASE" | "END" | "MAX_REQUEST_SIZE" | "MAX_REPLY_SIZE" | "ROUTINES" => {
            Some("a constant `mig!` generates")
        }
        _ => None,
    }
}

/// What a field MIG adds to a message (one not named after an argument) is, for messages.
fn added_field(kind: &crate::layout::FieldKind, name: &str, routine: &Routine) -> Option<String> {
    use crate::layout::FieldKind;
    let arg = |i: usize| &routine.args[i].name;
    Some(match *kind {
        FieldKind::Header => "the message header".to_owned(),
        FieldKind::Body => "the descriptor count".to_owned(),
        FieldKind::Ndr => "the NDR record".to_owned(),
        FieldKind::RetCode => "the return code".to_owned(),
        FieldKind::Count(i) | FieldKind::Capacity(i) => format!("the count of `{}`", arg(i)),
        FieldKind::StringOffset(i) => format!("the offset of `{}`", arg(i)),
        FieldKind::Padding => format!("the padding after `{}`", name.trim_end_matches("Pad")),
        _ => return None,
    })
}

/// The translations a type's annotations declare, on top of those it inherits.
/// `ctype:`, `cusertype:` and `cservertype:` name C types only, and `rusttype:` is
/// handled by `type_decl`: they change nothing here.
fn translation(
    annotations: &[syntax::Annotation],
    inherited: Option<Translation>,
    cx: &mut Errors,
) -> Option<Translation> {
    let user_path = |path: &[syntax::Ident]| UserPath {
        path: path.iter().map(|i| i.text.clone()).collect(),
        span: path[0].span.start,
    };
    let mut result = inherited;
    for a in annotations {
        let keyword = a.keyword.text.to_ascii_lowercase();
        // Which path is the translated type, and which the function, per form:
        // `intran: T f(U)`, `outtran: U f(T)`, `destructor: f(T)`.
        let (translated, function) = match (keyword.as_str(), &a.function, &a.argument) {
            ("intran", Some(function), Some(_)) => (&a.value, function),
            ("outtran", Some(function), Some(argument)) => (argument, function),
            ("destructor", None, Some(argument)) => (argument, &a.value),
            _ => continue,
        };
        let at = translated[0].span;
        let translated = user_path(translated);
        let function = Some(user_path(function));
        let t = result.get_or_insert_with(|| Translation {
            translated: translated.clone(),
            intran: None,
            outtran: None,
            destructor: None,
        });
        if t.translated.path != translated.path {
            cx.error(
                at,
                format!(
                    "`{}:` translates to `{}`, but the type's other translations to `{}`: a type \
                     has one translated type",
                    a.keyword.text,
                    translated.path.join("::"),
                    t.translated.path.join("::")
                ),
            );
            continue;
        }
        match keyword.as_str() {
            "intran" => t.intran = function,
            "outtran" => t.outtran = function,
            _ => t.destructor = function,
        }
    }
    result
}

/// A trailer argument's role.
fn trailer(element: TrailerElement, server: bool, user: bool) -> Role {
    Role::Trailer {
        element,
        server,
        user,
    }
}
