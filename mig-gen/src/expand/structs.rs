//! The wire structs of each routine, their compile-time layout checks, and the
//! `ROUTINES` table.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::names::{Paths, Scope, docs_with, ident, lit_i32, lit_usize};
use crate::layout::{FieldKind, Message, RoutineLayout, SubsystemLayout};
use crate::model::{Arg, Routine, Subsystem, Wire};

/// `pub mod <routine> { ID, Request, Reply, Output }`.
pub fn routine_module(paths: &Paths, routine: &Routine, layout: &RoutineLayout, index: usize) -> TokenStream {
    let name = ident(&routine.name);
    let id = lit_i32(routine.id);
    let kind = if routine.simple {
        "simpleroutine"
    } else {
        "routine"
    };
    let module_docs = docs_with(
        &routine.docs,
        &format!(
            "The messages of {kind} `{}` (request msgh_id {id}).",
            routine.name
        ),
    );
    let request = message(paths, routine, &layout.request, "Request", quote!(request), index);
    let reply = layout.reply.as_ref().map(|reply| {
        let reply_id = lit_i32(reply.id);
        let reply_struct = message(paths, routine, reply, "Reply", quote!(reply.unwrap()), index);
        quote! {
            /// The reply's msgh_id (request id + 100).
            pub const REPLY_ID: i32 = #reply_id;
            #reply_struct
        }
    });
    let output = output_struct(paths, routine);
    let deferred = super::server::deferred_reply(paths, routine, layout);
    quote! {
        #module_docs
        pub mod #name {
            use super::__mig;
            /// The request's msgh_id.
            pub const ID: i32 = #id;
            #request
            #reply
            #output
            #deferred
        }
    }
}

