//! One accumulator for every error of one expansion, each at its span.
//!
//! Stages push errors and keep going; the pipeline stops at a stage boundary if any were
//! pushed. The proc macro emits all of them together as `compile_error!`s; the file
//! front ends read each message and where its span starts and ends.

use proc_macro2::{Punct, Spacing, Span, TokenStream, TokenTree};

use crate::lex::Sp;

#[derive(Default)]
pub struct Errors {
    errors: Vec<Error>,
}

/// One error: its message and the first and last spans it underlines.
pub struct Error {
    pub message: String,
    pub start: Span,
    pub end: Span,
}

impl Error {
    /// The error as a `compile_error!` underlining from its first to its last span.
    fn to_compile_error(&self) -> TokenStream {
        // `syn::Error::new_spanned` underlines from the first to the last token it is
        // given; two placeholder tokens carry the two ends (stable has no `Span::join`).
        let mut start = Punct::new('.', Spacing::Alone);
        start.set_span(self.start);
        let mut end = Punct::new('.', Spacing::Alone);
        end.set_span(self.end);
        let ends: TokenStream = [TokenTree::Punct(start), TokenTree::Punct(end)]
            .into_iter()
            .collect();
        syn::Error::new_spanned(ends, &self.message).to_compile_error()
    }
}

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error underlining `span` (from its first to its last token).
    pub fn error(&mut self, span: Sp, message: impl std::fmt::Display) {
        self.errors.push(Error {
            message: message.to_string(),
            start: span.start,
            end: span.end,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The messages, for tests.
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.errors.iter().map(|e| e.message.clone()).collect()
    }

    /// Every error, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Error> {
        self.errors.iter()
    }

    /// Every error as a `compile_error!` invocation, in the order found.
    pub fn to_compile_errors(&self) -> TokenStream {
        self.errors.iter().map(Error::to_compile_error).collect()
    }
}
