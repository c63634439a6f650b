//! Generated items as formatted Rust: what `mig-build` writes and the `mig` command
//! prints.

use proc_macro2::TokenStream;
use syn::visit_mut::{self, VisitMut};
use syn::{Item, ItemMod, MacroDelimiter};

/// Formats generated items with prettyplease, the bodies of the runtime's gating
/// macros included.
///
/// Items that only exist with a runtime feature (the `_async` client stubs) are emitted
/// inside a macro call, `__mig::async_stubs! { … }`, whose body prettyplease would
/// print as one line. Each such body is formatted as the items it holds: the call is
/// printed as a module of those items under a placeholder name, and the placeholder
/// line is then written back as the call.
pub fn format_items(items: TokenStream) -> syn::Result<String> {
    let mut file: syn::File = syn::parse2(items)?;
    let mut gates = Gates::default();
    gates.visit_file_mut(&mut file);
    if let Some(error) = gates.error {
        return Err(error);
    }
    let mut text = prettyplease::unparse(&file);
    for (index, call) in gates.calls.iter().enumerate() {
        let placeholder = format!("mod {} {{", placeholder(index));
        text = text.replacen(&placeholder, &format!("{call}! {{"), 1);
    }
    Ok(text)
}

/// The name standing for the `index`th gating macro call while the file is printed.
fn placeholder(index: usize) -> String {
    format!("__mig_gated_items_{index}")
}

/// Replaces each braced call of a macro named `async_stubs` with a placeholder module
/// of the items it holds, remembering how the call was written.
#[derive(Default)]
struct Gates {
    /// The macro paths, as written (`__mig::async_stubs`), in placeholder order.
    calls: Vec<String>,
    error: Option<syn::Error>,
}

impl VisitMut for Gates {
    fn visit_item_mut(&mut self, item: &mut Item) {
        if let Item::Macro(call) = item
            && matches!(call.mac.delimiter, MacroDelimiter::Brace(_))
            && call
                .mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "async_stubs")
        {
            let body = match syn::parse2::<syn::File>(call.mac.tokens.clone()) {
                Ok(body) => body,
                Err(error) => {
                    self.error.get_or_insert(error);
                    return;
                }
            };
            let path = &call.mac.path;
            let mut written = String::from(if path.leading_colon.is_some() { "::" } else { "" });
            let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            written.push_str(&names.join("::"));
            let name = syn::Ident::new(&placeholder(self.calls.len()), proc_macro2::Span::call_site());
            self.calls.push(written);
            let mut module = ItemMod {
                attrs: std::mem::take(&mut call.attrs),
                vis: syn::Visibility::Inherited,
                unsafety: None,
                mod_token: Default::default(),
                ident: name,
                content: Some((Default::default(), body.items)),
                semi: None,
            };
            // Gated items may hold gated items of their own.
            visit_mut::visit_item_mod_mut(self, &mut module);
            *item = Item::Mod(module);
            return;
        }
        visit_mut::visit_item_mut(self, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const GATED: &str = "pub mod add { use ::mig::__private as __mig; \
        pub fn add2(a: i32) -> i32 { a } \
        __mig::async_stubs! { #[doc = \" The awaitable form.\"] #[inline] \
        pub async fn add2_async(a: i32) -> i32 { let b = a; b } pub struct Extra; } }";

    #[test]
    fn gated_bodies_are_formatted_and_the_call_kept() {
        let text = format_items(TokenStream::from_str(GATED).unwrap()).unwrap();
        let expected = "    __mig::async_stubs! {\n        \
            /// The awaitable form.\n        \
            #[inline]\n        \
            pub async fn add2_async(a: i32) -> i32 {\n            \
            let b = a;\n            b\n        }\n        \
            pub struct Extra;\n    }\n";
        assert!(text.contains(expected), "{text}");
        assert!(!text.contains("__mig_gated_items"), "{text}");
    }

    #[test]
    fn formatting_keeps_every_token() {
        let items = TokenStream::from_str(GATED).unwrap();
        let text = format_items(items.clone()).unwrap();
        assert_eq!(
            TokenStream::from_str(&text).unwrap().to_string(),
            items.to_string()
        );
    }

    #[test]
    fn a_gated_body_that_is_not_items_is_an_error() {
        let items = TokenStream::from_str("__mig::async_stubs! { 1 + }").unwrap();
        assert!(format_items(items).is_err());
    }
}
