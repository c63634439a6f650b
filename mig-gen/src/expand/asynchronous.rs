//! The `async` form of each client stub: `<stub>_async`, the same function with its one
//! runtime call (`call`, `post` or `send_ret_code`) replaced by its `async` counterpart.
//! Everything else (the arguments, what is written into the request, how the reply is
//! read) is the blocking stub's, token for token, so the two cannot drift.
//!
//! The `async` runtime calls write the request before they return their future, so the
//! stub's body runs in a block of its own whose value is that future, awaited after the
//! block: the request's wire values (descriptors holding raw pointers, which are not
//! `Send`) and the writer closure die before the await and are not part of the stub's
//! future, which is `Send` whenever the arguments are. The writer closure is a `move`
//! closure, so its type names no local of that block, only the arguments it borrows:
//! the runtime's future names that type, and the arguments stay borrowed while it lives
//! (as the `async fn` that holds them already keeps them). An early
//! `return __mig::send_ret_code(..)` (a `RetCode` sent alone) is awaited where it is.
//!
//! The stubs, and the server side's `async` items (`server::async_items`), are emitted
//! inside `__mig::async_stubs! { ... }`, a macro of the runtime crate that expands to
//! them only when its `tokio` feature is on: the macro cannot see the user's features,
//! and the generated tokens are the same either way.

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
                         later with it)."
                    );
                    let renamed = Ident::new(&format!("{name}_async"), name.span());
                    out.extend([TokenTree::Ident(renamed)]);
                    // The docs go before the item: re-emit what came before with them.
                    let before = std::mem::take(&mut out);
                    // A line of its own, then an empty one before the stub's own docs, as
                    // `///` lines would be written.
                    out.extend(super::names::doc(&doc));
                    out.extend(quote!(#[doc = ""]));
                    out.extend(before);
                }
                named = true;
            }
            // The function's body: the last token.
            TokenTree::Group(g) if named && g.delimiter() == Delimiter::Brace && tokens.peek().is_none() => {
                let body = asynchronous(g);
                let mut wrapped = Group::new(
                    Delimiter::Brace,
                    quote! {
                        let __call = #body;
                        __call.await
                    },
                );
                wrapped.set_span(body.span());
                out.extend([TokenTree::Group(wrapped)]);
            }
            TokenTree::Group(g) => out.extend([TokenTree::Group(asynchronous(g))]),
            other => out.extend([other]),
        }
    }
    out
}

/// `group` with the runtime calls in it made `async`: each writer closure made a `move`
/// closure, and a call that is returned (`return __mig::send_ret_code(..)`) awaited.
fn asynchronous(group: Group) -> Group {
    let mut out = TokenStream::new();
    let mut tokens = group.stream().into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ref i) if CALLS.iter().any(|(c, _)| i == c) && is_private(&out) => {
                let returned = is_returned(&out);
                let (_, async_name) = CALLS.iter().find(|(c, _)| i == c).copied().unwrap_or_default();
                out.extend([TokenTree::Ident(Ident::new(async_name, i.span()))]);
                // The turbofish, if any, then the arguments.
                for token in tokens.by_ref() {
                    match token {
                        TokenTree::Group(args) if args.delimiter() == Delimiter::Parenthesis => {
                            out.extend([TokenTree::Group(moving_writer(asynchronous(args)))]);
                            break;
                        }
                        other => out.extend([other]),
                    }
                }
                if returned {
                    out.extend(quote!(.await));
                }
            }
            TokenTree::Group(g) => out.extend([TokenTree::Group(asynchronous(g))]),
            other => out.extend([other]),
        }
    }
    let mut new = Group::new(group.delimiter(), out);
    new.set_span(group.span());
    new
}

/// A call's arguments with the first, if it is a closure (the writer), made `move`.
fn moving_writer(args: Group) -> Group {
    let stream = args.stream();
    match stream.clone().into_iter().next() {
        Some(TokenTree::Punct(p)) if p.as_char() == '|' => {
            let mut new = Group::new(args.delimiter(), quote!(move #stream));
            new.set_span(args.span());
            new
        }
        _ => args,
    }
}

/// Whether `out` ends with `return __mig ::`: the call's value is returned at once.
fn is_returned(out: &TokenStream) -> bool {
    let tail: Vec<TokenTree> = out.clone().into_iter().collect();
    matches!(tail.as_slice(), [.., TokenTree::Ident(r), _, _, _] if r == "return")
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
