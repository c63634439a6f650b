//! The whole pipeline on one `mig!` body, callable without a compiler session (tests and
//! benchmarks use `proc_macro2` input).

use proc_macro2::TokenStream;

use crate::errors::Errors;
use crate::{check, expand, layout, lex, parse, preprocess};

/// The whole pipeline on a MIG text: the generated items, or the errors.
pub fn expand_definition(krate: TokenStream, body: TokenStream) -> TokenStream {
    let mut cx = Errors::new();
    let tokens = preprocess::preprocess(lex::lower(body), &mut cx);
    let file = parse::parse(&tokens, &mut cx);
    // Check even after syntax errors: the statements that did parse get checked too.
    let model = check::check(&file, &mut cx);
    match model {
        Some(model) if cx.is_empty() => {
            let layout = layout::layout(&model);
            expand::subsystem(krate, &model, &layout)
        }
        _ => cx.to_compile_errors(),
    }
}
