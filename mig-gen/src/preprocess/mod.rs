//! Stage 1b: the C preprocessor subset real `.defs` texts use, on lowered tokens.
//!
//! Rust's tokenizer keeps no newlines, but every token knows its line: a directive is
//! `#` and the tokens after it on the same line. Handled: `#define NAME [value]` and
//! `#define NAME(params) body`, `#undef`, `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif`
//! over defined names and integer expressions, `#error`, and `#include`: of a built-in
//! type file it is left for the parser; another file is read and preprocessed as text,
//! and its tokens spliced in. Defined names are replaced by their values everywhere
//! else, groups included.
//!
//! This module walks the body's tokens; the parts are its own modules, each imported
//! only from above: `defines` (the macro table and expansion), `expr` (an `#if`'s
//! value), `cond` (the one `#if` stack, for the body and for files alike), `files`
//! (finding and loading files) and `text` (a file's text to tokens).

mod cond;
mod defines;
mod expr;
mod files;
mod text;

use std::convert::Infallible;
use std::path::PathBuf;

use proc_macro2::Delimiter;

use crate::errors::Errors;
use crate::lex::{Group, Sp, Tok};

use cond::{Branch, Conditionals};
use defines::tokens_text;
use files::Files;

pub use defines::Defines;
pub use files::{INCLUDE_PATH_VAR, Search};
pub use text::{FileError, Mapped};

/// The names defined before a text starts: those of a `mig!` body, then each
/// `(name, value)` as if `#define name value` came first (`name` may be `F(a, b)`).
pub fn predefined(names: &[(String, String)]) -> Result<Defines, String> {
    let mut defines = Defines::new();
    for (name, value) in names {
        defines
            .define_text(&format!("{name} {value}"))
            .map_err(|e| format!("cannot define `{name}` as `{value}`: {e}"))?;
    }
    Ok(defines)
}

/// Reads and preprocesses the file at `path` as an `#include` of it would, with the
/// names in `defines` defined: its text, to be lexed as a whole, with where each line
/// came from, and the files read; or the first preprocessing error.
pub fn read_file(
    path: &std::path::Path,
    search: Search,
    mut defines: Defines,
) -> (Result<Mapped, FileError>, Vec<PathBuf>) {
    let mut files = Files::new(search);
    let result = text::read(path, &mut defines, &mut files);
    (result, files.into_paths())
}

/// Runs the preprocessor over a whole body, looking for included files as the macro does
/// ([`Search::from_env`]): the tokens left, and the files included (their changes must
/// make the compiler expand the macro again).
pub fn preprocess(tokens: Vec<(Tok, Sp)>, cx: &mut Errors) -> (Vec<(Tok, Sp)>, Vec<PathBuf>) {
    preprocess_with(tokens, Search::from_env(), Defines::new(), cx)
}

/// [`preprocess`], with included files looked for as `search` says, and the names in
/// `defines` defined.
pub fn preprocess_with(
    tokens: Vec<(Tok, Sp)>,
    search: Search,
    defines: Defines,
    cx: &mut Errors,
) -> (Vec<(Tok, Sp)>, Vec<PathBuf>) {
    let mut state = State {
        defines,
        files: Files::new(search),
    };
    let tokens = run(tokens, &mut state, cx);
    (tokens, state.files.into_paths())
}

/// What the directives leave behind for the rest of the body: the names defined and
/// the files read.
struct State {
    defines: Defines,
    files: Files,
}

fn line(span: proc_macro2::Span) -> usize {
    span.start().line
}

