//! Client stubs: one function per routine that marshals, sends, and unmarshals.

use proc_macro2::TokenStream;
use quote::quote;

use super::names::{Paths, Scope, docs_with, ident};
use crate::layout::REPLY_ID_OFFSET;
use crate::model::{Arg, Role, Routine, Wire};

/// The stub of one routine.
pub fn stub(paths: &Paths, routine: &Routine) -> TokenStream {
    let krate = &paths.krate;
    let module = ident(&routine.name);
    let name = ident(&routine.user_fn);
    let port = routine.request_port();
    let port_name = ident(&port.name);
    let disposition = match port.ty.wire {
        Wire::Port { send } => proc_macro2::Literal::u32_unsuffixed(send),
        _ => unreachable!("check makes the request port a port"),
    };
    let params = routine
        .args
        .iter()
        .filter(|a| matches!(a.role, Role::RequestPort | Role::In | Role::InOut))
        .map(|a| {
            let name = ident(&a.name);
            let ty = paths.ty(&a.ty, Scope::Subsystem);
            quote!(#name: #ty)
        });
    let request = request_value(paths, routine);
    let id = routine.id;
    let doc = if routine.simple {
        format!(
            "Sends simpleroutine `{}` (msgh_id {id}) to `{}` without waiting for an answer.",
            routine.name, port.name
        )
    } else {
        format!(
            "Calls routine `{}` on `{}`: sends the request (msgh_id {id}) and waits for the reply (msgh_id {}).",
            routine.name,
            port.name,
            id + REPLY_ID_OFFSET
        )
    };
    let doc = docs_with(&routine.docs, &doc);
    if routine.simple {
        return quote! {
            #doc
            pub fn #name(#(#params),*) -> #krate::Result<()> {
                #krate::__private::send(#request, #port_name, #disposition, #module::ID)
            }
        };
    }
    let outs: Vec<&Arg> = routine.outs().collect();
    let (returns, value) = match outs.as_slice() {
        [] => (quote!(()), quote!(())),
        [one] => {
            let field = ident(&one.name);
            (paths.ty(&one.ty, Scope::Subsystem), quote!(__reply.#field))
        }
        many => {
            let fields = many.iter().map(|a| ident(&a.name));
            let fields2 = fields.clone();
            (
                quote!(#module::Output),
                quote!(#module::Output { #(#fields: __reply.#fields2),* }),
            )
        }
    };
    quote! {
        #doc
        pub fn #name(#(#params),*) -> #krate::Result<#returns> {
            let __reply: #module::Reply = #krate::__private::rpc(#request, #port_name, #disposition, #module::ID)?;
            #krate::__private::Ok(#value)
        }
    }
}

/// The request struct literal, from the stub's parameters.
fn request_value(paths: &Paths, routine: &Routine) -> TokenStream {
    let krate = &paths.krate;
    let module = ident(&routine.name);
    let sent: Vec<&Arg> = routine.ins().collect();
    let ndr = (!sent.is_empty()).then(|| quote!(NDR: #krate::__private::NDR,));
    let fields = sent.iter().map(|a| {
        let name = ident(&a.name);
        let pad = padding(a).map(|n| {
            let pad = quote::format_ident!("{}Pad", a.name);
            quote!(#pad: [0u8; #n],)
        });
        quote!(#name, #pad)
    });
    quote!(#module::Request { Head: #krate::__private::HEADER, #ndr #(#fields)* })
}

/// Bytes of `<arg>Pad` after a sub-word argument.
pub fn padding(arg: &Arg) -> Option<usize> {
    match arg.ty.wire {
        Wire::Scalar { size } if size % 4 != 0 => Some((4 - size % 4) as usize),
        _ => None,
    }
}
