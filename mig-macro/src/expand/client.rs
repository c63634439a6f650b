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
    let literal = proc_macro2::Literal::u32_unsuffixed(ports::send_disposition(port));
    // The destination: a name, an owned right the call consumes, or (polymorphic) a
    // right with the disposition the caller chose.
    let (port_value, disposition) = match ports::send_disposition(port) {
        _ if ports::is_poly(port) => (quote!(#port_name.name), quote!(#port_name.disposition)),
        16..=18 => (quote!(#port_name.into_raw()), quote!(#literal)),
        _ => (quote!(#port_name), quote!(#literal)),
    };
    let params = routine
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
    let request = request_value(paths, routine);
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
    let (send, rpc, reply_port) = match &callers_reply {
        Some(reply) => (quote!(send_on), quote!(rpc_on), quote!(, #reply)),
        None if routine.special_reply_port => (quote!(send), quote!(rpc_special), TokenStream::new()),
        None => (quote!(send), quote!(rpc), TokenStream::new()),
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
    for arg in routine.args.iter().filter(|a| a.count_in_out) {
        doc.push_str(&format!(
            " `{0}_capacity` is the most elements of `{0}` the caller takes: the server is told \
             it (clamped to the array's maximum), and a reply carrying more is refused with \
             `MIG_ARRAY_TOO_LARGE`.",
            arg.name
        ));
    }
    let doc = docs_with(&routine.docs, &doc);
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
                    return #krate::__private::send_ret_code(#code, #port_value, #disposition, #module::ID, #options, #timeout #reply);
                }
            }
        });
        return quote! {
            #doc
            pub fn #name(#(#params),*) -> #krate::Result<()> {
                #ret_code
                let __request = #request;
                // SAFETY: the request was built from the arguments, whose types own or
                // borrow every right and region it carries.
                unsafe {
                    #krate::__private::#send(__request, #port_value, #disposition, #module::ID, #options, #timeout #reply_port)
                }
            }
        };
    }
    let outs: Vec<&Arg> = routine.client_outs().collect();
    let value = |arg: &Arg| {
        if let Role::Trailer { element, .. } = arg.role {
            // Present: `rpc_with_trailer` refused a reply whose trailer lacks it.
            super::server::read_trailer(element)
        } else if ports::is_poly(arg) {
            let field = ident(&arg.name);
            quote!(#krate::PolyPort::from_descriptor(__reply.#field))
        } else if ports::is_port(arg) {
            ports::take(paths, arg, quote!(__reply))
        } else if is_port_array(arg) {
            take_port_array(paths, arg, quote!(__reply))
        } else if is_out_of_line(arg) {
            take_out_of_line(paths, arg, quote!(__reply))
        } else if let crate::model::Wire::OutOfLineValue { .. } = arg.ty.wire {
            // The checks fixed the region's size; the reply's copy of the address was
            // cleared, so the region is freed once, here.
            let field = ident(&arg.name);
            quote!(unsafe { #krate::__private::take_ool_value(__reply.#field) })
        } else if is_string(arg) {
            let string = received_string(paths, arg, quote!(__reply));
            quote!(#string.ok_or(#krate::Error::MIG_TYPE_ERROR)?)
        } else if is_variable(arg) {
            let field = ident(&arg.name);
            let count = count_field(arg);
            quote!(#krate::InlineArray::from_wire(__reply.#count, __reply.#field))
        } else {
            let field = ident(&arg.name);
            quote!(__reply.#field)
        }
    };
    let (returns, result) = match outs.as_slice() {
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
    // `CountInOut`: a reply with more elements than the caller can take is refused (and
    // destroyed) before anything is taken from it, as Apple's stubs refuse it.
    let capacities = outs.iter().filter(|a| a.count_in_out).map(|arg| {
        let count = count_field(arg);
        let capacity = quote::format_ident!("{}_capacity", arg.name);
        quote! {
            if __reply.#count > #capacity {
                return #krate::__private::Err(#krate::__private::array_too_large(__reply));
            }
        }
    });
    let capacities = quote!(#(#capacities)*);
    if let Some(elements) = routine.client_trailer_elements() {
        let elements_lit = proc_macro2::Literal::u32_unsuffixed(elements);
        // `UserSecToken`/`UserAuditToken`: the reply comes with the trailer that holds them.
        let via = match &callers_reply {
            Some(reply) => quote!(#krate::__private::ReplyPort::Callers(#reply)),
            None if routine.special_reply_port => quote!(#krate::__private::ReplyPort::Special),
            None => quote!(#krate::__private::ReplyPort::Mig),
        };
        return quote! {
            #doc
            pub fn #name(#(#params),*) -> #krate::Result<#returns> {
                let __request = #request;
                // SAFETY: the request was built from the arguments, whose types own or
                // borrow every right and region it carries.
                let (__reply, __trailer): (#module::Reply, #krate::Trailer) = unsafe {
                    #krate::__private::rpc_with_trailer(
                        __request, #port_value, #disposition, #module::ID, #options, #timeout, #via, #elements_lit,
                    )
                }?;
                #capacities
                #krate::__private::Ok(#result)
            }
        };
    }
    quote! {
        #doc
        pub fn #name(#(#params),*) -> #krate::Result<#returns> {
            let __request = #request;
            // SAFETY: the request was built from the arguments, whose types own or borrow
            // every right and region it carries.
            let __reply: #module::Reply = unsafe {
                #krate::__private::#rpc(__request, #port_value, #disposition, #module::ID, #options, #timeout #reply_port)
            }?;
            #capacities
            #krate::__private::Ok(#result)
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
            crate::model::Wire::OutOfLinePorts { max, .. } if sends_names_region(arg) => {
                let max = proc_macro2::Literal::u32_unsuffixed(max.unwrap_or(u32::MAX));
                let disposition = proc_macro2::Literal::u8_unsuffixed(ports::send_disposition(arg) as u8);
                quote!(#krate::__private::ool_ports_moved(#value, #disposition, #max)?)
            }
            crate::model::Wire::PortArray { .. } | crate::model::Wire::OutOfLinePorts { .. } => {
                port_array_to_wire(paths, arg, value, false)
            }
            crate::model::Wire::CString { max, .. } => {
                let max = proc_macro2::Literal::usize_unsuffixed(max as usize);
                quote!(#krate::InlineString::<#max>::from_c_str(#value)?.into_wire())
            }
            crate::model::Wire::OutOfLine { max, .. } if arg.dealloc_at_runtime => {
                let max = proc_macro2::Literal::u32_unsuffixed(max.unwrap_or(u32::MAX));
                quote!(#value.into_wire(#max)?)
            }
            crate::model::Wire::OutOfLine { .. } if arg.dealloc => quote!(#value.into_wire()?),
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
/// argument with its count and padding. `value` gives an argument's expression; for an
/// array or string, `to_wire` turns it into `(count, storage)` in a statement of the
/// returned prelude (where `SameCount` lengths are checked too).
pub fn message_fields(
    paths: &Paths,
    args: &[&Arg],
    reply: bool,
    value: impl Fn(&Arg) -> TokenStream,
    to_wire: impl Fn(&Arg, TokenStream) -> TokenStream,
) -> (TokenStream, TokenStream) {
    use crate::model::Wire;
    let krate = &paths.krate;
    let described: Vec<&Arg> = args
        .iter()
        .copied()
        .filter(|a| a.ty.wire.is_descriptor())
        .collect();
    let complex = !described.is_empty();
    let capacity = |arg: &Arg| !reply && arg.role == crate::model::Role::Out;
    let local = |arg: &Arg| quote::format_ident!("__{}", arg.name);
    let converted = |arg: &Arg| {
        !capacity(arg)
            && !matches!(
                arg.ty.wire,
                Wire::Port { .. }
                    | Wire::PolymorphicPort
                    | Wire::OutOfLineValue { .. }
                    | Wire::Scalar { .. }
                    | Wire::Fixed { .. }
            )
    };
    let mut prelude = TokenStream::new();
    for arg in args.iter().filter(|a| converted(a)) {
        let name = local(arg);
        let wire = to_wire(arg, value(arg));
        prelude.extend(quote!(let #name = #wire;));
        if let Some(owner) = &arg.count_from {
            let owner = quote::format_ident!("__{}", owner);
            prelude.extend(quote!(#krate::__private::same_count(#name.0, #owner.0)?;));
        }
    }
    let mut fields = quote!(Head: #krate::__private::HEADER,);
    if complex {
        let count: u32 = described
            .iter()
            .map(|a| match a.ty.wire {
                Wire::PortArray { max, .. } => max,
                _ => 1,
            })
            .sum();
        let count = proc_macro2::Literal::u32_unsuffixed(count);
        fields.extend(quote!(msgh_body: #krate::__private::body(#count),));
        for arg in &described {
            let name = ident(&arg.name);
            let descriptor = if let Wire::OutOfLineValue { .. } = arg.ty.wire {
                let v = value(arg);
                if reply {
                    // The handler's value dies with the reply's construction: a copy
                    // in memory of its own moves with the message.
                    quote!(#krate::__private::ool_value_moved(&#v)?)
                } else {
                    quote!(#krate::__private::ool_value(#v))
                }
            } else if ports::is_poly(arg) {
                let v = value(arg);
                quote!(#v.into_descriptor())
            } else if ports::is_port(arg) {
                ports::descriptor(paths, arg, value(arg))
            } else {
                let local = local(arg);
                quote!(#local.1)
            };
            let descriptor = if arg.physical_copy {
                quote!(#krate::__private::physical_copy(#descriptor))
            } else {
                descriptor
            };
            fields.extend(quote!(#name: #descriptor,));
        }
    }
    let inline: Vec<&Arg> = args
        .iter()
        .copied()
        .filter(|a| crate::layout::has_inline_part(a, reply))
        .collect();
    if !inline.is_empty() || (reply && !complex) {
        fields.extend(quote!(NDR: #krate::__private::NDR,));
    }
    if reply && !complex {
        fields.extend(quote!(RetCode: 0,));
    }
    for arg in &inline {
        if crate::layout::left_out(arg, reply, complex) {
            continue;
        }
        let name = ident(&arg.name);
        let count = quote::format_ident!("{}Cnt", arg.name);
        let own_count = arg.count_from.is_none();
        let local = local(arg);
        if capacity(arg) {
            // The stub's `<arg>_capacity` parameter.
            let capacity = quote::format_ident!("{}_capacity", arg.name);
            fields.extend(quote!(#count: #capacity,));
            continue;
        }
        match arg.ty.wire {
            Wire::OutOfLine { .. } | Wire::OutOfLinePorts { .. } | Wire::PortArray { .. } => {
                if own_count {
                    fields.extend(quote!(#count: #local.0,));
                }
                continue;
            }
            Wire::Variable { .. } | Wire::CString { variable: true, .. } => {
                if own_count {
                    fields.extend(quote!(#count: #local.0,));
                }
                fields.extend(quote!(#name: #local.1,));
                if is_string(arg) {
                    let offset = quote::format_ident!("{}Offset", arg.name);
                    fields.extend(quote!(#offset: 0,));
                }
            }
            Wire::CString { .. } => fields.extend(quote!(#name: #local.1,)),
            _ => {
                let v = value(arg);
                fields.extend(quote!(#name: #v,));
            }
        }
        if let Some(n) = padding(arg) {
            let pad = quote::format_ident!("{}Pad", arg.name);
            fields.extend(quote!(#pad: [0u8; #n],));
        }
    }
    (prelude, fields)
}

/// The `<arg>Cnt` field holding an array's count: its own, or the one it shares.
pub fn count_field(arg: &Arg) -> proc_macro2::Ident {
    quote::format_ident!("{}Cnt", arg.count_from.as_deref().unwrap_or(&arg.name))
}

/// Whether a client sends an out-of-line array of names it keeps rights to in a region
/// of its own that moves with the request (`dealloc`): the stub takes a
/// `mig::OutOfLine<mach_port_t>`. Rights that move already travel in a fresh region
/// that leaves with the message, so `dealloc` changes nothing for them, nor for a fixed
/// array (`^array[n]`), which is always copied into `n` fresh slots.
pub fn sends_names_region(arg: &Arg) -> bool {
    arg.dealloc
        && matches!(
            arg.ty.wire,
            crate::model::Wire::OutOfLinePorts { exact: false, .. }
        )
        && !matches!(ports::send_disposition(arg), 16..=18)
}

/// Whether an argument is an array of ports (inline or out of line).
pub fn is_port_array(arg: &Arg) -> bool {
    matches!(
        arg.ty.wire,
        crate::model::Wire::PortArray { .. } | crate::model::Wire::OutOfLinePorts { .. }
    )
}

/// The owners of a received port array, from `message` (checked, its names cleared).
pub fn take_port_array(paths: &Paths, arg: &Arg, message: TokenStream) -> TokenStream {
    let krate = &paths.krate;
    let owner = ports::received_type(paths, arg);
    let name = ident(&arg.name);
    match arg.ty.wire {
        crate::model::Wire::PortArray { max, variable, .. } => {
            let count = if variable {
                let count = count_field(arg);
                quote!(#message.#count)
            } else {
                let max = proc_macro2::Literal::u32_unsuffixed(max);
                quote!(#max)
            };
            quote!(unsafe { #krate::__private::take_port_array::<#owner, _>(#message.#name, #count) })
        }
        _ => quote!(unsafe { #krate::__private::take_ool_ports::<#owner>(#message.#name) }),
    }
}

/// What a port array's sender passes: names it keeps (a slice, or a `Vec` when `owned`,
/// as a handler returns them), or owners that move.
pub fn sent_port_array(paths: &Paths, arg: &Arg, scope: Scope, owned: bool) -> TokenStream {
    let krate = &paths.krate;
    match ports::send_disposition(arg) {
        16..=18 => {
            let owner = ports::sent_type(paths, arg, scope);
            quote!(#krate::__private::Vec<#owner>)
        }
        _ => {
            let element = paths.element(&arg.ty, scope);
            if owned {
                quote!(#krate::__private::Vec<#element>)
            } else {
                quote!(&[#element])
            }
        }
    }
}

/// What a receiver gets of a port array: its owners.
pub fn received_port_array(paths: &Paths, arg: &Arg) -> TokenStream {
    let krate = &paths.krate;
    let owner = ports::received_type(paths, arg);
    quote!(#krate::__private::Vec<#owner>)
}

/// The `(count, descriptors)` of a port array a sender passes (`value`); `owned` when the
/// names must outlive the call (a server's reply), which copies them out of line.
pub fn port_array_to_wire(paths: &Paths, arg: &Arg, value: TokenStream, owned: bool) -> TokenStream {
    let krate = &paths.krate;
    let moves = matches!(ports::send_disposition(arg), 16..=18);
    let disposition = proc_macro2::Literal::u8_unsuffixed(ports::send_disposition(arg) as u8);
    let names = if moves || owned {
        quote!(#value)
    } else {
        quote!(#value.iter().copied())
    };
    match arg.ty.wire {
        crate::model::Wire::PortArray { max, .. } => {
            let max = proc_macro2::Literal::usize_unsuffixed(max as usize);
            quote!(#krate::__private::port_array::<_, #max>(#names, #disposition)?)
        }
        crate::model::Wire::OutOfLinePorts {
            max: Some(max),
            exact: true,
            ..
        } => {
            let max = proc_macro2::Literal::u32_unsuffixed(max);
            quote!(#krate::__private::ool_ports_exact(#names, #disposition, #max)?)
        }
        crate::model::Wire::OutOfLinePorts { max, .. } => {
            let max = proc_macro2::Literal::u32_unsuffixed(max.unwrap_or(u32::MAX));
            if moves || owned {
                quote!(#krate::__private::ool_ports_owned(#names, #disposition, #max)?)
            } else {
                quote!(#krate::__private::ool_ports_borrowed(#value, #disposition, #max)?)
            }
        }
        _ => unreachable!("only port arrays"),
    }
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

/// What the client gets for `out` value `arg`: received rights are owned.
pub fn received_out_type(paths: &Paths, arg: &Arg, scope: Scope) -> TokenStream {
    let krate = &paths.krate;
    if ports::is_poly(arg) {
        quote!(#krate::PolyPort)
    } else if ports::is_port(arg) {
        ports::received_type(paths, arg)
    } else if is_port_array(arg) {
        received_port_array(paths, arg)
    } else {
        paths.ty(&arg.ty, scope)
    }
}
