#![doc = include_str!("../README.md")]

pub use mig_core::*;

/// The built-in MIG types of `<mach/std_types.defs>` and `<mach/mach_types.defs>` as Rust
/// types (64-bit macOS user space), for the generated code and for yours.
#[allow(non_camel_case_types)]
pub mod types {
    mig_macro::builtin_types!(crate);
}

/// Expands MIG definitions into Rust: wire structs, client stubs and a server.
///
/// ```
/// mig::mig! {
///     subsystem add 100;
///     #include <mach/std_types.defs>
///
///     /// Adds two numbers.
///     routine add2(server: mach_port_t; a: int; b: int; out c: int);
/// }
///
/// assert_eq!(add::add2::ID, 100);
/// assert_eq!(core::mem::size_of::<add::add2::Request>(), 40);
/// assert_eq!(add::ROUTINES[0].reply.unwrap().id, 200);
/// ```
#[macro_export]
macro_rules! mig {
    ($($definition:tt)*) => {
        $crate::__private::mig_impl! { [$crate] $($definition)* }
    };
}

#[doc(hidden)]
pub mod __private {
    pub use mig_core::__private::*;
    pub use mig_macro::mig_impl;
}
