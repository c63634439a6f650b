//! The whole pipeline on one `mig!` body, callable without a compiler session (tests and
//! benchmarks use `proc_macro2` input).

use std::cell::OnceCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::str::FromStr;

use proc_macro2::TokenStream;
use quote::quote;

use crate::builtin::BUILTIN_FILES;
use crate::errors::Errors;
use crate::layout::SubsystemLayout;
use crate::model::{Subsystem, TypeDef};
use crate::{check, expand, layout, lex, parse, preprocess};

/// The whole pipeline on a MIG text: the generated items, or the errors.
pub fn expand_definition(krate: TokenStream, body: TokenStream) -> TokenStream {
    let mut cx = Errors::new();
    let (checked, files) = front(body, &mut cx);
    // The fallback (as serde's and thiserror's derives emit one): beside the errors, the
    // module with what did check, so code using it is still checked against it and
    // rustc adds no error about the parts that failed (see `expand::subsystem`).
    let complete = cx.is_empty();
    let module = checked.map(|(model, layout)| expand::subsystem(krate, &model, &layout, complete));
    let errors = cx.to_compile_errors();
    let tracking = track(&files);
    quote!(#errors #module #tracking)
}

/// Every stage before `expand`: the model and its layouts, every error in `cx`, and the
/// files read. Each stage runs on what the one before accepted, so one expansion
/// reports the errors of all of them, and the model holds what passed them all.
pub fn front(body: TokenStream, cx: &mut Errors) -> (Option<(Subsystem, SubsystemLayout)>, Vec<PathBuf>) {
    let (tokens, files) = preprocess::preprocess(lex::lower(body), cx);
    let file = parse::parse(&tokens, cx);
    // Check even after syntax errors: the statements that did parse get checked too.
    let checked = check::check(&file, &builtins(), cx).map(|mut model| {
        let layout = layout::layout(&mut model, cx);
        (model, layout)
    });
    (checked, files)
}

/// The aliases of every built-in type, for `mig::types`.
pub fn builtin_types() -> Vec<TypeDef> {
    builtins().all()
}

/// The built-in type files, lexed, parsed and checked once per compiler thread: their
/// checked types hold no spans, so they outlive one expansion (syntax trees would not).
fn builtins() -> Rc<check::Builtins> {
    thread_local! {
        static BUILTINS: OnceCell<Rc<check::Builtins>> = const { OnceCell::new() };
    }
    BUILTINS.with(|builtins| Rc::clone(builtins.get_or_init(|| Rc::new(load_builtins()))))
}

fn load_builtins() -> check::Builtins {
    let mut cx = Errors::new();
    let files: Vec<_> = BUILTIN_FILES
        .iter()
        .map(|&text| {
            let tokens = TokenStream::from_str(text).expect("built-in definitions lex");
            (text, parse::parse(&lex::lower(tokens), &mut cx))
        })
        .collect();
    let builtins = check::Builtins::check(&files, &mut cx);
    assert!(cx.is_empty(), "the built-in definitions must check cleanly");
    builtins
}

/// Makes the compiler expand the macro again when an included file or the include path
/// changes: it watches what `include_bytes!` and `option_env!` read.
fn track(files: &[PathBuf]) -> TokenStream {
    if files.is_empty() {
        return TokenStream::new();
    }
    let paths = files.iter().map(|f| f.to_string_lossy().into_owned());
    let var = preprocess::INCLUDE_PATH_VAR;
    quote! {
        #(const _: &[u8] = ::core::include_bytes!(#paths);)*
        const _: ::core::option::Option<&str> = ::core::option_env!(#var);
    }
}
