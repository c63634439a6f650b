//! The `async` form of each client stub: `<stub>_async`, the same function with its one
//! runtime call (`call`, `post` or `send_ret_code`) replaced by its `async` counterpart
//! and awaited. Everything else (the arguments, what is written into the request, how
//! the reply is read) is the blocking stub's, token for token, so the two cannot drift.
//!
//! The stubs, and the server side's `async` items (`server::async_items`), are emitted inside `__mig::async_stubs! { ... }`, a macro of the runtime
//! crate that expands to them only when its `tokio` feature is on: the macro cannot see
//! the user's features, and the generated tokens are the same either way.

use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use quote::quote;

use super::names::Paths;

/// The runtime calls a stub makes, and their `async` forms.
const CALLS: [(&str, &str); 3] = [
    ("call", "call_async"),
    ("post", "post_async"),
    ("send_ret_code", "send_ret_code_async"),
];

/// The `async` form of `stub` (a blocking stub as `client::stub` makes it), named
/// `<name>_async`, with a first line of documentation saying so.
pub fn stub(stub: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut tokens = stub.into_iter().peekable();
    let mut named = false;
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ref i) if i == "fn" && !named => {
                out.extend(quote!(async fn));
                if let Some(TokenTree::Ident(name)) = tokens.next() {
                    let doc = format!(
                        "The `.await`able form of [`{name}`], for tokio: a full queue and the \
                         reply are waited for without blocking the thread. Dropping the future \
                         cancels the call (its reply port is destroyed, and a reply that comes \
                         later with it).\n\n"
                    );
                    let renamed = Ident::new(&format!("{name}_async"), name.span());
                    out.extend([TokenTree::Ident(renamed)]);
                    // The docs go before the item: re-emit what came before with them.
                    let before = std::mem::take(&mut out);
                    out.extend(quote!(#[doc = #doc]));
                    out.extend(before);
                }
                named = true;
            }
            TokenTree::Group(g) => out.extend([TokenTree::Group(awaited(g))]),
            other => out.extend([other]),
        }
    }
    out
}

/// `group` with the runtime calls in it made `async` and awaited.
fn awaited(group: Group) -> Group {
    let mut out = TokenStream::new();
    let mut tokens = group.stream().into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ref i) if CALLS.iter().any(|(c, _)| i == c) && is_private(&out) => {
                let (_, async_name) = CALLS.iter().find(|(c, _)| i == c).copied().unwrap_or_default();
                out.extend([TokenTree::Ident(Ident::new(async_name, i.span()))]);
                // The turbofish, if any, then the arguments; then `.await`.
                for token in tokens.by_ref() {
                    match token {
                        TokenTree::Group(args) if args.delimiter() == Delimiter::Parenthesis => {
                            out.extend([TokenTree::Group(awaited(args))]);
                            break;
                        }
                        other => out.extend([other]),
                    }
                }
                out.extend(quote!(.await));
            }
            TokenTree::Group(g) => out.extend([TokenTree::Group(awaited(g))]),
            other => out.extend([other]),
        }
    }
    let mut new = Group::new(group.delimiter(), out);
    new.set_span(group.span());
    new
}

/// Whether `out` ends with `__mig ::`, the path of the runtime's calls (the module's
/// import of `mig::__private`).
fn is_private(out: &TokenStream) -> bool {
    let tail: Vec<TokenTree> = out.clone().into_iter().collect();
    match tail.as_slice() {
        [
            ..,
            TokenTree::Ident(module),
            TokenTree::Punct(a),
            TokenTree::Punct(b),
        ] => module == "__mig" && a.as_char() == ':' && b.as_char() == ':',
        _ => false,
    }
}

/// The stubs' `async` forms and the server side's (`server::async_items`), behind the
/// runtime's feature switch.
pub fn stubs(paths: &Paths, stubs: Vec<TokenStream>) -> TokenStream {
    if stubs.is_empty() {
        return TokenStream::new();
    }
    let krate = &paths.krate;
    quote! {
        #krate::async_stubs! {
            #(#stubs)*
        }
    }
}
