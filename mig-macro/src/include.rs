//! `#include` of a `.defs` file from disk, for the files `builtin` does not hold.
//!
//! A file is found on the include path, then preprocessed as text, line by line, the
//! way `cc -E` does it for MIG: xnu's own files split parentheses across `#if` branches
//! and paste names with `##`, so they need not tokenize as Rust until the directives
//! are gone. What is left is lexed and spliced where the `#include` stood. Definitions
//! made in a file stay in force after it, as in C.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::TokenStream;

use crate::builtin::builtin_files;
use crate::lex::{self, Tok};
use crate::preprocess::{Defines, Function, evaluate};

/// The environment variable that lists include directories (`:`-separated, like `-I`).
pub const INCLUDE_PATH_VAR: &str = "MIG_INCLUDE_PATH";

/// How deep `#include`s may nest before a file is taken to include itself.
const MAX_DEPTH: usize = 32;

/// Finds and preprocesses `name` (`<name>` when `angled`, else `"name"`), returning the
/// text that remains. Every file read is recorded in `defines.files`.
pub fn include(name: &str, angled: bool, defines: &mut Defines) -> Result<String, String> {
    let path = find(name, angled, None)?;
    let mut reader = Reader { defines, depth: 0 };
    reader.file(&path)
}

/// Where `name` is: beside the including file (`"name"` only), in the crate's own
/// directory (`"name"` only), then in each directory of `MIG_INCLUDE_PATH`, then, on
/// macOS, in the SDK's `usr/include`, where Apple ships xnu's `.defs`.
fn find(name: &str, angled: bool, from: Option<&Path>) -> Result<PathBuf, String> {
    let mut dirs = Vec::new();
    if !angled {
        match from {
            Some(file) => dirs.extend(file.parent().map(Path::to_path_buf)),
            None => dirs.extend(env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from)),
        }
    }
    if let Some(list) = env::var_os(INCLUDE_PATH_VAR) {
        dirs.extend(env::split_paths(&list));
    }
    dirs.extend(sdk_include_dir());
    dirs.iter()
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            format!(
                "cannot find `{}`: it is not a built-in type file and no include directory holds it \
                 (list directories in the `{INCLUDE_PATH_VAR}` environment variable{})",
                if angled {
                    format!("<{name}>")
                } else {
                    format!("\"{name}\"")
                },
                if angled {
                    ""
                } else {
                    ", or give a path relative to the crate's `Cargo.toml`"
                }
            )
        })
}

/// The macOS SDK's header directory, which holds `mach/*.defs`.
#[cfg(target_os = "macos")]
fn sdk_include_dir() -> Option<PathBuf> {
    let sdk = match env::var_os("SDKROOT") {
        Some(sdk) => PathBuf::from(sdk),
        None => {
            let out = std::process::Command::new("xcrun")
                .args(["--sdk", "macosx", "--show-sdk-path"])
                .output()
                .ok()?;
            PathBuf::from(String::from_utf8(out.stdout).ok()?.trim())
        }
    };
    Some(sdk.join("usr/include"))
}

#[cfg(not(target_os = "macos"))]
fn sdk_include_dir() -> Option<PathBuf> {
    None
}

struct Reader<'d> {
    defines: &'d mut Defines,
    depth: usize,
}

/// One open `#if` in a file.
struct Conditional {
    active: bool,
    taken: bool,
    parent_active: bool,
}

