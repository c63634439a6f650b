//! Stage 4: the wire format. For each routine, the request and reply messages exactly as
//! Apple's MIG lays them out for 64-bit macOS (`#pragma pack(4)`). This module is the
//! only one that knows those rules; `expand` turns its output into structs and asserts.
//! It also refuses what the wire cannot carry: a message past Mach's limit, and an
//! argument named like a field MIG adds.

use std::collections::BTreeSet;

use crate::errors::Errors;
use crate::model::{Arg, MAX_MESSAGE, Role, Routine, Subsystem, Wire};

/// `mach_msg_header_t`.
pub const HEADER_SIZE: u32 = 24;
/// `mach_msg_body_t`.
pub const BODY_SIZE: u32 = 4;
/// `mach_msg_port_descriptor_t`.
pub const PORT_DESCRIPTOR_SIZE: u32 = 12;
/// `mach_msg_ool_descriptor_t` (64-bit user space).
pub const OOL_DESCRIPTOR_SIZE: u32 = 16;
/// `NDR_record_t`.
pub const NDR_SIZE: u32 = 8;
/// `mig_reply_error_t`: header, NDR, `RetCode`: the smallest reply and every error reply.
pub const REPLY_ERROR_SIZE: u32 = 36;
/// Reply ids are request ids plus this.
pub const REPLY_ID_OFFSET: i32 = 100;

/// One message as sent, without trailer.
#[derive(Debug)]
pub struct Message {
    pub id: i32,
    /// Whether it is a reply (a request's id plus 100).
    pub reply: bool,
    pub fields: Vec<Field>,
    pub size: u32,
    pub complex: bool,
    pub descriptors: u32,
    /// The variable-size arrays, in order: what the runtime needs to find the fields after them.
    pub variable: Vec<Variable>,
    /// The out-of-line arrays, in descriptor order: where their counts are.
    pub out_of_line: Vec<OutOfLine>,
}

/// An out-of-line array's count, which the descriptor must match.
#[derive(Debug, Clone, Copy)]
pub enum OutOfLine {
    /// Data: the region's size must be the count's worth of elements.
    Data { count_offset: u32, element_size: u32 },
    /// Ports: the descriptor's count must be the count.
    Ports { count_offset: u32 },
    /// Ports of a fixed array (`^array[n]`): the descriptor's count must be `count`.
    ExactPorts { count: u32 },
    /// One value (`^T`): the region must be exactly its size.
    Value { size: u32 },
}

/// A variable-size inline array of a message.
#[derive(Debug)]
pub struct Variable {
    /// Offset of the count: `<arg>Cnt`, or the one it shares (`SameCount`).
    pub count_offset: u32,
    /// Offset of the elements.
    pub data_offset: u32,
    pub element_size: u32,
    pub max: u32,
}

#[derive(Debug)]
pub struct Field {
    /// Apple MIG's name for the field.
    pub name: String,
    pub offset: u32,
    pub size: u32,
    pub kind: FieldKind,
}

#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    Header,
    /// `msgh_body`: the descriptor count of a complex message.
    Body,
    /// A port argument's `mach_msg_port_descriptor_t`; the index is into the arguments.
    PortDescriptor(usize),
    /// An out-of-line array's `mach_msg_ool_descriptor_t`.
    OutOfLine(usize),
    /// An inline array of ports: `max` `mach_msg_port_descriptor_t`s.
    PortArray(usize),
    /// An out-of-line array of ports: a `mach_msg_ool_ports_descriptor_t`.
    OutOfLinePorts(usize),
    Ndr,
    RetCode,
    /// An argument's value; the index is into the routine's arguments.
    Data(usize),
    /// `<arg>Cnt`: the element count of a variable-size array.
    Count(usize),
    /// `<arg>Offset` of a variable `c_string`: always 0.
    StringOffset(usize),
    /// `<arg>Cnt` of a `CountInOut` array in the request: how many the caller can take.
    Capacity(usize),
    /// `<arg>Pad`: bytes that round sub-word data up to 4.
    Padding,
}

/// The layouts of one routine.
#[derive(Debug)]
pub struct RoutineLayout {
    pub request: Message,
    /// `None` for simpleroutines: nothing comes back.
    pub reply: Option<Message>,
}

