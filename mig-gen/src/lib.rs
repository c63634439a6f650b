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
//!
//! Three front ends share it: the `mig!` macro ([`expand`]), and, through [`Config`],
//! the `mig` command (which prints the Rust for a `.defs` file or for the `mig!` blocks
//! of a Rust file) and the `mig-build` build-script API (which writes it to `OUT_DIR`).
//! Outside the compiler there are no Rust spans to report errors at: those front ends
//! get [`Diagnostic`]s, each at its file, line and column.

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

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;

pub use pipeline::{AsyncItems, Diagnostic, Expansion};

/// Expands a MIG definition (the body of a `mig!` invocation) into Rust items that name
/// the runtime through `krate` (the path of the `mig` crate, such as `::mig`). A
/// definition with errors expands to a `compile_error!` at each error's span, beside
/// the items of what did check.
pub fn expand(krate: TokenStream, definition: TokenStream) -> TokenStream {
    expand_with(krate, definition, AsyncItems::Gated)
}

/// [`expand`], with the `async` items as `async_items` says.
pub fn expand_with(krate: TokenStream, definition: TokenStream, async_items: AsyncItems) -> TokenStream {
    pipeline::expand_definition(krate, definition, async_items)
}

/// The aliases of every built-in MIG type (`<mach/std_types.defs>` and the other
/// built-in type files), as Rust items naming the runtime through `krate`.
pub fn builtin_types(krate: TokenStream) -> TokenStream {
    expand::builtin_types(krate, &pipeline::builtin_types())
}

/// How the front ends that write generated code to a file expand definitions: the path
/// of the runtime the code names, and where `#include` looks for files.
///
/// ```
/// # use std::io::Write;
/// let dir = std::env::temp_dir().join(format!("mig-gen-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let defs = dir.join("add.defs");
/// std::fs::write(
///     &defs,
///     "subsystem add 100;\n#include <mach/std_types.defs>\n\
///      routine add2(server: mach_port_t; a: int; b: int; out c: int);\n",
/// )
/// .unwrap();
/// let expansion = mig_gen::Config::new().expand_file(&defs);
/// let items = expansion.items.unwrap();
/// assert!(items.to_string().contains("pub mod add"));
/// assert_eq!(expansion.files, [defs.canonicalize().unwrap()]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    krate: TokenStream,
    include_dirs: Vec<PathBuf>,
    body_dir: Option<PathBuf>,
    defines: Vec<(String, String)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            krate: quote!(::mig),
            include_dirs: Vec::new(),
            body_dir: None,
            defines: Vec::new(),
        }
    }
}

impl Config {
    /// Code naming the runtime as `::mig`, and no include directories.
    pub fn new() -> Self {
        Self::default()
    }

    /// The path the generated code names the runtime (the `mig` crate) by, such as
    /// `::mig` (the default) or `crate::mig` for a re-export.
    pub fn krate(mut self, krate: TokenStream) -> Self {
        self.krate = krate;
        self
    }

    /// Adds a directory `#include` looks in, after those given before (as `-I` does).
    /// `#include "file"` looks beside the including file first; `<file>` does not.
    /// Built-in type files (`<mach/std_types.defs>` and the others) are never looked for.
    pub fn include_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.include_dirs.push(dir.into());
        self
    }

    /// Where `#include "file"` written in a `mig!` body (not in a file) looks first: the
    /// macro looks in the crate's directory (where its `Cargo.toml` is), so a front end
    /// expanding the `mig!` blocks of a crate's Rust file passes that directory.
    pub fn body_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.body_dir = Some(dir.into());
        self
    }

    /// Defines `name` as `value` before the text starts, as `#define name value` written
    /// first would (and as `cc -D name=value` does): names steer the `#if`s of
    /// `.defs` files (`KERNEL_SERVER`, a file's own switches). `name` may be a
    /// function-like macro's `F(a, b)`. A value that is not Rust tokens is an error of
    /// the expansion.
    pub fn define(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.defines.push((name.into(), value.into()));
        self
    }

    fn search(&self) -> preprocess::Search {
        preprocess::Search {
            body_dir: self.body_dir.clone(),
            dirs: self.include_dirs.clone(),
            from_env: false,
        }
    }

    /// Expands the `.defs` file at `path`: its text is preprocessed as C (as an
    /// `#include` of it in a `mig!` body is, so it need not tokenize as Rust), and the
    /// rest of the pipeline runs on the result. The items are those the macro expands
    /// an `#include` of the file to, without the macro's tracking of the files read
    /// (they are in [`Expansion::files`]); errors name the file and line they are in,
    /// and the column where the text has one.
    pub fn expand_file(&self, path: impl AsRef<Path>) -> Expansion {
        pipeline::expand_file(self.krate.clone(), path.as_ref(), self.search(), &self.defines)
    }

    /// Expands a `mig!` body (the tokens between its braces) as the macro does, without
    /// the macro's tracking of the files read (they are in [`Expansion::files`]); an
    /// error is at the line and column of its span, with no file
    /// ([`Diagnostic::file`] is `None`).
    pub fn expand_body(&self, body: TokenStream) -> Expansion {
        pipeline::expand_body(self.krate.clone(), body, self.search(), &self.defines)
    }
}

#[cfg(test)]
mod front_tests;
#[cfg(test)]
mod tests;
