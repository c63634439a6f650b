//! The client handle: a `Client<P>` per subsystem that holds the port requests go to and
//! has one method per routine, a thin forward to the routine's stub.
//!
//! A method's parameters and return type are read off the stub [`client::stub`] built
//! (its parameters but the request port, its return type, its docs), so the rules for
//! what a caller passes and gets live in one place.
//!
//! [`client::stub`]: super::client::stub

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;

use super::names::{self, Paths, Scope, ident};
use super::ports;
use crate::model::{Routine, Subsystem};

/// Names the handle's own methods take, and those of the traits it derives (an inherent
/// `clone` would be called by `client.clone()` instead of `Clone::clone`): a routine
/// whose function is named like one of them gets no method (its stub is still there).
const RESERVED: &[&str] = &["new", "port", "into_inner", "clone", "clone_from"];

/// The `Client` struct of a subsystem and its methods, from the stubs (`stubs[i]` is
/// `model.routines[i]`'s, before `located_fn` moved its spans), and the methods' `async`
/// forms from the stubs' (`async_stubs[i]`, as `asynchronous::stub` makes them), behind
/// the runtime's `tokio` switch as those are; none when there are no `async` stubs.
pub fn client(
    paths: &Paths,
    model: &Subsystem,
    stubs: &[TokenStream],
    async_stubs: Option<&[TokenStream]>,
) -> TokenStream {
    let krate = &paths.krate;
    // The port's type parameter, named unlike any type of the subsystem the methods'
    // signatures name.
    let mut generic = String::from("P");
    while model.types.iter().any(|t| t.name == generic) {
        generic.push('_');
    }
    let generic = ident(&generic);
    let mut borrowing = Vec::new();
    let mut consuming = Vec::new();
    let mut borrowing_async = Vec::new();
    let mut consuming_async = Vec::new();
    let mut skipped = Vec::new();
    for (index, (routine, stub)) in model.routines.iter().zip(stubs).enumerate() {
        let async_stub = async_stubs.map(|stubs| &stubs[index]);
        let port = routine.request_port();
        let function = ident(&routine.user_fn).to_string();
        let disposition = ports::send_disposition(port);
        if RESERVED.contains(&function.as_str()) {
            skipped.push(format!("`{function}` (the name of `Client::{function}`)"));
        } else if ports::is_poly(port) {
            skipped.push(format!(
                "`{function}` (its request port `{}` is polymorphic: the caller picks how the right travels on each call)",
                port.name
            ));
        } else if let 16..=18 = disposition {
            // The call consumes the right: a method on a client that owns exactly it.
            let owner = ports::sent_type(paths, port, Scope::Subsystem);
            let forms = [(Some(stub), &mut consuming), (async_stub, &mut consuming_async)];
            for (stub, impls) in forms.into_iter().filter_map(|(s, v)| Some((s?, v))) {
                let method = method(stub, routine, quote!(self), quote!(self.port));
                impls.push(quote! {
                    impl Client<#owner> {
                        #method
                    }
                });
            }
        } else if disposition == 19 {
            let forms = [(Some(stub), &mut borrowing), (async_stub, &mut borrowing_async)];
            for (stub, methods) in forms.into_iter().filter_map(|(s, v)| Some((s?, v))) {
                methods.push(method(
                    stub,
                    routine,
                    quote!(&self),
                    quote!(#krate::SendPort::name(&self.port)),
                ));
            }
        } else {
            skipped.push(format!(
                "`{function}` (its request port `{}` is made from a receive right, which a client's send right does not stand for)",
                port.name
            ));
        }
    }
    let mut doc = format!(
        "A client of subsystem `{}`: the port its requests go to, and one method per routine \
         that calls the routine's function with it. `{generic}` names a send right \
         (`mig::SendPort`): an owned `mig::SendRight` (the default, released with the client), \
         a `&SendRight` or an `Arc<SendRight>` (the right outlives the client), or a \
         `mig::BorrowedName`, a bare name whose right the caller keeps alive.",
        model.name
    );
    if !consuming.is_empty() {
        doc.push_str(
            " A routine whose request port moves a right is a method of the client that owns \
             that right (`Client<SendRight>`, `Client<SendOnceRight>`), and consumes it.",
        );
    }
    if !borrowing_async.is_empty() || !consuming_async.is_empty() {
        doc.push_str(
            " With mig's `tokio` feature each method has an `.await`able form, `…_async`, \
             which calls the routine's `_async` function.",
        );
    }
    if !skipped.is_empty() {
        doc.push_str(&format!(
            " Routines without a method (call their functions): {}.",
            skipped.join(", ")
        ));
    }
    let doc = names::doc(&doc);
    let default = quote!(#krate::SendRight);
    let p = &generic;
    let async_methods = if borrowing_async.is_empty() && consuming_async.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            #krate::async_stubs! {
                impl<#p: #krate::SendPort> Client<#p> {
                    #(#borrowing_async)*
                }

                #(#consuming_async)*
            }
        }
    };
    quote! {
        #doc
        #[derive(Clone, Copy, Debug)]
        pub struct Client<#p = #default> {
            port: #p,
        }

        impl<#p> Client<#p> {
            /// A client sending its requests to `port`.
            pub const fn new(port: #p) -> Self {
                Client { port }
            }

            /// The port requests go to.
            pub fn port(&self) -> &#p {
                &self.port
            }

            /// Gives the port back.
            pub fn into_inner(self) -> #p {
                self.port
            }
        }

        impl<#p: #krate::SendPort> Client<#p> {
            #(#borrowing)*
        }

        #(#consuming)*

        #async_methods
    }
}

