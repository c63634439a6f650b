//! Constant expressions: MIG's `IntExp`, plain decimal numbers and `+ - * /`.

use crate::errors::Errors;
use crate::syntax::Expr;

/// Evaluates an `IntExp`, reporting what makes it have no value.
pub(super) fn eval(expr: &Expr, cx: &mut Errors) -> Option<i64> {
    match expr {
        Expr::Number(text, span) => match text.parse::<i64>() {
            Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ if text.bytes().all(|b| b.is_ascii_digit()) => {
                cx.error(*span, format!("number `{text}` is too large"));
                None
            }
            _ => {
                cx.error(
                    *span,
                    format!("invalid number `{text}`: MIG numbers are plain decimal digits"),
                );
                None
            }
        },
        Expr::Name(ident) => {
            cx.error(
                ident.span,
                format!(
                    "unknown constant `{0}` (define it with `#define {0} value`)",
                    ident.text
                ),
            );
            None
        }
        Expr::Binary(lhs, op, rhs) => {
            let (l, r) = (eval(lhs, cx)?, eval(rhs, cx)?);
            let value = match op {
                '+' => l.checked_add(r),
                '-' => l.checked_sub(r),
                '*' => l.checked_mul(r),
                _ => l.checked_div(r),
            };
            if value.is_none() {
                cx.error(
                    expr.span(),
                    if *op == '/' && r == 0 {
                        "division by zero"
                    } else {
                        "arithmetic overflow"
                    },
                );
            }
            value
        }
    }
}
