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

/// One piece of a pattern as its syntax reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A character that stands for itself.
    Char(char),
    /// `?` in `StringLike`: exactly one character.
    One,
    /// `*`: any run of characters, possibly empty.
    Any,
}

/// The pieces of `pattern` in `syntax`: the one reading of the wildcards and their escapes,
/// for the matcher here and for the semantic engine's automata.
pub(crate) fn tokens(pattern: &str, syntax: Syntax) -> impl Iterator<Item = Token> + '_ {
    let mut chars = pattern.chars().peekable();
    std::iter::from_fn(move || {
        let c = chars.next()?;
        Some(match (c, syntax) {
            ('*', _) => Token::Any,
            ('?', Syntax::Like) => Token::One,
            ('\\', Syntax::Like) => match chars.peek() {
                Some(&next @ ('*' | '?')) => {
                    chars.next();
                    Token::Char(next)
                }
                _ => Token::Char('\\'),
            },
            (c, _) => Token::Char(c),
        })
    })
}

/// A fixed-length piece of a pattern, between two `*`s.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment {
    toks: Vec<Tok>,
    /// The Knuth–Morris–Pratt failure table, when the segment is searched for and has no `?`.
    failure: Option<Vec<usize>>,
    /// The segment as text, when it is the whole pattern and all literal characters; as
    /// written, not folded, so that a value written alike is found equal by bytes.
    text: Option<String>,
    /// Whether `text` is ASCII.
    ascii: bool,
}

/// A compiled pattern. Matching allocates nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    /// The pattern, when it has no wildcard and so matches only itself (then `segments` is
    /// empty): compiled without splitting it into characters.
    exact: Option<Box<str>>,
    /// Segments between `*`s; one segment means no `*`.
    segments: Vec<Segment>,
    fold: bool,
}

/// Whether `pattern` has a character that is not literal in `syntax`.
pub(crate) fn has_wildcard(pattern: &str, syntax: Syntax) -> bool {
    match syntax {
        Syntax::Action => memchr::memchr(b'*', pattern.as_bytes()).is_some(),
        Syntax::Like => pattern.contains(['*', '?', '\\']),
    }
}

/// Whether `value` is `text`, ignoring case if `fold`: what a pattern without wildcards asks.
pub(crate) fn exactly(value: &str, text: &str, fold: bool) -> bool {
    if fold {
        eq_ignore_case(value, text)
    } else {
        value == text
    }
}

