//! Fields read and written in place: where each lies (from `layout`, never re-derived)
//! and the expressions that read, take or write it, shared by the client stubs and the
//! dispatch.
//!
//! A field is named by its offset in the message's maximum layout and by how many
//! variable arrays precede it (`k`): the runtime's `Reader` subtracts what those arrays
//! left out, and the `Writer`, which writes fields in layout order, counts it as it goes.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::names::{Paths, Scope};
use super::ports;
use crate::layout::{Field, FieldKind, Message};
use crate::model::{Arg, Wire};

/// One message's fields, as `layout` placed them.
pub struct Fields<'a> {
    message: &'a Message,
}

/// A field's place: its offset (maximum layout) and the number of variable arrays
/// before it, as literals.
pub struct At {
    pub offset: Literal,
    pub k: Literal,
}

impl<'a> Fields<'a> {
    pub fn new(message: &'a Message) -> Self {
        Fields { message }
    }

    /// Whether the message is a reply (its id is the request's plus 100).
    pub fn is_reply(&self) -> bool {
        self.message.reply
    }

    pub fn at(&self, field: &Field) -> At {
        let k = self
            .message
            .variable
            .iter()
            .filter(|v| v.data_offset < field.offset)
            .count();
        At {
            offset: Literal::usize_unsuffixed(field.offset as usize),
            k: Literal::usize_unsuffixed(k),
        }
    }

    /// Whether `field` lies in a variable array's slot (its maximum, rounded up to 4).
    pub fn in_variable_slot(&self, field: &Field) -> bool {
        self.message.variable.iter().any(|v| {
            let slot = (v.max * v.element_size).next_multiple_of(4);
            (v.data_offset..v.data_offset + slot).contains(&field.offset)
        })
    }

    /// The fields in layout order.
    pub fn all(&self) -> &'a [Field] {
        &self.message.fields
    }

    fn find(&self, wanted: impl Fn(&FieldKind) -> bool) -> Option<&'a Field> {
        self.message.fields.iter().find(|f| wanted(&f.kind))
    }

    /// Argument `index`'s value (inline data).
    pub fn data(&self, index: usize) -> Option<&'a Field> {
        self.find(|k| matches!(k, FieldKind::Data(i) if *i == index))
    }

    /// Argument `index`'s descriptor (or inline port array).
    pub fn descriptor(&self, index: usize) -> Option<&'a Field> {
        self.find(|k| {
            matches!(k,
                FieldKind::PortDescriptor(i) | FieldKind::OutOfLine(i) | FieldKind::PortArray(i)
                | FieldKind::OutOfLinePorts(i) if *i == index)
        })
    }

    /// The count an array argument uses: its own `<arg>Cnt`, or the one it shares.
    pub fn count(&self, arg: &Arg) -> Option<&'a Field> {
        let name = format!("{}Cnt", arg.count_from.as_deref().unwrap_or(&arg.name));
        self.message
            .fields
            .iter()
            .find(|f| f.name == name && matches!(f.kind, FieldKind::Count(_)))
    }

    /// The capacity a `CountInOut` request sends for argument `index`.
    pub fn capacity(&self, index: usize) -> Option<&'a Field> {
        self.find(|k| matches!(k, FieldKind::Capacity(i) if *i == index))
    }
}

