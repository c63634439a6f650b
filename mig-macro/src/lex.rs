//! Stage 1: lower a `proc_macro2::TokenStream` into owned tokens that chumsky can walk.
//!
//! Bracketed groups stay nested (`Tok::Group`), so the parser enters them with
//! `nested_in` and an error inside `( … )` can never escape past the `)`. Every token
//! keeps its compiler span. `///` comments (which arrive as `#[doc = "…"]`) become one
//! `Tok::Doc`, and the invisible groups `macro_rules!` wraps around `$x` are spliced.

use std::fmt;

use chumsky::span::SimpleSpan;
use proc_macro2::{Delimiter, Literal, Span, TokenStream, TokenTree};

/// A span as the parser sees it: the first and last compiler span it covers.
/// (`Span::join` only works on nightly, so ranges are carried as pairs.)
pub type Sp = SimpleSpan<Span>;

/// A single-token span.
pub fn point(span: Span) -> Sp {
    SimpleSpan {
        start: span,
        end: span,
        context: (),
    }
}

/// One lowered token.
#[derive(Clone, Debug)]
pub enum Tok {
    /// An identifier or keyword, as written.
    Ident(String),
    /// A single punctuation character.
    Punct(char),
    /// A number, as written (MIG numbers are decimal digits only).
    Number(String),
    /// A string literal with its quotes removed.
    Str(String),
    /// Any other literal (characters, floats, suffixed numbers): always a syntax error.
    OtherLit(String),
    /// The text of one `///` doc comment.
    Doc(String),
    /// A `( … )`, `[ … ]` or `{ … }` group.
    Group(Group),
}

/// The contents of a delimited group.
#[derive(Clone, Debug)]
pub struct Group {
    pub delim: Delimiter,
    pub tokens: Vec<(Tok, Sp)>,
    /// The closing delimiter: "end of input" inside the group is reported there.
    pub close: Span,
}

// Rich errors compare tokens to de-duplicate expectations; spans never take part.
impl PartialEq for Tok {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Tok::Ident(a), Tok::Ident(b)) => a == b,
            (Tok::Punct(a), Tok::Punct(b)) => a == b,
            (Tok::Number(a), Tok::Number(b)) => a == b,
            (Tok::Str(a), Tok::Str(b)) => a == b,
            (Tok::OtherLit(a), Tok::OtherLit(b)) => a == b,
            (Tok::Doc(a), Tok::Doc(b)) => a == b,
            (Tok::Group(a), Tok::Group(b)) => a.delim == b.delim,
            _ => false,
        }
    }
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) | Tok::Number(s) | Tok::OtherLit(s) => f.write_str(s),
            Tok::Punct(c) => write!(f, "{c}"),
            Tok::Str(s) => write!(f, "{s:?}"),
            Tok::Doc(_) => f.write_str("doc comment"),
            Tok::Group(g) => f.write_str(match g.delim {
                Delimiter::Parenthesis => "(",
                Delimiter::Bracket => "[",
                Delimiter::Brace => "{",
                Delimiter::None => "group",
            }),
        }
    }
}

/// Lowers a whole token stream.
pub fn lower(stream: TokenStream) -> Vec<(Tok, Sp)> {
    let mut out = Vec::new();
    lower_into(stream, &mut out);
    out
}

fn lower_into(stream: TokenStream, out: &mut Vec<(Tok, Sp)>) {
    let mut iter = stream.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Ident(ident) => {
                // A raw identifier (`r#in`) names the same thing as the plain word.
                let text = ident.to_string();
                let text = text.strip_prefix("r#").map(str::to_owned).unwrap_or(text);
                out.push((Tok::Ident(text), point(ident.span())))
            }
            TokenTree::Punct(punct) => {
                // `///` arrives as `#` followed by `[doc = "…"]`.
                if punct.as_char() == '#'
                    && let Some(TokenTree::Group(g)) = iter.peek()
                    && let Some(text) = doc_text(g)
                {
                    let span = SimpleSpan {
                        start: punct.span(),
                        end: g.span_close(),
                        context: (),
                    };
                    out.push((Tok::Doc(text), span));
                    iter.next();
                    continue;
                }
                out.push((Tok::Punct(punct.as_char()), point(punct.span())));
            }
            TokenTree::Literal(lit) => out.push((lower_literal(&lit), point(lit.span()))),
            TokenTree::Group(g) if g.delimiter() == Delimiter::None => lower_into(g.stream(), out),
            TokenTree::Group(g) => {
                let mut tokens = Vec::new();
                lower_into(g.stream(), &mut tokens);
                let span = SimpleSpan {
                    start: g.span_open(),
                    end: g.span_close(),
                    context: (),
                };
                out.push((
                    Tok::Group(Group {
                        delim: g.delimiter(),
                        tokens,
                        close: g.span_close(),
                    }),
                    span,
                ));
            }
        }
    }
}

fn lower_literal(lit: &Literal) -> Tok {
    let text = lit.to_string();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Tok::Number(text);
    }
    if let Ok(s) = syn::parse_str::<syn::LitStr>(&text) {
        return Tok::Str(s.value());
    }
    Tok::OtherLit(text)
}

/// The text of a `[doc = "…"]` group, if that is what it is.
fn doc_text(group: &proc_macro2::Group) -> Option<String> {
    if group.delimiter() != Delimiter::Bracket {
        return None;
    }
    let mut inner = group.stream().into_iter();
    match (inner.next(), inner.next(), inner.next(), inner.next()) {
        (Some(TokenTree::Ident(i)), Some(TokenTree::Punct(p)), Some(TokenTree::Literal(l)), None)
            if i == "doc" && p.as_char() == '=' =>
        {
            syn::parse_str::<syn::LitStr>(&l.to_string())
                .ok()
                .map(|s| s.value())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn groups_nest_and_docs_fold() {
        let toks = lower(quote! {
            /// adds
            routine add(a: int; out b: int);
        });
        assert!(matches!(&toks[0].0, Tok::Doc(d) if d == " adds"));
        assert!(matches!(&toks[1].0, Tok::Ident(s) if s == "routine"));
        let Tok::Group(g) = &toks[3].0 else {
            panic!("expected a group, got {:?}", toks[3].0)
        };
        assert_eq!(g.delim, Delimiter::Parenthesis);
        assert_eq!(g.tokens.len(), 8);
        assert!(matches!(&toks[4].0, Tok::Punct(';')));
    }

    #[test]
    fn literals_are_classified() {
        let toks = lower(quote! { 42 "x.h" 0x10 });
        assert!(matches!(&toks[0].0, Tok::Number(n) if n == "42"));
        assert!(matches!(&toks[1].0, Tok::Str(s) if s == "x.h"));
        assert!(matches!(&toks[2].0, Tok::OtherLit(s) if s == "0x10"));
    }
}
