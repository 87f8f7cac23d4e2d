//! Parse errors: the public [`ParseError`] and the private nom error it is built from.
//!
//! nom's types never leave this module tree; the boundary in `parse/mod.rs` turns the private
//! error into a [`ParseError`] with a span, a `line:column` position and, for the mistakes people
//! actually make, a hint.

use serde::Serialize;

use crate::span::{position, Position, Span};

/// What went wrong, as a stable machine-readable kind. [`ParseErrorKind::code`] gives the code
/// that diagnostics print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParseErrorKind {
    /// A token that does not fit the grammar at that place.
    Syntax,
    /// The condition is empty (or only whitespace and comments).
    Empty,
    /// A `(` without its `)`.
    UnclosedParen,
    /// A `)` without its `(`.
    UnmatchedParen,
    /// A `'` without its closing `'` on the same line.
    UnterminatedString,
    /// A string in double quotes.
    DoubleQuotes,
    /// A typographic quote (`‘ ’ “ ”`) where a `'` belongs.
    TypographicQuote,
    /// A tag-key marker whose `$…$` part was lost, such as `<$>` or `&$&`.
    StrippedKeyMarker,
    /// An operator name that does not exist.
    UnknownOperator,
    /// An operator name that is not part of conditionVersion 2.0 (`StringEndsWith`, …).
    UnsupportedOperator,
    /// An attribute source other than `@Resource`, `@Request`, `@Principal`, `@Environment`.
    UnknownSource,
    /// A malformed integer, GUID or set.
    InvalidLiteral,
    /// A control character (other than tab, CR, LF) outside a comment.
    ControlCharacter,
    /// Nesting deeper than the limit.
    TooDeep,
    /// Input longer than the limit.
    TooLarge,
}

impl ParseErrorKind {
    /// Every kind.
    pub const ALL: &'static [ParseErrorKind] = &[
        ParseErrorKind::Syntax,
        ParseErrorKind::Empty,
        ParseErrorKind::UnclosedParen,
        ParseErrorKind::UnmatchedParen,
        ParseErrorKind::UnterminatedString,
        ParseErrorKind::DoubleQuotes,
        ParseErrorKind::TypographicQuote,
        ParseErrorKind::StrippedKeyMarker,
        ParseErrorKind::UnknownOperator,
        ParseErrorKind::UnsupportedOperator,
        ParseErrorKind::UnknownSource,
        ParseErrorKind::InvalidLiteral,
        ParseErrorKind::ControlCharacter,
        ParseErrorKind::TooDeep,
        ParseErrorKind::TooLarge,
    ];

    /// The stable code shown in diagnostics, e.g. `unclosed-paren`.
    pub fn code(self) -> &'static str {
        match self {
            ParseErrorKind::Syntax => "syntax",
            ParseErrorKind::Empty => "empty",
            ParseErrorKind::UnclosedParen => "unclosed-paren",
            ParseErrorKind::UnmatchedParen => "unmatched-paren",
            ParseErrorKind::UnterminatedString => "unterminated-string",
            ParseErrorKind::DoubleQuotes => "double-quotes",
            ParseErrorKind::TypographicQuote => "typographic-quote",
            ParseErrorKind::StrippedKeyMarker => "stripped-key-marker",
            ParseErrorKind::UnknownOperator => "unknown-operator",
            ParseErrorKind::UnsupportedOperator => "unsupported-operator",
            ParseErrorKind::UnknownSource => "unknown-source",
            ParseErrorKind::InvalidLiteral => "invalid-literal",
            ParseErrorKind::ControlCharacter => "control-character",
            ParseErrorKind::TooDeep => "too-deep",
            ParseErrorKind::TooLarge => "too-large",
        }
    }
}

/// A condition that does not parse: what was wrong, where, and how to fix it.
///
/// `Display` gives `line:column: message`; [`crate::diagnostic::Diagnostic`] renders the caret
/// excerpt and hint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}:{}: {}", .0.position.line, .0.position.column, .0.message)]
#[serde(transparent)]
pub struct ParseError(Box<Inner>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct Inner {
    kind: ParseErrorKind,
    message: String,
    span: Span,
    position: Position,
    label: String,
    hint: Option<String>,
    related: Option<Related>,
}

/// A second location that explains an error, such as the `(` a missing `)` belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// Its `line:column`.
    pub position: Position,
    /// What it is.
    pub label: String,
}

