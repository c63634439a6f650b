//! What each argument is, and the Rust types and conversions it has on each side: shared by
//! the client stubs, the dispatch and the routine modules (which import this, never each
//! other).

use proc_macro2::TokenStream;
use quote::quote;

use super::names::{Paths, Scope, user_path};
use super::ports;
use crate::model::{Arg, Role, Routine, TrailerElement, Translation, UserPath};

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

/// What a port array's sender passes: names it keeps (a slice, or a `Vec` when `owned`,
/// as a handler returns them), or owners that move.
pub fn sent_port_array(paths: &Paths, arg: &Arg, scope: Scope, owned: bool) -> TokenStream {
    let krate = &paths.krate;
    match ports::send_disposition(arg) {
        16..=18 => {
            let owner = ports::sent_type(paths, arg, scope);
            quote!(#krate::Vec<#owner>)
        }
        _ => {
            let element = paths.element(&arg.ty, scope);
            if owned {
                quote!(#krate::Vec<#element>)
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
    quote!(#krate::Vec<#owner>)
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
            quote!(#krate::port_array::<_, #max>(#names, #disposition)?)
        }
        crate::model::Wire::OutOfLinePorts {
            max: Some(max),
            exact: true,
            ..
        } => {
            let max = proc_macro2::Literal::u32_unsuffixed(max);
            quote!(#krate::ool_ports_exact(#names, #disposition, #max)?)
        }
        crate::model::Wire::OutOfLinePorts { max, .. } => {
            let max = proc_macro2::Literal::u32_unsuffixed(max.unwrap_or(u32::MAX));
            if moves || owned {
                quote!(#krate::ool_ports_owned(#names, #disposition, #max)?)
            } else {
                quote!(#krate::ool_ports_borrowed(#value, #disposition, #max)?)
            }
        }
        _ => unreachable!("only port arrays"),
    }
}

/// Whether an argument is a `c_string`.
pub fn is_string(arg: &Arg) -> bool {
    matches!(arg.ty.wire, crate::model::Wire::CString { .. })
}

/// Whether an argument is an out-of-line array.
pub fn is_out_of_line(arg: &Arg) -> bool {
    matches!(arg.ty.wire, crate::model::Wire::OutOfLine { .. })
}

/// Whether an argument is a variable-size inline array.
pub fn is_variable(arg: &Arg) -> bool {
    matches!(arg.ty.wire, crate::model::Wire::Variable { .. })
}

/// The typed identity a security or audit token argument (`ServerAuditToken`,
/// `UserSecToken`, …) is read as: `mig::AuditToken` or `mig::SecurityToken`, whatever
/// 8- or 32-byte MIG type names it, unless that type is the user's own (`rusttype:`).
pub fn token_type(paths: &Paths, arg: &Arg) -> Option<TokenStream> {
    let krate = &paths.krate;
    let Role::Trailer { element, .. } = arg.role else {
        return None;
    };
    if matches!(arg.ty.rust, crate::model::Rust::User { .. }) {
        return None;
    }
    match element {
        TrailerElement::AuditToken => Some(quote!(#krate::AuditToken)),
        TrailerElement::SecurityToken => Some(quote!(#krate::SecurityToken)),
        TrailerElement::Seqno | TrailerElement::Context => None,
    }
}

/// What the client gets for `out` value `arg`: received rights are owned.
pub fn received_out_type(paths: &Paths, arg: &Arg, scope: Scope) -> TokenStream {
    let krate = &paths.krate;
    if let Some(token) = token_type(paths, arg) {
        token
    } else if ports::is_poly(arg) {
        quote!(#krate::PolyPort)
    } else if ports::is_port(arg) {
        ports::received_type(paths, arg)
    } else if is_port_array(arg) {
        received_port_array(paths, arg)
    } else {
        paths.ty(&arg.ty, scope)
    }
}

/// A trailer element, read from the `__trailer` of a request or reply.
pub fn read_trailer(element: TrailerElement) -> TokenStream {
    let read = match element {
        TrailerElement::Seqno => quote!(seqno),
        TrailerElement::SecurityToken => quote!(security_token),
        TrailerElement::AuditToken => quote!(audit_token),
        TrailerElement::Context => quote!(context),
    };
    quote!(__trailer.#read()?)
}

/// The `outtran:` of an argument the server sends back.
pub fn outtran(arg: &Arg) -> Option<(&Translation, &UserPath)> {
    let t = arg.translation.as_ref()?;
    let sent = matches!(arg.role, Role::Out | Role::InOut);
    Some((t, t.outtran.as_ref().filter(|_| sent)?))
}

/// What a handler returns for `out` value `arg`, before any `outtran:`.
pub fn sent_out_type(paths: &Paths, arg: &Arg, scope: Scope) -> TokenStream {
    let krate = &paths.krate;
    if ports::is_poly(arg) {
        quote!(#krate::PolyPort)
    } else if ports::is_port(arg) {
        ports::sent_type(paths, arg, scope)
    } else if is_port_array(arg) {
        sent_port_array(paths, arg, scope, true)
    } else {
        paths.ty(&arg.ty, scope)
    }
}

/// What a handler returns for `out` value `arg`: its translated type under `outtran:`.
pub fn handler_out_type(paths: &Paths, arg: &Arg, scope: Scope) -> TokenStream {
    match outtran(arg) {
        Some((t, _)) => user_path(&t.translated.path, t.translated.span, scope),
        None => sent_out_type(paths, arg, scope),
    }
}

/// Whether `arg` is a variable inline `out` array: the handler writes it straight into
/// its reply (a `mig::OutArray` parameter), and the client copies it into an
/// `InlineArray` the caller passes, so neither returns it (nor moves its maximum).
pub fn out_array(arg: &Arg) -> bool {
    arg.role == Role::Out && is_variable(arg)
}

/// What the client stub returns: its `out` and trailer values, except [`out_array`]s.
pub fn client_values(routine: &Routine) -> Vec<&Arg> {
    routine.client_outs().filter(|a| !out_array(a)).collect()
}

/// What the handler returns: its `out` values, except the [`out_array`]s it writes in
/// place. A handler that holds the reply port answers later with all of them (the
/// routine's `reply`), the arrays as `InlineArray`s.
pub fn server_values(routine: &Routine) -> Vec<&Arg> {
    let deferred = routine.server_reply_port().is_some();
    routine.outs().filter(|a| deferred || !out_array(a)).collect()
}

/// Whether the handler returns its outs in a different struct than the client gets: a
/// port copied or made (sent as a name) arrives as an owned right, a translated value
/// is the user's type on the server's side, the client also gets trailer values, and a
/// handler that answers later returns its `out` arrays too.
pub fn server_output_differs(routine: &Routine) -> bool {
    let server = server_values(routine);
    let client = client_values(routine);
    server.len() > 1
        && (client.len() != server.len()
            || client.iter().zip(&server).any(|(c, s)| !std::ptr::eq(*c, *s))
            || server
                .iter()
                .any(|a| a.ty.wire.port_disposition().is_some_and(|d| d > 18) || outtran(a).is_some()))
}