/// The method of one routine: the stub's docs and signature without its request port
/// (taken as `receiver`), whose body calls the stub with `port` in its place. From an
/// `async` stub, an `async` method that awaits it.
fn method(stub: &TokenStream, routine: &Routine, receiver: TokenStream, port: TokenStream) -> TokenStream {
    let port_name = ident(&routine.request_port().name);
    let mut tokens = stub.clone().into_iter();
    let mut docs = TokenStream::new();
    let mut name = None;
    let mut params = TokenStream::new();
    let mut returns = TokenStream::new();
    let mut is_async = false;
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(i) if i == "async" => is_async = true,
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let attribute = tokens.next();
                let is_doc = matches!(&attribute, Some(TokenTree::Group(g))
                    if g.stream().into_iter().next().is_some_and(|t| matches!(t, TokenTree::Ident(i) if i == "doc")));
                if is_doc {
                    docs.extend([TokenTree::Punct(p)]);
                    docs.extend(attribute);
                }
            }
            TokenTree::Ident(i) if i == "fn" => {
                if let Some(TokenTree::Ident(n)) = tokens.next() {
                    name = Some(n);
                }
                if let Some(TokenTree::Group(g)) = tokens.next() {
                    params = g.stream();
                }
                for token in tokens.by_ref() {
                    match token {
                        TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
                        other => returns.extend([other]),
                    }
                }
            }
            _ => {}
        }
    }
    let name = name.expect("a stub is a function");
    let mut kept = Vec::new();
    let mut forwarded = Vec::new();
    for (param, _) in names::split_params(params) {
        let param_name = param.iter().find_map(|t| match t {
            TokenTree::Ident(i) => Some(i.clone()),
            _ => None,
        });
        match param_name {
            Some(n) if n == port_name => forwarded.push(port.clone()),
            Some(n) => {
                forwarded.push(quote!(#n));
                kept.push(param.into_iter().collect::<TokenStream>());
            }
            None => {}
        }
    }
    let note = if receiver.to_string() == "self" {
        format!(
            "The client's right goes with the request (as the routine's `{}`), used up; \
             forwards to the function `{name}`.",
            routine.request_port().name
        )
    } else {
        format!(
            "Through the client's port (the routine's `{}`); forwards to the function `{name}`.",
            routine.request_port().name
        )
    };
    let note = names::doc(&note);
    let (asyncness, awaited) = if is_async {
        (quote!(async), quote!(.await))
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    let method: TokenStream = quote! {
        #docs
        #[doc = ""]
        #note
        #[inline]
        pub #asyncness fn #name(#receiver, #(#kept),*) #returns {
            #name(#(#forwarded),*) #awaited
        }
    };
    // Placed at the routine, as its stub is: rustc's errors about a call land there.
    names::located_fn(method, routine)
}
