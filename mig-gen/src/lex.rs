//! Stage 1: lower a `proc_macro2::TokenStream` into owned tokens that chumsky can walk.
//!
//! Bracketed groups stay nested (`Tok::Group`), so the parser enters them with
//! `nested_in` and an error inside `( … )` can never escape past the `)`. Every token
//! keeps its compiler span. `///` comments (which arrive as `#[doc = "…"]`) become one
//! `Tok::Doc`, and the invisible groups `macro_rules!` wraps around `$x` are spliced.

use std::fmt;
use std::ops::{Range, RangeFrom};

use chumsky::input::{BorrowInput, ExactSizeInput, Input, ValueInput};
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

/// What the parser reads: lowered tokens, and where "end of input" is reported.
///
/// The spans are those of chumsky's `split_token_span` (from the first token's start to
/// the last consumed token's end), without its mapping closure: rustc proves that
/// closure's `Fn` bounds again for every combinator type, which made `parse.rs` take
/// most of this crate's compile time.
#[derive(Clone, Copy)]
pub struct Tokens<'t> {
    tokens: &'t [(Tok, Sp)],
    eoi: Sp,
}

impl<'t> Tokens<'t> {
    pub fn new(tokens: &'t [(Tok, Sp)], eoi: Sp) -> Self {
        Tokens { tokens, eoi }
    }

    fn advance(&self, cursor: &mut usize) -> Option<&'t Tok> {
        let (tok, _) = self.tokens.get(*cursor)?;
        *cursor += 1;
        Some(tok)
    }

    fn start_of(&self, cursor: usize) -> Span {
        self.tokens.get(cursor).map_or(self.eoi.end, |(_, sp)| sp.start)
    }
}

// The cursor is the index of the next token. chumsky's input functions are `unsafe` so
// that an input may trust its cursors; these check every index, so nothing relies on that.
impl<'t> Input<'t> for Tokens<'t> {
    type Cursor = usize;
    type Span = Sp;
    type Token = Tok;
    type MaybeToken = &'t Tok;
    type Cache = Self;

    fn begin(self) -> (usize, Self) {
        (0, self)
    }

    fn cursor_location(cursor: &usize) -> usize {
        *cursor
    }

    unsafe fn next_maybe(cache: &mut Self, cursor: &mut usize) -> Option<&'t Tok> {
        cache.advance(cursor)
    }

    unsafe fn span(cache: &mut Self, range: Range<&usize>) -> Sp {
        if *range.start >= cache.tokens.len() {
            return point(cache.eoi.end);
        }
        let end = match *range.end {
            0 => cache.eoi.end,
            after => cache.tokens[after - 1].1.end,
        };
        SimpleSpan {
            start: cache.start_of(*range.start),
            end,
            context: (),
        }
    }
}

impl<'t> ExactSizeInput<'t> for Tokens<'t> {
    unsafe fn span_from(cache: &mut Self, range: RangeFrom<&usize>) -> Sp {
        SimpleSpan {
            start: cache.start_of(*range.start),
            end: cache.eoi.end,
            context: (),
        }
    }
}

impl<'t> ValueInput<'t> for Tokens<'t> {
    unsafe fn next(cache: &mut Self, cursor: &mut usize) -> Option<Tok> {
        cache.advance(cursor).cloned()
    }
}

impl<'t> BorrowInput<'t> for Tokens<'t> {
    unsafe fn next_ref(cache: &mut Self, cursor: &mut usize) -> Option<&'t Tok> {
        cache.advance(cursor)
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

    /// `Tokens` must give the spans `split_token_span` gave: every error and every
    /// syntax node takes its span from here.
    #[test]
    fn spans_are_those_of_split_token_span() {
        use std::str::FromStr;

        // Parsed from text, so that every token has its own span.
        let toks = lower(TokenStream::from_str("routine add(a: int; out b: int) ;").unwrap());
        let eoi = point(toks.last().unwrap().1.end);
        let show = |sp: Sp| format!("{:?}..{:?}", sp.start, sp.end);
        type Mapped<'t> = chumsky::input::MappedInput<'t, Tok, Sp, &'t [(Tok, Sp)]>;

        let mapped = toks[..].split_token_span(eoi);
        let (mut cursor, mut mapped_cache) = mapped.begin();
        let mut mapped_cursors = vec![cursor];
        // SAFETY: the cursor comes from `begin` of this input and is used only with it.
        while unsafe { Mapped::next_maybe(&mut mapped_cache, &mut cursor) }.is_some() {
            mapped_cursors.push(cursor);
        }
        let (mut cursor, mut cache) = Tokens::new(&toks, eoi).begin();
        let mut cursors = vec![cursor];
        // SAFETY: as above (`Tokens` checks its cursors anyway).
        while unsafe { Tokens::next_maybe(&mut cache, &mut cursor) }.is_some() {
            cursors.push(cursor);
        }
        assert_eq!(cursors.len(), mapped_cursors.len());

        for i in 0..cursors.len() {
            for j in 0..cursors.len() {
                // SAFETY: every cursor was made by its own input's `begin`/`next_maybe`.
                let (ours, theirs) = unsafe {
                    (
                        Tokens::span(&mut cache, &cursors[i]..&cursors[j]),
                        Mapped::span(&mut mapped_cache, &mapped_cursors[i]..&mapped_cursors[j]),
                    )
                };
                assert_eq!(show(ours), show(theirs), "span of tokens {i}..{j}");
            }
            // SAFETY: as above.
            let (ours, theirs) = unsafe {
                (
                    Tokens::span_from(&mut cache, &cursors[i]..),
                    Mapped::span_from(&mut mapped_cache, &mapped_cursors[i]..),
                )
            };
            assert_eq!(show(ours), show(theirs), "span from token {i}");
        }
    }

    #[test]
    fn literals_are_classified() {
        let toks = lower(quote! { 42 "x.h" 0x10 });
        assert!(matches!(&toks[0].0, Tok::Number(n) if n == "42"));
        assert!(matches!(&toks[1].0, Tok::Str(s) if s == "x.h"));
        assert!(matches!(&toks[2].0, Tok::OtherLit(s) if s == "0x10"));
    }
}
