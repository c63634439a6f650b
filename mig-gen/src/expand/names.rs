//! Rust names for MIG names, and paths to the types they stand for.

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};

use crate::lex::Sp;
use crate::model::{Origin, Routine, Rust, Type, rust_name};

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
    /// How generated code names the runtime: `__mig`, which each generated module
    /// imports (`use <the mig crate>::__private as __mig;` in the subsystem module,
    /// `use super::__mig;` in a routine's), and through which the runtime's public
    /// items and its private helpers alike are reached.
    pub krate: TokenStream,
    /// The `mig` crate as the invocation names it (`::mig`, or `$crate` via `mig::mig!`),
    /// for the one bound whose span rustc's error about it names (a `rusttype:` that is
    /// not plain data): written with the caller's path, the error says it comes from
    /// `mig!`.
    pub runtime: TokenStream,
}

impl Paths {
    /// Paths through the `__mig` import of `runtime`.
    pub fn private(runtime: TokenStream) -> Self {
        Paths {
            krate: TokenTree::Ident(Ident::new("__mig", Span::call_site())).into(),
            runtime,
        }
    }

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
                quote!(#krate::Vec<#element>)
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
    let mut out = TokenStream::new();
    for line in lines {
        out.extend(doc_attribute(line));
    }
    out
}

/// `#[doc = "<text>"]`, built as its two token trees (the attribute is most of the
/// expansion's token streams: `quote!` would build and join four streams for it).
fn doc_attribute(text: &str) -> [TokenTree; 2] {
    let span = Span::call_site();
    let inner = [
        TokenTree::Ident(Ident::new("doc", span)),
        TokenTree::Punct(proc_macro2::Punct::new('=', Spacing::Alone)),
        TokenTree::Literal(proc_macro2::Literal::string(text)),
    ];
    [
        TokenTree::Punct(proc_macro2::Punct::new('#', Spacing::Alone)),
        TokenTree::Group(Group::new(Delimiter::Bracket, inner.into_iter().collect())),
    ]
}

/// A generated doc line, written as `///` writes it (a space after the slashes), so the
/// expansion reads like hand-written code under `cargo expand`.
pub fn doc(text: &str) -> TokenStream {
    doc_attribute(&format!(" {text}")).into_iter().collect()
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

/// Every token of `tokens` (groups included) placed at `at` in the MIG text. Only the
/// location changes: each token keeps its hygiene, so names resolve as before and lints
/// still see code a macro generated.
pub fn located(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), located(group.stream(), at));
                inner.set_span(group.span().located_at(at));
                token = TokenTree::Group(inner);
            }
            token.set_span(token.span().located_at(at));
            token
        })
        .collect()
}

/// `tokens` placed over `range`: the first token at its start, the rest at its end.
/// Rustc joins a construct's first and last token, so it underlines the whole range.
pub fn located_over(tokens: TokenStream, range: Sp) -> TokenStream {
    let mut tokens = tokens.into_iter();
    let first = tokens.next().map(|first| located(first.into(), range.start));
    first
        .into_iter()
        .flatten()
        .chain(located(tokens.collect(), range.end))
        .collect()
}

/// A generated function of `routine` (its client stub, its `Server` method) placed at
/// the routine in the MIG text, so that rustc's errors about it (a handler with the
/// wrong arguments, a missing handler, a stub called wrongly) land on the definition:
/// `fn` and its name at the routine's keyword and name, each parameter at the argument
/// it comes from (matched by name), the return type at the routine's end. Attributes
/// and the body keep their spans.
pub fn located_fn(item: TokenStream, routine: &Routine) -> TokenStream {
    let mut out = TokenStream::new();
    let mut tokens = item.into_iter().peekable();
    let mut seen_fn = false;
    while let Some(token) = tokens.next() {
        match token {
            // An attribute: `#` and its `[…]`.
            TokenTree::Punct(p) if p.as_char() == '#' => {
                out.extend([TokenTree::Punct(p)]);
                out.extend(tokens.next());
            }
            TokenTree::Ident(ref i) if seen_fn => {
                let name = i.clone();
                out.extend(located(name.into_token_stream(), routine.name_span.start));
                // The parameters, then everything to the body (or the `;`).
                for token in tokens.by_ref() {
                    match token {
                        TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                            let mut params = Group::new(g.delimiter(), located_params(g.stream(), routine));
                            params.set_span(g.span().located_at(routine.name_span.start));
                            out.extend([TokenTree::Group(params)]);
                        }
                        TokenTree::Group(body) if body.delimiter() == Delimiter::Brace => {
                            out.extend([TokenTree::Group(body)]);
                        }
                        other => out.extend(located(other.into(), routine.span.end)),
                    }
                }
            }
            other => {
                seen_fn |= matches!(&other, TokenTree::Ident(i) if i == "fn");
                out.extend(located(other.into(), routine.span.start));
            }
        }
    }
    out
}

