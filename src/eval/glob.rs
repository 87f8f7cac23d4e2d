//! Anchored wildcard matching for `StringLike` (`*`, `?`, with `\*` and `\?` for the literal
//! characters) and `ActionMatches` (`*` only, case-insensitive).
//!
//! A pattern is split at its `*`s into fixed-length segments. The first must match at the start,
//! the last at the end, and each one between at its leftmost place after the previous one; for
//! fixed-length segments leftmost is always right, so there is no backtracking. Segments without
//! `?` are found with Knuth–Morris–Pratt, so matching is linear in the value's length whatever
//! the pattern (`*a*a*a*b` included); a segment with `?` is searched naively, in
//! O(value × segment).

/// Which wildcard syntax a pattern uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// `StringLike`: `*`, `?`, `\*`, `\?`.
    Like,
    /// `ActionMatches`: `*` only; every other character is literal (language-notes AMB-28).
    Action,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Char(char),
    Any,
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    /// Segments between `*`s; one segment means no `*`.
    segments: Vec<Vec<Tok>>,
    fold: bool,
}

/// The simple (one-to-one) uppercase mapping of `c`, or `c` itself where uppercasing would give
/// several characters: ordinal ignore-case comparison, with no locale.
pub(crate) fn fold(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Whether `a` and `b` are equal ignoring case (ordinal, per character).
pub(crate) fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.chars().map(fold).eq(b.chars().map(fold))
}

/// Whether `a` starts with `b` ignoring case.
pub(crate) fn starts_with_ignore_case(a: &str, b: &str) -> bool {
    let mut a = a.chars().map(fold);
    b.chars().map(fold).all(|c| a.next() == Some(c))
}

impl Pattern {
    pub(crate) fn new(pattern: &str, syntax: Syntax, ignore_case: bool) -> Pattern {
        let norm = |c: char| if ignore_case { fold(c) } else { c };
        let mut segments = vec![Vec::new()];
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            let tok = match (c, syntax) {
                ('*', _) => {
                    segments.push(Vec::new());
                    continue;
                }
                ('?', Syntax::Like) => Tok::Any,
                ('\\', Syntax::Like) => match chars.peek() {
                    Some(&next @ ('*' | '?')) => {
                        chars.next();
                        Tok::Char(next)
                    }
                    _ => Tok::Char('\\'),
                },
                (c, _) => Tok::Char(norm(c)),
            };
            if let Some(last) = segments.last_mut() {
                last.push(tok);
            }
        }
        Pattern {
            segments,
            fold: ignore_case,
        }
    }

    pub(crate) fn matches(&self, value: &str) -> bool {
        let v: Vec<char> = if self.fold {
            value.chars().map(fold).collect()
        } else {
            value.chars().collect()
        };
        let (first, rest) = match self.segments.split_first() {
            Some(x) => x,
            None => return v.is_empty(),
        };
        let Some((last, middle)) = rest.split_last() else {
            return v.len() == first.len() && fits(first, &v);
        };
        if first.len() + last.len() > v.len() {
            return false;
        }
        let Some((head, tail)) = v.split_at_checked(first.len()) else {
            return false;
        };
        let Some((window, end)) = tail.split_at_checked(tail.len().saturating_sub(last.len()))
        else {
            return false;
        };
        if !fits(first, head) || !fits(last, end) {
            return false;
        }
        let mut window = window;
        for segment in middle {
            match find(segment, window) {
                Some(at) => window = window.get(at + segment.len()..).unwrap_or(&[]),
                None => return false,
            }
        }
        true
    }
}

/// Whether `segment` matches `text` exactly (same length).
fn fits(segment: &[Tok], text: &[char]) -> bool {
    segment.len() == text.len()
        && segment.iter().zip(text).all(|(t, c)| match t {
            Tok::Any => true,
            Tok::Char(p) => p == c,
        })
}

