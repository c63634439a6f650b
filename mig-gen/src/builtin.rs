//! The type files `#include` finds inside the macro: xnu's standard type definitions,
//! as macOS user space sees them, written out in `std/`.

/// The built-in definitions `#include` can name, and the text of each.
const STD_TYPES: &str = include_str!("std/std_types.defs");
const MACH_TYPES: &str = include_str!("std/mach_types.defs");
const CLOCK_TYPES: &str = include_str!("std/clock_types.defs");
const MACH_DEBUG_TYPES: &str = include_str!("std/mach_debug_types.defs");
const DEVICE_TYPES: &str = include_str!("std/device_types.defs");
const UND_TYPES: &str = include_str!("std/UNDTypes.defs");

/// Every built-in file, in the order `mig::types` declares them.
pub const BUILTIN_FILES: [&str; 6] = [
    STD_TYPES,
    MACH_TYPES,
    CLOCK_TYPES,
    MACH_DEBUG_TYPES,
    DEVICE_TYPES,
    UND_TYPES,
];

/// The names `#include` accepts (without `<>`), for suggestions.
pub const BUILTIN_NAMES: [&str; 7] = [
    "mach/std_types.defs",
    "mach/mach_types.defs",
    "mach/clock_types.defs",
    "mach/machine/machine_types.defs",
    "mach_debug/mach_debug_types.defs",
    "device/device_types.defs",
    "UserNotification/UNDTypes.defs",
];

/// Which built-in files an `#include` path brings in: the file and, first, the files
/// it includes itself (xnu's type files are only ever read after the standard types).
pub fn builtin_files(path: &str) -> Option<&'static [&'static str]> {
    let name = path.trim_matches(|c| c == '<' || c == '>' || c == '"');
    match name {
        // xnu's machine types are a part of the standard types, never used alone.
        "mach/std_types.defs" | "mach/machine/machine_types.defs" => Some(&[STD_TYPES]),
        "mach/mach_types.defs" => Some(&[STD_TYPES, MACH_TYPES]),
        "mach/clock_types.defs" => Some(&[STD_TYPES, CLOCK_TYPES]),
        "mach_debug/mach_debug_types.defs" => Some(&[STD_TYPES, MACH_DEBUG_TYPES]),
        "device/device_types.defs" => Some(&[STD_TYPES, MACH_TYPES, DEVICE_TYPES]),
        "UserNotification/UNDTypes.defs" => Some(&[STD_TYPES, UND_TYPES]),
        _ => None,
    }
}
