//! An included file, read as text and turned into tokens.
//!
//! The text is preprocessed line by line, the way `cc -E` does it for MIG: xnu's own
//! files split parentheses across `#if` branches and paste names with `##`, so they need
//! not tokenize as Rust until the directives are gone. What is left is lexed, every token
//! at the `#include`'s span (a file's text has no spans of its own), and spliced where
//! the `#include` stood. Definitions made in a file stay in force after it, as in C.

use std::fmt;
use std::path::{Path, PathBuf};
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
    let path = files.search.find(name, angled, None)?;
    let text = read(&path, defines, files).map_err(|e| e.to_string())?;
    tokens_at(&text.text, span).map_err(|error| {
        format!("after preprocessing, the text of `{name}` is not valid Rust tokens: {error}")
    })
}

/// The file at `path` preprocessed (its `#include`s of other files read in place), with
/// where each of its lines came from.
pub fn read(path: &Path, defines: &mut Defines, files: &mut Files) -> Result<Mapped, FileError> {
    let mut reader = Reader {
        defines,
        files,
        depth: 0,
    };
    reader.file(path)
}

/// A file's preprocessing error: the file, the line (0 when the file could not be read
/// or nests too deep), and the message; or, for an error in a file it includes, the line
/// of the `#include` and that file's error.
#[derive(Debug)]
pub struct FileError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
    pub cause: Option<Box<FileError>>,
}

impl FileError {
    fn new(path: &Path, line: usize, message: String) -> Self {
        FileError {
            path: path.to_path_buf(),
            line,
            message,
            cause: None,
        }
    }

    /// The file and line (0 if none) the error is in, innermost first, and its message.
    pub fn innermost(&self) -> (&Path, usize, &str) {
        match &self.cause {
            Some(cause) if cause.line == 0 => (&self.path, self.line, &cause.message),
            Some(cause) => cause.innermost(),
            None => (&self.path, self.line, &self.message),
        }
    }
}

/// `outer.defs:3: inner.defs:7: message`: each `#include` on the way, then the error.
impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line != 0 {
            write!(f, "{}:{}: ", self.path.display(), self.line)?;
        }
        match &self.cause {
            Some(cause) => cause.fmt(f),
            None => f.write_str(&self.message),
        }
    }
}

/// Preprocessed text and, for each of its lines, the file (an index into `paths`) and
/// the line there it came from. Directives leave no line, and a macro call's arguments
/// spread over lines may leave fewer: the lines after it keep their origin, and the
/// later lines of such a call count as its last line.
#[derive(Debug, Default)]
pub struct Mapped {
    pub text: String,
    /// The files text came from, in the order first seen.
    pub paths: Vec<PathBuf>,
    /// One entry per line of `text` (the last, open one included).
    origins: Vec<(usize, usize)>,
}

impl Mapped {
    fn new() -> Self {
        Mapped {
            text: String::new(),
            paths: Vec::new(),
            origins: vec![(0, 0)],
        }
    }

    fn file_index(&mut self, path: &Path) -> usize {
        match self.paths.iter().position(|p| p == path) {
            Some(index) => index,
            None => {
                self.paths.push(path.to_path_buf());
                self.paths.len() - 1
            }
        }
    }

    fn at_line_start(&self) -> bool {
        self.text.is_empty() || self.text.ends_with('\n')
    }

    /// Appends `chunk`, the text of the `lines` lines of `path` from `first` on.
    fn push(&mut self, chunk: &str, path: &Path, first: usize, lines: usize) {
        let file = self.file_index(path);
        if self.at_line_start() {
            *self.origins.last_mut().expect("one line at least") = (file, first);
        }
        let last = first + lines.max(1) - 1;
        for (k, _) in chunk.match_indices('\n').enumerate() {
            self.origins.push((file, (first + k + 1).min(last)));
        }
        self.text.push_str(chunk);
    }

    /// Appends an included file's text, keeping its lines' origins.
    fn append(&mut self, other: Mapped) {
        let files: Vec<usize> = other.paths.iter().map(|p| self.file_index(p)).collect();
        let mut origins = other.origins.into_iter().map(|(f, line)| (files[f], line));
        let first = origins.next().expect("one line at least");
        if self.at_line_start() && !other.text.is_empty() {
            *self.origins.last_mut().expect("one line at least") = first;
        }
        self.origins.extend(origins);
        self.text.push_str(&other.text);
    }