/// The structs holding several `out` values: `Output`, what the client gets, and, when
/// a port is among them and travels as a name on the server's side or a value is
/// translated (`outtran:`), `ServerOutput`, what the handler returns.
fn output_struct(paths: &Paths, routine: &Routine) -> TokenStream {
    let client_outs: Vec<&Arg> = super::args::client_values(routine);
    let server_outs: Vec<&Arg> = super::args::server_values(routine);
    let translated = server_outs.iter().any(|a| super::args::outtran(a).is_some());
    let krate = &paths.krate;
    let build = |name: &str, doc: &str, server: bool| {
        let outs = if server { &server_outs } else { &client_outs };
        // Rights and memory have one owner: no `Clone`, `Copy` or `PartialEq`.
        let has_ports = outs.iter().any(|a| a.ty.wire.is_descriptor());
        let name = format_ident!("{name}");
        let fields = outs.iter().map(|arg| {
            let field = ident(&arg.name);
            let ty = if server {
                super::args::handler_out_type(paths, arg, Scope::Routine)
            } else {
                super::args::received_out_type(paths, arg, Scope::Routine)
            };
            let doc = super::names::doc(&format!("`{}`.", arg.name));
            quote!(#doc pub #field: #ty)
        });
        let derives = if server && translated {
            // The user's translated types may implement none of these.
            quote!()
        } else if has_ports {
            quote!(#[derive(#krate::Debug)])
        } else {
            quote!(#[derive(#krate::Clone, #krate::Copy, #krate::Debug, #krate::PartialEq)])
        };
        let doc = super::names::doc(doc);
        quote! {
            #doc
            #derives
            pub struct #name { #(#fields,)* }
        }
    };
    let client = (client_outs.len() > 1)
        .then(|| build("Output", &format!("What `{}` returns.", routine.user_fn), false));
    let server = super::args::server_output_differs(routine).then(|| {
        build(
            "ServerOutput",
            &format!("What the handler of `{}` returns.", routine.name),
            true,
        )
    });
    quote!(#client #server)
}

/// One wire struct, its `Message` impl and the check that it matches the table entry.
fn message(
    paths: &Paths,
    routine: &Routine,
    m: &Message,
    which: &str,
    entry: TokenStream,
    index: usize,
) -> TokenStream {
    let krate = &paths.krate;
    let name = format_ident!("{which}");
    // Only a request whose handler takes trailer values needs its trailer copied.
    let trailer = (which == "Request" && routine.server_reads_trailer()).then(|| {
        quote!(
            const TRAILER: bool = true;
        )
    });
    let field_types: Vec<TokenStream> = m
        .fields
        .iter()
        .map(|f| match f.kind {
            FieldKind::Header => quote!(#krate::sys::mach_msg_header_t),
            FieldKind::Body => quote!(#krate::sys::mach_msg_body_t),
            FieldKind::PortDescriptor(_) => quote!(#krate::sys::mach_msg_port_descriptor_t),
            FieldKind::PortArray(arg) => {
                let max = match routine.args[arg].ty.wire {
                    Wire::PortArray { max, .. } => proc_macro2::Literal::usize_unsuffixed(max as usize),
                    _ => unreachable!("port arrays have a maximum"),
                };
                quote!([#krate::sys::mach_msg_port_descriptor_t; #max])
            }
            FieldKind::OutOfLinePorts(_) => quote!(#krate::sys::mach_msg_ool_ports_descriptor_t),
            FieldKind::OutOfLine(_) => quote!(#krate::sys::mach_msg_ool_descriptor_t),
            FieldKind::Ndr => quote!(#krate::sys::NDR_record_t),
            FieldKind::RetCode => quote!(#krate::sys::kern_return_t),
            FieldKind::Data(arg) => paths.wire(&routine.args[arg].ty, Scope::Routine),
            FieldKind::Count(_) | FieldKind::Capacity(_) | FieldKind::StringOffset(_) => {
                quote!(#krate::sys::mach_msg_type_number_t)
            }
            FieldKind::Padding => {
                let n = lit_usize(f.size);
                quote!([u8; #n])
            }
        })
        .collect();
    let field_names: Vec<_> = m.fields.iter().map(|f| ident(&f.name)).collect();
    let field_docs = m.fields.iter().map(|f| match f.kind {
        FieldKind::Header => "The message header.".to_owned(),
        FieldKind::Body => "The descriptor count.".to_owned(),
        FieldKind::PortDescriptor(arg) => format!("Port argument `{}`.", routine.args[arg].name),
        FieldKind::OutOfLine(arg) => format!("Out-of-line array `{}`.", routine.args[arg].name),
        FieldKind::PortArray(arg) => format!("Port array `{}`.", routine.args[arg].name),
        FieldKind::OutOfLinePorts(arg) => format!("Out-of-line port array `{}`.", routine.args[arg].name),
        FieldKind::Ndr => "The NDR record (data representation).".to_owned(),
        FieldKind::RetCode => "The server's return code.".to_owned(),
        FieldKind::Data(arg) => format!("Argument `{}`.", routine.args[arg].name),
        FieldKind::Count(arg) => format!("The number of elements of `{}`.", routine.args[arg].name),
        FieldKind::StringOffset(arg) => format!("Offset of `{}` (always 0).", routine.args[arg].name),
        FieldKind::Capacity(arg) => format!(
            "How many elements of `{}` the caller can take.",
            routine.args[arg].name
        ),
        FieldKind::Padding => "Padding to a 4-byte boundary.".to_owned(),
    });
    let title = format!("{}::{which}", routine.name);
    // The table holds the variable arrays; a fixed-size message keeps the trait's `&[]`.
    let variable = (!m.variable.is_empty()).then(
        || quote!(const VARIABLE: &'static [#krate::VarArray] = super::ROUTINES[#index].#entry.variable;),
    );
    let doc = format!(
        "The {} of `{}` as it travels (msgh_id {}, {} bytes), laid out as Apple MIG's `__{which}__{}_t`.",
        which.to_lowercase(),
        routine.name,
        m.id,
        m.size,
        routine.name
    );
    let index = proc_macro2::Literal::usize_unsuffixed(index);
    let mut out_of_line = m.out_of_line.iter();
    let descriptors: Vec<TokenStream> = m
        .fields
        .iter()
        .flat_map(|f| -> Vec<TokenStream> {
            let lit = proc_macro2::Literal::u32_unsuffixed;
            match f.kind {
                FieldKind::PortDescriptor(arg) => vec![super::ports::expected(paths, &routine.args[arg])],
                FieldKind::PortArray(arg) => {
                    let arg = &routine.args[arg];
                    let Wire::PortArray { max, variable, .. } = arg.ty.wire else { unreachable!() };
                    if !variable {
                        return vec![super::ports::expected(paths, arg); max as usize];
                    }
                    // Each slot within the count must carry the array's disposition
                    // (Apple MIG checks only the type); the runtime releases what the
                    // slots past the count carry.
                    let count = format!("{}Cnt", arg.count_from.as_deref().unwrap_or(&arg.name));
                    let count_offset = m
                        .fields
                        .iter()
                        .find(|f| f.name == count)
                        .map_or(0, |f| f.offset);
                    let send = arg.ty.wire.port_disposition().unwrap_or(0);
                    let received = proc_macro2::Literal::u8_unsuffixed(Wire::received_disposition(send) as u8);
                    let count_offset = lit(count_offset);
                    (0..max)
                        .map(|index| {
                            let index = lit(index);
                            quote!(#krate::Descriptor::PortSlot {
                                disposition: #received, count_offset: #count_offset, index: #index
                            })
                        })
                        .collect()
                }
                FieldKind::OutOfLine(_) | FieldKind::OutOfLinePorts(_) => {
                    let next = out_of_line.next().expect("one count per out-of-line array");
                    vec![match (*next, f.kind) {
                        (crate::layout::OutOfLine::Data { count_offset, element_size }, _) => {
                            let (size, offset) = (lit(element_size), lit(count_offset));
                            quote!(#krate::Descriptor::OutOfLine { element_size: #size, count_offset: #offset })
                        }
                        (crate::layout::OutOfLine::Ports { count_offset }, FieldKind::OutOfLinePorts(arg)) => {
                            let send = routine.args[arg].ty.wire.port_disposition().unwrap_or(0);
                            let received = proc_macro2::Literal::u8_unsuffixed(Wire::received_disposition(send) as u8);
                            let offset = lit(count_offset);
                            quote!(#krate::Descriptor::OutOfLinePorts { disposition: #received, count_offset: #offset })
                        }
                        (crate::layout::OutOfLine::ExactPorts { count }, FieldKind::OutOfLinePorts(arg)) => {
                            let send = routine.args[arg].ty.wire.port_disposition().unwrap_or(0);
                            let received = proc_macro2::Literal::u8_unsuffixed(Wire::received_disposition(send) as u8);
                            let count = lit(count);
                            quote!(#krate::Descriptor::OutOfLinePortsExact { disposition: #received, count: #count })
                        }
                        (crate::layout::OutOfLine::Value { size }, _) => {
                            let size = lit(size);
                            quote!(#krate::Descriptor::OutOfLineValue { size: #size })
                        }
                        _ => unreachable!("port counts belong to port descriptors"),
                    }]
                }
                _ => Vec::new(),
            }
        })
        .collect();
    let doc = super::names::doc(&doc);
    let field_docs = field_docs.map(|text| super::names::doc(&text));
    quote! {
        #doc
        #[repr(C, packed(4))]
        #[derive(#krate::Clone, #krate::Copy)]
        pub struct #name {
            #(#field_docs pub #field_names: #field_types,)*
        }

        // SAFETY: packed(4), starts with the header, holds only plain data.
        unsafe impl #krate::Message for #name {
            const DESCRIPTORS: &'static [#krate::Descriptor] = &[#(#descriptors),*];
            #variable
            #trailer
        }

        impl #krate::Debug for #name {
            // Compiled only where it is used, as the stubs are: most structs are never
            // printed, and a large subsystem's would cost its crate's every rebuild.
            #[inline]
            fn fmt(&self, f: &mut #krate::Formatter<'_>) -> #krate::FmtResult {
                #krate::debug_message(f, #title, &super::ROUTINES[#index].#entry, self)
            }
        }

        const _: () = #krate::check_layout(
            &super::ROUTINES[#index].#entry,
            #krate::size_of::<#name>(),
            &[#(#krate::offset_of!(#name, #field_names)),*],
        );
    }
}

/// The `ROUTINES` entries.
pub fn table(paths: &Paths, model: &Subsystem, layout: &SubsystemLayout) -> Vec<TokenStream> {
    let krate = &paths.krate;
    model
        .routines
        .iter()
        .zip(&layout.routines)
        .map(|(routine, l)| {
            let name = &routine.name;
            let request = layout_value(krate, &l.request);
            let reply = match &l.reply {
                Some(reply) => {
                    let reply = layout_value(krate, reply);
                    quote!(#krate::Some(#reply))
                }
                None => quote!(#krate::None),
            };
            quote!(#krate::RoutineLayout { name: #name, request: #request, reply: #reply })
        })
        .collect()
}

fn layout_value(krate: &TokenStream, m: &Message) -> TokenStream {
    let id = lit_i32(m.id);
    let size = lit_usize(m.size);
    let complex = m.complex;
    let descriptors = proc_macro2::Literal::u32_unsuffixed(m.descriptors);
    let fields = m.fields.iter().map(|f| {
        let name = &f.name;
        let offset = lit_usize(f.offset);
        let size = lit_usize(f.size);
        quote!(#krate::field(#name, #offset, #size))
    });
    let variable = m.variable.iter().map(|v| {
        let lit = proc_macro2::Literal::u32_unsuffixed;
        let (count, data, size, max) = (
            lit(v.count_offset),
            lit(v.data_offset),
            lit(v.element_size),
            lit(v.max),
        );
        quote!(#krate::VarArray { count_offset: #count, data_offset: #data, element_size: #size, max: #max })
    });
    quote!(#krate::Layout {
        id: #id, size: #size, complex: #complex, descriptors: #descriptors,
        fields: &[#(#fields),*], variable: &[#(#variable),*],
    })
}
