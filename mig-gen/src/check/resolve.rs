//! Type resolution: a type spec (`array[*:n] of T`, `^T`, `c_string[n]`, a name…) to the
//! type it is, how it travels and its Rust form.

use crate::errors::Errors;
use crate::lex::Sp;
use crate::model::{MAX_MESSAGE, Origin, Rust, Type, Wire};
use crate::syntax::{self, ArrayBound, Expr, TypeSpec};

use super::expr::eval;
use super::primitive::{next_standard_type, primitive};
use super::types::Types;

impl Types {
    /// Resolves a type spec. `declared` is the name being defined, if any: it decides the
    /// sign of a bare `MACH_MSG_TYPE_INTEGER_*`, which MIG itself leaves to C.
    pub(super) fn resolve(&self, spec: &TypeSpec, declared: Option<&str>, cx: &mut Errors) -> Option<Type> {
        match spec {
            TypeSpec::Name(ident) => self.named(ident, declared, cx),
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
                    ArrayBound::Fixed(n) => fixed(n, &element, declared, "array[n]", cx),
                    ArrayBound::Bounded(max) => variable(max, &element, declared, cx),
                    // MIG sends unbounded arrays out of line.
                    ArrayBound::Unbounded => Some(out_of_line(&element, None, declared)),
                }
            }
            TypeSpec::Struct { count, element, .. } => {
                let element = self.resolve(element, None, cx)?;
                fixed(count, &element, declared, "struct[n]", cx)
            }
            TypeSpec::CString { bound, span } => c_string(bound, *span, declared, cx),
            TypeSpec::Pointer { target, span } => self.pointer(target, *span, declared, cx),
        }
    }

    /// A name: a type in scope, `polymorphic`, a `MACH_MSG_TYPE_*` name or one of NeXT's
    /// standard names; else an error that says what to write instead.
    fn named(&self, ident: &syntax::Ident, declared: Option<&str>, cx: &mut Errors) -> Option<Type> {
        if let Some(ty) = self.by_name.get(&ident.text) {
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
        let suggestion = crate::suggest::closest(&ident.text, self.by_name.keys().map(String::as_str));
        let message = match (rust_type_hint(&ident.text), suggestion) {
            (Some(hint), _) => format!("unknown type `{}`: {hint}", ident.text),
            (None, Some(name)) => format!("unknown type `{}`; did you mean `{name}`?", ident.text),
            (None, None) => unknown_type_message(&ident.text),
        };
        cx.error(ident.span, message);
        None
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
        span: Sp,
        declared: Option<&str>,
        cx: &mut Errors,
    ) -> Option<Type> {
        let name = sender.text.as_str();
        let bits = match bits {
            Some(expr) => Some((eval(expr, cx)?, expr.span())),
            None => None,
        };
        let wrong_bits = |cx: &mut Errors, at: Sp, what: &str| {
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
                let length = Expr::Number((n / 8).to_string(), at);
                self.resolve(
                    &TypeSpec::CString {
                        bound: ArrayBound::Fixed(length),
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

    /// `^T`: out of line. `^array[…] of T` sends the elements, `^T` of a fixed-size value
    /// the value.
    fn pointer(&self, target: &TypeSpec, span: Sp, declared: Option<&str>, cx: &mut Errors) -> Option<Type> {
        let TypeSpec::Array { bound, element, .. } = target else {
            let target = self.resolve(target, None, cx)?;
            return match target.wire {
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
                    declared,
                    "out-of-line (`^`) types other than arrays and fixed-size values",
                )),
            };
        };
        let element = self.resolve(element, None, cx)?;
        match bound {
            // `^array[n] of T`: exactly `n` elements out of line, no count on the wire; the
            // same as `^` of an `n`-element value.
            ArrayBound::Fixed(n) => {
                let n = eval(n, cx)?;
                let element_size = element
                    .wire
                    .inline_size()
                    .filter(|_| !matches!(element.wire, Wire::Variable { .. }));
                // The region's size is a 32-bit descriptor field.
                let fits = |count: u32| {
                    element_size.is_none_or(|size| u64::from(count) * u64::from(size) <= u64::from(u32::MAX))
                };
                let Some(count) = u32::try_from(n).ok().filter(|&count| count > 0 && fits(count)) else {
                    cx.error(
                        span,
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
                            declared,
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
            ArrayBound::Bounded(max) => {
                let max = u32::try_from(eval(max, cx)?).ok();
                Some(out_of_line(&element, max, declared))
            }
            ArrayBound::Unbounded => Some(out_of_line(&element, None, declared)),
        }
    }
}

/// Recognized MIG syntax `mig!` cannot put on the wire yet: an argument of it is refused
/// with `what`.
fn unsupported(declared: Option<&str>, what: &'static str) -> Type {
    Type {
        name: declared.unwrap_or_default().to_owned(),
        origin: Origin::Primitive,
        wire: Wire::Unsupported(what),
        rust: Rust::None,
    }
}

/// `c_string[n]` and `c_string[*:n]`: at most `n` bytes with the NUL.
fn c_string(bound: &ArrayBound, span: Sp, declared: Option<&str>, cx: &mut Errors) -> Option<Type> {
    let (max, variable) = match bound {
        ArrayBound::Fixed(n) => (n, false),
        ArrayBound::Bounded(n) => (n, true),
        // migcom's grammar has only `c_string[n]` and `c_string[*:n]`.
        ArrayBound::Unbounded => {
            cx.error(
                span,
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

/// `array[n] of T` and `struct[n] of T`: `n` elements inline.
fn fixed(count: &Expr, element: &Type, declared: Option<&str>, what: &str, cx: &mut Errors) -> Option<Type> {
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

/// `array[] of T`, `^array[] of T`, `^array[*:max] of T`: elements out of line, with a
/// count.
fn out_of_line(element: &Type, max: Option<u32>, declared: Option<&str>) -> Type {
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
fn variable(max: &Expr, element: &Type, declared: Option<&str>, cx: &mut Errors) -> Option<Type> {
    let mut ty = fixed(max, element, declared, "array[*:n]", cx)?;
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

/// An unknown name with no likely spelling: where standard types come from.
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
