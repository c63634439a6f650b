//! "did you mean …?" for misspelled keywords and names.

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo:
/// an edit distance of at most a third of the word (and at least 1), case-insensitive.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let limit = (word.len() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(&word, &c.to_ascii_lowercase()), c))
        .filter(|&(d, _)| d > 0 && d <= limit)
        .min_by_key(|&(d, c)| (d, c.len()))
        .map(|(_, c)| c)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_caught_and_strangers_are_not() {
        assert_eq!(
            closest("rotuine", ["routine", "simpleroutine", "type"]),
            Some("routine")
        );
        assert_eq!(closest("natral_t", ["natural_t", "integer_t"]), Some("natural_t"));
        assert_eq!(closest("frobnicate", ["routine", "type", "skip"]), None);
        assert_eq!(
            closest("Routine", ["routine"]),
            None,
            "a case difference is no typo"
        );
    }
}
