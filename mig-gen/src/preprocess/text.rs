//! An included file, read as text and turned into tokens.
//!
//! The text is preprocessed line by line, the way `cc -E` does it for MIG: xnu's own
//! files split parentheses across `#if` branches and paste names with `##`, so they need
//! not tokenize as Rust until the directives are gone. What is left is lexed, every token
//! at the `#include`'s span (a file's text has no spans of its own), and spliced where
//! the `#include` stood. Definitions made in a file stay in force after it, as in C.

use std::path::Path;
use std::str::FromStr;

use proc_macro2::{LexError, TokenStream};

use crate::lex::{self, Group, Sp, Tok};

use super::cond::{Branch, Conditionals};
use super::defines::Defines;
use super::expr::evaluate;
use super::files::{self, Files};

/// How deep `#include`s may nest before a file is taken to include itself.
const MAX_DEPTH: usize = 32;

/// The tokens of the file an `#include` in a `mig!` body names (`<name>` when `angled`,
/// else `"name"`), preprocessed, each at `span`; or what went wrong.
pub fn include(
    name: &str,
    angled: bool,
    span: Sp,
    defines: &mut Defines,
    files: &mut Files,
) -> Result<Vec<(Tok, Sp)>, String> {
    let path = files::find(name, angled, None)?;
    let mut reader = Reader {
        defines,
        files,
        depth: 0,
    };
    let text = reader.file(&path)?;
    tokens_at(&text, span).map_err(|error| {
        format!("after preprocessing, the text of `{name}` is not valid Rust tokens: {error}")
    })
}

/// `text` lexed, every token (and every group's closing bracket) at `span`.
pub fn tokens_at(text: &str, span: Sp) -> Result<Vec<(Tok, Sp)>, LexError> {
    TokenStream::from_str(text).map(|tokens| respan(lex::lower(tokens), span))
}

fn respan(tokens: Vec<(Tok, Sp)>, span: Sp) -> Vec<(Tok, Sp)> {
    tokens
        .into_iter()
        .map(|(tok, _)| match tok {
            Tok::Group(g) => (
                Tok::Group(Group {
                    tokens: respan(g.tokens, span),
                    close: span.end,
                    ..g
                }),
                span,
            ),
            other => (other, span),
        })
        .collect()
}

struct Reader<'a> {
    defines: &'a mut Defines,
    files: &'a mut Files,
    depth: usize,
}

impl Reader<'_> {
    fn file(&mut self, path: &Path) -> Result<String, String> {
        if self.depth == MAX_DEPTH {
            return Err(format!(
                "`#include`s nest more than {MAX_DEPTH} deep at `{}`",
                path.display()
            ));
        }
        let (path, text) = self.files.load(path)?;
        self.depth += 1;
        let result = self.lines(&strip_comments(&text), &path);
        self.depth -= 1;
        result.map_err(|(line, message)| format!("{}:{line}: {message}", path.display()))
    }

    /// The text's directives applied and its other lines expanded; an error comes with
    /// its line number.
    fn lines(&mut self, text: &str, path: &Path) -> Result<String, (usize, String)> {
        let mut out = String::new();
        // Ordinary lines gather here until the next directive, so a macro call may
        // span lines.
        let mut pending = String::new();
        let mut conds = Conditionals::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let Some(directive) = line.trim_start().strip_prefix('#') else {
                if conds.active() {
                    pending.push_str(line);
                    pending.push('\n');
                }
                continue;
            };
            out.push_str(&self.defines.expand_text(&std::mem::take(&mut pending)));
            let directive = directive.trim_start();
            let split = directive
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(directive.len());
            let (name, rest) = directive.split_at(split);
            let rest = rest.trim();
            let fail = |message: String| (number, message);
            if let Some(branch) = Branch::of(name) {
                conds
                    .apply(branch, number, || self.condition(name, rest))
                    .map_err(|e| fail(e.to_string()))?;
                continue;
            }
            if !conds.active() {
                continue;
            }
            match name {
                "define" => self.defines.define_text(rest).map_err(fail)?,
                "undef" => self.defines.undef(rest),
                "include" => out.push_str(&self.include(rest, path).map_err(fail)?),
                "error" => return Err(fail(format!("#error {rest}"))),
                "pragma" | "line" | "" => {}
                other => return Err(fail(format!("unsupported preprocessor directive `#{other}`"))),
            }
        }
        out.push_str(&self.defines.expand_text(&pending));
        if let Some(line) = conds.unclosed() {
            return Err((line, "this `#if` has no `#endif`".to_owned()));
        }
        Ok(out)
    }

    /// The value of an `#if`, `#ifdef`, `#ifndef` or `#elif` line.
    fn condition(&self, name: &str, rest: &str) -> Result<bool, String> {
        let tokens = TokenStream::from_str(rest)
            .map(lex::lower)
            .map_err(|_| format!("cannot read this `#{name}` condition: `{rest}`"))?;
        let kind = if name == "elif" { "if" } else { name };
        evaluate(kind, &tokens, self.defines).ok_or_else(|| format!("cannot evaluate `#{name} {rest}`"))
    }

    /// A nested `#include`: a built-in type file stays a statement for `check`; another
    /// file's text is read in place.
    fn include(&mut self, rest: &str, from: &Path) -> Result<String, String> {
        let (name, angled) = if let Some(name) = rest.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            (name.trim(), true)
        } else if let Some(name) = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            (name, false)
        } else {
            return Err(format!(
                "expected `<file>` or `\"file\"` after `#include`, found `{rest}`"
            ));
        };
        if files::is_builtin(name) {
            return Ok(format!("\n#include <{name}>\n"));
        }
        let path = files::find(name, angled, Some(from))?;
        self.file(&path)
    }
}

