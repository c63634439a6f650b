//! Stage 1b: the C preprocessor subset real `.defs` texts use, on lowered tokens.
//!
//! Rust's tokenizer keeps no newlines, but every token knows its line: a directive is
//! `#` and the tokens after it on the same line. Handled: `#define NAME [value]` and
//! `#define NAME(params) body` (its calls are expanded by `include`'s text engine, which
//! also pastes `##`), `#undef`, `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif` over defined names and
//! integer expressions (`defined`, C's unary, logical, bitwise, comparison and
//! arithmetic operators, parentheses),
//! `#error`, and `#include`: of a built-in type file it is left for the parser; another
//! file is read and preprocessed by `include`, and its text spliced in.
//! Defined names are replaced by their values everywhere else, groups included.

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;

use proc_macro2::{Span, TokenStream};

use crate::builtin::builtin_files;
use crate::errors::Errors;
use crate::include;
use crate::lex::{self, Group, Sp, Tok};

/// Names defined before the text starts, as macOS's headers and MIG's `cc -E` define
/// them for 64-bit user space.
const PREDEFINED: &[(&str, u64)] = &[
    ("__MACH30__", 1),
    ("__LP64__", 1),
    ("__APPLE__", 1),
    ("__MACH__", 1),
    // From the headers mach_types.defs is written against (facts of macOS).
    ("THREAD_STATE_MAX", 1296),
    ("THREAD_INFO_MAX", 32),
    ("TASK_INFO_MAX", 94),
    ("HOST_INFO_MAX", 68),
    ("PROCESSOR_INFO_MAX", 20),
    ("PROCESSOR_SET_INFO_MAX", 5),
    ("EXC_TYPES_COUNT", 14),
];

/// The preprocessor's state: the names in force, each with the tokens it stands for,
/// the function-like macros files define, and the files read.
pub struct Defines {
    pub names: HashMap<String, Vec<(Tok, Sp)>>,
    pub functions: HashMap<String, Function>,
    pub files: Vec<PathBuf>,
}

/// A function-like macro (`#define F(a, b) body`), as an included file defines it.
pub struct Function {
    pub params: Vec<String>,
    pub body: String,
}

impl Defines {
    pub fn new() -> Self {
        let names = PREDEFINED
            .iter()
            .map(|&(name, value)| {
                let tok = Tok::Number(value.to_string());
                (name.to_owned(), vec![(tok, crate::lex::point(Span::call_site()))])
            })
            .collect();
        Defines {
            names,
            functions: HashMap::new(),
            files: Vec::new(),
        }
    }
}

/// Runs the preprocessor over a whole body: the tokens left, and the files included
/// (their changes must make the compiler expand the macro again).
pub fn preprocess(tokens: Vec<(Tok, Sp)>, cx: &mut Errors) -> (Vec<(Tok, Sp)>, Vec<PathBuf>) {
    let mut defines = Defines::new();
    let tokens = run(tokens, &mut defines, cx);
    (tokens, defines.files)
}

/// One open `#if`: whether its lines are kept now, whether a branch was taken already,
/// and whether the enclosing text is kept at all.
struct Conditional {
    active: bool,
    taken: bool,
    parent_active: bool,
    seen_else: bool,
    span: Sp,
}

fn line(span: Span) -> usize {
    span.start().line
}

