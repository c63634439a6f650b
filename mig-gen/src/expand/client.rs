//! Client stubs: one function per routine that marshals, sends, and unmarshals.

use proc_macro2::TokenStream;
use quote::quote;

use super::args::{
    client_values, is_out_of_line, is_port_array, is_string, is_variable, out_array, port_array_to_wire,
    read_trailer, received_out_type, sends_names_region, sent_port_array,
};
use super::names::{Paths, Scope, docs_with, ident};
use super::ports;
use super::wire::{self, Fields};
use crate::layout::{Message, REPLY_ID_OFFSET, RoutineLayout};
use crate::model::{Arg, Role, Routine};

/// The stub of one routine.
pub fn stub(paths: &Paths, routine: &Routine, layout: &RoutineLayout) -> TokenStream {
    let krate = &paths.krate;
    let module = ident(&routine.name);
    let name = ident(&routine.user_fn);
    let port = routine.request_port();
    let port_name = ident(&port.name);
    let literal = proc_macro2::Literal::u32_unsuffixed(ports::send_disposition(port));
    // The destination: a name, an owned right the call consumes, or (polymorphic) a
    // right with the disposition the caller chose.
    let (port_value, disposition) = match ports::send_disposition(port) {
        _ if ports::is_poly(port) => (quote!(#port_name.name), quote!(#port_name.disposition)),
        16..=18 => (quote!(#port_name.into_raw()), quote!(#literal)),
        _ => (quote!(#port_name), quote!(#literal)),
    };
    let sent = routine
        .args
        .iter()
        .filter(|a| {
            matches!(
                a.role,
                Role::RequestPort | Role::ClientOption | Role::ReplyPort { client: true, .. }
            ) || a.in_request()
        })
        .map(|a| {
            let name = ident(&a.name);
            if a.role == Role::Out {
                // `CountInOut`: how many elements the caller can take.
                let capacity = quote::format_ident!("{}_capacity", a.name);
                return quote!(#capacity: #krate::sys::mach_msg_type_number_t);
            }
            let ty = if matches!(a.role, Role::ReplyPort { .. }) {
                ports::sent_type(paths, a, Scope::Subsystem)
            } else if let crate::model::Wire::OutOfLineValue { .. } = a.ty.wire {
                let target = paths.rust(&a.ty.rust, Scope::Subsystem);
                quote!(&#target)
            } else if ports::is_poly(a) {
                quote!(#krate::PolyPort)
            } else if ports::is_port(a) {
                ports::sent_type(paths, a, Scope::Subsystem)
            } else if sends_names_region(a) {
                quote!(#krate::OutOfLine<#krate::sys::mach_port_t>)
            } else if is_port_array(a) {
                sent_port_array(paths, a, Scope::Subsystem, false)
            } else if is_string(a) {
                quote!(&::core::ffi::CStr)
            } else if is_out_of_line(a) && a.dealloc_at_runtime {
                // `dealloc[]`: borrowed or moved, the caller's choice on each call.
                let element = paths.element(&a.ty, Scope::Subsystem);
                quote!(#krate::Outgoing<'_, #element>)
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
    // In definition order: each `out` array's `&mut InlineArray` after the argument it
    // stands for (or its `CountInOut` capacity).
    let mut sent = sent.peekable();
    let mut params = Vec::new();
    for a in &routine.args {
        let is_sent = matches!(
            a.role,
            Role::RequestPort | Role::ClientOption | Role::ReplyPort { client: true, .. }
        ) || a.in_request();
        if is_sent {
            params.extend(sent.next());
        }
        if out_array(a) && !routine.simple {
            let name = ident(&a.name);
            let ty = paths.ty(&a.ty, Scope::Subsystem);
            params.push(quote!(#name: &mut #ty));
        }
    }
    let (options, timeout) = mach_msg_options(paths, routine);
    // `ureplyport`/`replyport`: the caller's own reply port and how it travels.
    let callers_reply = routine.client_reply_port().map(|reply| {
        let name = ident(&reply.name);
        let disposition = proc_macro2::Literal::u32_unsuffixed(ports::send_disposition(reply));
        let value = match ports::send_disposition(reply) {
            16..=18 => quote!(#name.into_raw()),
            _ => quote!(#name),
        };
        quote!(#value, #disposition)
    });
    let reply_port = match &callers_reply {
        Some(reply) => quote!(, #reply),
        None => TokenStream::new(),
    };
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
    let mut doc = doc;
    for arg in routine.args.iter().filter(|a| out_array(a)) {
        doc.push_str(&format!(
            " The reply's `{0}` is copied into `{0}` (its elements replaced) when the call \
             succeeds; an `Err` leaves it as it was.",
            arg.name
        ));
    }
    for arg in routine.args.iter().filter(|a| a.count_in_out) {
        doc.push_str(&format!(
            " `{0}_capacity` is the most elements of `{0}` the caller takes: the server is told \
             it (clamped to the array's maximum), and a reply carrying more is refused with \
             `MIG_ARRAY_TOO_LARGE`.",
            arg.name
        ));
    }
    let doc = docs_with(&routine.docs, &doc);
    let (prelude, writes) = request_writes(paths, routine, &layout.request);
    let write = quote!(|__writer| { #writes });
    if routine.simple {
        // A `RetCode` its complex request leaves out: any other code than 0 travels
        // alone, as Apple's stubs send it.
        let ret_code = crate::layout::left_out_ret_code(routine).map(|arg| {
            let code = ident(&arg.name);
            let reply = if callers_reply.is_some() {
                reply_port.clone()
            } else {
                quote!(, #krate::sys::MACH_PORT_NULL, 0)
            };
            quote! {
                if #code != 0 {
                    return #krate::send_ret_code(#code, #port_value, #disposition, #module::ID, #options, #timeout #reply);
                }
            }
        });
        let reply = match &callers_reply {
            Some(reply) => quote!(#reply),
            None => quote!(#krate::sys::MACH_PORT_NULL, 0),
        };
        return quote! {
            #doc
            #[inline]
            pub fn #name(#(#params),*) -> #krate::Result<()> {
                #ret_code
                #prelude
                // SAFETY: the request is written from the arguments, whose types own or
                // borrow every right and region it carries.
                unsafe {
                    #krate::post::<#module::Request>(
                        #write, #port_value, #disposition, #module::ID, #options, #timeout, #reply,
                    )
                }
            }
        };
    }
    let reply_layout = layout.reply.as_ref().expect("a routine has a reply");
    let fields = Fields::new(reply_layout);
    let reader = quote!(__reader);
    let outs: Vec<&Arg> = routine.client_outs().collect();
    let index_of = |a: &Arg| routine.args.iter().position(|b| std::ptr::eq(a, b)).unwrap_or(0);
    // Rights and regions first, while the reader is borrowed mutably.
    let mut taken = TokenStream::new();
    for arg in &outs {
        if matches!(arg.role, Role::Trailer { .. }) {
            continue;
        }
        if let Some(owner) = wire::take(paths, &fields, index_of(arg), arg, &reader) {
            let local = quote::format_ident!("__take_{}", arg.name);
            taken.extend(quote!(let #local = #owner;));
        }
    }
    let value = |arg: &Arg| {
        let index = index_of(arg);
        if let Role::Trailer { element, .. } = arg.role {
            // Present: `call` refused a reply whose trailer lacks it.
            read_trailer(element)
        } else if arg.ty.wire.is_descriptor() {
            let local = quote::format_ident!("__take_{}", arg.name);
            quote!(#local)
        } else if is_string(arg) {
            let string = wire::c_str(&fields, index, arg, &reader);
            quote!(#krate::InlineString::from_c_str(#string.ok_or(#krate::Error::MIG_TYPE_ERROR)?)?)
        } else if is_variable(arg) {
            let elements = wire::elements(paths, &fields, index, arg, &reader);
            quote!(#krate::InlineArray::from_slice(&#elements)?)
        } else {
            match fields.data(index) {
                Some(field) => {
                    let ty = paths.ty(&arg.ty, Scope::Subsystem);
                    wire::get(&fields, field, &reader, ty)
                }
                None => quote!(::core::default::Default::default()),
            }
        }
    };
    let values = client_values(routine);
    let (returns, result) = match values.as_slice() {
        [] => (quote!(()), quote!(())),
        [one] => (received_out_type(paths, one, Scope::Subsystem), value(one)),
        many => {
            let fields = many.iter().map(|a| ident(&a.name));
            let values = many.iter().map(|a| value(a));
            (
                quote!(#module::Output),
                quote!(#module::Output { #(#fields: #values),* }),
            )
        }
    };
    // The `out` arrays, copied into the caller's once nothing else can fail.
    let copies: Vec<TokenStream> = outs
        .iter()
        .filter(|a| out_array(a))
        .filter_map(|arg| {
            let field = fields.data(index_of(arg))?;
            let wire::At { offset, k } = fields.at(field);
            let count = wire::count(&fields, arg, &reader);
            let name = ident(&arg.name);
            Some(quote!(#reader.copy_into(#offset, #k, #count, #name);))
        })
        .collect();
    let result = if copies.is_empty() {
        quote!(#krate::Ok(#result))
    } else if values.is_empty() {
        quote! {
            #(#copies)*
            #krate::Ok(())
        }
    } else {
        quote! {
            let __result = #result;
            #(#copies)*
            #krate::Ok(__result)
        }
    };
    // `CountInOut`: a reply with more elements than the caller can take is refused (and
    // destroyed) before anything is taken from it, as Apple's stubs refuse it.
    let capacities = outs.iter().filter(|a| a.count_in_out).map(|arg| {
        let count = wire::count(&fields, arg, &reader);
        let capacity = quote::format_ident!("{}_capacity", arg.name);
        quote! {
            if #count > #capacity {
                return #krate::Err(#krate::Error::MIG_ARRAY_TOO_LARGE);
            }
        }
    });
    let via = match &callers_reply {
        Some(reply) => quote!(#krate::ReplyPort::Callers(#reply)),
        None if routine.special_reply_port => quote!(#krate::ReplyPort::Special),
        None => quote!(#krate::ReplyPort::Mig),
    };
    // `UserSecToken`/`UserAuditToken`: the reply comes with the trailer that holds them.
    let trailer = match routine.client_trailer_elements() {
        Some(elements) => {
            let elements = proc_macro2::Literal::u32_unsuffixed(elements);
            quote!(#krate::Some(#elements))
        }
        None => quote!(#krate::None),
    };
    quote! {
        #doc
        #[inline]
        pub fn #name(#(#params),*) -> #krate::Result<#returns> {
            #prelude
            // SAFETY: the request is written from the arguments, whose types own or borrow
            // every right and region it carries; the reply is read through the `Reader`,
            // which hands out each right and region once.
            unsafe {
                #krate::call::<#module::Request, #module::Reply, _>(
                    #write, #port_value, #disposition, #module::ID, #options, #timeout, #via, #trailer,
                    |#reader, __trailer| {
                        #(#capacities)*
                        #taken
                        let #reader = &*#reader;
                        #result
                    },
                )
            }
        }
    }
}

/// The `mach_msg` options and timeout the stub passes, from `waittime`, `sendtime` and
/// `msgoption` (statements in force, or arguments), as Apple MIG's stubs set them.
fn mach_msg_options(paths: &Paths, routine: &Routine) -> (TokenStream, TokenStream) {
    use crate::model::OptionValue;
    let krate = &paths.krate;
    let value = |v: &OptionValue| match v {
        OptionValue::Number(n) => {
            let n = proc_macro2::Literal::u64_unsuffixed(*n);
            quote!(#n)
        }
        OptionValue::Sys(name) => {
            let name = ident(name);
            quote!(#krate::sys::#name)
        }
        // The subsystem module is a child of the scope that invokes `mig!`.
        OptionValue::User(name) => {
            let name = ident(name);
            quote!(super::#name)
        }
        OptionValue::Argument(name) => {
            let name = ident(name);
            quote!(#name)
        }
    };
    let mut options = Vec::new();
    let mut timeout = None;
    if let Some(wait) = &routine.wait_time {
        options.push(quote!(#krate::sys::MACH_SEND_TIMEOUT));
        if !routine.simple {
            options.push(quote!(#krate::sys::MACH_RCV_TIMEOUT));
        }
        timeout = Some(value(wait));
    } else if let Some(send) = &routine.send_time {
        options.push(quote!(#krate::sys::MACH_SEND_TIMEOUT));
        timeout = Some(value(send));
    }
    if let Some(option) = &routine.msg_option {
        let option = value(option);
        options.push(quote!((#option) as #krate::sys::mach_msg_option_t));
    }
    let options = if options.is_empty() {
        quote!(0)
    } else {
        quote!(#(#options)|*)
    };
    let timeout = match timeout {
        Some(t) => quote!((#t) as #krate::sys::mach_msg_timeout_t),
        None => quote!(0),
    };
    (options, timeout)
}

/// The conversions (which may fail: `MIG_ARRAY_TOO_LARGE` before anything is sent) and
/// the writes of a request, from the stub's parameters, into the `Writer` `__writer`.
fn request_writes(paths: &Paths, routine: &Routine, layout: &Message) -> (TokenStream, TokenStream) {
    let krate = &paths.krate;
    wire::write_message(
        paths,
        &Fields::new(layout),
        routine,
        &quote!(__writer),
        false,
        |a| {
            let name = ident(&a.name);
            quote!(#name)
        },
        |arg, value| match arg.ty.wire {
            crate::model::Wire::OutOfLinePorts { max, .. } if sends_names_region(arg) => {
                let max = proc_macro2::Literal::u32_unsuffixed(max.unwrap_or(u32::MAX));
                let disposition = proc_macro2::Literal::u8_unsuffixed(ports::send_disposition(arg) as u8);
                quote!(#krate::ool_ports_moved(#value, #disposition, #max)?)
            }
            crate::model::Wire::PortArray { .. } | crate::model::Wire::OutOfLinePorts { .. } => {
                port_array_to_wire(paths, arg, value, false)
            }
            crate::model::Wire::CString { max, .. } => {
                let max = proc_macro2::Literal::usize_unsuffixed(max as usize);
                quote!(#krate::InlineString::<#max>::from_c_str(#value)?)
            }
            crate::model::Wire::OutOfLine { max, .. } if arg.dealloc_at_runtime => {
                let max = proc_macro2::Literal::u32_unsuffixed(max.unwrap_or(u32::MAX));
                quote!(#value.into_wire(#max)?)
            }
            crate::model::Wire::OutOfLine { .. } if arg.dealloc => quote!(#value.into_wire()?),
            crate::model::Wire::OutOfLine { max, .. } => {
                let max = proc_macro2::Literal::u32_unsuffixed(max.unwrap_or(u32::MAX));
                quote!(#krate::slice_to_wire(#value, #max)?)
            }
            crate::model::Wire::Variable { max, .. } => {
                let max = proc_macro2::Literal::usize_unsuffixed(max as usize);
                quote!(#krate::bounded(#value, #max)?)
            }
            _ => value,
        },
    )
}