/// The simple (one-to-one) uppercase mapping of `c`, or `c` itself where uppercasing would give
/// several characters: ordinal ignore-case comparison, with no locale.
pub(crate) fn fold(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Whether `a` and `b` are equal ignoring case (ordinal, per character).
pub(crate) fn eq_ignore_case(a: &str, b: &str) -> bool {
    // Values are usually written as the condition writes them: bytes first.
    if a == b {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(fold).eq(b.chars().map(fold))
}

/// Whether `a` starts with `b` ignoring case.
pub(crate) fn starts_with_ignore_case(a: &str, b: &str) -> bool {
    let mut a = a.chars().map(fold);
    b.chars().map(fold).all(|c| a.next() == Some(c))
}

impl Segment {
    /// A segment of `written` tokens, matched as `norm` makes them. `whole`: the pattern's
    /// only segment, compared whole; `middle`: one searched for.
    fn new(written: Vec<Tok>, norm: impl Fn(char) -> char, whole: bool, middle: bool) -> Segment {
        let text: Option<String> = whole
            .then(|| literal(&written))
            .flatten()
            .map(|cs| cs.into_iter().collect());
        let toks: Vec<Tok> = written
            .into_iter()
            .map(|t| match t {
                Tok::Char(c) => Tok::Char(norm(c)),
                Tok::Any => Tok::Any,
            })
            .collect();
        let failure = middle
            .then(|| literal(&toks))
            .flatten()
            .map(|cs| failure_table(&cs));
        let ascii = text.as_deref().is_some_and(str::is_ascii);
        Segment {
            toks,
            failure,
            text,
            ascii,
        }
    }
}

/// The characters of `toks`, if none is a wildcard.
fn literal(toks: &[Tok]) -> Option<Vec<char>> {
    // Sized up front: collecting through `Option` would grow the vector from nothing.
    let mut chars = Vec::with_capacity(toks.len());
    for t in toks {
        match t {
            Tok::Char(c) => chars.push(*c),
            Tok::Any => return None,
        }
    }
    Some(chars)
}

/// The KMP failure table of `needle`.
fn failure_table(needle: &[char]) -> Vec<usize> {
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
    failure
}

impl Pattern {
    pub(crate) fn new(pattern: &str, syntax: Syntax, ignore_case: bool) -> Pattern {
        if !has_wildcard(pattern, syntax) {
            return Pattern {
                exact: Some(pattern.into()),
                segments: Vec::new(),
                fold: ignore_case,
            };
        }
        let norm = |c: char| if ignore_case { fold(c) } else { c };
        // Most patterns are one piece (no `*`): sized for it, so that it grows only past a `*`.
        let mut pieces = vec![Vec::with_capacity(pattern.len())];
        for token in tokens(pattern, syntax) {
            let tok = match token {
                Token::Any => {
                    pieces.push(Vec::new());
                    continue;
                }
                Token::One => Tok::Any,
                Token::Char(c) => Tok::Char(c),
            };
            if let Some(last) = pieces.last_mut() {
                last.push(tok);
            }
        }
        Pattern {
            segments: {
                let n = pieces.len();
                pieces
                    .into_iter()
                    .enumerate()
                    .map(|(i, toks)| Segment::new(toks, norm, n == 1, 0 < i && i + 1 < n))
                    .collect()
            },
            fold: ignore_case,
            exact: None,
        }
    }

    fn norm(&self, c: char) -> char {
        if self.fold {
            fold(c)
        } else {
            c
        }
    }

    pub(crate) fn matches(&self, value: &str) -> bool {
        if let Some(text) = &self.exact {
            return exactly(value, text, self.fold);
        }
        let (first, rest) = match self.segments.split_first() {
            Some(x) => x,
            None => return value.is_empty(),
        };
        let Some((last, middle)) = rest.split_last() else {
            return self.whole(first, value);
        };
        // The first segment at the start, the last at the end, not overlapping.
        let Some(start) = self.prefix(first, value) else {
            return false;
        };
        let Some(end) = self.suffix(last, value) else {
            return false;
        };
        let Some(mut window) = value.get(start..end) else {
            return false;
        };
        for segment in middle {
            match self.find(segment, window) {
                Some(after) => window = window.get(after..).unwrap_or(""),
                None => return false,
            }
        }
        true
    }

    /// Whether `segment` is exactly `value`.
    fn whole(&self, segment: &Segment, value: &str) -> bool {
        if let (Some(text), true) = (&segment.text, segment.ascii) {
            // An ASCII text of n characters matches only a value of n characters: of n bytes,
            // where comparing bytes decides, or of more, when some are not ASCII.
            if value.len() == text.len() {
                // Bytes first: values are usually written as the pattern is.
                return value == text || (self.fold && value.eq_ignore_ascii_case(text));
            }
            if value.len() < text.len() || value.is_ascii() {
                return false;
            }
        }
        let mut chars = value.chars();
        self.fits(segment, &mut chars) && chars.next().is_none()
    }

    /// Whether `chars` begins with `segment`, consuming as many characters as it has.
    fn fits(&self, segment: &Segment, chars: &mut impl Iterator<Item = char>) -> bool {
        segment.toks.iter().all(|t| match (t, chars.next()) {
            (_, None) => false,
            (Tok::Any, Some(_)) => true,
            (Tok::Char(p), Some(c)) => *p == self.norm(c),
        })
    }

    /// The byte offset after `segment` when `value` starts with it.
    fn prefix(&self, segment: &Segment, value: &str) -> Option<usize> {
        let mut chars = value.chars();
        if !self.fits(segment, &mut chars) {
            return None;
        }
        Some(value.len() - chars.as_str().len())
    }

    /// The byte offset where `segment` starts when `value` ends with it.
    fn suffix(&self, segment: &Segment, value: &str) -> Option<usize> {
        let mut chars = value.chars();
        let fits = segment
            .toks
            .iter()
            .rev()
            .all(|t| match (t, chars.next_back()) {
                (_, None) => false,
                (Tok::Any, Some(_)) => true,
                (Tok::Char(p), Some(c)) => *p == self.norm(c),
            });
        fits.then_some(chars.as_str().len())
    }

    /// The byte offset just after the leftmost match of `segment` in `text`.
    fn find(&self, segment: &Segment, text: &str) -> Option<usize> {
        if segment.toks.is_empty() {
            return Some(0);
        }
        if let Some(failure) = &segment.failure {
            return self.kmp(&segment.toks, failure, text);
        }
        // A segment with `?`: try each start in turn.
        text.char_indices().find_map(|(at, _)| {
            let rest = text.get(at..)?;
            self.prefix(segment, rest).map(|after| at + after)
        })
    }

    /// Knuth–Morris–Pratt search over a literal segment, in time linear in `text`.
    fn kmp(&self, needle: &[Tok], failure: &[usize], text: &str) -> Option<usize> {
        let at = |k: usize| match needle.get(k) {
            Some(Tok::Char(c)) => Some(*c),
            _ => None,
        };
        let mut k = 0;
        for (i, original) in text.char_indices() {
            let c = self.norm(original);
            while k > 0 && at(k) != Some(c) {
                k = failure.get(k - 1).copied().unwrap_or(0);
            }
            if at(k) == Some(c) {
                k += 1;
            }
            if k == needle.len() {
                return Some(i + original.len_utf8());
            }
        }
        None
    }
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
    fn middle_segments_are_found_leftmost() {
        assert!(like("*abc*", "xxabababcxx"));
        assert!(like("a*abab*c", "aabababc"));
        assert!(!like("a*abab*c", "aabac"));
        assert!(like("*a?c*", "xxaxabcx"));
        assert!(!like("*a?c*", "xxabxacx"));
        assert!(Pattern::new("*É*", Syntax::Like, true).matches("caféx"));
        assert!(like("é*é", "éé"));
        assert!(!like("é*é", "é"));
    }
}
