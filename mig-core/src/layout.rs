//! The layout table every generated subsystem module carries as `ROUTINES`.
//!
//! The generated code asserts at compile time that each entry agrees with the real
//! message structs (`size_of`, `offset_of!`), so the table cannot drift from the code.
//! Sizes and offsets are Apple MIG's for 64-bit macOS; field names are its C names.

use crate::message::VarArray;

/// One routine: its request and, for a `routine` (not a `simpleroutine`), its reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoutineLayout {
    /// The routine's name as written in the definition.
    pub name: &'static str,
    /// The request message.
    pub request: Layout,
    /// The reply message; `None` for a simpleroutine.
    pub reply: Option<Layout>,
}

/// One message as sent (no trailer). For variable-size messages, the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `msgh_id`.
    pub id: i32,
    /// `sizeof` the message struct.
    pub size: usize,
    /// Whether `MACH_MSGH_BITS_COMPLEX` is set (the message carries descriptors).
    pub complex: bool,
    /// The number of descriptors.
    pub descriptors: u32,
    /// Every field, in order: `Head`, `NDR`, `RetCode`, arguments, `<arg>Pad`, ….
    pub fields: &'static [FieldLayout],
    /// The variable-size inline arrays, in order (empty for a fixed-size message): on the
    /// wire each takes only its count's bytes, and the fields after it move down.
    pub variable: &'static [VarArray],
}

/// One field of a message struct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldLayout {
    /// Apple MIG's name for the field.
    pub name: &'static str,
    /// Byte offset from the start of the message.
    pub offset: usize,
    /// Size in bytes.
    pub size: usize,
}

impl Layout {
    /// The field with this name.
    pub fn field(&self, name: &str) -> Option<&FieldLayout> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Compile-time check that a generated struct agrees with its table entry: called in a
/// `const` by the generated code with the struct's real `size_of` and each field's
/// `offset_of!`, so a mismatch fails the build.
#[doc(hidden)]
pub const fn check_layout(layout: &Layout, size: usize, offsets: &[usize]) {
    assert!(
        layout.size == size,
        "message size differs from its layout table entry"
    );
    assert!(
        layout.fields.len() == offsets.len(),
        "field count differs from the layout table entry"
    );
    let mut i = 0;
    while i < offsets.len() {
        assert!(
            layout.fields[i].offset == offsets[i],
            "field offset differs from the layout table"
        );
        // A packed struct whose every pad is a field: each field ends where the next
        // begins (the last at the end), so the offsets and the size fix every size.
        let end = if i + 1 < offsets.len() {
            offsets[i + 1]
        } else {
            size
        };
        assert!(
            layout.fields[i].offset + layout.fields[i].size == end,
            "field size differs from the layout table"
        );
        i += 1;
    }
}