/// One group of brackets (or the whole body): its directives applied, its defined names
/// replaced. A conditional opened in a group must close in it.
fn run(tokens: Vec<(Tok, Sp)>, state: &mut State, cx: &mut Errors) -> Vec<(Tok, Sp)> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut conds = Conditionals::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some((tok, sp)) = iter.next() {
        let is_hash = matches!(tok, Tok::Punct('#'));
        let directive = match (&tok, iter.peek()) {
            (_, Some((Tok::Ident(name), next))) if is_hash && line(next.start) == line(sp.start) => {
                Some(name.clone())
            }
            _ => None,
        };
        let Some(name) = directive else {
            if !conds.active() {
                continue;
            }
            // A call of a function-like macro: the name, then `( … )`.
            if let Tok::Ident(name) = &tok
                && state.defines.functions.contains_key(name)
                && let Some((Tok::Group(g), _)) = iter.peek()
                && g.delim == Delimiter::Parenthesis
            {
                let (args, args_sp) = iter.next().expect("peeked");
                let call = format!("{name}{}", tokens_text(&[(args, args_sp)]));
                let whole = Sp {
                    start: sp.start,
                    end: args_sp.end,
                    context: (),
                };
                let text = state.defines.expand_text(&call);
                match text::tokens_at(&text, whole) {
                    Ok(tokens) => out.extend(tokens),
                    Err(_) => cx.error(
                        whole,
                        format!("this use of `{name}` expands to `{text}`, which is not valid Rust tokens"),
                    ),
                }
                continue;
            }
            out.extend(substitute(tok, sp, state, cx, 0));
            continue;
        };
        // The directive's name and the rest of its line.
        let (_, name_sp) = iter.next().expect("peeked");
        let here = line(sp.start);
        let mut rest = Vec::new();
        while let Some((_, next)) = iter.peek() {
            if line(next.start) != here {
                break;
            }
            rest.push(iter.next().expect("peeked"));
        }
        let whole = Sp {
            start: sp.start,
            end: rest.last().map_or(name_sp.end, |(_, s)| s.end),
            context: (),
        };
        if let Some(branch) = Branch::of(&name) {
            let value = || Ok::<_, Infallible>(condition(&name, &rest, whole, &state.defines, cx));
            if let Err(error) = conds.apply(branch, whole, value) {
                cx.error(whole, error);
            }
            continue;
        }
        if !conds.active() {
            continue;
        }
        match name.as_str() {
            "define" => state.defines.define_tokens(&rest, whole, cx),
            "undef" => match rest.first() {
                Some((Tok::Ident(n), _)) => state.defines.undef(n),
                _ => cx.error(whole, "expected a name after `#undef`"),
            },
            "error" => {
                let message: Vec<String> = rest.iter().map(|(t, _)| t.to_string()).collect();
                cx.error(whole, format!("#error {}", message.join(" ")));
            }
            "include" => {
                let Some((file, angled)) = include_name(&rest) else {
                    cx.error(whole, "expected `<file>` or `\"file\"` after `#include`");
                    continue;
                };
                // Another file's text takes the directive's place.
                let spliced = if files::is_builtin(&file) {
                    None
                } else {
                    text::include(&file, angled, whole, &mut state.defines, &mut state.files)
                        .map_err(|message| cx.error(whole, message))
                        .ok()
                };
                match spliced {
                    Some(tokens) => out.extend(tokens),
                    // A built-in type file is a statement the parser reads. A file that
                    // could not be read is left too, so that `check` knows definitions
                    // may be missing and does not report each use of them again.
                    None => {
                        out.push((tok, sp));
                        out.push((Tok::Ident(name), name_sp));
                        out.extend(rest);
                    }
                }
            }
            "pragma" | "line" => {}
            other => cx.error(whole, format!("unsupported preprocessor directive `#{other}`")),
        }
    }
    if let Some(open) = conds.unclosed() {
        cx.error(open, "this `#if` has no `#endif` (in the same group of brackets)");
    }
    out
}

/// The file an `#include` names, and whether it is written `<file>`.
fn include_name(rest: &[(Tok, Sp)]) -> Option<(String, bool)> {
    match rest {
        [(Tok::Str(name), _)] => Some((name.clone(), false)),
        [(Tok::Punct('<'), _), middle @ .., (Tok::Punct('>'), _)] => {
            Some((middle.iter().map(|(t, _)| t.to_string()).collect(), true))
        }
        _ => None,
    }
}

/// A token with defined names replaced (recursively, as cpp rescans), inside groups too.
fn substitute(tok: Tok, sp: Sp, state: &mut State, cx: &mut Errors, depth: usize) -> Vec<(Tok, Sp)> {
    match tok {
        Tok::Ident(ref name) if depth < 16 => match state.defines.names.get(name) {
            Some(value) => {
                let value = value.clone();
                // The value keeps this use's span, so errors point here.
                value
                    .into_iter()
                    .flat_map(|(t, _)| substitute(t, sp, state, cx, depth + 1))
                    .collect()
            }
            None => vec![(tok, sp)],
        },
        Tok::Group(g) => {
            let tokens = run(g.tokens, state, cx);
            vec![(Tok::Group(Group { tokens, ..g }), sp)]
        }
        other => vec![(other, sp)],
    }
}

