//! Messages you can read: any message's fields, named and decoded from the layout
//! tables the generated code carries, for logs, panics and tracing.
//!
//! [`describe`] finds a message's routine among the subsystems it is given by its
//! `msgh_id` and walks the routine's [`Layout`] over the bytes as they travel (each
//! variable array takes only its count's worth, and what follows it moves down, as Apple
//! MIG packs messages). The generated `Request` and `Reply` structs use the same walk for
//! their `Debug`, over the struct's maximum layout.
//!
//! Nothing here trusts the bytes: counts are clamped to their maxima, and a message
//! shorter than its fields is shown as far as it goes and then marked truncated.

use core::fmt;

use crate::Error;
use crate::layout::{Layout, RoutineLayout};
use crate::message::{Message, VarArray};

/// One subsystem's name and routine table: what [`describe`] searches. Each module
/// `mig!` generates has one as `SUBSYSTEM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubsystemLayout {
    /// The subsystem's name as written in the definition.
    pub name: &'static str,
    /// Its routines (the module's `ROUTINES`).
    pub routines: &'static [RoutineLayout],
}

/// Which way a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A client's request (`msgh_id` = the routine's id).
    Request,
    /// A server's reply (`msgh_id` = the routine's id + 100).
    Reply,
}

/// A message and what [`describe`] found it to be. `Display` gives one line (the routine
/// and the argument values); `Debug` gives every field, including the header and the
/// descriptors (`{:#?}` puts one per line).
pub struct Description<'a> {
    bytes: &'a [u8],
    found: Option<Found>,
}

#[derive(Clone, Copy)]
struct Found {
    subsystem: &'static str,
    routine: &'static str,
    direction: Direction,
    layout: &'static Layout,
}

/// Describes `message` (a message as it travels: header first, `msgh_size` bytes, the
/// trailer ignored) by its `msgh_id`, looked up in `subsystems`. A message of none of
/// them, or a reply that is an error (`mig_reply_error_t`), is described by its header
/// (and return code).
///
/// The crate's guide shows it at work ("Messages you can read").
pub fn describe<'a>(message: &'a [u8], subsystems: &[&SubsystemLayout]) -> Description<'a> {
    let found = read_u32(message, 20).and_then(|id| find(id as i32, subsystems));
    Description {
        bytes: message,
        found,
    }
}

fn find(id: i32, subsystems: &[&SubsystemLayout]) -> Option<Found> {
    subsystems.iter().find_map(|s| {
        s.routines.iter().find_map(|r| {
            let (direction, layout) = if r.request.id == id {
                (Direction::Request, &r.request)
            } else {
                (Direction::Reply, r.reply.as_ref().filter(|reply| reply.id == id)?)
            };
            Some(Found {
                subsystem: s.name,
                routine: r.name,
                direction,
                layout,
            })
        })
    })
}

impl Description<'_> {
    /// The subsystem, routine and direction, when the `msgh_id` is one of theirs.
    pub fn routine(&self) -> Option<(&'static str, &'static str, Direction)> {
        self.found.map(|f| (f.subsystem, f.routine, f.direction))
    }

    /// A reply that carries only a return code (an error, or a `RetCode`-only reply),
    /// which no routine's full reply layout describes.
    fn is_code_only(&self, found: &Found) -> bool {
        found.direction == Direction::Reply
            && self.bytes.len() == 36
            && found.layout.size != 36
            && read_u32(self.bytes, 0).is_some_and(|bits| bits & COMPLEX == 0)
    }
}

const COMPLEX: u32 = 0x8000_0000;

impl fmt::Display for Description<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = read_u32(self.bytes, 20).map_or(-1, |id| id as i32);
        let Some(found) = self.found else {
            return write!(
                f,
                "message msgh_id {id} ({} bytes), of no known subsystem",
                self.bytes.len()
            );
        };
        let dir = match found.direction {
            Direction::Request => "request",
            Direction::Reply => "reply",
        };
        write!(
            f,
            "{}.{} {dir} (msgh_id {id}, {} bytes)",
            found.subsystem,
            found.routine,
            self.bytes.len()
        )?;
        if self.is_code_only(&found) {
            let code = read_u32(self.bytes, 32).map_or(0, |c| c as i32);
            return write!(f, ": {}", RetCode(code));
        }
        let mut first = true;
        walk(
            found.layout,
            found.layout.variable,
            self.bytes,
            true,
            |name, value| {
                if !value.is_argument() {
                    return Ok(());
                }
                f.write_str(if first { ": " } else { ", " })?;
                first = false;
                write!(f, "{name} = {value:?}")
            },
        )
    }
}