impl Reader<'_> {
    fn file(&mut self, path: &Path) -> Result<String, String> {
        if self.depth == MAX_DEPTH {
            return Err(format!(
                "`#include`s nest more than {MAX_DEPTH} deep at `{}`",
                path.display()
            ));
        }
        let text = fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if !self.defines.files.contains(&path) {
            self.defines.files.push(path.clone());
        }
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
        let mut stack: Vec<Conditional> = Vec::new();
        let mut last = 0;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            last = number;
            let active = stack.last().is_none_or(|c| c.active);
            let Some(directive) = line.trim_start().strip_prefix('#') else {
                if active {
                    pending.push_str(line);
                    pending.push('\n');
                }
                continue;
            };
            out.push_str(&self.expand_text(&std::mem::take(&mut pending)));
            let directive = directive.trim_start();
            let split = directive
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(directive.len());
            let (name, rest) = directive.split_at(split);
            let rest = rest.trim();
            let fail = |message: String| (number, message);
            match name {
                "if" | "ifdef" | "ifndef" => {
                    let value = active && self.condition(name, rest).map_err(fail)?;
                    stack.push(Conditional {
                        active: value,
                        taken: value,
                        parent_active: active,
                    });
                }
                "elif" | "else" => {
                    let Some(c) = stack.last() else {
                        return Err(fail(format!("`#{name}` without a matching `#if`")));
                    };
                    let value = c.parent_active
                        && !c.taken
                        && (name == "else" || self.condition("if", rest).map_err(fail)?);
                    let c = stack.last_mut().expect("checked above");
                    c.active = value;
                    c.taken |= value;
                }
                "endif" => {
                    stack
                        .pop()
                        .ok_or_else(|| fail("`#endif` without a matching `#if`".to_owned()))?;
                }
                _ if !active => {}
                "define" => self.define(rest).map_err(fail)?,
                "undef" => {
                    self.defines.names.remove(rest);
                    self.defines.functions.remove(rest);
                }
                "include" => out.push_str(&self.include(rest, path).map_err(fail)?),
                "error" => return Err(fail(format!("#error {rest}"))),
                "pragma" | "line" | "" => {}
                other => return Err(fail(format!("unsupported preprocessor directive `#{other}`"))),
            }
        }
        out.push_str(&self.expand_text(&pending));
        if !stack.is_empty() {
            return Err((last, "an `#if` has no `#endif`".to_owned()));
        }
        Ok(out)
    }

    fn condition(&self, kind: &str, rest: &str) -> Result<bool, String> {
        let tokens = TokenStream::from_str(rest)
            .map(lex::lower)
            .map_err(|_| format!("cannot read this `#{kind}` condition: `{rest}`"))?;
        evaluate(kind, &tokens, self.defines).ok_or_else(|| format!("cannot evaluate `#{kind} {rest}`"))
    }

    /// `#define NAME value` or `#define NAME(params) body`.
    fn define(&mut self, rest: &str) -> Result<(), String> {
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(end);
        if name.is_empty() {
            return Err("expected a name after `#define`".to_owned());
        }
        // A `(` right after the name (no space) makes a function-like macro, as in C.
        if let Some(params) = after.strip_prefix('(') {
            let close = params.find(')').ok_or_else(|| format!("`{name}(` has no `)`"))?;
            let params = params[..close]
                .split(',')
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect();
            let body = params_body(&after[1 + close + 1..]);
            self.defines
                .functions
                .insert(name.to_owned(), Function { params, body });
            self.defines.names.remove(name);
            return Ok(());
        }
        let value = TokenStream::from_str(after)
            .map(lex::lower)
            .map_err(|_| format!("the value of `{name}` is not valid tokens"))?;
        self.defines.names.insert(name.to_owned(), value);
        self.defines.functions.remove(name);
        Ok(())
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
        if builtin_files(name).is_some() {
            return Ok(format!("\n#include <{name}>\n"));
        }
        let path = find(name, angled, Some(from))?;
        self.file(&path)
    }

    fn expand_text(&self, text: &str) -> String {
        expand_text(text, self.defines)
    }
}

/// Text with every macro in force expanded (also used for calls of function-like
/// macros written inline in a `mig!` block).
pub fn expand_text(text: &str, defines: &Defines) -> String {
    if text.is_empty() {
        return String::new();
    }
    let tokens = scan(text);
    let mut disabled = Vec::new();
    Expander { defines }.expand(&tokens, &mut disabled).concat()
}

struct Expander<'d> {
    defines: &'d Defines,
}

impl Expander<'_> {
    /// Replaces macros in `tokens` (not those being expanded already, as cpp does).
    fn expand(&self, tokens: &[String], disabled: &mut Vec<String>) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let token = &tokens[i];
            i += 1;
            if !is_ident(token) || disabled.contains(token) {
                out.push(token.clone());
                continue;
            }
            if let Some(value) = self.defines.names.get(token) {
                let body = scan(&tokens_text(value));
                disabled.push(token.clone());
                out.extend(self.expand(&body, disabled));
                disabled.pop();
                continue;
            }
            let Some(function) = self.defines.functions.get(token) else {
                out.push(token.clone());
                continue;
            };
            let Some((args, next)) = call_arguments(tokens, i) else {
                // The name without `(` is not a call.
                out.push(token.clone());
                continue;
            };
            i = next;
            let body = self.substitute(function, &args, disabled);
            disabled.push(token.clone());
            out.extend(self.expand(&body, disabled));
            disabled.pop();
        }
        out
    }

    /// A function-like macro's body with its parameters replaced and `##` pasted.
    fn substitute(
        &self,
        function: &Function,
        args: &[Vec<String>],
        disabled: &mut Vec<String>,
    ) -> Vec<String> {
        let body = scan(&function.body);
        let mut out: Vec<String> = Vec::new();
        let mut paste = false;
        for (j, token) in body.iter().enumerate() {
            if token == "##" {
                while out.last().is_some_and(|t| is_space(t)) {
                    out.pop();
                }
                paste = true;
                continue;
            }
            if paste && is_space(token) {
                continue;
            }
            let next_pastes = body[j + 1..]
                .iter()
                .find(|t| !is_space(t))
                .is_some_and(|t| t == "##");
            let mut piece = match function.params.iter().position(|p| p == token) {
                // An argument is expanded first unless it is pasted.
                Some(k) if paste || next_pastes => args.get(k).cloned().unwrap_or_default(),
                Some(k) => self.expand(&args.get(k).cloned().unwrap_or_default(), disabled),
                None => vec![token.clone()],
            };
            if paste {
                paste = false;
                let left = out.pop().unwrap_or_default();
                let right = if piece.is_empty() {
                    String::new()
                } else {
                    piece.remove(0)
                };
                out.extend(scan(&(left + &right)));
            }
            out.extend(piece);
        }
        out
    }
}

