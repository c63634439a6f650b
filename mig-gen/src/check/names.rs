//! Where names meet: a routine or argument defined twice, and two items that would have
//! one Rust name in the subsystem's module (a type alias, a routine's module, a client
//! function, or what `mig!` generates itself). `layout` checks the names it adds to a
//! message.

use std::collections::BTreeSet;

use crate::errors::Errors;
use crate::model::{Routine, rust_name};
use crate::syntax;

use super::Checker;

impl Checker<'_> {
    /// A user type becomes an alias in the subsystem module's type namespace, beside the
    /// generated items and the routines' modules.
    pub(super) fn type_name_is_free(&self, decl: &syntax::TypeDecl, cx: &mut Errors) -> bool {
        let alias = rust_name(&decl.name.text);
        let clash = generated_type_name(&alias)
            .map(|what| format!("the name of {what}"))
            .or_else(|| {
                self.routines
                    .iter()
                    .find(|r| rust_name(&r.name) == alias)
                    .map(|r| format!("the name of routine `{}`'s module", r.name))
            });
        let Some(clash) = clash else { return true };
        cx.error(
            decl.name.span,
            format!(
                "type `{}` has {clash}: both would be `{alias}` in the subsystem's module; rename one",
                decl.name.text
            ),
        );
        false
    }

    /// A routine is defined once; the first definition keeps the name.
    pub(super) fn routine_defined_once(&mut self, r: &syntax::Routine, cx: &mut Errors) -> bool {
        if let Some(&first) = self.routine_names.get(&r.name.text) {
            cx.error(
                r.name.span,
                format!("routine `{}` is defined more than once", r.name.text),
            );
            // Stable Rust has no notes for a macro's errors: a second message, at the
            // first definition, stands for one.
            cx.error(first, format!("note: `{}` is first defined here", r.name.text));
            return false;
        }
        self.routine_names.insert(r.name.text.clone(), r.name.span);
        true
    }

    /// The routine's generated items must not meet other items of the subsystem module:
    /// its module shares the type namespace with type aliases and the `Server` trait,
    /// its client function the value namespace with the other generated functions.
    pub(super) fn routine_names_are_free(&self, routine: &Routine, cx: &mut Errors) -> bool {
        let module = rust_name(&routine.name);
        let clash = if let Some(what) = generated_type_name(&module) {
            Some(format!("the name of {what}"))
        } else if self
            .types
            .user_types()
            .iter()
            .any(|t| rust_name(&t.name) == module)
        {
            Some(format!("the name of the type `{}`", routine.name))
        } else {
            self.routines
                .iter()
                .find(|other| rust_name(&other.name) == module)
                .map(|other| format!("the Rust name of routine `{}`", other.name))
        };
        if let Some(clash) = clash {
            cx.error(
                routine.name_span,
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
                .or_else(|| {
                    // Every client function has an `.await`able form, `<name>_async`
                    // (compiled with the runtime's `tokio` feature, which the macro
                    // cannot see, so the name is taken either way).
                    self.routines
                        .iter()
                        .find(|other| format!("{}_async", rust_name(&other.user_fn)) == function)
                        .map(|other| {
                            format!(
                                "the `.await`able form of routine `{}`'s client function",
                                other.name
                            )
                        })
                })
        };
        if let Some(clash) = clash {
            cx.error(
                routine.name_span,
                format!(
                    "the client function of `{}` would be `{function}`, which is already {clash}; rename the routine or change `userprefix`",
                    routine.name
                ),
            );
            return false;
        }
        true
    }
}

/// Each argument of a routine is defined once: `seen` holds the names of the arguments
/// before this one.
pub(super) fn argument_defined_once<'a>(
    arg: &'a syntax::Arg,
    seen: &mut BTreeSet<&'a str>,
    routine: &syntax::Routine,
    cx: &mut Errors,
) -> bool {
    if seen.insert(&arg.name.text) {
        return true;
    }
    cx.error(
        arg.name.span,
        format!(
            "argument `{}` is defined more than once in `{}`",
            arg.name.text, routine.name.text
        ),
    );
    false
}

/// What a name `mig!` generates in the type namespace of a subsystem module stands for.
fn generated_type_name(name: &str) -> Option<&'static str> {
    match name {
        "Server" => Some("the generated server trait"),
        "Service" => Some("the generated `Service` wrapper"),
        "Client" => Some("the generated client handle"),
        "__mig" => Some("the generated import of the runtime"),
        _ => None,
    }
}

/// What a name `mig!` generates in the value namespace of a subsystem module stands for.
fn generated_value_name(name: &str) -> Option<&'static str> {
    match name {
        "dispatch" => Some("the generated server dispatch"),
        "demux" => Some("the generated C demux function"),
        "Service" => Some("the generated `Service` wrapper"),
        "BASE" | "END" | "MAX_REQUEST_SIZE" | "MAX_REPLY_SIZE" | "ROUTINES" | "SUBSYSTEM" => {
            Some("a constant `mig!` generates")
        }
        _ => None,
    }
}