impl ParseError {
    /// The kind of error.
    pub fn kind(&self) -> ParseErrorKind {
        self.0.kind
    }
    /// The message: lowercase, no trailing period, source text in backticks.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The offending text (empty at the end of input).
    pub fn span(&self) -> Span {
        self.0.span
    }
    /// The 1-based line and column of the start of [`ParseError::span`].
    pub fn position(&self) -> Position {
        self.0.position
    }
    /// A short label for the caret line.
    pub fn label(&self) -> &str {
        &self.0.label
    }
    /// How to fix it, when the mistake is a known one.
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }
    /// A second location, such as the unclosed `(`.
    pub fn related(&self) -> Option<&Related> {
        self.0.related.as_ref()
    }

    pub(crate) fn build(src: &str, spec: Specific, offset: usize) -> ParseError {
        let span = Span::new(offset, offset.saturating_add(spec.len).min(src.len()));
        ParseError(Box::new(Inner {
            kind: spec.kind,
            message: spec.message,
            span,
            position: position(src, offset),
            label: spec.label,
            hint: spec.hint,
            related: spec.related.map(|(at, label)| Related {
                span: Span::new(at, at + 1),
                position: position(src, at),
                label,
            }),
        }))
    }
}

/// A fully described error, before it knows its position.
#[derive(Clone, Debug)]
pub(crate) struct Specific {
    pub kind: ParseErrorKind,
    pub message: String,
    pub label: String,
    pub hint: Option<String>,
    /// Bytes to underline from the error position.
    pub len: usize,
    /// A second location as a byte offset, with its label.
    pub related: Option<(usize, String)>,
}

impl Specific {
    pub fn new(kind: ParseErrorKind, message: impl Into<String>, label: impl Into<String>) -> Self {
        Specific {
            kind,
            message: message.into(),
            label: label.into(),
            hint: None,
            len: 1,
            related: None,
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn len(mut self, len: usize) -> Self {
        self.len = len;
        self
    }
    pub fn related(mut self, at: usize, label: impl Into<String>) -> Self {
        self.related = Some((at, label.into()));
        self
    }
}

/// The private nom error: where (as the remaining input) and what.
#[derive(Clone, Debug)]
pub(crate) struct PError<'a> {
    pub at: &'a str,
    pub detail: Detail,
}

#[derive(Clone, Debug)]
pub(crate) enum Detail {
    /// What the grammar allowed here; merged across `alt` branches.
    Expected(Vec<&'static str>),
    /// A known mistake, already described.
    Specific(Box<Specific>),
}

impl<'a> PError<'a> {
    pub fn specific(at: &'a str, spec: Specific) -> Self {
        PError {
            at,
            detail: Detail::Specific(Box::new(spec)),
        }
    }

    pub fn expected(at: &'a str, what: &'static str) -> Self {
        PError {
            at,
            detail: Detail::Expected(vec![what]),
        }
    }

    /// Converts to the public error. `src` is the whole text, of which `at` is a suffix.
    pub fn into_parse_error(self, src: &str) -> ParseError {
        // At the end of the input, point just past the last token rather than at trailing
        // blank lines, so the excerpt shows what came last.
        let offset = if self.at.is_empty() {
            src.trim_end().len()
        } else {
            src.len().saturating_sub(self.at.len())
        };
        match self.detail {
            Detail::Specific(spec) => ParseError::build(src, *spec, offset),
            Detail::Expected(what) => {
                let found = describe_found(self.at);
                let spec = Specific::new(
                    ParseErrorKind::Syntax,
                    format!(
                        "expected {}, found {}",
                        join_alternatives(&what),
                        found.text
                    ),
                    format!("expected {}", join_alternatives(&what)),
                )
                .len(found.len);
                ParseError::build(src, spec, offset)
            }
        }
    }
}

impl<'a> nom::error::ParseError<&'a str> for PError<'a> {
    fn from_error_kind(input: &'a str, _kind: nom::error::ErrorKind) -> Self {
        PError {
            at: input,
            detail: Detail::Expected(Vec::new()),
        }
    }

    fn append(_input: &'a str, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // Keep the error that got furthest; at the same place, merge what was expected.
        match self.at.len().cmp(&other.at.len()) {
            std::cmp::Ordering::Less => self,
            std::cmp::Ordering::Greater => other,
            std::cmp::Ordering::Equal => match (self.detail, other.detail) {
                (Detail::Expected(mut a), Detail::Expected(b)) => {
                    for w in b {
                        if !a.contains(&w) {
                            a.push(w);
                        }
                    }
                    PError {
                        at: self.at,
                        detail: Detail::Expected(a),
                    }
                }
                (Detail::Specific(s), _) | (_, Detail::Specific(s)) => PError {
                    at: self.at,
                    detail: Detail::Specific(s),
                },
            },
        }
    }
}

pub(crate) struct Found {
    pub text: String,
    pub len: usize,
}

/// Describes the token at the start of `rest` for "found …" messages.
pub(crate) fn describe_found(rest: &str) -> Found {
    let Some(c) = rest.chars().next() else {
        return Found {
            text: "end of input".into(),
            len: 0,
        };
    };
    if super::chars::is_word_char(c) {
        let word: String = rest
            .chars()
            .take_while(|c| super::chars::is_word_char(*c))
            .collect();
        let len = word.len();
        let shown = if word.chars().count() > 40 {
            format!("{}…", word.chars().take(40).collect::<String>())
        } else {
            word
        };
        return Found {
            text: format!("`{shown}`"),
            len,
        };
    }
    let text = if c.is_control() {
        format!("control character U+{:04X}", u32::from(c))
    } else if c == '\u{feff}' || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    };
    Found {
        text,
        len: c.len_utf8(),
    }
}

