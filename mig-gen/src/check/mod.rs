//! Stage 3: syntax tree to model. Resolves type names, applies MIG's rules, numbers the
//! routines. Every problem is reported at its span and checking goes on.
//!
//! It reads syntax trees only: the driver lexes and parses the built-in type files too,
//! and `layout` checks what needs the wire format (a message's size, the names of the
//! fields MIG adds). One module per kind of rule:
//!
//! - `types`: the symbol table (built-in and user types) and what a `type` statement
//!   defines;
//! - `resolve`: a type spec to how it travels (arrays, strings, out-of-line data);
//! - `primitive`: the names MIG knows without a definition (`MACH_MSG_TYPE_*`, NeXT's);
//! - `routine`: a routine's rules (its id, its ports, shared counts, options in force);
//! - `argument`: an argument's rules, one `check_*` function each;
//! - `names`: where names meet (defined twice, or one Rust name for two items);
//! - `expr`: the value of a constant expression.

mod argument;
mod expr;
mod names;
mod primitive;
mod resolve;
mod routine;
mod types;

use std::collections::BTreeMap;

use proc_macro2::Span;

use crate::errors::Errors;
use crate::lex::{self, Sp};
use crate::model::{OptionValue, Origin, Routine, Subsystem};
use crate::syntax::{self, Statement};

pub use types::Builtins;

use expr::eval;
use types::Types;

/// Checks a parsed file against the built-in types. Returns the subsystem with the
/// routines that checked (errors elsewhere leave the others out), or `None` without a
/// `subsystem` statement.
pub fn check(file: &syntax::File, builtins: &Builtins, cx: &mut Errors) -> Option<Subsystem> {
    let mut checker = Checker::new(builtins);
    for statement in &file.statements {
        checker.statement(statement, cx);
    }
    checker.finish(cx)
}

/// What has been checked so far, and the settings in force for the statements after it.
struct Checker<'b> {
    builtins: &'b Builtins,
    types: Types,
    subsystem: Option<(syntax::Ident, i32, Vec<String>)>,
    routines: Vec<Routine>,
    /// Each routine's name, where it is defined.
    routine_names: BTreeMap<String, Sp>,
    next_id: i32,
    server_prefix: String,
    user_prefix: String,
    wait_time: Option<OptionValue>,
    send_time: Option<OptionValue>,
    msg_option: Option<OptionValue>,
    /// `UseSpecialReplyPort` in force.
    special_reply_port: bool,
}

impl<'b> Checker<'b> {
    fn new(builtins: &'b Builtins) -> Self {
        Checker {
            builtins,
            types: Types::default(),
            subsystem: None,
            routines: Vec::new(),
            routine_names: BTreeMap::new(),
            next_id: 0,
            server_prefix: String::new(),
            user_prefix: String::new(),
            wait_time: None,
            send_time: None,
            msg_option: None,
            special_reply_port: false,
        }
    }

    fn statement(&mut self, statement: &Statement, cx: &mut Errors) {
        match statement {
            Statement::Subsystem(s) => self.subsystem(s, cx),
            Statement::Include(include) => self.types.include(&include.path, self.builtins),
            Statement::Type(decl) => self.type_statement(decl, cx),
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
                } else if keyword.is_keyword("msgtype") {
                    check_msgtype_statement(value, cx);
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
            // Its error is reported: the uses of the name it declares are not.
            Statement::BrokenType(name) => self.types.poison(&name.text),
            // Imports and rcsid only shape C output.
            Statement::CFile { .. } | Statement::Error => {}
        }
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

    /// A user's `type` statement (or a type declared in an argument): its name must be
    /// free in the subsystem's module before the symbol table takes it.
    fn type_statement(&mut self, decl: &syntax::TypeDecl, cx: &mut Errors) {
        if !self.type_name_is_free(decl, cx) {
            self.types.poison(&decl.name.text);
            return;
        }
        self.types.define(decl, Origin::User, cx);
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
        let rust_names = self.types.rust_names();
        Some(Subsystem {
            name: name.text,
            docs,
            base,
            rust_names,
            types: self.types.into_user_types(),
            routines: self.routines,
            end: self.next_id,
        })
    }
}

/// NeXT's `msgtype` statement set the Mach 2.5 header's `msg_type` of the messages after
/// it; XNU's header has no such field, so the value is checked and changes nothing.
fn check_msgtype_statement(value: &syntax::Ident, cx: &mut Errors) {
    if ["MSG_TYPE_NORMAL", "MSG_TYPE_RPC"].contains(&value.text.as_str()) {
        return;
    }
    cx.error(
        value.span,
        format!(
            "`msgtype` is `MSG_TYPE_NORMAL` or `MSG_TYPE_RPC` (NeXT's `mach/msg_type.h`), not `{}`",
            value.text
        ),
    );
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