impl fmt::Debug for Description<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(found) = self.found else {
            let mut s = f.debug_struct("Message");
            s.field("Head", &Value::Header(self.bytes));
            return s.finish_non_exhaustive();
        };
        let dir = match found.direction {
            Direction::Request => "request",
            Direction::Reply => "reply",
        };
        let title = format!("{}.{} {dir}", found.subsystem, found.routine);
        if self.is_code_only(&found) {
            let mut s = f.debug_struct(&title);
            s.field("Head", &Value::Header(self.bytes));
            s.field(
                "RetCode",
                &RetCode(read_u32(self.bytes, 32).map_or(0, |c| c as i32)),
            );
            return s.finish();
        }
        fields(f, &title, found.layout, found.layout.variable, self.bytes, true)
    }
}

/// `Debug` for a generated wire struct: its fields by their MIG names, over the struct's
/// maximum layout (variable arrays shown up to their counts).
#[doc(hidden)]
pub fn debug_message<M: Message>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    layout: &Layout,
    message: &M,
) -> fmt::Result {
    // SAFETY: `Message` structs are plain data with no implicit padding (the trait's
    // contract), so all `size_of::<M>()` bytes behind the reference are initialized and
    // may be read as bytes for as long as the borrow lasts.
    let bytes =
        unsafe { core::slice::from_raw_parts((message as *const M).cast::<u8>(), core::mem::size_of::<M>()) };
    fields(f, name, layout, M::VARIABLE, bytes, false)
}

fn fields(
    f: &mut fmt::Formatter<'_>,
    title: &str,
    layout: &Layout,
    variable: &[VarArray],
    bytes: &[u8],
    packed: bool,
) -> fmt::Result {
    let mut s = f.debug_struct(title);
    let mut truncated = false;
    walk(layout, variable, bytes, packed, |name, value| {
        if matches!(value, Value::Missing) {
            truncated = true;
        } else if !matches!(value, Value::Padding) {
            s.field(name, &value);
        }
        Ok(())
    })?;
    if truncated {
        s.finish_non_exhaustive()
    } else {
        s.finish()
    }
}