    /// The file and line that line `line` (from 1) of the text came from.
    pub fn origin(&self, line: usize) -> Option<(&Path, usize)> {
        let &(file, line) = self.origins.get(line.checked_sub(1)?)?;
        Some((self.paths.get(file)?, line))
    }
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
    fn file(&mut self, path: &Path) -> Result<Mapped, FileError> {
        let fail = |line, message| FileError::new(path, line, message);
        if self.depth == MAX_DEPTH {
            return Err(fail(
                0,
                format!(
                    "`#include`s nest more than {MAX_DEPTH} deep at `{}`",
                    path.display()
                ),
            ));
        }
        let (path, text) = self.files.load(path).map_err(|message| fail(0, message))?;
        self.depth += 1;
        let result = self.lines(&strip_comments(&text), &path);
        self.depth -= 1;
        result
    }

    /// The text's directives applied and its other lines expanded; an error comes with
    /// its line number, or is an included file's error.
    fn lines(&mut self, text: &str, path: &Path) -> Result<Mapped, FileError> {
        let mut out = Mapped::new();
        // Ordinary lines gather here until the next directive, so a macro call may
        // span lines; `pending_from` is the first one's number.
        let mut pending = String::new();
        let mut pending_from = 1;
        let mut conds = Conditionals::new();
        let fail = |line, message| FileError::new(path, line, message);
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let Some(directive) = line.trim_start().strip_prefix('#') else {
                if conds.active() {
                    if pending.is_empty() {
                        pending_from = number;
                    }
                    pending.push_str(line);
                    pending.push('\n');
                }
                continue;
            };
            let lines = pending.matches('\n').count();
            out.push(
                &self.defines.expand_text(&std::mem::take(&mut pending)),
                path,
                pending_from,
                lines,
            );
            let directive = directive.trim_start();
            let split = directive
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(directive.len());
            let (name, rest) = directive.split_at(split);
            let rest = rest.trim();
            if let Some(branch) = Branch::of(name) {
                conds
                    .apply(branch, number, || self.condition(name, rest))
                    .map_err(|e| fail(number, e.to_string()))?;
                continue;
            }
            if !conds.active() {
                continue;
            }
            match name {
                "define" => self.defines.define_text(rest).map_err(|e| fail(number, e))?,
                "undef" => self.defines.undef(rest),
                "include" => match self.include(rest, path).map_err(|e| fail(number, e))? {
                    Included::Builtin(name) => out.push(&format!("\n#include <{name}>\n"), path, number, 1),
                    Included::File(Ok(text)) => out.append(text),
                    Included::File(Err(error)) => {
                        return Err(FileError {
                            cause: Some(Box::new(error)),
                            ..fail(number, String::new())
                        });
                    }
                },
                "error" => return Err(fail(number, format!("#error {rest}"))),
                "pragma" | "line" | "" => {}
                other => {
                    return Err(fail(
                        number,
                        format!("unsupported preprocessor directive `#{other}`"),
                    ));
                }
            }
        }
        let lines = pending.matches('\n').count();
        out.push(&self.defines.expand_text(&pending), path, pending_from, lines);
        if let Some(line) = conds.unclosed() {
            return Err(fail(line, "this `#if` has no `#endif`".to_owned()));
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
    /// file's text is read in place (its own errors come back as they are).
    fn include(&mut self, rest: &str, from: &Path) -> Result<Included, String> {
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
            return Ok(Included::Builtin(name.to_owned()));
        }
        let path = self.files.search.find(name, angled, Some(from))?;
        Ok(Included::File(self.file(&path)))
    }
}

/// What a nested `#include` stands for.
enum Included {
    /// A built-in type file, by name.
    Builtin(String),
    /// Another file's text, or its error.
    File(Result<Mapped, FileError>),
}

/// The text without comments, and with `\`-continued lines joined; line numbers are
/// kept (a comment's newlines stay, a joined line leaves an empty one after it), and so
/// are columns after a block comment.
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
            // A block comment becomes as many spaces (its newlines kept), so that the
            // text after it keeps its column.
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str("  ");
                let mut previous = ' ';
                for c in chars.by_ref() {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
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
    reader
        .lines(&strip_comments(text), Path::new("test.defs"))
        .map(|mapped| mapped.text)
        .map_err(|e| (e.line, e.message))
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
