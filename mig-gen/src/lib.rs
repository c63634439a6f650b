//! The MIG front end and code generator behind `mig!`: MIG text in, Rust items out, on
//! `proc_macro2` so it runs inside the proc macro and outside a compiler session alike
//! (the `mig-macro` crate is a thin front end over it).
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

use proc_macro2::TokenStream;

/// Expands a MIG definition (the body of a `mig!` invocation) into Rust items that name
/// the runtime through `krate` (the path of the `mig` crate, such as `::mig`). A
/// definition with errors expands to a `compile_error!` at each error's span, beside
/// the items of what did check.
pub fn expand(krate: TokenStream, definition: TokenStream) -> TokenStream {
    pipeline::expand_definition(krate, definition)
}

/// The aliases of every built-in MIG type (`<mach/std_types.defs>` and the other
/// built-in type files), as Rust items naming the runtime through `krate`.
pub fn builtin_types(krate: TokenStream) -> TokenStream {
    expand::builtin_types(krate, &pipeline::builtin_types())
}

#[cfg(test)]
mod tests;
