#![doc = include_str!("../README.md")]

pub use mig_core::*;

/// The MIG types of the built-in `.defs` files (`<mach/std_types.defs>`,
/// `<mach/mach_types.defs>` and the clock, machine, `mach_debug`, device and UND type
/// files) as Rust types (64-bit macOS user space), for the generated code and for yours.
#[allow(non_camel_case_types)]
pub mod types {
    mig_macro::builtin_types!(crate);
}

/// Expands MIG definitions into Rust: wire structs, client stubs and a server.
///
/// The [crate documentation](crate) is the guide: what each MIG construct becomes
/// (["What `mig!` generates"](crate#what-mig-generates)), the
/// [layout contract](crate#the-layout-contract), the
/// [supported features](crate#supported-today) and the
/// [differences from Apple's MIG](crate#differences-from-apples-mig).
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

/// Includes the Rust that the `mig-build` crate wrote for a `.defs` file from a build
/// script: `mig::include_defs!("calc")` is
/// `include!(concat!(env!("OUT_DIR"), "/calc.rs"))`, the items `mig!` expands the file
/// to (see ["Generated code as a file"](crate#generated-code-as-a-file)).
#[macro_export]
macro_rules! include_defs {
    ($stem:literal) => {
        ::core::include!(::core::concat!(::core::env!("OUT_DIR"), "/", $stem, ".rs"));
    };
}

mod standard;
pub use standard::{exc, mach_exc, notify};

#[doc(hidden)]
pub mod __private {
    pub use mig_core::__private::*;
    pub use mig_macro::mig_impl;
    // Generated code names the built-in types as `__mig::types::…`.
    pub use crate::types;
}

/// Compile-time checks of the `_async` client stubs (feature `tokio`), run as doc-tests:
/// the future of a call that lends memory keeps the memory borrowed until it is dropped,
/// even though the request is written before the future is returned and the future holds
/// neither the writer nor the descriptors.
///
/// The memory may go once the future has:
///
/// ```
/// mig::mig! {
///     subsystem lend 100;
///     #include <mach/std_types.defs>
///     routine sum(server: mach_port_t; data: pointer_t; out total: int);
/// }
/// let mut v = vec![1u8, 2, 3];
/// let call = lend::sum_async(0, &v);
/// drop(call);
/// v.push(4);
/// drop(v);
/// ```
///
/// but not while it lives, neither dropped (E0505)
///
/// ```compile_fail,E0505
/// mig::mig! {
///     subsystem lend 100;
///     #include <mach/std_types.defs>
///     routine sum(server: mach_port_t; data: pointer_t; out total: int);
/// }
/// let v = vec![1u8, 2, 3];
/// let call = lend::sum_async(0, &v);
/// drop(v);
/// drop(call);
/// ```
///
/// nor changed (E0502), also through the `Client`'s method and for a simpleroutine:
///
/// ```compile_fail,E0502
/// mig::mig! {
///     subsystem lend 100;
///     #include <mach/std_types.defs>
///     simpleroutine note(server: mach_port_t; data: pointer_t);
/// }
/// let client = lend::Client::new(mig::BorrowedName(0));
/// let mut v = vec![1u8, 2, 3];
/// let call = client.note_async(&v);
/// v.push(4);
/// drop(call);
/// ```
#[cfg(all(doctest, feature = "tokio"))]
pub struct AsyncCallsKeepTheirBorrows;