fn run(tokens: Vec<(Tok, Sp)>, defines: &mut Defines, cx: &mut Errors) -> Vec<(Tok, Sp)> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut stack: Vec<Conditional> = Vec::new();
    let active = |stack: &[Conditional]| stack.last().is_none_or(|c| c.active);
    let mut iter = tokens.into_iter().peekable();
    while let Some((tok, sp)) = iter.next() {
        let is_hash = matches!(tok, Tok::Punct('#'));
        let directive = match (&tok, iter.peek()) {
            (_, Some((Tok::Ident(name), next))) if is_hash && line(next.start) == line(sp.start) => {
                Some(name.clone())
            }
            _ => None,
        };
        let Some(name) = directive else {
            if !active(&stack) {
                continue;
            }
            // A call of a function-like macro: the name, then `( … )`.
            if let Tok::Ident(name) = &tok
                && defines.functions.contains_key(name)
                && let Some((Tok::Group(g), _)) = iter.peek()
                && g.delim == proc_macro2::Delimiter::Parenthesis
            {
                let (args, args_sp) = iter.next().expect("peeked");
                let call = format!("{name}{}", include::tokens_text(&[(args, args_sp)]));
                let whole = Sp {
                    start: sp.start,
                    end: args_sp.end,
                    context: (),
                };
                let text = include::expand_text(&call, defines);
                match TokenStream::from_str(&text) {
                    Ok(tokens) => out.extend(respan(lex::lower(tokens), whole)),
                    Err(_) => cx.error(
                        whole,
                        format!("this use of `{name}` expands to `{text}`, which is not valid Rust tokens"),
                    ),
                }
                continue;
            }
            out.extend(substitute(tok, sp, defines, cx, 0));
            continue;
        };
        // The directive's name and the rest of its line.
        let (_, name_sp) = iter.next().expect("peeked");
        let here = line(sp.start);
        let mut rest = Vec::new();
        while let Some((_, next)) = iter.peek() {
            if line(next.start) != here {
                break;
            }
            rest.push(iter.next().expect("peeked"));
        }
        let whole = Sp {
            start: sp.start,
            end: rest.last().map_or(name_sp.end, |(_, s)| s.end),
            context: (),
        };
        match name.as_str() {
            "if" | "ifdef" | "ifndef" => {
                let parent_active = active(&stack);
                let value = parent_active && condition(&name, &rest, whole, defines, cx);
                stack.push(Conditional {
                    active: value,
                    taken: value,
                    parent_active,
                    seen_else: false,
                    span: whole,
                });
            }
            "elif" | "else" => match stack.last_mut() {
                Some(c) if !c.seen_else => {
                    let value = c.parent_active
                        && !c.taken
                        && (name == "else" || condition("if", &rest, whole, defines, cx));
                    c.active = value;
                    c.taken |= value;
                    c.seen_else = name == "else";
                }
                _ => cx.error(whole, format!("`#{name}` without a matching `#if`")),
            },
            "endif" => {
                if stack.pop().is_none() {
                    cx.error(whole, "`#endif` without a matching `#if`");
                }
            }
            _ if !active(&stack) => {}
            "define" => define(&rest, whole, defines, cx),
            "undef" => match rest.first() {
                Some((Tok::Ident(n), _)) => {
                    defines.names.remove(n);
                    defines.functions.remove(n);
                }
                _ => cx.error(whole, "expected a name after `#undef`"),
            },
            "error" => {
                let message: Vec<String> = rest.iter().map(|(t, _)| t.to_string()).collect();
                cx.error(whole, format!("#error {}", message.join(" ")));
            }
            // `#include` of a built-in type file is a statement the parser reads;
            // another file's text takes the directive's place.
            "include" => match include_name(&rest) {
                Some((file, _)) if builtin_files(&file).is_some() => {
                    out.push((tok, sp));
                    out.push((Tok::Ident(name), name_sp));
                    out.extend(rest);
                }
                Some((file, angled)) => match included(&file, angled, whole, defines, cx) {
                    Some(tokens) => out.extend(tokens),
                    // Left for the parser, so that `check` knows definitions may be
                    // missing and does not report each use of them again.
                    None => {
                        out.push((tok, sp));
                        out.push((Tok::Ident(name), name_sp));
                        out.extend(rest);
                    }
                },
                None => cx.error(whole, "expected `<file>` or `\"file\"` after `#include`"),
            },
            "pragma" | "line" => {}
            other => cx.error(whole, format!("unsupported preprocessor directive `#{other}`")),
        }
    }
    if let Some(open) = stack.last() {
        cx.error(
            open.span,
            "this `#if` has no `#endif` (in the same group of brackets)",
        );
    }
    out
}

/// The file an `#include` names, and whether it is written `<file>`.
fn include_name(rest: &[(Tok, Sp)]) -> Option<(String, bool)> {
    match rest {
        [(Tok::Str(name), _)] => Some((name.clone(), false)),
        [(Tok::Punct('<'), _), middle @ .., (Tok::Punct('>'), _)] => {
            Some((middle.iter().map(|(t, _)| t.to_string()).collect(), true))
        }
        _ => None,
    }
}

/// A file's tokens after preprocessing, every one at the `#include`'s span (a file's
/// text has no spans of its own); `None` if it cannot be read.
fn included(
    name: &str,
    angled: bool,
    whole: Sp,
    defines: &mut Defines,
    cx: &mut Errors,
) -> Option<Vec<(Tok, Sp)>> {
    let text = match include::include(name, angled, defines) {
        Ok(text) => text,
        Err(message) => {
            // A near miss of a built-in file is a typo, not a file to look for.
            match crate::suggest::closest(name, crate::builtin::BUILTIN_NAMES) {
                Some(close) => cx.error(
                    whole,
                    format!(
                        "`{}` is not a built-in type file; did you mean `<{close}>`?",
                        if angled {
                            format!("<{name}>")
                        } else {
                            format!("\"{name}\"")
                        }
                    ),
                ),
                None => cx.error(whole, message),
            }
            return None;
        }
    };
    match TokenStream::from_str(&text) {
        Ok(tokens) => Some(respan(lex::lower(tokens), whole)),
        Err(error) => {
            cx.error(
                whole,
                format!("after preprocessing, the text of `{name}` is not valid Rust tokens: {error}"),
            );
            None
        }
    }
}

