//! Client stubs: one function per routine that marshals, sends, and unmarshals.

use proc_macro2::TokenStream;
use quote::quote;

use super::names::{Paths, Scope, docs_with, ident};
use super::ports;
use crate::layout::REPLY_ID_OFFSET;
use crate::model::{Arg, Role, Routine};

/// The stub of one routine.
pub fn stub(paths: &Paths, routine: &Routine) -> TokenStream {
    let krate = &paths.krate;
    let module = ident(&routine.name);
    let name = ident(&routine.user_fn);
    let port = routine.request_port();
    let port_name = ident(&port.name);
    let disposition = proc_macro2::Literal::u32_unsuffixed(ports::send_disposition(port));
    // The destination: a name, or an owned right the call consumes.
    let port_value = match ports::send_disposition(port) {
        16..=18 => quote!(#port_name.into_raw()),
        _ => quote!(#port_name),
    };
    let params = routine
        .args
        .iter()
        .filter(|a| a.role == Role::RequestPort || a.in_request())
        .map(|a| {
            let name = ident(&a.name);
            if a.role == Role::Out {
                // `CountInOut`: how many elements the caller can take.
                let capacity = quote::format_ident!("{}_capacity", a.name);
                return quote!(#capacity: #krate::sys::mach_msg_type_number_t);
            }
            let ty = if ports::is_port(a) {
                ports::sent_type(paths, a, Scope::Subsystem)
            } else if is_string(a) {
                quote!(&::core::ffi::CStr)
            } else if is_out_of_line(a) && a.dealloc {
                // `dealloc`: the memory itself moves with the request.
                paths.ty(&a.ty, Scope::Subsystem)
            } else if is_variable(a) || is_out_of_line(a) {
                let element = paths.element(&a.ty, Scope::Subsystem);
                quote!(&[#element])
            } else {
                paths.ty(&a.ty, Scope::Subsystem)
            };
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
                #krate::__private::send(#request, #port_value, #disposition, #module::ID)
            }
        };
    }
    let outs: Vec<&Arg> = routine.outs().collect();
    let value = |arg: &Arg| {
        if ports::is_port(arg) {
            ports::take(paths, arg, quote!(__reply))
        } else if is_out_of_line(arg) {
            take_out_of_line(paths, arg, quote!(__reply))
        } else if is_string(arg) {
            let string = received_string(paths, arg, quote!(__reply));
            quote!(#string.ok_or(#krate::Error::MIG_TYPE_ERROR)?)
        } else if is_variable(arg) {
            let field = ident(&arg.name);
            let count = quote::format_ident!("{}Cnt", arg.name);
            quote!(#krate::InlineArray::from_wire(__reply.#count, __reply.#field))
        } else {
            let field = ident(&arg.name);
            quote!(__reply.#field)
        }
    };
    let (returns, result) = match outs.as_slice() {
        [] => (quote!(()), quote!(())),
        [one] => {
            let ty = if ports::is_port(one) {
                ports::received_type(paths, one)
            } else {
                paths.ty(&one.ty, Scope::Subsystem)
            };
            (ty, value(one))
        }
        many => {
            let fields = many.iter().map(|a| ident(&a.name));
            let values = many.iter().map(|a| value(a));
            (
                quote!(#module::Output),
                quote!(#module::Output { #(#fields: #values),* }),
            )
        }
    };
    quote! {
        #doc
        pub fn #name(#(#params),*) -> #krate::Result<#returns> {
            let __reply: #module::Reply = #krate::__private::rpc(#request, #port_value, #disposition, #module::ID)?;
            #krate::__private::Ok(#result)
        }
    }
}

/// The request struct literal, from the stub's parameters, after the statements that
/// check and convert slices (`MIG_ARRAY_TOO_LARGE` before anything is sent).
fn request_value(paths: &Paths, routine: &Routine) -> TokenStream {
    let krate = &paths.krate;
    let module = ident(&routine.name);
    let sent: Vec<&Arg> = routine.args.iter().filter(|a| a.in_request()).collect();
    let (prelude, fields) = message_fields(
        paths,
        &sent,
        false,
        |a| {
            let name = ident(&a.name);
            quote!(#name)
        },
        |arg, value| match arg.ty.wire {
            crate::model::Wire::CString { max, .. } => {
                let max = proc_macro2::Literal::usize_unsuffixed(max as usize);
                quote!(#krate::InlineString::<#max>::from_c_str(#value)?.into_wire())
            }
            crate::model::Wire::OutOfLine { .. } if arg.dealloc => quote!(#value.into_wire()),
            crate::model::Wire::OutOfLine { max, .. } => {
                let max = proc_macro2::Literal::u32_unsuffixed(max.unwrap_or(u32::MAX));
                quote!(#krate::__private::slice_to_wire(#value, #max)?)
            }
            _ => quote!(#krate::__private::to_wire(#value)?),
        },
    );
    quote!({ #prelude #module::Request { #fields } })
}

/// The fields of a message literal (in any order: Rust matches them by name): `Head`,
/// `msgh_body` and descriptors, `NDR`, `RetCode` for non-complex replies, and each inline
/// argument with its count and padding. `value` gives an argument's expression; for a
/// variable or out-of-line array, `to_wire` turns it into `(count, storage)` in a
/// statement of the returned prelude.
pub fn message_fields(
    paths: &Paths,
    args: &[&Arg],
    reply: bool,
    value: impl Fn(&Arg) -> TokenStream,
    to_wire: impl Fn(&Arg, TokenStream) -> TokenStream,
) -> (TokenStream, TokenStream) {
    let krate = &paths.krate;
    let described: Vec<&Arg> = args
        .iter()
        .copied()
        .filter(|a| a.ty.wire.is_descriptor())
        .collect();
    let inline: Vec<&Arg> = args.iter().copied().filter(|a| !ports::is_port(a)).collect();
    let complex = !described.is_empty();
    let mut prelude = TokenStream::new();
    // Each array's converted value, bound once in the prelude.
    let local = |arg: &Arg| quote::format_ident!("__{}", arg.name);
    let capacity = |arg: &Arg| !reply && arg.role == crate::model::Role::Out;
    for arg in args
        .iter()
        .filter(|a| (is_variable(a) || is_out_of_line(a) || is_string(a)) && !capacity(a))
    {
        let name = local(arg);
        let converted = to_wire(arg, value(arg));
        prelude.extend(quote!(let #name = #converted;));
    }
    let mut fields = quote!(Head: #krate::__private::HEADER,);
    if complex {
        let count = proc_macro2::Literal::u32_unsuffixed(described.len() as u32);
        fields.extend(quote!(msgh_body: #krate::__private::body(#count),));
        for arg in &described {
            let name = ident(&arg.name);
            let descriptor = if ports::is_port(arg) {
                ports::descriptor(paths, arg, value(arg))
            } else {
                let local = local(arg);
                quote!(#local.1)
            };
            fields.extend(quote!(#name: #descriptor,));
        }
    }
    if !inline.is_empty() || (reply && !complex) {
        fields.extend(quote!(NDR: #krate::__private::NDR,));
    }
    if reply && !complex {
        fields.extend(quote!(RetCode: 0,));
    }
    for arg in &inline {
        let name = ident(&arg.name);
        let count = quote::format_ident!("{}Cnt", arg.name);
        let local = local(arg);
        if capacity(arg) {
            // The stub's `<arg>_capacity` parameter.
            let capacity = quote::format_ident!("{}_capacity", arg.name);
            fields.extend(quote!(#count: #capacity,));
            continue;
        }
        if is_out_of_line(arg) {
            fields.extend(quote!(#count: #local.0,));
            continue;
        }
        if is_variable(arg) || matches!(arg.ty.wire, crate::model::Wire::CString { variable: true, .. }) {
            fields.extend(quote!(#count: #local.0, #name: #local.1,));
            if is_string(arg) {
                let offset = quote::format_ident!("{}Offset", arg.name);
                fields.extend(quote!(#offset: 0,));
            }
        } else if is_string(arg) {
            fields.extend(quote!(#name: #local.1,));
        } else {
            let v = value(arg);
            fields.extend(quote!(#name: #v,));
        }
        if let Some(n) = padding(arg) {
            let pad = quote::format_ident!("{}Pad", arg.name);
            fields.extend(quote!(#pad: [0u8; #n],));
        }
    }
    (prelude, fields)
}

/// Whether an argument is a `c_string`.
pub fn is_string(arg: &Arg) -> bool {
    matches!(arg.ty.wire, crate::model::Wire::CString { .. })
}

/// The `Option<InlineString>` a received `c_string` makes (`None` without its NUL).
pub fn received_string(paths: &Paths, arg: &Arg, message: TokenStream) -> TokenStream {
    let krate = &paths.krate;
    let name = ident(&arg.name);
    let count = match arg.ty.wire {
        crate::model::Wire::CString { variable: true, .. } => {
            let count = quote::format_ident!("{}Cnt", arg.name);
            quote!(::core::option::Option::Some(#message.#count))
        }
        _ => quote!(::core::option::Option::None),
    };
    quote!(#krate::InlineString::from_wire(#count, #message.#name))
}

/// Whether an argument is an out-of-line array.
pub fn is_out_of_line(arg: &Arg) -> bool {
    matches!(arg.ty.wire, crate::model::Wire::OutOfLine { .. })
}

/// The owner of a received out-of-line array, from `message` (a checked reply or a taken
/// request, whose own copy of the address was cleared: each region gets one owner).
pub fn take_out_of_line(paths: &Paths, arg: &Arg, message: TokenStream) -> TokenStream {
    let krate = &paths.krate;
    let name = ident(&arg.name);
    let count = quote::format_ident!("{}Cnt", arg.name);
    quote!(unsafe { #krate::OutOfLine::from_raw(#message.#name.address as usize as u64, #message.#count as usize) })
}

/// Whether an argument is a variable-size inline array.
pub fn is_variable(arg: &Arg) -> bool {
    matches!(arg.ty.wire, crate::model::Wire::Variable { .. })
}

/// Bytes of `<arg>Pad` after a sub-word argument.
pub fn padding(arg: &Arg) -> Option<usize> {
    match arg.ty.wire.inline_size() {
        Some(size) if size % 4 != 0 => Some((4 - size % 4) as usize),
        _ => None,
    }
}