/// The layouts of every routine, in definition order, and the subsystem's bounds.
#[derive(Debug)]
pub struct SubsystemLayout {
    pub routines: Vec<RoutineLayout>,
    /// The largest request any routine accepts.
    pub max_request: u32,
    /// The largest reply any routine sends (at least a `mig_reply_error_t`).
    pub max_reply: u32,
}

/// Lays out every routine of the model, reporting the messages the wire cannot carry.
/// Their routines leave the model, as `check` leaves out those with errors: the fallback
/// module emitted beside the errors holds only routines that passed every check.
pub fn layout(subsystem: &mut Subsystem, cx: &mut Errors) -> SubsystemLayout {
    let mut routines = Vec::new();
    subsystem.routines.retain(|r| {
        let layout = routine(r);
        let carried = check_messages(r, &layout, cx);
        if carried {
            routines.push(layout);
        }
        carried
    });
    let max_request = routines
        .iter()
        .map(|r| r.request.size)
        .max()
        .unwrap_or(HEADER_SIZE);
    let max_reply = routines
        .iter()
        .filter_map(|r| r.reply.as_ref().map(|m| m.size))
        .chain([REPLY_ERROR_SIZE])
        .max()
        .unwrap_or(REPLY_ERROR_SIZE);
    SubsystemLayout {
        routines,
        max_request,
        max_reply,
    }
}

/// One routine's messages.
fn routine(r: &Routine) -> RoutineLayout {
    let sent: Vec<(usize, &Arg)> = r
        .args
        .iter()
        .enumerate()
        .filter(|(_, a)| a.in_request())
        .collect();
    let returned: Vec<(usize, &Arg)> = r
        .args
        .iter()
        .enumerate()
        .filter(|(_, a)| matches!(a.role, Role::Out | Role::InOut))
        .collect();
    let request = message(r.id, &sent, false);
    let reply = (!r.simple).then(|| message(r.id + REPLY_ID_OFFSET, &returned, true));
    RoutineLayout { request, reply }
}

