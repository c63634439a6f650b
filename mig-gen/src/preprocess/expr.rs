//! The value of an `#if`, `#ifdef` or `#ifndef` line: defined names, integers,
//! `defined`, and C's unary, logical, bitwise, comparison and arithmetic operators with
//! C's precedences, over lowered tokens (an included file's condition is lexed first).

use proc_macro2::Delimiter;

use crate::lex::{Sp, Tok};

use super::defines::Defines;

/// The value of an `#if`/`#ifdef`/`#ifndef` line, `None` if it cannot be read.
pub fn evaluate(kind: &str, rest: &[(Tok, Sp)], defines: &Defines) -> Option<bool> {
    match kind {
        "ifdef" | "ifndef" => match rest {
            [(Tok::Ident(name), _)] => {
                let defined = defines.names.contains_key(name) || defines.functions.contains_key(name);
                Some(defined == (kind == "ifdef"))
            }
            _ => None,
        },
        _ => {
            let mut parser = Eval {
                tokens: rest,
                at: 0,
                defines,
            };
            let value = parser.expr(0)?;
            (parser.at == rest.len()).then_some(value != 0)
        }
    }
}

/// A small precedence-climbing evaluator over a directive's tokens.
struct Eval<'a> {
    tokens: &'a [(Tok, Sp)],
    at: usize,
    defines: &'a Defines,
}

impl Eval<'_> {
    fn peek(&self, n: usize) -> Option<&Tok> {
        self.tokens.get(self.at + n).map(|(t, _)| t)
    }

    /// The binary operator at the cursor, its length in tokens and its precedence.
    fn operator(&self) -> Option<(&'static str, usize, u8)> {
        let (a, b) = (self.peek(0), self.peek(1));
        let pair = |x: char, y: char| matches!((a, b), (Some(Tok::Punct(p)), Some(Tok::Punct(q))) if *p == x && *q == y);
        let one = |x: char| matches!(a, Some(Tok::Punct(p)) if *p == x);
        // C's precedences, loosest first.
        Some(if pair('|', '|') {
            ("||", 2, 1)
        } else if pair('&', '&') {
            ("&&", 2, 2)
        } else if one('|') {
            ("|", 1, 3)
        } else if one('^') {
            ("^", 1, 4)
        } else if one('&') {
            ("&", 1, 5)
        } else if pair('=', '=') {
            ("==", 2, 6)
        } else if pair('!', '=') {
            ("!=", 2, 6)
        } else if pair('<', '<') {
            ("<<", 2, 8)
        } else if pair('>', '>') {
            (">>", 2, 8)
        } else if pair('<', '=') {
            ("<=", 2, 7)
        } else if pair('>', '=') {
            (">=", 2, 7)
        } else if one('<') {
            ("<", 1, 7)
        } else if one('>') {
            (">", 1, 7)
        } else if one('+') {
            ("+", 1, 9)
        } else if one('-') {
            ("-", 1, 9)
        } else if one('*') {
            ("*", 1, 10)
        } else if one('/') {
            ("/", 1, 10)
        } else if one('%') {
            ("%", 1, 10)
        } else {
            return None;
        })
    }

    fn expr(&mut self, min: u8) -> Option<i64> {
        let mut lhs = self.unary()?;
        while let Some((op, len, prec)) = self.operator() {
            if prec < min {
                break;
            }
            self.at += len;
            let rhs = self.expr(prec + 1)?;
            lhs = match op {
                "||" => i64::from(lhs != 0 || rhs != 0),
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "<<" => lhs.checked_shl(u32::try_from(rhs).ok()?)?,
                ">>" => lhs.checked_shr(u32::try_from(rhs).ok()?)?,
                "&&" => i64::from(lhs != 0 && rhs != 0),
                "==" => i64::from(lhs == rhs),
                "!=" => i64::from(lhs != rhs),
                "<=" => i64::from(lhs <= rhs),
                ">=" => i64::from(lhs >= rhs),
                "<" => i64::from(lhs < rhs),
                ">" => i64::from(lhs > rhs),
                "+" => lhs.checked_add(rhs)?,
                "-" => lhs.checked_sub(rhs)?,
                "*" => lhs.checked_mul(rhs)?,
                "/" => lhs.checked_div(rhs)?,
                _ => lhs.checked_rem(rhs)?,
            };
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<i64> {
        let (tok, _) = self.tokens.get(self.at)?;
        self.at += 1;
        match tok {
            Tok::Punct('!') => Some(i64::from(self.unary()? == 0)),
            Tok::Punct('~') => Some(!self.unary()?),
            Tok::Punct('+') => self.unary(),
            Tok::Punct('-') => self.unary()?.checked_neg(),
            Tok::Number(n) => n.parse().ok(),
            Tok::Group(g) if g.delim == Delimiter::Parenthesis => {
                let mut inner = Eval {
                    tokens: &g.tokens,
                    at: 0,
                    defines: self.defines,
                };
                let value = inner.expr(0)?;
                (inner.at == g.tokens.len()).then_some(value)
            }
            Tok::Ident(name) if name == "defined" => {
                let name = match self.tokens.get(self.at)? {
                    (Tok::Ident(n), _) => n.clone(),
                    (Tok::Group(g), _) => match g.tokens.as_slice() {
                        [(Tok::Ident(n), _)] => n.clone(),
                        _ => return None,
                    },
                    _ => return None,
                };
                self.at += 1;
                Some(i64::from(self.defines.names.contains_key(&name)))
            }
            // A name's value, or 0 when it is not defined, as cpp has it.
            Tok::Ident(name) => match self.defines.names.get(name).map(Vec::as_slice) {
                Some([(Tok::Number(n), _)]) => n.parse().ok(),
                Some([]) => Some(0),
                Some(value) => {
                    let mut inner = Eval {
                        tokens: value,
                        at: 0,
                        defines: self.defines,
                    };
                    let v = inner.expr(0)?;
                    (inner.at == value.len()).then_some(v)
                }
                None => Some(0),
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proc_macro2::TokenStream;

    use super::*;
    use crate::lex;

    fn value(condition: &str) -> Option<bool> {
        let tokens = lex::lower(TokenStream::from_str(condition).expect("test input lexes"));
        evaluate("if", &tokens, &Defines::new())
    }

    #[test]
    fn c_precedence_and_predefined_names() {
        assert_eq!(value("1 + 2 * 3 == 7"), Some(true));
        assert_eq!(
            value("1 << 2 + 1 == 8"),
            Some(true),
            "`+` binds tighter than `<<`"
        );
        assert_eq!(value("1 | 2 == 2"), Some(true), "`==` binds tighter than `|`");
        assert_eq!(value("defined(__LP64__) && THREAD_STATE_MAX == 1296"), Some(true));
        assert_eq!(value("UNDEFINED_NAME"), Some(false), "an undefined name is 0");
        assert_eq!(value("-(2 - 3) > 0 && !0 && ~0 == -1"), Some(true));
    }

    #[test]
    fn what_cannot_be_read_is_none() {
        assert_eq!(value("1 +"), None);
        assert_eq!(value("1 / 0"), None);
        assert_eq!(value("1 2"), None, "every token must be used");
    }
}