/// The arguments of a call whose name ends before `tokens[at]`: each argument's tokens
/// and the index after the `)`. `None` if no `(` follows.
fn call_arguments(tokens: &[String], at: usize) -> Option<(Vec<Vec<String>>, usize)> {
    let mut i = at;
    while tokens.get(i).is_some_and(|t| is_space(t)) {
        i += 1;
    }
    if tokens.get(i).map(String::as_str) != Some("(") {
        return None;
    }
    let mut args = vec![Vec::new()];
    let mut depth = 0;
    for (j, token) in tokens.iter().enumerate().skip(i + 1) {
        match token.as_str() {
            ")" if depth == 0 => {
                let args = args
                    .into_iter()
                    .map(|a: Vec<String>| trim_spaces(a))
                    .collect::<Vec<_>>();
                // `F()` is a call with no arguments, not one empty argument.
                let args = if args.len() == 1 && args[0].is_empty() {
                    Vec::new()
                } else {
                    args
                };
                return Some((args, j + 1));
            }
            "," if depth == 0 => args.push(Vec::new()),
            "(" => {
                depth += 1;
                args.last_mut().expect("one at least").push(token.clone());
            }
            ")" => {
                depth -= 1;
                args.last_mut().expect("one at least").push(token.clone());
            }
            _ => args.last_mut().expect("one at least").push(token.clone()),
        }
    }
    None
}

fn trim_spaces(mut tokens: Vec<String>) -> Vec<String> {
    while tokens.last().is_some_and(|t| is_space(t)) {
        tokens.pop();
    }
    let first = tokens.iter().position(|t| !is_space(t)).unwrap_or(tokens.len());
    tokens.split_off(first)
}

/// The body of a function-like macro, trimmed.
fn params_body(text: &str) -> String {
    text.trim().to_owned()
}

/// C tokens, whitespace included, so that joining them gives the text back.
fn scan(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
        } else if c.is_ascii_whitespace() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
        } else if c == b'"' || c == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
        } else if c == b'#' && bytes.get(i + 1) == Some(&b'#') {
            i += 2;
        } else {
            // One character, however many bytes it takes.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
        tokens.push(text[start..i].to_owned());
    }
    tokens
}

fn is_ident(token: &str) -> bool {
    token.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

fn is_space(token: &str) -> bool {
    token.starts_with(|c: char| c.is_ascii_whitespace())
}

/// Lowered tokens as text again (`# #` side by side is the paste operator `##`).
pub fn tokens_text(tokens: &[(Tok, lex::Sp)]) -> String {
    let mut text = String::new();
    for (index, (token, _)) in tokens.iter().enumerate() {
        let pasted =
            matches!(token, Tok::Punct('#')) && matches!(tokens.get(index + 1), Some((Tok::Punct('#'), _)));
        match token {
            Tok::Group(g) => {
                let (open, close) = match g.delim {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                text.push_str(open);
                text.push_str(&tokens_text(&g.tokens));
                text.push_str(close);
            }
            other => text.push_str(&other.to_string()),
        }
        if !pasted {
            text.push(' ');
        }
    }
    text
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_text(text: &str) -> Result<String, (usize, String)> {
        let mut defines = Defines::new();
        let mut reader = Reader {
            defines: &mut defines,
            depth: 0,
        };
        reader.lines(&strip_comments(text), Path::new("test.defs"))
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
    fn comments_go_and_lines_count() {
        let text = "/* a\n comment */ type t = int; // note\n#error stop\n";
        assert_eq!(reader_text(text), Err((3, "#error stop".to_owned())));
    }
}