/// Lays out one message as Apple MIG does:
/// 1. `Head`;
/// 2. in a complex message (one that carries ports or out-of-line data), `msgh_body`
///    and one descriptor per such argument, in argument order;
/// 3. `NDR` if inline data follows (a non-complex reply always has it, for `RetCode`);
/// 4. `RetCode`, in a non-complex reply only: a complex reply's errors come back as a
///    plain `mig_reply_error_t`;
/// 5. the inline data in argument order: values (each padded to 4 bytes by an
///    `<arg>Pad`), variable arrays as `<arg>Cnt` then the elements at their maximum,
///    and the `<arg>Cnt` of each out-of-line array; a `RetCode` argument of a complex
///    request is left out (`left_out`), though it still counts for step 3.
fn message(id: i32, args: &[(usize, &Arg)], reply: bool) -> Message {
    let described: Vec<_> = args.iter().filter(|(_, a)| a.ty.wire.is_descriptor()).collect();
    let inline: Vec<_> = args.iter().filter(|(_, a)| has_inline_part(a, reply)).collect();
    let complex = !described.is_empty();
    let mut m = Builder::default();
    m.push("Head", HEADER_SIZE, FieldKind::Header);
    let mut descriptors = 0;
    if complex {
        m.push("msgh_body", BODY_SIZE, FieldKind::Body);
        for &&(index, arg) in &described {
            match arg.ty.wire {
                Wire::Port { .. } | Wire::PolymorphicPort => {
                    m.push(&arg.name, PORT_DESCRIPTOR_SIZE, FieldKind::PortDescriptor(index))
                }
                Wire::PortArray { max, .. } => {
                    m.push(&arg.name, PORT_DESCRIPTOR_SIZE * max, FieldKind::PortArray(index));
                    descriptors += max - 1;
                }
                Wire::OutOfLinePorts { .. } => {
                    m.push(&arg.name, OOL_DESCRIPTOR_SIZE, FieldKind::OutOfLinePorts(index))
                }
                _ => m.push(&arg.name, OOL_DESCRIPTOR_SIZE, FieldKind::OutOfLine(index)),
            }
            descriptors += 1;
        }
    }
    if !inline.is_empty() || (reply && !complex) {
        m.push("NDR", NDR_SIZE, FieldKind::Ndr);
    }
    if reply && !complex {
        m.push("RetCode", 4, FieldKind::RetCode);
    }
    let mut variable = Vec::new();
    // Where each array's count is, for the arrays after it that share it (`SameCount`).
    let mut counts: Vec<(String, u32)> = Vec::new();
    let mut count_of = |arg: &Arg, m: &mut Builder, index: usize| -> u32 {
        if let Some(owner) = &arg.count_from {
            return counts
                .iter()
                .find(|(name, _)| name == owner)
                .map_or(0, |(_, offset)| *offset);
        }
        let offset = m.offset;
        m.push(&format!("{}Cnt", arg.name), 4, FieldKind::Count(index));
        counts.push((arg.name.clone(), offset));
        offset
    };
    let mut out_of_line_counts = Vec::new();
    for &&(index, arg) in &inline {
        if left_out(arg, reply, complex) {
            continue;
        }
        if !reply && arg.role == Role::Out {
            // `CountInOut`: the caller's capacity, where the argument stands.
            m.push(&format!("{}Cnt", arg.name), 4, FieldKind::Capacity(index));
            continue;
        }
        match arg.ty.wire {
            Wire::OutOfLine { .. } | Wire::OutOfLinePorts { .. } | Wire::PortArray { .. } => {
                let offset = count_of(arg, &mut m, index);
                if !matches!(arg.ty.wire, Wire::PortArray { .. }) {
                    out_of_line_counts.push((index, offset));
                }
                continue;
            }
            Wire::Variable { max, element_size } => {
                let count_offset = count_of(arg, &mut m, index);
                variable.push(Variable {
                    count_offset,
                    data_offset: m.offset,
                    element_size,
                    max,
                });
            }
            Wire::CString { max, variable: true } => {
                // MIG writes the offset as 0 and never reads it.
                m.push(&format!("{}Offset", arg.name), 4, FieldKind::StringOffset(index));
                let count_offset = count_of(arg, &mut m, index);
                variable.push(Variable {
                    count_offset,
                    data_offset: m.offset,
                    element_size: 1,
                    max,
                });
            }
            _ => {}
        }
        let size = arg
            .ty
            .wire
            .inline_size()
            .expect("check admits only inline data here");
        m.push(&arg.name, size, FieldKind::Data(index));
        let pad = (4 - size % 4) % 4;
        if pad != 0 {
            m.push(&format!("{}Pad", arg.name), pad, FieldKind::Padding);
        }
    }
    // The out-of-line descriptors' counts, in descriptor order.
    let out_of_line = described
        .iter()
        .filter_map(|&&(index, arg)| {
            match arg.ty.wire {
                Wire::OutOfLineValue { size } => return Some(OutOfLine::Value { size }),
                Wire::OutOfLinePorts {
                    max: Some(count),
                    exact: true,
                    ..
                } => return Some(OutOfLine::ExactPorts { count }),
                _ => {}
            }
            let count_offset = out_of_line_counts.iter().find(|(i, _)| *i == index)?.1;
            Some(match arg.ty.wire {
                Wire::OutOfLine { element_size, .. } => OutOfLine::Data {
                    count_offset,
                    element_size,
                },
                _ => OutOfLine::Ports { count_offset },
            })
        })
        .collect();
    Message {
        id,
        reply,
        size: m.offset,
        fields: m.fields,
        complex,
        descriptors,
        variable,
        out_of_line,
    }
}