fn respan(tokens: Vec<(Tok, Sp)>, span: Sp) -> Vec<(Tok, Sp)> {
    tokens
        .into_iter()
        .map(|(tok, _)| match tok {
            Tok::Group(g) => (
                Tok::Group(Group {
                    tokens: respan(g.tokens, span),
                    close: span.end,
                    ..g
                }),
                span,
            ),
            other => (other, span),
        })
        .collect()
}

/// `#define NAME value…` or `#define NAME(params) body…`.
fn define(rest: &[(Tok, Sp)], whole: Sp, defines: &mut Defines, cx: &mut Errors) {
    match rest {
        [(Tok::Ident(name), name_sp), value @ ..] => {
            // `NAME(` with no space is a function-like macro, as in C.
            if let Some((Tok::Group(g), group_sp)) = value.first()
                && g.delim == proc_macro2::Delimiter::Parenthesis
                && group_sp.start.start() == name_sp.end.end()
            {
                let mut params = Vec::new();
                for (index, (tok, sp)) in g.tokens.iter().enumerate() {
                    match tok {
                        Tok::Ident(p) if index % 2 == 0 => params.push(p.clone()),
                        Tok::Punct(',') if index % 2 == 1 => {}
                        _ => {
                            cx.error(
                                *sp,
                                format!("the parameters of `{name}` must be names separated by `,`"),
                            );
                            return;
                        }
                    }
                }
                let body = include::tokens_text(&value[1..]);
                defines.functions.insert(name.clone(), Function { params, body });
                defines.names.remove(name);
                return;
            }
            defines.functions.remove(name);
            defines.names.insert(name.clone(), value.to_vec());
        }
        _ => cx.error(whole, "expected a name after `#define`"),
    }
}

/// A token with defined names replaced (recursively, as cpp rescans), inside groups too.
fn substitute(tok: Tok, sp: Sp, defines: &mut Defines, cx: &mut Errors, depth: usize) -> Vec<(Tok, Sp)> {
    match tok {
        Tok::Ident(ref name) if depth < 16 => match defines.names.get(name) {
            Some(value) => {
                let value = value.clone();
                // The value keeps this use's span, so errors point here.
                value
                    .into_iter()
                    .flat_map(|(t, _)| substitute(t, sp, defines, cx, depth + 1))
                    .collect()
            }
            None => vec![(tok, sp)],
        },
        Tok::Group(g) => {
            let tokens = run(g.tokens, defines, cx);
            vec![(Tok::Group(Group { tokens, ..g }), sp)]
        }
        other => vec![(other, sp)],
    }
}

/// Evaluates `#if`/`#ifdef`/`#ifndef`, reporting what it cannot read.
fn condition(kind: &str, rest: &[(Tok, Sp)], whole: Sp, defines: &mut Defines, cx: &mut Errors) -> bool {
    match evaluate(kind, rest, defines) {
        Some(value) => value,
        None if kind != "if" => {
            cx.error(whole, format!("expected one name after `#{kind}`"));
            false
        }
        None => {
            cx.error(whole, "cannot evaluate this `#if` expression: it takes defined names, integers, `defined`, and C's logical, comparison, bitwise and arithmetic operators");
            false
        }
    }
}

/// The value of an `#if`/`#ifdef`/`#ifndef` line, `None` if it cannot be read.
pub fn evaluate(kind: &str, rest: &[(Tok, Sp)], defines: &Defines) -> Option<bool> {
    match kind {
        "ifdef" | "ifndef" => match rest {
            [(Tok::Ident(name), _)] => {
                let defined = defines.names.contains_key(name) || defines.functions.contains_key(name);
                Some(defined == (kind == "ifdef"))
            }
            _ => None,
        },
        _ => {
            let mut parser = Eval {
                tokens: rest,
                at: 0,
                defines,
            };
            let value = parser.expr(0)?;
            (parser.at == rest.len()).then_some(value != 0)
        }
    }
}

/// A small precedence-climbing evaluator over a directive's tokens.
struct Eval<'a> {
    tokens: &'a [(Tok, Sp)],
    at: usize,
    defines: &'a Defines,
}

