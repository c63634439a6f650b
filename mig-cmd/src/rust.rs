//! The `mig!` blocks of a Rust file: found with `syn` wherever they are (items, function
//! bodies, nested modules), expanded in order.

use std::path::Path;

use mig_gen::{Config, Diagnostic};
use proc_macro2::TokenStream;
use syn::visit::{self, Visit};

use crate::{Failure, pretty};

/// One `mig!` invocation: the line it starts on and its body.
struct Block {
    line: usize,
    body: TokenStream,
}

/// Collects the invocations of `mig!`, `mig::mig!`, and `mig!` through any other path
/// (a renamed crate's, `renamed::mig!`), with or without a leading `::`.
#[derive(Default)]
struct Blocks(Vec<Block>);

impl<'ast> Visit<'ast> for Blocks {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if mac.path.segments.last().is_some_and(|s| s.ident == "mig") {
            let first = mac.path.segments.first().expect("a path has a segment");
            self.0.push(Block {
                line: first.ident.span().start().line,
                body: mac.tokens.clone(),
            });
        }
        visit::visit_macro(self, mac);
    }
}

/// Every `mig!` block of `text` (the Rust file at `path`) expanded and printed, each
/// under a comment naming its line; or every error of every block.
pub fn expand_blocks(config: &Config, path: &Path, text: &str) -> Result<String, Failure> {
    let file = syn::parse_file(text).map_err(|error| {
        let start = error.span().start();
        Failure::Diagnostics(vec![Diagnostic {
            message: error.to_string(),
            file: Some(path.to_path_buf()),
            line: start.line,
            column: Some(start.column + 1),
            end: None,
        }])
    })?;
    let mut blocks = Blocks::default();
    blocks.visit_file(&file);
    if blocks.0.is_empty() {
        return Err(Failure::Other(format!(
            "`{}` has no `mig!` block",
            path.display()
        )));
    }
    let mut out = String::new();
    let mut errors = Vec::new();
    for block in blocks.0 {
        match config.expand_body(block.body).items {
            Ok(items) => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("// mig! at {}:{}\n", path.display(), block.line));
                out.push_str(&pretty(items));
            }
            // The body's spans are the file's: only the file is missing.
            Err(diagnostics) => errors.extend(diagnostics.into_iter().map(|d| Diagnostic {
                file: Some(d.file.unwrap_or_else(|| path.to_path_buf())),
                ..d
            })),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Failure::Diagnostics(errors))
    }
}
