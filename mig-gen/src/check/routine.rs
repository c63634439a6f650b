//! A routine's rules: its msgh_id, its arguments taken together (one `RetCode`, shared
//! counts, one request port, one reply port a side) and the options in force for it.

use std::collections::BTreeSet;

use crate::errors::Errors;
use crate::model::{Arg, OptionValue, Role, Routine, Wire};
use crate::syntax;

use super::Checker;
use super::names::argument_defined_once;

impl Checker<'_> {
    /// `routine`, `simpleroutine` and NeXT's `procedure`, `simpleprocedure`: a routine
    /// that checks joins the model; one that does not is reported and left out.
    pub(super) fn routine(&mut self, r: &syntax::Routine, cx: &mut Errors) {
        if !self.require_subsystem(r.keyword.span, &r.keyword.text, cx) {
            return;
        }
        let Some(id) = self.take_id(r, cx) else {
            return;
        };
        let simple = r.keyword.is_keyword("simpleroutine") || r.keyword.is_keyword("simpleprocedure");
        if !self.routine_defined_once(r, cx) {
            return;
        }
        let Some(mut args) = self.arguments(r, simple, cx) else {
            return;
        };
        if !share_counts(&mut args, r, cx)
            || !find_request_port(&mut args, r, cx)
            || !one_reply_port_a_side(&args, r, cx)
            || !one_request_port(&args, r, cx)
        {
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
            span: r.span,
            name_span: r.name.span,
            docs: r.docs.clone(),
            simple,
            id,
            user_fn: format!("{}{}", self.user_prefix, r.name.text),
            server_fn: format!("{}{}", self.server_prefix, r.name.text),
            args,
        };
        if self.routine_names_are_free(&routine, cx) {
            self.routines.push(routine);
        }
    }

    /// The routine's msgh_id, the next one; it and its reply's (100 more) fit an `i32`.
    fn take_id(&mut self, r: &syntax::Routine, cx: &mut Errors) -> Option<i32> {
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
            return None;
        };
        self.next_id = next;
        Some(id)
    }

    /// Every argument, checked on its own: `None` when any is wrong (all are reported).
    fn arguments(&mut self, r: &syntax::Routine, simple: bool, cx: &mut Errors) -> Option<Vec<Arg>> {
        let mut args = Vec::new();
        let mut seen = BTreeSet::new();
        let mut ok = true;
        for arg in &r.args {
            if !argument_defined_once(arg, &mut seen, r, cx) {
                ok = false;
                continue;
            }
            match self.argument(arg, simple, &r.name.text, cx) {
                // NeXT's `msgtype` argument set the Mach 2.5 message's `msg_type` for this
                // call; XNU messages have no such field, so neither stub nor handler
                // takes it.
                Some(_) if arg.direction.as_ref().is_some_and(|d| d.is_keyword("msgtype")) => {}
                Some(a) => args.push(a),
                None => ok = false,
            }
        }
        ok &= one_ret_code(r, cx);
        ok.then_some(args)
    }
}

/// MIG keeps the first `RetCode` and ignores the rest; a second one is a mistake.
fn one_ret_code(r: &syntax::Routine, cx: &mut Errors) -> bool {
    let mut ret_codes = r
        .args
        .iter()
        .flat_map(|a| &a.flags)
        .filter(|f| f.name.is_keyword("retcode"));
    let Some(second) = ret_codes.nth(1) else {
        return true;
    };
    cx.error(
        second.name.span,
        format!("`{}` has more than one `RetCode` argument", r.name.text),
    );
    false
}

/// `SameCount`: the array shares the count of the argument before it, which must be an
/// array going the same way (and may itself share an earlier count).
fn share_counts(args: &mut [Arg], r: &syntax::Routine, cx: &mut Errors) -> bool {
    let mut ok = true;
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
    ok
}

/// The request port is the argument marked `RequestPort`, else the first one, which must
/// then be an `in` port.
fn find_request_port(args: &mut [Arg], r: &syntax::Routine, cx: &mut Errors) -> bool {
    if args.iter().any(|a| a.role == Role::RequestPort) {
        return true;
    }
    match args.first_mut() {
        Some(first)
            if first.role == Role::In
                && matches!(first.ty.wire, Wire::Port { .. } | Wire::PolymorphicPort) =>
        {
            first.role = Role::RequestPort;
            true
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
            false
        }
    }
}

/// At most one reply port on the client's side and one on the server's.
fn one_reply_port_a_side(args: &[Arg], r: &syntax::Routine, cx: &mut Errors) -> bool {
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
        return false;
    }
    true
}

/// At most one `RequestPort`.
fn one_request_port(args: &[Arg], r: &syntax::Routine, cx: &mut Errors) -> bool {
    if args.iter().filter(|a| a.role == Role::RequestPort).count() > 1 {
        cx.error(
            r.name.span,
            format!("`{}` has more than one `RequestPort` argument", r.name.text),
        );
        return false;
    }
    true
}