/// Each message fits Mach's limit, and no argument has the name of a field MIG adds
/// (`Head`, `NDR`, `RetCode`, `<array>Cnt`, `<arg>Pad`, …): the wire structs carry
/// Apple's field names, so the two would be one field. False once one is reported.
fn check_messages(routine: &Routine, layout: &RoutineLayout, cx: &mut Errors) -> bool {
    let mut carried = true;
    // Each argument is reported once, even when both messages have the field.
    let mut reported = BTreeSet::new();
    let messages = [
        ("request", Some(&layout.request)),
        ("reply", layout.reply.as_ref()),
    ];
    for (which, message) in messages {
        let Some(message) = message else { continue };
        if message.size > MAX_MESSAGE {
            cx.error(
                routine.name_span,
                format!(
                    "the {which} of `{}` would be larger than the {MAX_MESSAGE} bytes Mach accepts",
                    routine.name
                ),
            );
            carried = false;
            continue;
        }
        for field in &message.fields {
            let Some(what) = added_field(field, routine) else {
                continue;
            };
            let user = routine.args.iter().position(|a| a.name == field.name);
            if let Some(index) = user
                && reported.insert(index)
            {
                cx.error(
                    routine.args[index].name_span,
                    format!(
                        "argument `{}` has the name of a field MIG adds to the {which} ({what}); rename the argument",
                        field.name
                    ),
                );
                carried = false;
            }
        }
    }
    carried
}

/// What a field MIG adds to a message (one not named after an argument) is, for errors.
fn added_field(field: &Field, routine: &Routine) -> Option<String> {
    let arg = |i: usize| &routine.args[i].name;
    Some(match field.kind {
        FieldKind::Header => "the message header".to_owned(),
        FieldKind::Body => "the descriptor count".to_owned(),
        FieldKind::Ndr => "the NDR record".to_owned(),
        FieldKind::RetCode => "the return code".to_owned(),
        FieldKind::Count(i) | FieldKind::Capacity(i) => format!("the count of `{}`", arg(i)),
        FieldKind::StringOffset(i) => format!("the offset of `{}`", arg(i)),
        FieldKind::Padding => format!("the padding after `{}`", field.name.trim_end_matches("Pad")),
        _ => return None,
    })
}

#[derive(Default)]
struct Builder {
    fields: Vec<Field>,
    offset: u32,
}

impl Builder {
    fn push(&mut self, name: &str, size: u32, kind: FieldKind) {
        self.fields.push(Field {
            name: name.to_owned(),
            offset: self.offset,
            size,
            kind,
        });
        // Saturating: `check_messages` refuses any message past Mach's limit, so an
        // absurd definition ends in an error, never an overflow.
        self.offset = self.offset.saturating_add(size);
    }
}

/// Whether a `RetCode` argument is left out of a complex request, as Apple's MIG does
/// (`migcom.tproj/routine.c`, `rtProcessRetCode`: when the routine has a `RetCode`
/// argument and its request is not simple, the argument keeps only `akbSendRcv`, losing
/// `akbRequest` and `akbSendBody`, so `WriteStructDecl` leaves it out of the request).
/// Such a request travels only when the code is 0; the client sends any other code as a
/// `mig_reply_error_t` with the request's id instead, and the server hands its handler
/// `KERN_SUCCESS` for a request that arrived complex. The argument still counts as inline
/// data when `rtProcessNdrCode` decides whether the request carries an `NDR`, so a
/// request whose only other arguments are ports keeps an `NDR` with nothing after it.
pub fn left_out(arg: &Arg, reply: bool, complex: bool) -> bool {
    arg.ret_code && !reply && complex
}

/// The routine's `RetCode` argument when its request leaves it out (`left_out`).
pub fn left_out_ret_code(r: &Routine) -> Option<&Arg> {
    let complex = r.args.iter().any(|a| a.in_request() && a.ty.wire.is_descriptor());
    r.args
        .iter()
        .find(|a| a.in_request() && left_out(a, false, complex))
}

/// Whether an argument puts anything in a message's inline part: its value, its count,
/// or (in a request) the capacity of a `CountInOut` array.
pub fn has_inline_part(arg: &Arg, reply: bool) -> bool {
    if !reply && arg.role == Role::Out {
        return true;
    }
    match arg.ty.wire {
        Wire::Port { .. } | Wire::PolymorphicPort | Wire::OutOfLineValue { .. } => false,
        Wire::PortArray { variable, .. } => variable && arg.count_from.is_none(),
        Wire::OutOfLinePorts { exact: true, .. } => false,
        Wire::OutOfLine { .. } | Wire::OutOfLinePorts { .. } => arg.count_from.is_none(),
        _ => true,
    }
}
