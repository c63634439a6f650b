//! The `mig!` procedural macro. Use it through the `mig` crate, which re-exports it
//! with its documentation and the runtime the generated code needs. The work is done
//! by `mig-gen`; this crate only hands it the compiler's tokens.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;

/// The `async` items go where the runtime can compile them: this crate's `tokio`
/// feature is switched on by `mig`'s, with the runtime's.
const ASYNC_ITEMS: mig_gen::AsyncItems = if cfg!(feature = "tokio") {
    mig_gen::AsyncItems::Gated
} else {
    mig_gen::AsyncItems::Omitted
};

/// Expands `[krate] <MIG text>`: the form `mig::mig!` forwards, with the path of the
/// `mig` crate first so generated code names it however the user's crate does.
#[proc_macro]
pub fn mig_impl(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let (krate, body) = split_krate(input.into());
    mig_gen::expand_with(krate, body, ASYNC_ITEMS).into()
}

/// Expands to the aliases of every built-in MIG type (for `mig::types`).
#[doc(hidden)]
#[proc_macro]
pub fn builtin_types(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    mig_gen::builtin_types(input.into()).into()
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