/// The leftmost position where `segment` matches in `text`.
fn find(segment: &[Tok], text: &[char]) -> Option<usize> {
    if segment.is_empty() {
        return Some(0);
    }
    let literal: Option<Vec<char>> = segment
        .iter()
        .map(|t| match t {
            Tok::Char(c) => Some(*c),
            Tok::Any => None,
        })
        .collect();
    match literal {
        Some(needle) => kmp(&needle, text),
        None => (0..=text.len().checked_sub(segment.len())?).find(|&i| {
            text.get(i..i + segment.len())
                .is_some_and(|w| fits(segment, w))
        }),
    }
}

/// Knuth–Morris–Pratt search: the leftmost occurrence of `needle` in `text`, in linear time.
fn kmp(needle: &[char], text: &[char]) -> Option<usize> {
    let mut failure = vec![0usize; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle.get(i) != needle.get(k) {
            k = failure.get(k - 1).copied().unwrap_or(0);
        }
        if needle.get(i) == needle.get(k) {
            k += 1;
        }
        if let Some(f) = failure.get_mut(i) {
            *f = k;
        }
    }
    let mut k = 0;
    for (i, c) in text.iter().enumerate() {
        while k > 0 && needle.get(k) != Some(c) {
            k = failure.get(k - 1).copied().unwrap_or(0);
        }
        if needle.get(k) == Some(c) {
            k += 1;
        }
        if k == needle.len() {
            return Some(i + 1 - k);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(p: &str, v: &str) -> bool {
        Pattern::new(p, Syntax::Like, false).matches(v)
    }

    #[test]
    fn documented_like_vectors() {
        assert!(like("a*c?", "abcd"));
        assert!(!like("A*C?", "abcd"));
        assert!(!like("a*c", "abcd"));
        assert!(like("logs*", "logs/AlpineFile.txt"));
        assert!(like("logs*", "logsAlpine.txt"));
        assert!(!like("logs*", "AlpineFile.txt"));
    }

    #[test]
    fn star_matches_empty_and_question_mark_exactly_one() {
        assert!(like("a*", "a"));
        assert!(like("*", ""));
        assert!(!like("?", ""));
        assert!(like("?", "é"));
        assert!(!like("a?", "a"));
        assert!(like("*.txt", ".txt"));
    }

    #[test]
    fn escapes_are_literal() {
        assert!(like(r"a\*", "a*"));
        assert!(!like(r"a\*", "ab"));
        assert!(like(r"a\?", "a?"));
        assert!(!like(r"a\?", "ab"));
        assert!(like(r"a\b", r"a\b"));
    }

    #[test]
    fn ignore_case_folds_both_sides() {
        assert!(Pattern::new("A*C?", Syntax::Like, true).matches("abcd"));
        assert!(eq_ignore_case("Straße", "STRAßE"));
        assert!(starts_with_ignore_case("BackendSvc", "backend"));
        assert!(!starts_with_ignore_case("back", "backend"));
    }

    #[test]
    fn action_syntax_has_only_star() {
        let p = Pattern::new(
            "Microsoft.Authorization/roleAssignments/*",
            Syntax::Action,
            true,
        );
        assert!(p.matches("microsoft.authorization/roleassignments/write"));
        assert!(!Pattern::new(
            "Microsoft.Authorization/roleDefinitions/*",
            Syntax::Action,
            true
        )
        .matches("Microsoft.Authorization/roleAssignments/write"));
        assert!(!Pattern::new("a?", Syntax::Action, true).matches("ab"));
        assert!(Pattern::new("a?", Syntax::Action, true).matches("A?"));
        assert!(
            Pattern::new("Microsoft.CostManagement/*/query/*", Syntax::Action, true)
                .matches("Microsoft.CostManagement/x/y/query/read")
        );
    }

    #[test]
    fn pathological_patterns_finish() {
        let value = "a".repeat(100_000);
        let pattern = format!("{}b", "*a".repeat(1000));
        assert!(!like(&pattern, &value));
        assert!(like(&format!("{}*", "*a".repeat(1000)), &value));
    }

    #[test]
    fn kmp_finds_leftmost() {
        let t: Vec<char> = "abababc".chars().collect();
        assert_eq!(kmp(&['a', 'b', 'c'], &t), Some(4));
        assert_eq!(kmp(&['a', 'b', 'a', 'b'], &t), Some(0));
        assert_eq!(kmp(&['x'], &t), None);
    }
}
