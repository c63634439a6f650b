//! Diagnostics as C compilers print them: `file:line:column: error: message`, then the
//! line and a caret under the error.

use std::collections::HashMap;
use std::fmt::Write;
use std::fs;
use std::path::PathBuf;

use mig_gen::Diagnostic;

/// Every diagnostic, each followed by its source line and a caret when the file can be
/// read and the column is known.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut texts: HashMap<PathBuf, Option<String>> = HashMap::new();
    let mut out = String::new();
    for d in diagnostics {
        writeln!(out, "{d}").expect("writing to a String");
        let (Some(file), Some(column)) = (&d.file, d.column) else {
            continue;
        };
        let text = texts
            .entry(file.clone())
            .or_insert_with(|| fs::read_to_string(file).ok());
        let Some(line) = text
            .as_deref()
            .and_then(|t| t.lines().nth(d.line.checked_sub(1)?))
        else {
            continue;
        };
        out.push_str(&snippet(line, d.line, column, d.end));
    }
    out
}

/// `line` (number `number`) and a caret under column `column` (from 1), then `~` to the
/// end when it is on the same line.
fn snippet(line: &str, number: usize, column: usize, end: Option<(usize, usize)>) -> String {
    let gutter = number.to_string();
    let blank = " ".repeat(gutter.len());
    // Tabs before the column stay tabs, so the caret lines up however they are shown.
    let pad: String = line
        .chars()
        .take(column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = match end {
        Some((end_line, end_column)) if end_line == number && end_column > column => end_column - column,
        _ => 1,
    };
    format!(" {gutter} | {line}\n {blank} | {pad}^{}\n", "~".repeat(width - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caret_lines_up_under_tabs_and_spans_the_error() {
        assert_eq!(
            snippet("\tx: no_such_type;", 12, 5, Some((12, 17))),
            " 12 | \tx: no_such_type;\n    | \t   ^~~~~~~~~~~~\n"
        );
        // An end on another line: the caret alone.
        assert_eq!(snippet("abc", 1, 2, Some((3, 1))), " 1 | abc\n   |  ^\n");
    }
}