/// The parameters of a routine's function, each over the argument of its name
/// (`<arg>_capacity` is a `CountInOut` argument's); `&self` at the routine's name.
fn located_params(params: TokenStream, routine: &Routine) -> TokenStream {
    let mut out = TokenStream::new();
    for (param, comma) in split_params(params) {
        let name = param.iter().find_map(|t| match t {
            TokenTree::Ident(i) if i != "mut" => Some(i.to_string()),
            _ => None,
        });
        let arg = routine.args.iter().find(|a| {
            name.as_deref()
                .is_some_and(|n| ident(&a.name) == n || n == format!("{}_capacity", a.name))
        });
        let range = match arg {
            Some(arg) => arg.span,
            None => routine.name_span,
        };
        out.extend(located_over(param.into_iter().collect(), range));
        out.extend(comma.map(|c| located(c.into(), range.end)));
    }
    out
}

/// Splits a parameter list at its top-level commas (not those of `A<B, C>`).
pub(super) fn split_params(params: TokenStream) -> Vec<(Vec<TokenTree>, Option<TokenTree>)> {
    let mut split = Vec::new();
    let mut current = Vec::new();
    let mut depth = 0i32;
    let mut after_dash = false;
    for token in params {
        if let TokenTree::Punct(p) = &token {
            match p.as_char() {
                '<' => depth += 1,
                '>' if !after_dash => depth -= 1,
                ',' if depth == 0 => {
                    split.push((std::mem::take(&mut current), Some(token)));
                    after_dash = false;
                    continue;
                }
                _ => {}
            }
            after_dash = p.as_char() == '-' && p.spacing() == Spacing::Joint;
        } else {
            after_dash = false;
        }
        current.push(token);
    }
    if !current.is_empty() {
        split.push((current, None));
    }
    split
}

/// A signature's tokens as a user reads them in rustdoc: the runtime's `__mig::` as
/// `mig::`, and each MIG type name (`__mig::types::int`, or a `type` of the definition)
/// as the Rust it stands for (`i32`).
pub fn rust_signature(tokens: TokenStream, names: &std::collections::BTreeMap<String, String>) -> String {
    let mut words = Vec::new();
    flatten(tokens, &mut words);
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let types_path = words
            .get(i..i + 5)
            .is_some_and(|w| w[0] == "__mig" && w[1] == "::" && w[2] == "types" && w[3] == "::");
        if types_path && let Some(rust) = names.get(&words[i + 4]) {
            out.push(rust.clone());
            i += 5;
            continue;
        }
        let after_path = out.last().is_some_and(|w| w == "::");
        match names.get(word) {
            Some(rust) if !after_path && words.get(i + 1).is_none_or(|w| w != "::") => out.push(rust.clone()),
            _ if word == "__mig" => out.push("mig".to_owned()),
            _ => out.push(word.clone()),
        }
        i += 1;
    }
    let mut text = String::new();
    for (n, word) in out.iter().enumerate() {
        let glued_left = [",", "::", ">", ")", "]", ";", ":", "<", "("].contains(&word.as_str());
        let glued_right = n > 0 && ["::", "<", "(", "[", "&", "'"].contains(&out[n - 1].as_str());
        if n > 0 && !glued_left && !glued_right {
            text.push(' ');
        }
        text.push_str(word);
    }
    text
}

/// The tokens' texts, a joint punctuation (`::`, `->`) as one word.
fn flatten(tokens: TokenStream, words: &mut Vec<String>) {
    let mut joint = String::new();
    for token in tokens {
        match token {
            TokenTree::Punct(p) => {
                joint.push(p.as_char());
                if p.spacing() == proc_macro2::Spacing::Alone || p.as_char() == '\'' {
                    words.push(std::mem::take(&mut joint));
                }
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                words.push(open.to_owned());
                flatten(g.stream(), words);
                words.push(close.to_owned());
            }
            other => words.push(other.to_string()),
        }
    }
}