impl Eval<'_> {
    fn peek(&self, n: usize) -> Option<&Tok> {
        self.tokens.get(self.at + n).map(|(t, _)| t)
    }

    /// The binary operator at the cursor, its length in tokens and its precedence.
    fn operator(&self) -> Option<(&'static str, usize, u8)> {
        let (a, b) = (self.peek(0), self.peek(1));
        let pair = |x: char, y: char| matches!((a, b), (Some(Tok::Punct(p)), Some(Tok::Punct(q))) if *p == x && *q == y);
        let one = |x: char| matches!(a, Some(Tok::Punct(p)) if *p == x);
        // C's precedences, loosest first.
        Some(if pair('|', '|') {
            ("||", 2, 1)
        } else if pair('&', '&') {
            ("&&", 2, 2)
        } else if one('|') {
            ("|", 1, 3)
        } else if one('^') {
            ("^", 1, 4)
        } else if one('&') {
            ("&", 1, 5)
        } else if pair('=', '=') {
            ("==", 2, 6)
        } else if pair('!', '=') {
            ("!=", 2, 6)
        } else if pair('<', '<') {
            ("<<", 2, 8)
        } else if pair('>', '>') {
            (">>", 2, 8)
        } else if pair('<', '=') {
            ("<=", 2, 7)
        } else if pair('>', '=') {
            (">=", 2, 7)
        } else if one('<') {
            ("<", 1, 7)
        } else if one('>') {
            (">", 1, 7)
        } else if one('+') {
            ("+", 1, 9)
        } else if one('-') {
            ("-", 1, 9)
        } else if one('*') {
            ("*", 1, 10)
        } else if one('/') {
            ("/", 1, 10)
        } else if one('%') {
            ("%", 1, 10)
        } else {
            return None;
        })
    }

    fn expr(&mut self, min: u8) -> Option<i64> {
        let mut lhs = self.unary()?;
        while let Some((op, len, prec)) = self.operator() {
            if prec < min {
                break;
            }
            self.at += len;
            let rhs = self.expr(prec + 1)?;
            lhs = match op {
                "||" => i64::from(lhs != 0 || rhs != 0),
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "<<" => lhs.checked_shl(u32::try_from(rhs).ok()?)?,
                ">>" => lhs.checked_shr(u32::try_from(rhs).ok()?)?,
                "&&" => i64::from(lhs != 0 && rhs != 0),
                "==" => i64::from(lhs == rhs),
                "!=" => i64::from(lhs != rhs),
                "<=" => i64::from(lhs <= rhs),
                ">=" => i64::from(lhs >= rhs),
                "<" => i64::from(lhs < rhs),
                ">" => i64::from(lhs > rhs),
                "+" => lhs.checked_add(rhs)?,
                "-" => lhs.checked_sub(rhs)?,
                "*" => lhs.checked_mul(rhs)?,
                "/" => lhs.checked_div(rhs)?,
                _ => lhs.checked_rem(rhs)?,
            };
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<i64> {
        let (tok, _) = self.tokens.get(self.at)?;
        self.at += 1;
        match tok {
            Tok::Punct('!') => Some(i64::from(self.unary()? == 0)),
            Tok::Punct('~') => Some(!self.unary()?),
            Tok::Punct('+') => self.unary(),
            Tok::Punct('-') => self.unary()?.checked_neg(),
            Tok::Number(n) => n.parse().ok(),
            Tok::Group(g) if g.delim == proc_macro2::Delimiter::Parenthesis => {
                let mut inner = Eval {
                    tokens: &g.tokens,
                    at: 0,
                    defines: self.defines,
                };
                let value = inner.expr(0)?;
                (inner.at == g.tokens.len()).then_some(value)
            }
            Tok::Ident(name) if name == "defined" => {
                let name = match self.tokens.get(self.at)? {
                    (Tok::Ident(n), _) => n.clone(),
                    (Tok::Group(g), _) => match g.tokens.as_slice() {
                        [(Tok::Ident(n), _)] => n.clone(),
                        _ => return None,
                    },
                    _ => return None,
                };
                self.at += 1;
                Some(i64::from(self.defines.names.contains_key(&name)))
            }
            // A name's value, or 0 when it is not defined, as cpp has it.
            Tok::Ident(name) => match self.defines.names.get(name).map(Vec::as_slice) {
                Some([(Tok::Number(n), _)]) => n.parse().ok(),
                Some([]) => Some(0),
                Some(value) => {
                    let mut inner = Eval {
                        tokens: value,
                        at: 0,
                        defines: self.defines,
                    };
                    let v = inner.expr(0)?;
                    (inner.at == value.len()).then_some(v)
                }
                None => Some(0),
            },
            _ => None,
        }
    }
}
