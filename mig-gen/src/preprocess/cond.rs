//! The `#if` machine: one stack of open conditionals, driven alike by the directives of
//! a `mig!` body (tokens) and by those of an included file (lines of text), so the two
//! cannot drift apart. It knows nothing of how a condition is written: the caller hands
//! it a closure, which runs only when the value matters (skipped text may hold
//! conditions nobody can evaluate, as in cpp).

use std::fmt;

/// The directives that open, switch or close a conditional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Branch {
    /// `#if`, `#ifdef` or `#ifndef`.
    If,
    Elif,
    Else,
    Endif,
}

impl Branch {
    /// The branch a directive name is, if it is one.
    pub fn of(name: &str) -> Option<Branch> {
        match name {
            "if" | "ifdef" | "ifndef" => Some(Branch::If),
            "elif" => Some(Branch::Elif),
            "else" => Some(Branch::Else),
            "endif" => Some(Branch::Endif),
            _ => None,
        }
    }
}

/// One open `#if`: whether its lines are kept now, whether a branch was taken already,
/// whether the enclosing text is kept at all, and where it was opened (`L`: a span for
/// tokens, a line number for text).
struct Open<L> {
    active: bool,
    taken: bool,
    parent_active: bool,
    seen_else: bool,
    at: L,
}

/// The open conditionals, innermost last.
pub struct Conditionals<L> {
    open: Vec<Open<L>>,
}

/// Why a directive could not be applied.
#[derive(Debug, PartialEq, Eq)]
pub enum CondError<E> {
    /// The condition could not be read (the caller's own error).
    Condition(E),
    /// `#elif`, `#else` or `#endif` with no `#if` open.
    Unmatched(Branch),
    /// `#elif` or `#else` after the `#else` of the same `#if`.
    AfterElse(Branch),
}

impl<E: fmt::Display> fmt::Display for CondError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CondError::Condition(e) => e.fmt(f),
            CondError::Unmatched(branch) => write!(f, "`#{branch}` without a matching `#if`"),
            CondError::AfterElse(branch) => write!(
                f,
                "`#{branch}` after `#else`: an `#if` has one `#else`, after its `#elif`s"
            ),
        }
    }
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Branch::If => "if",
            Branch::Elif => "elif",
            Branch::Else => "else",
            Branch::Endif => "endif",
        })
    }
}

impl<L: Copy> Conditionals<L> {
    pub fn new() -> Self {
        Conditionals { open: Vec::new() }
    }

    /// Whether the text here is kept.
    pub fn active(&self) -> bool {
        self.open.last().is_none_or(|c| c.active)
    }

    /// Applies `branch`, written at `at`. `condition` (of an `#if…` or `#elif`) is asked
    /// only when no earlier branch was taken and the enclosing text is kept.
    pub fn apply<E>(
        &mut self,
        branch: Branch,
        at: L,
        condition: impl FnOnce() -> Result<bool, E>,
    ) -> Result<(), CondError<E>> {
        match branch {
            Branch::If => {
                let parent_active = self.active();
                let value = parent_active && condition().map_err(CondError::Condition)?;
                self.open.push(Open {
                    active: value,
                    taken: value,
                    parent_active,
                    seen_else: false,
                    at,
                });
            }
            Branch::Elif | Branch::Else => {
                let c = self.open.last_mut().ok_or(CondError::Unmatched(branch))?;
                if c.seen_else {
                    return Err(CondError::AfterElse(branch));
                }
                let value = c.parent_active
                    && !c.taken
                    && (branch == Branch::Else || condition().map_err(CondError::Condition)?);
                c.active = value;
                c.taken |= value;
                c.seen_else = branch == Branch::Else;
            }
            Branch::Endif => {
                self.open.pop().ok_or(CondError::Unmatched(branch))?;
            }
        }
        Ok(())
    }

    /// Where the innermost `#if` still open was written, once the text has ended.
    pub fn unclosed(&self) -> Option<L> {
        self.open.last().map(|c| c.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `lines` (`#if 0`/`#if 1`, `#elif 0`/`#elif 1`, `#else`, `#endif`, or a word)
    /// and gives the words kept, or the first error with its line.
    fn kept(lines: &[&str]) -> Result<Vec<String>, (usize, String)> {
        let mut conds = Conditionals::new();
        let mut words = Vec::new();
        for (line, text) in lines.iter().enumerate() {
            let Some(directive) = text.strip_prefix('#') else {
                if conds.active() {
                    words.push((*text).to_owned());
                }
                continue;
            };
            let (name, value) = directive.split_once(' ').unwrap_or((directive, ""));
            let branch = Branch::of(name).expect("a conditional directive");
            conds
                .apply(branch, line, || match value {
                    "0" => Ok(false),
                    "1" => Ok(true),
                    other => Err(format!("bad value `{other}`")),
                })
                .map_err(|e| (line, e.to_string()))?;
        }
        match conds.unclosed() {
            Some(line) => Err((line, "unclosed".to_owned())),
            None => Ok(words),
        }
    }

    #[test]
    fn the_first_true_branch_is_kept() {
        let lines = [
            "#if 0", "a", "#elif 1", "b", "#elif 1", "c", "#else", "d", "#endif", "e",
        ];
        assert_eq!(kept(&lines).unwrap(), ["b", "e"]);
        let lines = ["#if 0", "a", "#elif 0", "b", "#else", "c", "#endif"];
        assert_eq!(kept(&lines).unwrap(), ["c"]);
    }

    #[test]
    fn nested_conditionals_follow_their_parent() {
        let lines = [
            "#if 0", "#if 1", "a", "#else", "b", "#endif", "#else", "#if 0", "c", "#elif 1", "d", "#endif",
            "e", "#endif", "f",
        ];
        assert_eq!(kept(&lines).unwrap(), ["d", "e", "f"]);
    }

    #[test]
    fn conditions_in_skipped_text_are_not_evaluated() {
        // `x` cannot be evaluated; nobody asks for it.
        let lines = [
            "#if 1", "a", "#elif x", "#endif", "#if 0", "#if x", "#endif", "#endif",
        ];
        assert_eq!(kept(&lines).unwrap(), ["a"]);
        let lines = ["#if 1", "#elif 1", "#endif", "#if 1", "#if x", "#endif", "#endif"];
        assert_eq!(kept(&lines), Err((4, "bad value `x`".to_owned())));
    }

    #[test]
    fn misplaced_directives_are_errors() {
        assert_eq!(
            kept(&["#endif"]),
            Err((0, "`#endif` without a matching `#if`".to_owned()))
        );
        assert_eq!(
            kept(&["#elif 1"]),
            Err((0, "`#elif` without a matching `#if`".to_owned()))
        );
        assert_eq!(
            kept(&["#if 1", "#else", "#elif 1"]),
            Err((
                2,
                "`#elif` after `#else`: an `#if` has one `#else`, after its `#elif`s".to_owned()
            ))
        );
        assert_eq!(
            kept(&["#if 1", "#else", "#else"]).unwrap_err().1,
            "`#else` after `#else`: an `#if` has one `#else`, after its `#elif`s"
        );
        // The innermost open `#if` is the one reported.
        assert_eq!(
            kept(&["#if 1", "#endif", "#if 1", "#if 0", "#endif"]),
            Err((2, "unclosed".to_owned()))
        );
        assert_eq!(kept(&["#if 1", "#if 0"]), Err((1, "unclosed".to_owned())));
    }
}
