//! Port arguments: which Rust type carries a right on each side, and how it becomes a
//! descriptor and back.
//!
//! A right that moves (`MOVE_RECEIVE`, `MOVE_SEND`, `MOVE_SEND_ONCE`) is a typed owner
//! (`ReceiveRight`, `SendRight`, `SendOnceRight`) that the call consumes; a right that
//! is copied or made (`COPY_SEND`, `MAKE_SEND`, `MAKE_SEND_ONCE`) is named by a plain
//! `mach_port_t`, which the sender keeps. What arrives is always owned.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::names::{Paths, Scope};
use crate::model::{Arg, Wire};

/// The disposition a port argument is sent with.
pub fn send_disposition(arg: &Arg) -> u32 {
    arg.ty.wire.port_disposition().unwrap_or(sys_copy_send())
}

/// `MACH_MSG_TYPE_COPY_SEND`: what a non-port argument would never be asked for; a
/// harmless answer rather than a panic.
const fn sys_copy_send() -> u32 {
    19
}

fn owner(paths: &Paths, disposition: u32) -> Option<TokenStream> {
    let krate = &paths.krate;
    match disposition {
        16 => Some(quote!(#krate::ReceiveRight)),
        17 => Some(quote!(#krate::SendRight)),
        18 => Some(quote!(#krate::SendOnceRight)),
        _ => None,
    }
}

/// The type the sender passes (a parameter of a client stub, or what a handler returns).
pub fn sent_type(paths: &Paths, arg: &Arg, scope: Scope) -> TokenStream {
    owner(paths, send_disposition(arg)).unwrap_or_else(|| paths.ty(&arg.ty, scope))
}

/// The type the receiver gets: always an owner.
pub fn received_type(paths: &Paths, arg: &Arg) -> TokenStream {
    let received = Wire::received_disposition(send_disposition(arg));
    owner(paths, received).expect("received dispositions are owned rights")
}

/// The descriptor for `value` (an expression of [`sent_type`]).
pub fn descriptor(paths: &Paths, arg: &Arg, value: TokenStream) -> TokenStream {
    let krate = &paths.krate;
    let disposition = send_disposition(arg);
    let name = match owner(paths, disposition) {
        Some(_) => quote!(#value.into_raw()),
        None => value,
    };
    let disposition = Literal::u8_unsuffixed(disposition as u8);
    quote!(#krate::port(#name, #disposition))
}

/// `Descriptor::Port { disposition }` for the check of a received message.
pub fn expected(paths: &Paths, arg: &Arg) -> TokenStream {
    let krate = &paths.krate;
    if is_poly(arg) {
        // Any disposition: MIG checks only the type of a polymorphic port.
        return quote!(#krate::Descriptor::Port { disposition: 0 });
    }
    let received = Literal::u8_unsuffixed(Wire::received_disposition(send_disposition(arg)) as u8);
    quote!(#krate::Descriptor::Port { disposition: #received })
}

/// Whether an argument is a `polymorphic` port (a `mig::PolyPort`).
pub fn is_poly(arg: &Arg) -> bool {
    matches!(arg.ty.wire, Wire::PolymorphicPort)
}

pub fn is_port(arg: &Arg) -> bool {
    matches!(arg.ty.wire, Wire::Port { .. })
}
