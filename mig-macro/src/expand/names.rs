//! Rust names for MIG names, and paths to the types they stand for.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::model::{Origin, Rust, Type, rust_name};

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "async",
    "await", "dyn", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof",
    "unsized", "virtual", "yield", "try", "gen",
];

/// The Rust identifier for a MIG name: raw for keywords (`r#type`), with a trailing `_`
/// for the four that cannot be raw (`self`, `Self`, `super`, `crate`).
pub fn ident(name: &str) -> Ident {
    let name = rust_name(name);
    if RUST_KEYWORDS.contains(&&*name) {
        Ident::new_raw(&name, Span::call_site())
    } else {
        Ident::new(&name, Span::call_site())
    }
}

/// Where a path is written from: the subsystem module or a routine's module inside it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Subsystem,
    Routine,
}

/// Paths into the runtime and into the subsystem module.
pub struct Paths {
    /// The `mig` crate as the invocation names it (`::mig`, or `$crate` via `mig::mig!`).
    pub krate: TokenStream,
}

impl Paths {
    /// The Rust type of a MIG type, written from `scope`.
    pub fn ty(&self, ty: &Type, scope: Scope) -> TokenStream {
        match ty.origin {
            Origin::Primitive => self.rust(&ty.rust, scope),
            origin => self.named(&ty.name, origin, scope),
        }
    }

    /// What an alias stands for.
    pub fn rust(&self, rust: &Rust, scope: Scope) -> TokenStream {
        let krate = &self.krate;
        match rust {
            // Spelled in full so that a MIG type named like a primitive (`type u8 = …`)
            // does not alias itself.
            Rust::Primitive(p) if p.starts_with("::") => p.parse().expect("primitive type paths parse"),
            Rust::Primitive(p) => {
                let p = ident(p);
                quote!(::core::primitive::#p)
            }
            Rust::Sys(name) => {
                let name = ident(name);
                quote!(#krate::sys::#name)
            }
            Rust::Named { name, origin } => self.named(name, *origin, scope),
            Rust::Inline(element, max) => {
                let krate = &self.krate;
                let element = self.rust(element, scope);
                let max = proc_macro2::Literal::usize_unsuffixed(*max as usize);
                quote!(#krate::InlineArray<#element, #max>)
            }
            Rust::Ports(element) => {
                let krate = &self.krate;
                let element = self.rust(element, scope);
                quote!(#krate::__private::Vec<#element>)
            }
            Rust::CString(max) => {
                let krate = &self.krate;
                let max = proc_macro2::Literal::usize_unsuffixed(*max as usize);
                quote!(#krate::InlineString<#max>)
            }
            Rust::OutOfLine(element) => {
                let krate = &self.krate;
                let element = self.rust(element, scope);
                quote!(#krate::OutOfLine<#element>)
            }
            Rust::Array(element, count) => {
                let element = self.rust(element, scope);
                let count = proc_macro2::Literal::usize_unsuffixed(*count as usize);
                quote!([#element; #count])
            }
            Rust::User { path, span, .. } => user_path(path, *span, scope),
            Rust::None => quote!(()),
        }
    }

    fn named(&self, name: &str, origin: Origin, scope: Scope) -> TokenStream {
        let krate = &self.krate;
        let name = ident(name);
        match (origin, scope) {
            (Origin::Builtin, _) => quote!(#krate::types::#name),
            (_, Scope::Subsystem) => quote!(#name),
            (_, Scope::Routine) => quote!(super::#name),
        }
    }
}

/// A path the user wrote from the scope that invokes `mig!`, as seen from inside the
/// generated module (`crate::…` paths stay as they are).
pub fn user_path(path: &[String], span: Span, scope: Scope) -> TokenStream {
    let segments = path.iter().map(|segment| Ident::new(segment, span));
    let up = match (path.first().map(String::as_str), scope) {
        (Some("crate"), _) => quote!(),
        (_, Scope::Subsystem) => quote_spanned!(span=> super::),
        (_, Scope::Routine) => quote_spanned!(span=> super::super::),
    };
    quote_spanned!(span=> #up #(#segments)::*)
}

/// `#[doc = "…"]` for each line.
pub fn docs<'a>(lines: impl IntoIterator<Item = &'a String>) -> TokenStream {
    lines.into_iter().map(|line| quote!(#[doc = #line])).collect()
}

/// A generated doc line, written as `///` writes it (a space after the slashes), so the
/// expansion reads like hand-written code under `cargo expand`.
pub fn doc(text: &str) -> TokenStream {
    let text = format!(" {text}");
    quote!(#[doc = #text])
}

/// A generated paragraph, after the user's own docs (with an empty line between).
pub fn docs_with(user: &[String], generated: &str) -> TokenStream {
    let user_docs = docs(user);
    let separator = (!user.is_empty()).then(|| quote!(#[doc = ""]));
    let generated = doc(generated);
    quote!(#user_docs #separator #generated)
}

/// Integer literals without suffix, so the expansion reads `100`, not `100i32`.
pub fn lit_i32(n: i32) -> proc_macro2::Literal {
    proc_macro2::Literal::i32_unsuffixed(n)
}

/// See [`lit_i32`].
pub fn lit_usize(n: u32) -> proc_macro2::Literal {
    proc_macro2::Literal::usize_unsuffixed(n as usize)
}

impl Paths {
    /// The element type of a variable-size or out-of-line array type.
    pub fn element(&self, ty: &Type, scope: Scope) -> TokenStream {
        match &ty.rust {
            Rust::Inline(element, _) | Rust::OutOfLine(element) | Rust::Ports(element) => {
                self.rust(element, scope)
            }
            _ => unreachable!("check gives variable arrays an `Inline` Rust type"),
        }
    }

    /// How a type is stored in a wire struct: a variable array at its maximum, `[T; max]`.
    pub fn wire(&self, ty: &Type, scope: Scope) -> TokenStream {
        match (&ty.wire, &ty.rust) {
            (crate::model::Wire::CString { max, .. }, _) => {
                let max = proc_macro2::Literal::usize_unsuffixed(*max as usize);
                quote!([::core::ffi::c_char; #max])
            }
            (crate::model::Wire::Variable { max, .. }, _) => {
                let element = self.element(ty, scope);
                let max = proc_macro2::Literal::usize_unsuffixed(*max as usize);
                quote!([#element; #max])
            }
            _ => self.ty(ty, scope),
        }
    }
}
