//! The whole pipeline on one `mig!` body, callable without a compiler session (tests and
//! benchmarks use `proc_macro2` input).

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;
use crate::{check, expand, include, layout, lex, parse, preprocess};

/// The whole pipeline on a MIG text: the generated items, or the errors.
pub fn expand_definition(krate: TokenStream, body: TokenStream) -> TokenStream {
    let mut cx = Errors::new();
    let (tokens, files) = preprocess::preprocess(lex::lower(body), &mut cx);
    let file = parse::parse(&tokens, &mut cx);
    // Check even after syntax errors: the statements that did parse get checked too.
    let model = check::check(&file, &mut cx);
    // The fallback (as serde's and thiserror's derives emit one): beside the errors, the
    // module with what did check, so code using it is still checked against it and
    // rustc adds no error about the parts that failed (see `expand::subsystem`).
    let complete = cx.is_empty();
    let module = model.map(|model| {
        let layout = layout::layout(&model);
        expand::subsystem(krate, &model, &layout, complete)
    });
    let errors = cx.to_compile_errors();
    let tracking = track(&files);
    quote!(#errors #module #tracking)
}

/// Makes the compiler expand the macro again when an included file or the include path
/// changes: it watches what `include_bytes!` and `option_env!` read.
fn track(files: &[PathBuf]) -> TokenStream {
    if files.is_empty() {
        return TokenStream::new();
    }
    let paths = files.iter().map(|f| f.to_string_lossy().into_owned());
    let var = include::INCLUDE_PATH_VAR;
    quote! {
        #(const _: &[u8] = ::core::include_bytes!(#paths);)*
        const _: ::core::option::Option<&str> = ::core::option_env!(#var);
    }
}
