//! The macro table: the names in force (object-like, standing for tokens) and the
//! function-like macros (`#define F(a, b) body`), how a `#define` line adds to it,
//! whether written in a `mig!` body or in an included file, and how text is expanded
//! with it (arguments substituted, `##` pasted, names rescanned as cpp does).

use std::collections::HashMap;
use std::str::FromStr;

use proc_macro2::{Delimiter, Span, TokenStream};

use crate::errors::Errors;
use crate::lex::{self, Sp, Tok};

/// Names defined before the text starts, as macOS's headers and MIG's `cc -E` define
/// them for 64-bit user space.
const PREDEFINED: &[(&str, u64)] = &[
    ("__MACH30__", 1),
    ("__LP64__", 1),
    ("__APPLE__", 1),
    ("__MACH__", 1),
    // From the headers mach_types.defs is written against (facts of macOS).
    ("THREAD_STATE_MAX", 1296),
    ("THREAD_INFO_MAX", 32),
    ("TASK_INFO_MAX", 94),
    ("HOST_INFO_MAX", 68),
    ("PROCESSOR_INFO_MAX", 20),
    ("PROCESSOR_SET_INFO_MAX", 5),
    ("EXC_TYPES_COUNT", 14),
];

/// The names in force, each with the tokens it stands for, and the function-like
/// macros.
pub struct Defines {
    pub names: HashMap<String, Vec<(Tok, Sp)>>,
    pub functions: HashMap<String, Function>,
}

/// A function-like macro (`#define F(a, b) body`).
pub struct Function {
    pub params: Vec<String>,
    pub body: String,
}

impl Defines {
    pub fn new() -> Self {
        let names = PREDEFINED
            .iter()
            .map(|&(name, value)| {
                let tok = Tok::Number(value.to_string());
                (name.to_owned(), vec![(tok, lex::point(Span::call_site()))])
            })
            .collect();
        Defines {
            names,
            functions: HashMap::new(),
        }
    }

    /// `NAME` stands for `value` from now on.
    fn define_object(&mut self, name: &str, value: Vec<(Tok, Sp)>) {
        self.functions.remove(name);
        self.names.insert(name.to_owned(), value);
    }

    /// `NAME(params)` expands to `function`'s body from now on.
    fn define_function(&mut self, name: &str, function: Function) {
        self.names.remove(name);
        self.functions.insert(name.to_owned(), function);
    }

    /// `#undef NAME`.
    pub fn undef(&mut self, name: &str) {
        self.names.remove(name);
        self.functions.remove(name);
    }

    /// `#define NAME value…` or `#define NAME(params) body…` in a `mig!` body: `rest` is
    /// the line after `define`, `whole` the directive.
    pub fn define_tokens(&mut self, rest: &[(Tok, Sp)], whole: Sp, cx: &mut Errors) {
        let [(Tok::Ident(name), name_sp), value @ ..] = rest else {
            cx.error(whole, "expected a name after `#define`");
            return;
        };
        // `NAME(` with no space is a function-like macro, as in C.
        if let Some((Tok::Group(g), group_sp)) = value.first()
            && g.delim == Delimiter::Parenthesis
            && group_sp.start.start() == name_sp.end.end()
        {
            let mut params = Vec::new();
            for (index, (tok, sp)) in g.tokens.iter().enumerate() {
                match tok {
                    Tok::Ident(p) if index % 2 == 0 => params.push(p.clone()),
                    Tok::Punct(',') if index % 2 == 1 => {}
                    _ => {
                        cx.error(
                            *sp,
                            format!("the parameters of `{name}` must be names separated by `,`"),
                        );
                        return;
                    }
                }
            }
            let body = tokens_text(&value[1..]);
            self.define_function(name, Function { params, body });
            return;
        }
        self.define_object(name, value.to_vec());
    }

    /// `#define NAME value` or `#define NAME(params) body` in an included file: `rest`
    /// is the line after `define`.
    pub fn define_text(&mut self, rest: &str) -> Result<(), String> {
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
            let body = after[1 + close + 1..].trim().to_owned();
            self.define_function(name, Function { params, body });
            return Ok(());
        }
        let value = TokenStream::from_str(after)
            .map(lex::lower)
            .map_err(|_| format!("the value of `{name}` is not valid tokens"))?;
        self.define_object(name, value);
        Ok(())
    }

    /// Text with every macro in force expanded: an included file's lines, or a call of
    /// a function-like macro written in a `mig!` body.
    pub fn expand_text(&self, text: &str) -> String {
        if text.is_empty() {
            return String::new();
        }
        let tokens = scan(text);
        let mut disabled = Vec::new();
        Expander { defines: self }.expand(&tokens, &mut disabled).concat()
    }
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
pub fn tokens_text(tokens: &[(Tok, Sp)]) -> String {
    let mut text = String::new();
    for (index, (token, _)) in tokens.iter().enumerate() {
        let pasted =
            matches!(token, Tok::Punct('#')) && matches!(tokens.get(index + 1), Some((Tok::Punct('#'), _)));
        match token {
            Tok::Group(g) => {
                let (open, close) = match g.delim {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
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