/// The text without comments, and with `\`-continued lines joined; line numbers are
/// kept (a comment's newlines stay, a joined line leaves an empty one after it).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut owed_newlines = 0;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = ' ';
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
                out.push(' ');
            }
            '"' => {
                out.push(c);
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '\\' {
                        out.extend(chars.next());
                    } else if c == '"' || c == '\n' {
                        break;
                    }
                }
            }
            '\\' if chars.peek() == Some(&'\n') => {
                chars.next();
                owed_newlines += 1;
            }
            '\n' => {
                out.push('\n');
                for _ in 0..std::mem::take(&mut owed_newlines) {
                    out.push('\n');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// `text` preprocessed as a file's text would be, with its errors' line numbers.
#[cfg(test)]
pub fn preprocess_text(text: &str, defines: &mut Defines) -> Result<String, (usize, String)> {
    let mut files = Files::default();
    let mut reader = Reader {
        defines,
        files: &mut files,
        depth: 0,
    };
    reader.lines(&strip_comments(text), Path::new("test.defs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_text(text: &str) -> Result<String, (usize, String)> {
        preprocess_text(text, &mut Defines::new())
    }

    #[test]
    fn branches_may_split_parentheses() {
        let text = "routine r(\n#if KERNEL_SERVER\n a: int);\n#else\n b: int);\n#endif\n";
        let out = reader_text(text).unwrap();
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>(),
            ["routine", "r(", "b:", "int);"]
        );
    }

    #[test]
    fn function_like_macros_paste() {
        let text = "#define CONCAT(a, b) a ## b\n#define PREFIX(NAME) CONCAT(_kernelrpc_, NAME)\n\
                    routine PREFIX(vm_allocate)(x: int);\n";
        let out = reader_text(text).unwrap();
        assert!(out.contains("routine _kernelrpc_vm_allocate(x: int);"), "{out}");
    }

    #[test]
    fn a_nested_include_near_a_built_in_name_is_a_typo() {
        assert_eq!(
            reader_text("type t = int;\n#include <mach/std_type.defs>\n"),
            Err((
                2,
                "`<mach/std_type.defs>` is not a built-in type file; did you mean `<mach/std_types.defs>`?"
                    .to_owned()
            ))
        );
    }

    #[test]
    fn a_condition_error_names_its_directive() {
        assert_eq!(
            reader_text("#if 0\n#elif 1 +\n#endif\n"),
            Err((2, "cannot evaluate `#elif 1 +`".to_owned()))
        );
    }

    #[test]
    fn comments_go_and_lines_count() {
        let text = "/* a\n comment */ type t = int; // note\n#error stop\n";
        assert_eq!(reader_text(text), Err((3, "#error stop".to_owned())));
    }
}