/// Calls `each` with every field's name and value, in order. With `packed`, the bytes
/// are a message as it travels (each variable array holds only its count's elements and
/// what follows moves down); otherwise the struct's maximum layout. Stops after the
/// first field the bytes do not hold, which it reports as `Missing`.
fn walk<'b>(
    layout: &Layout,
    variable: &[VarArray],
    bytes: &'b [u8],
    packed: bool,
    mut each: impl FnMut(&str, Value<'b>) -> fmt::Result,
) -> fmt::Result {
    // How far the fields seen so far moved down (packed), and where each count lies.
    let mut shift = 0usize;
    let mut counts: Vec<(u32, usize)> = Vec::new();
    let mut descriptors_left = 0u32;
    let mut previous: Option<&str> = None;
    for field in layout.fields {
        let at = field.offset - shift;
        let array = variable.iter().find(|v| v.data_offset as usize == field.offset);
        let (value, taken) = if let Some(array) = array {
            // The count lies before the elements (its own, or with `SameCount` an
            // earlier array's), so the walk has passed it.
            let count = counts
                .iter()
                .find(|&&(offset, _)| offset == array.count_offset)
                .and_then(|&(_, at)| read_u32(bytes, at))
                .unwrap_or(0);
            let len = count.min(array.max) as usize * array.element_size as usize;
            let is_string = array.element_size == 1
                && layout
                    .fields
                    .iter()
                    .any(|f| f.name.strip_suffix("Offset") == Some(field.name));
            let taken = if packed {
                len.next_multiple_of(4)
            } else {
                field.size
            };
            let value = match bytes.get(at..at + len) {
                Some(data) if is_string => Value::String(data),
                Some(data) => Value::Array {
                    data,
                    element_size: array.element_size as usize,
                },
                None => Value::Missing,
            };
            (value, taken)
        } else {
            let value = match bytes.get(at..at + field.size) {
                None => Value::Missing,
                Some(data) => match field.name {
                    "Head" => Value::Header(data),
                    "NDR" => Value::Ndr(data),
                    "RetCode" => Value::RetCode(read_u32(data, 0).unwrap_or(0) as i32),
                    "msgh_body" => {
                        descriptors_left = read_u32(data, 0).unwrap_or(0).min(layout.descriptors);
                        Value::Count(read_u32(data, 0).unwrap_or(0))
                    }
                    _ if descriptors_left > 0 => {
                        let units = descriptor_units(data);
                        descriptors_left = descriptors_left.saturating_sub(units);
                        Value::Descriptors(data)
                    }
                    name if name.ends_with("Pad")
                        && previous.is_some_and(|p| name.strip_suffix("Pad") == Some(p)) =>
                    {
                        Value::Padding
                    }
                    name if name.ends_with("Cnt") || name.ends_with("Offset") => {
                        counts.push((field.offset as u32, at));
                        Value::Count(read_u32(data, 0).unwrap_or(0))
                    }
                    _ => Value::Data(data),
                },
            };
            (value, field.size)
        };
        let missing = matches!(value, Value::Missing);
        each(field.name, value)?;
        if missing {
            return Ok(());
        }
        shift += field.size - taken;
        previous = Some(field.name);
    }
    Ok(())
}

/// How many descriptors a descriptor field holds (a port array holds several).
fn descriptor_units(data: &[u8]) -> u32 {
    let mut at = 0;
    let mut units = 0;
    while at + 12 <= data.len() {
        at += descriptor_size(data[at + 11]);
        units += 1;
    }
    units
}

