//! One accumulator for every error of one expansion, each at its span.
//!
//! Stages push errors and keep going; the pipeline stops at a stage boundary if any were
//! pushed, and all of them are emitted together as `compile_error!`s.

use proc_macro2::{Punct, Spacing, TokenStream, TokenTree};

use crate::lex::Sp;

#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error underlining `span` (from its first to its last token).
    pub fn error(&mut self, span: Sp, message: impl std::fmt::Display) {
        // `syn::Error::new_spanned` underlines from the first to the last token it is
        // given; two placeholder tokens carry the two ends (stable has no `Span::join`).
        let mut start = Punct::new('.', Spacing::Alone);
        start.set_span(span.start);
        let mut end = Punct::new('.', Spacing::Alone);
        end.set_span(span.end);
        let ends: TokenStream = [TokenTree::Punct(start), TokenTree::Punct(end)]
            .into_iter()
            .collect();
        self.errors.push(syn::Error::new_spanned(ends, message));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The messages, for tests.
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.errors.iter().map(|e| e.to_string()).collect()
    }

    /// Every error as a `compile_error!` invocation, in the order found.
    pub fn to_compile_errors(&self) -> TokenStream {
        self.errors.iter().map(syn::Error::to_compile_error).collect()
    }
}