fn join_alternatives(what: &[&str]) -> String {
    match what {
        [] => "something else".into(),
        [one] => (*one).into(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The closest of `candidates` to `word` (ignoring ASCII case), if it is close enough to be a
/// likely typo.
pub(crate) fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let word: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    let limit = (word.len() / 3).max(1);
    let mut best: Option<(usize, &'c str)> = None;
    let mut rows = (Vec::new(), Vec::new());
    let mut other: Vec<char> = Vec::new();
    for candidate in candidates {
        let bound = best.map_or(limit, |(d, _)| d.saturating_sub(1).min(limit));
        // The distance is at least the difference in length, which costs no copy to learn:
        // most of a catalog's names are ruled out here.
        if candidate.chars().count().abs_diff(word.len()) > bound {
            continue;
        }
        other.clear();
        other.extend(candidate.chars().map(|c| c.to_ascii_lowercase()));
        if let Some(d) = edit_distance(&word, &other, bound, &mut rows) {
            if best.is_none_or(|(b, _)| d < b) {
                best = Some((d, candidate));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance if it is at most `limit`, else `None`: two reused rows, and an early
/// exit once a whole row exceeds the limit, so a far-off candidate costs little.
fn edit_distance(
    a: &[char],
    b: &[char],
    limit: usize,
    rows: &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    // A common prefix or suffix costs nothing; names in one namespace share long ones.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (
        a.get(prefix..).unwrap_or(&[]),
        b.get(prefix..).unwrap_or(&[]),
    );
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (
        a.get(..a.len() - suffix).unwrap_or(&[]),
        b.get(..b.len() - suffix).unwrap_or(&[]),
    );
    // Only cells within `limit` of the diagonal can hold a distance within it (a cell `i, j`
    // is at least `|i - j|`); the others stay "too far".
    const FAR: usize = usize::MAX;
    let (row, next) = rows;
    row.clear();
    row.extend((0..=b.len()).map(|j| if j <= limit { j } else { FAR }));
    for (i, ca) in a.iter().enumerate() {
        let i = i + 1;
        next.clear();
        next.resize(b.len() + 1, FAR);
        let (lo, hi) = (i.saturating_sub(limit), (i + limit).min(b.len()));
        let mut row_min = FAR;
        if lo == 0 {
            if let Some(first) = next.first_mut() {
                *first = i;
            }
            row_min = i;
        }
        for j in lo.max(1)..=hi {
            let diagonal = row.get(j - 1).copied().unwrap_or(FAR);
            let up = row.get(j).copied().unwrap_or(FAR);
            let left = next.get(j - 1).copied().unwrap_or(FAR);
            let differ = b.get(j - 1).is_none_or(|cb| cb != ca);
            let cell = diagonal
                .saturating_add(usize::from(differ))
                .min(up.saturating_add(1))
                .min(left.saturating_add(1));
            row_min = row_min.min(cell);
            if let Some(c) = next.get_mut(j) {
                *c = cell;
            }
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(row, next);
    }
    row.last().copied().filter(|d| *d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: &str, b: &str, limit: usize) -> Option<usize> {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        edit_distance(&a, &b, limit, &mut (Vec::new(), Vec::new()))
    }

    #[test]
    fn edit_distance_counts_edits_up_to_a_limit() {
        assert_eq!(distance("kitten", "sitting", 5), Some(3));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(distance("", "abc", 3), Some(3));
        assert_eq!(distance("same", "same", 0), Some(0));
        assert_eq!(distance("short", "a much longer word", 3), None);
    }

    /// The whole table, no band and no early exit.
    fn full_distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut next = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let cell = (row[j] + usize::from(ca != cb))
                    .min(row[j + 1] + 1)
                    .min(next[j] + 1);
                next.push(cell);
            }
            row = next;
        }
        row[b.len()]
    }

    proptest::proptest! {
        #[test]
        fn the_banded_distance_is_the_distance_within_the_limit(
            a in "[abc]{0,12}", b in "[abc]{0,12}", limit in 0usize..8
        ) {
            let full = full_distance(&a, &b);
            proptest::prop_assert_eq!(distance(&a, &b, limit), (full <= limit).then_some(full));
        }
    }

    #[test]
    fn did_you_mean_finds_close_names_only() {
        let names = ["StringEquals", "StringLike", "GuidEquals"];
        assert_eq!(did_you_mean("StringEqual", names), Some("StringEquals"));
        assert_eq!(did_you_mean("stringlikes", names), Some("StringLike"));
        assert_eq!(did_you_mean("Frobnicate", names), None);
    }
}
