//! The `mig!` procedural macro. Use it through the `mig` crate, which re-exports it
//! with its documentation and the runtime the generated code needs.
//!
//! The pipeline, one module per stage:
//! `lex` (tokens with spans) → `preprocess` (`#define`, `#if`, `#include` of files)
//! → `parse` (chumsky, recovering) → `check` (the model, every error at its span) →
//! `layout` (the wire format, and the messages it cannot carry) → `expand` (Rust items).
//! Each stage uses only those before it; `pipeline` drives them, and lexes and parses
//! the built-in type files `check` reads.

mod builtin;
mod check;
mod errors;
mod expand;
mod layout;
mod lex;
mod model;
mod parse;
mod pipeline;
mod preprocess;
mod suggest;
mod syntax;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;

/// Expands `[krate] <MIG text>`: the form `mig::mig!` forwards, with the path of the
/// `mig` crate first so generated code names it however the user's crate does.
#[proc_macro]
pub fn mig_impl(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let (krate, body) = split_krate(input.into());
    pipeline::expand_definition(krate, body).into()
}

/// Expands to the aliases of every built-in MIG type (for `mig::types`).
#[doc(hidden)]
#[proc_macro]
pub fn builtin_types(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand::builtin_types(input.into(), &pipeline::builtin_types()).into()
}

/// Splits the leading `[path]` off, defaulting to `::mig`.
fn split_krate(input: TokenStream) -> (TokenStream, TokenStream) {
    let mut iter = input.clone().into_iter();
    if let Some(TokenTree::Group(g)) = iter.next()
        && g.delimiter() == Delimiter::Bracket
    {
        return (g.stream(), iter.collect());
    }
    (quote!(::mig), input)
}

#[cfg(test)]
mod tests;