/// A descriptor's size on 64-bit macOS, by its type: ports take 12 bytes, the rest 16.
fn descriptor_size(kind: u8) -> usize {
    if kind == 0 { 12 } else { 16 }
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// One field's bytes, decoded for showing.
enum Value<'b> {
    Header(&'b [u8]),
    Ndr(&'b [u8]),
    RetCode(i32),
    Count(u32),
    Descriptors(&'b [u8]),
    Data(&'b [u8]),
    Array { data: &'b [u8], element_size: usize },
    String(&'b [u8]),
    Padding,
    Missing,
}

impl Value<'_> {
    /// Whether the field is an argument's value (what the one-line form shows).
    fn is_argument(&self) -> bool {
        matches!(
            self,
            Value::RetCode(_)
                | Value::Descriptors(_)
                | Value::Data(_)
                | Value::Array { .. }
                | Value::String(_)
        )
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Header(h) => {
                let word = |at| read_u32(h, at).unwrap_or(0);
                f.debug_struct("mach_msg_header_t")
                    .field("msgh_bits", &format_args!("{:#x}", word(0)))
                    .field("msgh_size", &word(4))
                    .field("msgh_remote_port", &format_args!("{:#x}", word(8)))
                    .field("msgh_local_port", &format_args!("{:#x}", word(12)))
                    .field("msgh_voucher_port", &format_args!("{:#x}", word(16)))
                    .field("msgh_id", &(word(20) as i32))
                    .finish()
            }
            Value::Ndr(n) => write!(f, "NDR_record_t {n:02x?}"),
            Value::RetCode(code) => write!(f, "{:?}", RetCode(code)),
            Value::Count(n) => write!(f, "{n}"),
            Value::Descriptors(d) => {
                let mut list = f.debug_list();
                let mut at = 0;
                while at + 12 <= d.len() {
                    let size = descriptor_size(d[at + 11]);
                    list.entry(&Descriptor(&d[at..(at + size).min(d.len())]));
                    at += size;
                }
                list.finish()
            }
            Value::Data(data) => scalar_or_bytes(f, data),
            Value::Array { data, element_size } => {
                let mut list = f.debug_list();
                let shown = data.chunks_exact(element_size.max(1)).take(MAX_SHOWN);
                for element in shown {
                    list.entry(&Scalar(element));
                }
                let count = data.len() / element_size.max(1);
                if count > MAX_SHOWN {
                    list.entry(&format_args!("… {} more", count - MAX_SHOWN));
                }
                list.finish()
            }
            Value::String(s) => {
                let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
                write!(f, "{:?}", String::from_utf8_lossy(&s[..end]))
            }
            Value::Padding | Value::Missing => Ok(()),
        }
    }
}

/// Elements shown of an array before the rest is summarized.
const MAX_SHOWN: usize = 16;

/// A scalar (1, 2, 4 or 8 bytes) as a number, anything else as bytes (or as the string
/// it holds, when it is printable text ending in a NUL).
fn scalar_or_bytes(f: &mut fmt::Formatter<'_>, data: &[u8]) -> fmt::Result {
    if matches!(data.len(), 1 | 2 | 4 | 8) {
        return write!(f, "{:?}", Scalar(data));
    }
    if let Some(end) = data.iter().position(|&b| b == 0)
        && end > 0
        && data[..end].iter().all(|b| b.is_ascii_graphic() || *b == b' ')
    {
        return write!(f, "{:?}", String::from_utf8_lossy(&data[..end]));
    }
    if data.len() > MAX_SHOWN * 4 {
        return write!(f, "{:02x?} … {} bytes", &data[..MAX_SHOWN * 4], data.len());
    }
    write!(f, "{data:02x?}")
}

/// A little-endian integer: decimal, or hexadecimal when its top bit is set (the field's
/// signedness is not in the table, and `0xffffffff` reads better than either guess).
struct Scalar<'b>(&'b [u8]);

impl fmt::Debug for Scalar<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (value, bits) = match self.0.len() {
            1 => (u64::from(self.0[0]), 8),
            2 => (u64::from(u16::from_le_bytes([self.0[0], self.0[1]])), 16),
            4 => (u64::from(read_u32(self.0, 0).unwrap_or(0)), 32),
            8 => (read_u64(self.0, 0).unwrap_or(0), 64),
            _ => return write!(f, "{:02x?}", self.0),
        };
        if value >> (bits - 1) == 1 {
            write!(f, "{value:#x}")
        } else {
            write!(f, "{value}")
        }
    }
}

struct RetCode(i32);

impl fmt::Debug for RetCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match core::num::NonZeroI32::new(self.0) {
            None => f.write_str("KERN_SUCCESS"),
            Some(code) => write!(f, "{}", Error::from(code)),
        }
    }
}

impl fmt::Display for RetCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// One descriptor, by its type (64-bit macOS layouts).
struct Descriptor<'b>(&'b [u8]);

impl fmt::Debug for Descriptor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let byte = |at: usize| d.get(at).copied().unwrap_or(0);
        let word = |at| read_u32(d, at).unwrap_or(0);
        match byte(11) {
            0 => f
                .debug_struct("port")
                .field("name", &format_args!("{:#x}", word(0)))
                .field("disposition", &byte(10))
                .finish(),
            kind @ (1 | 3) => f
                .debug_struct(if kind == 1 {
                    "out_of_line"
                } else {
                    "out_of_line_volatile"
                })
                .field("address", &format_args!("{:#x}", read_u64(d, 0).unwrap_or(0)))
                .field("size", &word(12))
                .field("deallocate", &(byte(8) != 0))
                .field("copy", &byte(9))
                .finish(),
            2 => f
                .debug_struct("out_of_line_ports")
                .field("address", &format_args!("{:#x}", read_u64(d, 0).unwrap_or(0)))
                .field("count", &word(12))
                .field("deallocate", &(byte(8) != 0))
                .field("disposition", &byte(10))
                .finish(),
            4 => f
                .debug_struct("guarded_port")
                .field("name", &format_args!("{:#x}", word(12)))
                .field("disposition", &byte(10))
                .field("flags", &u16::from_le_bytes([byte(8), byte(9)]))
                .finish(),
            kind => write!(f, "descriptor of unknown type {kind}"),
        }
    }
}