/// Reads the value of `field` from `reader` (a `Reader`), as type `ty`.
pub fn get(fields: &Fields, field: &Field, reader: &TokenStream, ty: TokenStream) -> TokenStream {
    let At { offset, k } = fields.at(field);
    quote!(#reader.get::<#ty>(#offset, #k))
}

/// Reads an array's count.
pub fn count(fields: &Fields, arg: &Arg, reader: &TokenStream) -> TokenStream {
    match fields.count(arg) {
        Some(field) => get(fields, field, reader, quote!(u32)),
        None => quote!(0u32),
    }
}

/// The elements of a received variable inline array, where they lie: a slice for
/// elements of 4 bytes or less, else an `Elements` (a copy where 8-byte elements lie
/// misaligned).
pub fn elements(
    paths: &Paths,
    fields: &Fields,
    index: usize,
    arg: &Arg,
    reader: &TokenStream,
) -> TokenStream {
    let Some(field) = fields.data(index) else {
        return quote!(&[]);
    };
    let At { offset, k } = fields.at(field);
    let element = paths.element(&arg.ty, Scope::Subsystem);
    let (max, small) = match arg.ty.wire {
        Wire::Variable { max, element_size } => (Literal::usize_unsuffixed(max as usize), element_size <= 4),
        _ => (Literal::usize_unsuffixed(0), false),
    };
    let count = count(fields, arg, reader);
    if small {
        // Always aligned where they lie: a slice, with no copy to fall back on.
        return quote!(#reader.slice::<#element>(#offset, #k, #count, #max));
    }
    quote!(#reader.elements::<#element, #max>(#offset, #k, #count))
}

/// A received `c_string`, borrowed where it lies: `Option<&CStr>`, `None` without a NUL
/// within its count (all its bytes, for a fixed-size one).
pub fn c_str(fields: &Fields, index: usize, arg: &Arg, reader: &TokenStream) -> TokenStream {
    let Some(field) = fields.data(index) else {
        return quote!(::core::option::Option::None);
    };
    let At { offset, k } = fields.at(field);
    let limit = match arg.ty.wire {
        Wire::CString { max, variable: true } => {
            let count = count(fields, arg, reader);
            let max = Literal::usize_unsuffixed(max as usize);
            quote!(::core::cmp::Ord::min(#count as usize, #max))
        }
        Wire::CString { max, .. } => {
            let max = Literal::usize_unsuffixed(max as usize);
            quote!(#max)
        }
        _ => quote!(0),
    };
    quote!(#reader.c_str(#offset, #k, #limit))
}

/// Takes the descriptor of argument `index` out of a received message (its name or
/// region cleared there): the expression of the descriptor as received.
pub fn take_descriptor(fields: &Fields, index: usize, arg: &Arg, reader: &TokenStream) -> TokenStream {
    let Some(field) = fields.descriptor(index) else {
        return quote!(::core::unreachable!());
    };
    let offset = Literal::usize_unsuffixed(field.offset as usize);
    match (field.kind, &arg.ty.wire) {
        (FieldKind::PortDescriptor(_), _) => quote!(#reader.take_port(#offset)),
        (FieldKind::PortArray(_), Wire::PortArray { max, .. }) => {
            let max = Literal::usize_unsuffixed(*max as usize);
            quote!(#reader.take_ports::<#max>(#offset))
        }
        (FieldKind::OutOfLinePorts(_), _) => quote!(#reader.take_out_of_line_ports(#offset)),
        _ => quote!(#reader.take_out_of_line(#offset)),
    }
}

/// The owner of what argument `index` carries in a received message's descriptor (a
/// right, rights, a region or a value), taken out of it; `None` for inline data.
///
/// The expansion's `unsafe` blocks are sound because the runtime checked the message
/// against the routine before any of this runs (descriptor types, dispositions, region
/// sizes against their counts) and the take clears the descriptor in the buffer: each
/// right and region gets exactly one owner.
pub fn take(
    paths: &Paths,
    fields: &Fields,
    index: usize,
    arg: &Arg,
    reader: &TokenStream,
) -> Option<TokenStream> {
    let krate = &paths.krate;
    let descriptor = take_descriptor(fields, index, arg, reader);
    Some(match arg.ty.wire {
        Wire::PolymorphicPort => quote!(#krate::PolyPort::from_descriptor(#descriptor)),
        Wire::Port { .. } => {
            let owner = ports::received_type(paths, arg);
            quote!(unsafe { #owner::from_raw(#descriptor.name) })
        }
        Wire::OutOfLineValue { .. } => quote!(unsafe { #krate::take_ool_value(#descriptor) }),
        Wire::OutOfLine { .. } => {
            let count = count(fields, arg, reader);
            quote!({
                let __descriptor = #descriptor;
                unsafe { #krate::OutOfLine::from_raw(__descriptor.address as usize as u64, #count as usize) }
            })
        }
        Wire::PortArray { variable, max, .. } => {
            let owner = ports::received_type(paths, arg);
            let count = if variable {
                count(fields, arg, reader)
            } else {
                let max = Literal::u32_unsuffixed(max);
                quote!(#max)
            };
            quote!({
                let __descriptors = #descriptor;
                unsafe { #krate::take_port_array::<#owner, _>(__descriptors, #count) }
            })
        }
        Wire::OutOfLinePorts { .. } => {
            let owner = ports::received_type(paths, arg);
            quote!(unsafe { #krate::take_ool_ports::<#owner>(#descriptor) })
        }
        _ => return None,
    })
}

/// The statements that write a message's fields in layout order with `writer` (a
/// `Writer`; the runtime writes the header), after a prelude of conversions that may
/// fail (`MIG_ARRAY_TOO_LARGE`, a string too long, a region too large): nothing is
/// written, and no right leaves its owner, until all of them succeeded.
///
/// `value` gives an argument's expression; `convert` turns an array, string or
/// out-of-line argument into what the writes use: a slice or `InlineString` for inline
/// arrays and strings, `(count, descriptor)` for the others.
///
/// `in_place`: the reply of a dispatch, whose handler wrote its `out` arrays
/// (`args::out_array`) into their slots through `OutArray`s; the element count of each
/// is bound as `__count_<arg>`, and the writes complete the arrays where they lie.
pub fn write_message(
    paths: &Paths,
    fields: &Fields,
    routine: &crate::model::Routine,
    writer: &TokenStream,
    in_place: bool,
    value: impl Fn(&Arg) -> TokenStream,
    convert: impl Fn(&Arg, TokenStream) -> TokenStream,
) -> (TokenStream, TokenStream) {
    let krate = &paths.krate;
    let written = |arg: &Arg| in_place && super::args::out_array(arg);
    let local = |arg: &Arg| {
        if written(arg) {
            quote::format_ident!("__count_{}", arg.name)
        } else {
            quote::format_ident!("__wire_{}", arg.name)
        }
    };
    let length = |arg: &Arg, local: &proc_macro2::Ident| {
        if written(arg) {
            quote!(#local)
        } else {
            length(arg, local)
        }
    };
    // In argument order, so that a `SameCount` array's owner is converted first.
    let mut converted: Vec<usize> = fields
        .all()
        .iter()
        .filter_map(|field| match field.kind {
            FieldKind::Data(i)
            | FieldKind::PortArray(i)
            | FieldKind::OutOfLinePorts(i)
            | FieldKind::OutOfLine(i) => Some(i),
            _ => None,
        })
        .filter(|&i| {
            !matches!(
                routine.args[i].ty.wire,
                Wire::Scalar { .. } | Wire::Fixed { .. } | Wire::OutOfLineValue { .. }
            )
        })
        .collect();
    converted.sort_unstable();
    converted.dedup();
    let mut prelude = TokenStream::new();
    for &index in &converted {
        let arg = &routine.args[index];
        let name = local(arg);
        if !written(arg) {
            let wire = convert(arg, value(arg));
            prelude.extend(quote!(let #name = #wire;));
        }
        if let Some(owner) = routine
            .args
            .iter()
            .find(|a| Some(&a.name) == arg.count_from.as_ref())
        {
            let (mine, theirs) = (length(arg, &name), length(owner, &local(owner)));
            prelude.extend(quote!(#krate::same_count(#mine, #theirs)?;));
        }
    }
    let mut writes = TokenStream::new();
    for field in fields.all() {
        let offset = Literal::usize_unsuffixed(field.offset as usize);
        let put = |value: TokenStream| quote!(#writer.put(#offset, #value););
        writes.extend(match field.kind {
            FieldKind::Header => continue,
            FieldKind::Body => {
                let count = Literal::u32_unsuffixed(fields.message.descriptors);
                put(quote!(#krate::body(#count)))
            }
            FieldKind::Ndr => put(quote!(#krate::NDR)),
            FieldKind::RetCode => put(quote!(0i32)),
            // A variable array's pad is part of its slot: `elements` writes what is sent.
            FieldKind::Padding if fields.in_variable_slot(field) => continue,
            FieldKind::Padding => {
                let size = Literal::usize_unsuffixed(field.size as usize);
                put(quote!([0u8; #size]))
            }
            FieldKind::StringOffset(_) => put(quote!(0u32)),
            FieldKind::Capacity(i) => {
                let capacity = quote::format_ident!("{}_capacity", routine.args[i].name);
                put(quote!(#capacity))
            }
            FieldKind::Count(i) => {
                let arg = &routine.args[i];
                put(length(arg, &local(arg)))
            }
            FieldKind::PortDescriptor(i)
            | FieldKind::OutOfLine(i)
            | FieldKind::PortArray(i)
            | FieldKind::OutOfLinePorts(i) => {
                let arg = &routine.args[i];
                let descriptor = match arg.ty.wire {
                    Wire::OutOfLineValue { .. } if !fields.is_reply() => {
                        let v = value(arg);
                        quote!(#krate::ool_value(#v))
                    }
                    // The handler's value dies with the reply's writing: a copy in
                    // memory of its own moves with the message.
                    Wire::OutOfLineValue { .. } => {
                        let v = value(arg);
                        quote!(#krate::ool_value_moved(&#v)?)
                    }
                    Wire::PolymorphicPort => {
                        let v = value(arg);
                        quote!(#v.into_descriptor())
                    }
                    Wire::Port { .. } => ports::descriptor(paths, arg, value(arg)),
                    _ => {
                        let local = local(arg);
                        quote!(#local.1)
                    }
                };
                if arg.physical_copy {
                    put(quote!(#krate::physical_copy(#descriptor)))
                } else {
                    put(descriptor)
                }
            }
            FieldKind::Data(i) => {
                let arg = &routine.args[i];
                let local = local(arg);
                match arg.ty.wire {
                    Wire::Variable { max, .. } if written(arg) => {
                        let max = Literal::usize_unsuffixed(max as usize);
                        let element = paths.element(&arg.ty, Scope::Subsystem);
                        quote! {
                            // SAFETY: the handler's `OutArray` wrote `#local` elements here.
                            unsafe { #writer.elements_in_place::<#element>(#offset, #max, #local) };
                        }
                    }
                    Wire::Variable { max, .. } => {
                        let max = Literal::usize_unsuffixed(max as usize);
                        quote!(#writer.elements(#offset, #max, &*#local);)
                    }
                    Wire::CString { max, variable: true } => {
                        let max = Literal::usize_unsuffixed(max as usize);
                        quote!(#writer.elements(#offset, #max, #local.as_c_str().to_bytes_with_nul());)
                    }
                    Wire::CString { .. } => put(quote!(#local.into_wire().1)),
                    _ => put(value(arg)),
                }
            }
        });
    }
    (prelude, writes)
}

/// The element count of a converted array argument (`local`), as its count field
/// holds it.
fn length(arg: &Arg, local: &proc_macro2::Ident) -> TokenStream {
    match arg.ty.wire {
        Wire::Variable { .. } => quote!(#local.len() as u32),
        Wire::CString { .. } => quote!(#local.as_c_str().to_bytes_with_nul().len() as u32),
        _ => quote!(#local.0),
    }
}