/// The value of an `#if`, `#ifdef`, `#ifndef` or `#elif` line; what it cannot read is
/// reported, and counts as false.
fn condition(name: &str, rest: &[(Tok, Sp)], whole: Sp, defines: &Defines, cx: &mut Errors) -> bool {
    let kind = if name == "elif" { "if" } else { name };
    match expr::evaluate(kind, rest, defines) {
        Some(value) => value,
        None if kind != "if" => {
            cx.error(whole, format!("expected one name after `#{kind}`"));
            false
        }
        None => {
            cx.error(
                whole,
                format!(
                    "cannot evaluate this `#{name}` expression: it takes defined names, integers, \
                     `defined`, and C's logical, comparison, bitwise and arithmetic operators"
                ),
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proc_macro2::TokenStream;

    use super::*;
    use crate::lex;

    /// `text` read as a `mig!` body: the words kept, or the errors.
    fn as_body(text: &str) -> Result<Vec<String>, Vec<String>> {
        let mut cx = Errors::new();
        let tokens = lex::lower(TokenStream::from_str(text).expect("test input lexes"));
        let (tokens, _) = preprocess(tokens, &mut cx);
        match cx.messages() {
            errors if errors.is_empty() => Ok(words(&tokens)),
            errors => Err(errors),
        }
    }

    /// `text` read as an included file: the words kept, or the first error.
    fn as_file(text: &str) -> Result<Vec<String>, String> {
        let out = text::preprocess_text(text, &mut Defines::new()).map_err(|(_, message)| message)?;
        Ok(words(&lex::lower(
            TokenStream::from_str(&out).expect("output lexes"),
        )))
    }

    fn words(tokens: &[(Tok, Sp)]) -> Vec<String> {
        tokens_text(tokens)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn nested_conditionals_select_the_same_text_in_a_body_and_in_a_file() {
        let text = "#define A 1
            #if A
            #if defined(B)
            x1
            #elif A == 1
            x2
            #define C 1
            #else
            x3
            #endif
            #ifndef A
            x4
            #else
            x5
            #endif
            #else
            x6
            #define B 1
            #endif
            #if 0
            #if nobody evaluates this !!
            #endif
            #undef A
            #endif
            #if defined(B) || !C
            x7
            #elif A
            x8
            #endif
            ";
        let kept = ["x2", "x5", "x8"];
        assert_eq!(as_body(text), Ok(kept.map(str::to_owned).to_vec()));
        assert_eq!(as_file(text), Ok(kept.map(str::to_owned).to_vec()));
    }

    #[test]
    fn misplaced_branches_are_the_same_errors_in_a_body_and_in_a_file() {
        for (text, message) in [
            ("x\n#endif\n", "`#endif` without a matching `#if`"),
            ("#elif 1\n", "`#elif` without a matching `#if`"),
            (
                "#if 0\n#else\n#else\nx\n#endif\n",
                "`#else` after `#else`: an `#if` has one `#else`, after its `#elif`s",
            ),
            (
                "#if 1\n#if 0\n#else\n#elif 1\n#endif\n#endif\n",
                "`#elif` after `#else`: an `#if` has one `#else`, after its `#elif`s",
            ),
        ] {
            assert_eq!(as_body(text), Err(vec![message.to_owned()]), "{text:?}");
            assert_eq!(as_file(text), Err(message.to_owned()), "{text:?}");
        }
        assert_eq!(
            as_body("#if 0\n#elif 1 +\n#endif\n"),
            Err(vec![
                "cannot evaluate this `#elif` expression: it takes defined names, integers, \
                 `defined`, and C's logical, comparison, bitwise and arithmetic operators"
                    .to_owned()
            ])
        );
        // An open `#if` at the end: the body names it at its span, a file at its line.
        let text = "#if 1\n#if 0\n#endif\nx\n";
        assert_eq!(
            as_body(text),
            Err(vec![
                "this `#if` has no `#endif` (in the same group of brackets)".to_owned()
            ])
        );
        assert_eq!(
            text::preprocess_text(text, &mut Defines::new()),
            Err((1, "this `#if` has no `#endif`".to_owned()))
        );
    }
}
