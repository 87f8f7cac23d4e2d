//! Lexemes and atoms: whitespace and comments, strings, bare words (booleans, integers, GUIDs),
//! sets, attribute references, operators, and the atoms built from them (`ActionMatches{…}`,
//! `SubOperationMatches{…}`, `Exists @…[…]`, comparisons). None of these recurse; the expression
//! structure around them is assembled without recursion in `parse/mod.rs`.
//!
//! Each parser is a nom parser over `&str` returning the private [`PError`]. They dispatch on the
//! next character instead of trying alternatives in turn, so nothing is parsed twice and every
//! failure can say precisely what was expected.

use std::cell::{Cell, RefCell};

use nom::character::complete::char;
use nom::IResult;

use super::chars::{is_operator_byte, is_source_byte};
pub(crate) use super::chars::{is_unusual_space, is_word_byte, is_word_char};
use super::error::{did_you_mean, PError, Specific};
use crate::ast::operator::UNSUPPORTED_OPERATORS;
use crate::ast::tree::{
    AttrNode, CompareNode, LitKind, LitNode, NameNode, NodeKind, OperandNode, OperandNodeKind, Run,
    Sp, StrNode,
};
use crate::ast::{
    AttributeName, BaseOperator, LexicalNote, LexicalNoteKind, Named, Quantifier, Source,
    KEYS_MARKER, KEY_CASE_SENSITIVE_MARKER,
};
use crate::parse::ParseErrorKind;
use crate::span::Span;

pub(crate) type PResult<'a, T> = IResult<&'a str, T, PError<'a>>;

/// The length of a string literal's body: up to the closing `'`, or the first control
/// character other than tab (a line break included), or the end. Bytes, not characters, until a
/// character is not ASCII.
fn string_body_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    // The usual case, the body printable ASCII up to the `'`: one search, one test.
    if let Some(quote) = memchr::memchr(b'\'', bytes) {
        let plain = bytes
            .get(..quote)
            .is_some_and(|body| !any_byte(body, |b| ((b < 0x20) & (b != b'\t')) | (b >= 0x7f)));
        if plain {
            return quote;
        }
    }
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        if b == b'\'' || (b < 0x20 && b != b'\t') || b == 0x7f {
            return at;
        }
        if b.is_ascii() {
            at += 1;
            continue;
        }
        match s.get(at..).and_then(|r| r.chars().next()) {
            Some(c) if !c.is_control() => at += c.len_utf8(),
            _ => return at,
        }
    }
    at
}

const DESCRIBE_VALUE: &str =
    "a value (`'string'`, integer, `true`, `false`, GUID, `{…}` set or `@Source[…]` attribute)";

fn fail<'a, T>(at: &'a str, spec: Specific) -> PResult<'a, T> {
    Err(nom::Err::Failure(PError::specific(at, spec)))
}

fn expected<'a, T>(at: &'a str, what: &'static str) -> PResult<'a, T> {
    Err(nom::Err::Failure(PError::expected(at, what)))
}

/// Whether any byte of `bytes` passes `pass`. It tests every byte, without stopping at the
/// first that passes, so that the compiler tests many at once.
#[inline]
fn any_byte(bytes: &[u8], pass: impl Fn(u8) -> bool) -> bool {
    bytes
        .iter()
        .fold(0u8, |found, &b| found | u8::from(pass(b)))
        != 0
}

/// `i` split after its longest prefix of bytes that `pass` (an ASCII class, so the split falls
/// on a character boundary).
fn ascii_run(i: &str, pass: impl Fn(u8) -> bool) -> (&str, &str) {
    let len = i.bytes().position(|b| !pass(b)).unwrap_or(i.len());
    i.split_at_checked(len).unwrap_or((i, ""))
}

fn peek(i: &str) -> Option<char> {
    i.chars().next()
}

/// `i` without its first character.
fn skip_char(i: &str) -> &str {
    let mut chars = i.chars();
    chars.next();
    chars.as_str()
}

/// The lexer: the whole source (to turn remaining input into offsets), what it records while
/// parsing (the lexical notes: comments, unusual spaces, non-canonical keywords; the comments'
/// spans) and the values of sets, which the tree keeps in one array.
pub(crate) struct Lexer<'a> {
    pub src: &'a str,
    notes: RefCell<Vec<LexicalNote>>,
    comments: RefCell<Vec<Sp>>,
    /// Index of the first comment not yet handed out by [`Lexer::take_comments`].
    comment_cursor: Cell<usize>,
    literals: RefCell<Vec<LitNode>>,
    /// The most values a set may hold.
    max_set_len: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str, max_set_len: usize) -> Self {
        Lexer {
            src,
            notes: RefCell::new(Vec::new()),
            comments: RefCell::new(Vec::new()),
            comment_cursor: Cell::new(0),
            literals: RefCell::new(Vec::new()),
            max_set_len,
        }
    }

    /// The range of the source from where `from` starts to where `to` starts.
    fn range(&self, from: &str, to: &str) -> Sp {
        Sp::new(self.off(from), self.off(to))
    }

    /// The byte offset at which `rest` (a suffix of the source) starts.
    pub fn off(&self, rest: &str) -> usize {
        self.src.len().saturating_sub(rest.len())
    }

    fn span(&self, from: &str, to: &str) -> Span {
        Span::new(self.off(from), self.off(to))
    }

    /// What was recorded: the notes, the comments' spans and the values of sets.
    pub fn into_parts(self) -> (Vec<LexicalNote>, Vec<Sp>, Vec<LitNode>) {
        (
            self.notes.into_inner(),
            self.comments.into_inner(),
            self.literals.into_inner(),
        )
    }

    /// Records a note once: input is read left to right, so a note at or before the last one
    /// recorded has been seen already.
    fn note(&self, span: Span, kind: LexicalNoteKind) {
        let mut notes = self.notes.borrow_mut();
        if notes.last().is_none_or(|last| last.span.start < span.start) {
            notes.push(LexicalNote { span, kind });
        }
    }

    /// Notes `written` (which ends where `after` starts), a spelling of `canonical` in another
    /// case.
    fn note_keyword(&self, written: &'a str, after: &'a str, canonical: &'static str) {
        let end = self.off(after);
        self.note(
            Span::new(end.saturating_sub(written.len()), end),
            LexicalNoteKind::NonCanonicalKeyword { canonical },
        );
    }

    /// The member of `K` that `written` (which ends where `after` starts) names, in any case;
    /// a spelling other than the canonical one is noted.
    fn named<K: Named>(&self, written: &'a str, after: &'a str) -> Option<K> {
        if let Some(k) = K::canonical(written) {
            return Some(k);
        }
        let k = K::any_case(written)?;
        self.note_keyword(written, after, k.spelling());
        Some(k)
    }

    /// The comments recorded since the last call, in order.
    pub fn take_comments(&self) -> Run {
        let end = self.comments.borrow().len();
        let from = self.comment_cursor.replace(end);
        Run::between(from, end)
    }

    /// Skips whitespace and comments, recording comments and unusual spaces.
    #[inline(always)]
    pub fn sp(&self, i: &'a str) -> &'a str {
        // The usual cases inline: a token at once, or after one space.
        let token = |b: u8| b > b' ' && b.is_ascii() && b != b'#' && b != b'/';
        match *i.as_bytes() {
            [b, ..] if token(b) => i,
            [b' ', b, ..] if token(b) => i.get(1..).unwrap_or(""),
            _ => self.sp_more(i),
        }
    }

    /// [`Lexer::sp`] past more than one space, a comment or an unusual space.
    #[inline(never)]
    fn sp_more(&self, mut i: &'a str) -> &'a str {
        loop {
            let blank = i
                .bytes()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .count();
            i = i.get(blank..).unwrap_or("");
            match i.as_bytes().first() {
                // The usual case: a token, at once.
                Some(b) if b.is_ascii() && *b != b'#' && *b != b'/' => return i,
                None => return i,
                _ => {}
            }
            match peek(i) {
                Some(c) if is_unusual_space(c) => {
                    let rest = skip_char(i);
                    self.note(self.span(i, rest), LexicalNoteKind::UnusualWhitespace(c));
                    i = rest;
                }
                Some('#') => i = self.comment(i),
                Some('/') if i.starts_with("//") => i = self.comment(i),
                _ => return i,
            }
        }
    }

    fn comment(&self, i: &'a str) -> &'a str {
        let end = i.find('\n').unwrap_or(i.len());
        let (text, rest) = i.split_at_checked(end).unwrap_or((i, ""));
        let text = text.trim_end_matches('\r');
        let span = Span::new(self.off(i), self.off(i) + text.len());
        let recorded = self
            .comments
            .borrow()
            .last()
            .is_none_or(|last| (last.start as usize) < span.start);
        if recorded {
            self.comments
                .borrow_mut()
                .push(Sp::new(span.start, span.end));
        }
        self.note(span, LexicalNoteKind::Comment);
        rest
    }

    /// A bare word.
    pub fn word(&self, i: &'a str) -> PResult<'a, &'a str> {
        // Word characters are ASCII, so the word ends at the first byte that is not one: no
        // character is decoded.
        let len = i.bytes().position(|b| !is_word_byte(b)).unwrap_or(i.len());
        match i.split_at_checked(len) {
            Some((w, rest)) if len > 0 => Ok((rest, w)),
            _ => Err(nom::Err::Error(nom::error::ParseError::from_error_kind(
                i,
                nom::error::ErrorKind::TakeWhile1,
            ))),
        }
    }

    /// Whether `word` is the keyword `canonical` in any case; records non-canonical casing.
    pub fn is_keyword(&self, word: &'a str, rest: &'a str, canonical: &'static str) -> bool {
        if word == canonical {
            return true;
        }
        let hit = word.eq_ignore_ascii_case(canonical);
        if hit {
            self.note_keyword(word, rest, canonical);
        }
        hit
    }

    /// The error for a character that cannot start what was `expected` here, specialised for the
    /// known mistakes: double or typographic quotes and control characters.
    pub fn unexpected<T>(&self, i: &'a str, what: &'static str) -> PResult<'a, T> {
        match peek(i) {
            Some('"') => {
                let line_end = i.find(['\n', '\r']).unwrap_or(i.len());
                let len = i
                    .get(1..line_end)
                    .and_then(|s| s.find('"'))
                    .map_or(1, |close| close + 2);
                fail(
                    i,
                    Specific::new(
                        ParseErrorKind::DoubleQuotes,
                        "strings are written in single quotes, not double quotes",
                        "double-quoted string",
                    )
                    .len(len)
                    .hint(
                        "write `'…'`; double quotes belong to the JSON, PowerShell or shell \
                         string around the whole condition",
                    ),
                )
            }
            Some(c @ ('\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}')) => fail(
                i,
                Specific::new(
                    ParseErrorKind::TypographicQuote,
                    format!("typographic quote `{c}` cannot quote a string"),
                    "typographic quote",
                )
                .len(c.len_utf8())
                .hint(
                    "replace it with a plain apostrophe `'` (U+0027); word processors and web \
                     pages turn quotes into typographic ones",
                ),
            ),
            Some(c) if c.is_control() => fail(
                i,
                Specific::new(
                    ParseErrorKind::ControlCharacter,
                    format!("control character U+{:04X} is not allowed", u32::from(c)),
                    "invisible control character",
                )
                .len(c.len_utf8())
                .hint(
                    "text pasted from rich-text editors can carry invisible characters; delete it",
                ),
            ),
            _ => expected(i, what),
        }
    }

    /// `'text'`: no escapes, ends at the next `'` on the same line.
    pub fn string(&self, i: &'a str) -> PResult<'a, StrNode> {
        let (body_start, _) = char('\'')(i)?;
        let end = string_body_len(body_start);
        let (body, rest) = body_start.split_at_checked(end).unwrap_or((body_start, ""));
        match peek(rest) {
            Some('\'') => {
                let rest = skip_char(rest);
                Ok((
                    rest,
                    StrNode {
                        value: Sp::new(self.off(body_start), self.off(body_start) + end),
                        span: self.range(i, rest),
                    },
                ))
            }
            Some(c) if c != '\n' && c != '\r' => self.unexpected(rest, "`'`"),
            _ => {
                let mut spec = Specific::new(
                    ParseErrorKind::UnterminatedString,
                    "unterminated string",
                    "this `'` opens a string that is not closed on the same line",
                );
                spec = if body.contains(['\u{2019}', '\u{2018}']) {
                    spec.hint("the string seems to end with a typographic quote `’`; use `'`")
                } else {
                    spec.hint(
                        "strings end at the next `'` on the same line; conditions have no \
                         escape for `'` inside a string",
                    )
                };
                fail(i, spec)
            }
        }
    }

    /// `@Source[name]`.
    pub fn attribute(&self, i: &'a str) -> PResult<'a, AttrNode> {
        let (after_at, _) = char('@')(i)?;
        let (name, r) = ascii_run(after_at, is_source_byte);
        let Some(source) = self.named::<Source>(name, r) else {
            let hint = match did_you_mean(name, Source::ALL.iter().map(|s| s.name())) {
                Some(s) => format!("did you mean `@{s}`?"),
                None => "the sources are `@Resource`, `@Request`, `@Principal` and `@Environment`"
                    .to_string(),
            };
            return fail(
                i,
                Specific::new(
                    ParseErrorKind::UnknownSource,
                    format!("unknown attribute source `@{name}`"),
                    "unknown source",
                )
                .len(name.len() + 1)
                .hint(hint),
            );
        };
        match peek(r) {
            Some('[') => {}
            Some(c) if c.is_whitespace() || is_unusual_space(c) => {
                return fail(
                    r,
                    Specific::new(
                        ParseErrorKind::Syntax,
                        format!("no space is allowed between `@{}` and `[`", source.name()),
                        "remove this space",
                    )
                    .len(c.len_utf8()),
                )
            }
            _ => return expected(r, "`[` and an attribute name"),
        }
        let open = r;
        let name_start = skip_char(r);
        // The usual case: `]` closes the name, and no byte before it is a control character or
        // outside ASCII (which may be one): found with a vectorised scan and one test of the
        // name's bytes together.
        let bytes = name_start.as_bytes();
        let close = memchr::memchr(b']', bytes);
        let clean = close.is_some_and(|at| {
            bytes
                .get(..at)
                .is_some_and(|name| !any_byte(name, |b| !(0x20..0x7f).contains(&b)))
        });
        let end = match close {
            Some(at) if clean => at,
            _ => name_start
                .bytes()
                .position(|b| b == b']' || b == b'\n' || b == b'\r')
                .unwrap_or(name_start.len()),
        };
        let (text, after_name) = name_start.split_at_checked(end).unwrap_or((name_start, ""));
        if peek(after_name) != Some(']') {
            return fail(
                open,
                Specific::new(
                    ParseErrorKind::Syntax,
                    "unclosed `[` in attribute reference",
                    "this `[` is not closed on the same line",
                )
                .hint("an attribute name ends with `]`, as in `@Resource[Microsoft.Storage/storageAccounts:name]`"),
            );
        }
        let control = |c: char| c.is_control();
        let has_control = !clean && text.chars().any(control);
        if has_control {
            if let Some((pos, _)) = text.char_indices().find(|(_, c)| control(*c)) {
                return self.unexpected(name_start.get(pos..).unwrap_or(name_start), "`]`");
            }
        }
        if text.is_empty() {
            return fail(
                open,
                Specific::new(
                    ParseErrorKind::Syntax,
                    "empty attribute name",
                    "nothing between `[` and `]`",
                )
                .len(2),
            );
        }
        let name = interpret_attribute_name(text).map_err(|boxed| {
            let (spec, from) = *boxed;
            let at = name_start.get(from..).unwrap_or(name_start);
            nom::Err::Failure(PError::specific(
                at,
                spec.len(text.len().saturating_sub(from)),
            ))
        })?;
        let rest = skip_char(after_name);
        let base = self.off(name_start);
        Ok((
            rest,
            AttrNode {
                source,
                name: name_node(name, base),
                span: self.range(i, rest),
            },
        ))
    }

    /// A literal written as a bare word: boolean, integer or GUID.
    pub fn bare_literal(&self, i: &'a str) -> PResult<'a, LitNode> {
        let (rest, w) = match self.word(i) {
            Ok(ok) => ok,
            Err(_) => return self.unexpected(i, DESCRIBE_VALUE),
        };
        let span = self.range(i, rest);
        let kind =
            if self.is_keyword(w, rest, "true") {
                LitKind::Bool(true)
            } else if self.is_keyword(w, rest, "false") {
                LitKind::Bool(false)
            } else if let Some(value) = parse_guid(w) {
                LitKind::Guid {
                    value: uuid::Uuid::from_u128(value).as_u64_pair(),
                    text: span,
                }
            } else if is_integer(w) {
                match w.parse::<i64>() {
                    Ok(n) => LitKind::Integer(n),
                    Err(_) => return fail(
                        i,
                        Specific::new(
                            ParseErrorKind::InvalidLiteral,
                            format!("integer `{w}` is out of range"),
                            "out of range",
                        )
                        .len(w.len())
                        .hint(
                            "integers are 64-bit: from -9223372036854775808 to 9223372036854775807",
                        ),
                    ),
                }
            } else {
                return fail(i, classify_bad_word(w));
            };
        Ok((rest, LitNode { kind, span }))
    }

    /// A single value: `'string'` or a bare literal.
    fn literal(&self, i: &'a str) -> PResult<'a, LitNode> {
        if peek(i) == Some('\'') {
            let (rest, s) = self.string(i)?;
            return Ok((
                rest,
                LitNode {
                    kind: LitKind::String(s.value),
                    span: s.span,
                },
            ));
        }
        if peek(i).is_some_and(is_word_char) {
            return self.bare_literal(i);
        }
        match peek(i) {
            Some('@') => fail(
                i,
                Specific::new(
                    ParseErrorKind::Syntax,
                    "a set holds values, not attributes",
                    "attribute inside a set",
                )
                .hint("compare against the attribute directly, without braces: `… ForAnyOfAnyValues:StringEquals @Principal[…]`"),
            ),
            Some('{') => fail(
                i,
                Specific::new(ParseErrorKind::Syntax, "sets cannot be nested", "set inside a set"),
            ),
            _ => self.unexpected(i, "a value (`'string'`, integer, `true`, `false` or GUID)"),
        }
    }

    /// `{v1, v2, …}`: at least one value, no trailing comma. The values go to the lexer's
    /// array of set values; their run.
    pub fn set(&self, i: &'a str) -> PResult<'a, Run> {
        let (mut r, _) = char('{')(i)?;
        let open = self.off(i);
        let unclosed = |at: &'a str| -> PResult<'a, Run> {
            fail(
                at,
                Specific::new(
                    ParseErrorKind::Syntax,
                    "unclosed `{`",
                    "expected `,` or `}`",
                )
                .len(0)
                .related(open, "set opened here"),
            )
        };
        let first = self.literals.borrow().len();
        let mut count = 0;
        let mut last_comma: Option<&'a str> = None;
        loop {
            r = self.sp(r);
            match (peek(r), last_comma) {
                (Some('}'), None) => {
                    return fail(
                        i,
                        Specific::new(ParseErrorKind::InvalidLiteral, "empty set", "empty set")
                            .len(self.off(r) + 1 - open)
                            .hint("a set needs at least one value, e.g. `{'Project'}`"),
                    )
                }
                (Some('}'), Some(comma)) => {
                    return fail(
                        comma,
                        Specific::new(
                            ParseErrorKind::InvalidLiteral,
                            "trailing comma in set",
                            "remove this comma",
                        ),
                    )
                }
                (None, _) => return unclosed(r),
                _ => {}
            }
            if count == self.max_set_len {
                return fail(
                    r,
                    Specific::new(
                        ParseErrorKind::TooLarge,
                        format!("set of more than {} values", self.max_set_len),
                        "one value too many",
                    )
                    .related(open, "set opened here")
                    .hint("Azure's 8192-byte limit allows far fewer; split the condition"),
                );
            }
            let (rest, item) = self.literal(r)?;
            let mut literals = self.literals.borrow_mut();
            if literals.capacity() == 0 {
                literals.reserve(16);
            }
            literals.push(item);
            drop(literals);
            count += 1;
            r = self.sp(rest);
            match peek(r) {
                Some(',') => {
                    last_comma = Some(r);
                    r = skip_char(r);
                }
                Some('}') => return Ok((skip_char(r), Run::between(first, first + count))),
                None => return unclosed(r),
                Some(_) => return self.unexpected(r, "`,` or `}`"),
            }
        }
    }

    /// An operand: attribute, set or single value.
    pub fn operand(&self, i: &'a str) -> PResult<'a, OperandNode> {
        let (rest, kind) = match peek(i) {
            Some('@') => {
                let (rest, a) = self.attribute(i)?;
                (rest, OperandNodeKind::Attribute(a))
            }
            Some('{') => {
                let (rest, items) = self.set(i)?;
                (rest, OperandNodeKind::Set(items))
            }
            Some(c) if c == '\'' || is_word_char(c) => {
                let (rest, l) = self.literal(i)?;
                (rest, OperandNodeKind::Literal(l))
            }
            _ => return self.unexpected(i, DESCRIBE_VALUE),
        };
        Ok((
            rest,
            OperandNode {
                kind,
                span: self.range(i, rest),
            },
        ))
    }

    /// `Base` or `Quantifier:Base`, after the operand `left`.
    pub fn operator(
        &self,
        i: &'a str,
        left: &OperandNode,
    ) -> PResult<'a, (Option<Quantifier>, BaseOperator, Sp)> {
        let after_what = match &left.kind {
            OperandNodeKind::Attribute(_) => "an attribute",
            _ => "a value",
        };
        let (w, rest) = ascii_run(i, is_operator_byte);
        if w.is_empty() {
            return fail(i, missing_operator(i, after_what));
        }
        if ["AND", "OR", "NOT"]
            .iter()
            .any(|k| w.eq_ignore_ascii_case(k))
        {
            return fail(i, missing_operator(i, after_what));
        }
        let span = self.range(i, rest);
        let colon = w
            .bytes()
            .position(|b| b == b':')
            .and_then(|at| Some((w.get(..at)?, w.get(at + 1..)?)));
        let (quantifier, base_word, base_at) = match colon {
            Some((q, b)) => {
                let Some(quantifier) = self.named::<Quantifier>(q, i.get(q.len()..).unwrap_or(""))
                else {
                    return fail(
                        i,
                        unknown_name(q, "quantifier", Quantifier::ALL.iter().map(|q| q.name())),
                    );
                };
                let base_at = i.get(q.len() + 1..).unwrap_or("");
                if b.is_empty() {
                    return fail(
                        base_at,
                        Specific::new(
                            ParseErrorKind::Syntax,
                            format!("expected an operator right after `{}:`", quantifier.name()),
                            "expected an operator name here",
                        )
                        .len(0)
                        .hint(format!(
                            "write the quantifier and operator without spaces: `{}:StringEquals`",
                            quantifier.name()
                        )),
                    );
                }
                (Some(quantifier), b, base_at)
            }
            None => (None, w, i),
        };
        let Some(base) = self.named::<BaseOperator>(base_word, rest) else {
            if let Some((name, instead)) = UNSUPPORTED_OPERATORS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(base_word))
            {
                return fail(
                    base_at,
                    Specific::new(
                        ParseErrorKind::UnsupportedOperator,
                        format!("`{name}` is not an operator of conditionVersion 2.0"),
                        "unsupported operator",
                    )
                    .len(base_word.len())
                    .hint(format!("Azure rejects it; write `{instead}` instead")),
                );
            }
            if quantifier.is_none() {
                if let Some(q) = Quantifier::from_name(base_word) {
                    return fail(
                        i,
                        Specific::new(
                            ParseErrorKind::UnknownOperator,
                            format!("quantifier `{}` needs an operator", q.name()),
                            "quantifier without operator",
                        )
                        .len(w.len())
                        .hint(format!(
                            "write it as `{}:StringEquals` (or another operator)",
                            q.name()
                        )),
                    );
                }
            }
            return fail(
                base_at,
                unknown_name(
                    base_word,
                    "operator",
                    BaseOperator::ALL.iter().map(|o| o.name()),
                ),
            );
        };
        Ok((rest, (quantifier, base, span)))
    }

    /// `left Operator right`.
    pub fn comparison(&self, i: &'a str) -> PResult<'a, NodeKind> {
        let (r, left) = self.operand(i)?;
        let r = self.sp(r);
        let (r, (quantifier, base, operator_span)) = self.operator(r, &left)?;
        let r = self.sp(r);
        let (rest, right) = self.operand(r)?;
        Ok((
            rest,
            NodeKind::Compare(CompareNode {
                left,
                quantifier,
                base,
                operator_span,
                right,
            }),
        ))
    }

    /// `{'pattern'}` after `ActionMatches` or `SubOperationMatches`.
    fn function_argument(&self, i: &'a str, function: &'static str) -> PResult<'a, StrNode> {
        let r = self.sp(i);
        if peek(r) != Some('{') {
            return fail(
                r,
                Specific::new(
                    ParseErrorKind::Syntax,
                    format!("expected `{{` after `{function}`"),
                    "expected `{`",
                )
                .len(0)
                .hint(format!("write `{function}{{'…'}}`")),
            );
        }
        let r = self.sp(skip_char(r));
        if peek(r) != Some('\'') {
            return self.unexpected(r, "a quoted name such as `'Microsoft.Storage/…/read'`");
        }
        let (r, arg) = self.string(r)?;
        let r = self.sp(r);
        match peek(r) {
            Some('}') => Ok((skip_char(r), arg)),
            Some(',') => fail(
                r,
                Specific::new(
                    ParseErrorKind::Syntax,
                    format!("`{function}` takes exactly one quoted name"),
                    "second value",
                )
                .hint(format!(
                    "to match several, join several: `{function}{{'a'}} OR {function}{{'b'}}`"
                )),
            ),
            _ => self.unexpected(r, "`}`"),
        }
    }

    /// An atom: a function operator, `Exists`, or a comparison.
    pub fn atom(&self, i: &'a str) -> PResult<'a, NodeKind> {
        if peek(i).is_some_and(|c| c.is_ascii_alphabetic()) {
            if let Ok((after, w)) = self.word(i) {
                let function = if self.is_keyword(w, after, "ActionMatches") {
                    Some(true)
                } else if self.is_keyword(w, after, "SubOperationMatches") {
                    Some(false)
                } else {
                    None
                };
                if let Some(is_action) = function {
                    let name = if is_action {
                        "ActionMatches"
                    } else {
                        "SubOperationMatches"
                    };
                    let (rest, arg) = self.function_argument(after, name)?;
                    let kind = if is_action {
                        NodeKind::ActionMatches(arg)
                    } else {
                        NodeKind::SubOperationMatches(arg)
                    };
                    return Ok((rest, kind));
                }
                if self.is_keyword(w, after, "Exists") {
                    let r = self.sp(after);
                    if peek(r) != Some('@') {
                        return fail(
                            r,
                            Specific::new(
                                ParseErrorKind::Syntax,
                                "`Exists` takes an attribute",
                                "expected an attribute such as `@Request[…]`",
                            )
                            .len(0)
                            .hint("write `Exists @Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:snapshot]`"),
                        );
                    }
                    let (rest, a) = self.attribute(r)?;
                    return Ok((rest, NodeKind::Exists(a)));
                }
                if ["AND", "OR"].iter().any(|k| w.eq_ignore_ascii_case(k)) {
                    return expected(i, "a condition");
                }
                let literal_like =
                    ["true", "false"].iter().any(|k| w.eq_ignore_ascii_case(k)) || is_guid(w);
                if !literal_like {
                    let candidates = ["ActionMatches", "SubOperationMatches", "Exists", "NOT"];
                    if let Some(name) = did_you_mean(w, candidates) {
                        return fail(
                            i,
                            Specific::new(
                                ParseErrorKind::Syntax,
                                format!("unknown function `{w}`"),
                                "unknown name",
                            )
                            .len(w.len())
                            .hint(format!("did you mean `{name}`?")),
                        );
                    }
                }
            }
        }
        self.comparison(i)
    }
}

fn is_integer(w: &str) -> bool {
    let digits = w.strip_prefix('-').unwrap_or(w);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn is_guid(w: &str) -> bool {
    parse_guid(w).is_some()
}

/// A GUID in either of the forms conditions use (8-4-4-4-12 hexadecimal digits, or 32 without
/// hyphens) as its 128-bit value, by which GUIDs compare. Decoded in one pass over the digits:
/// evaluation reads a request's GUIDs at every comparison.
pub(crate) fn parse_guid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    let groups: [&[u8]; 5] = match b.len() {
        32 => [b, &[], &[], &[], &[]],
        36 => {
            if [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
                return None;
            }
            [
                b.get(..8)?,
                b.get(9..13)?,
                b.get(14..18)?,
                b.get(19..23)?,
                b.get(24..)?,
            ]
        }
        _ => return None,
    };
    // Two 64-bit halves: cheaper to shift than one 128-bit value.
    let (mut high, mut low) = (0u64, 0u64);
    for group in groups {
        for &c in group {
            let digit = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return None,
            };
            high = high << 4 | low >> 60;
            low = low << 4 | u64::from(digit);
        }
    }
    Some(u128::from(high) << 64 | u128::from(low))
}

fn invalid_guid(w: &str) -> Specific {
    Specific::new(
        ParseErrorKind::InvalidLiteral,
        format!("`{w}` is not a valid GUID"),
        "invalid GUID",
    )
    .len(w.len())
    .hint("a GUID is 8-4-4-4-12 hexadecimal digits, or 32 without hyphens")
}

/// Explains a bare word that is no literal.
fn classify_bad_word(w: &str) -> Specific {
    let numeric_start = w.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    if numeric_start && w.contains('.') {
        return Specific::new(
            ParseErrorKind::InvalidLiteral,
            format!("`{w}` is not an integer"),
            "not an integer",
        )
        .len(w.len())
        .hint("numeric operators take whole numbers only; a date goes in quotes: `'2025-01-01T00:00:00.0Z'`");
    }
    let hexish = w.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if hexish && (w.contains('-') || w.len() >= 16) {
        return invalid_guid(w);
    }
    if numeric_start {
        return Specific::new(
            ParseErrorKind::InvalidLiteral,
            format!("`{w}` is not an integer or a GUID"),
            "invalid value",
        )
        .len(w.len())
        .hint("integers are decimal digits with an optional `-`; hexadecimal and exponents are not supported");
    }
    let spec = Specific::new(
        ParseErrorKind::Syntax,
        format!("expected {DESCRIBE_VALUE}, found `{w}`"),
        "bare word",
    )
    .len(w.len());
    match Source::from_name(w) {
        Some(source) => spec.hint(format!(
            "attribute references start with `@`: `@{}[…]`",
            source.name()
        )),
        None => spec.hint(format!("if this is a string, quote it: `'{w}'`")),
    }
}

fn missing_operator(i: &str, after_what: &str) -> Specific {
    let symbolic = ["==", "!=", "=", "<>", "<=", ">=", "<", ">"]
        .iter()
        .find(|s| i.starts_with(**s));
    let found = match symbolic {
        Some(s) => super::error::Found {
            text: format!("`{s}`"),
            len: s.len(),
        },
        None => super::error::describe_found(i),
    };
    let spec = Specific::new(
        ParseErrorKind::Syntax,
        format!(
            "expected an operator such as `StringEquals` after {after_what}, found {}",
            found.text
        ),
        "expected an operator",
    )
    .len(found.len);
    match symbolic {
        Some(_) => spec.hint(
            "conditions have no symbolic operators; use a named one such as `StringEquals`, \
             `StringNotEquals`, `NumericLessThan` or `GuidEquals`",
        ),
        None if after_what == "an attribute" => spec.hint(
            "an attribute alone is not a condition: compare it (`@Resource[…] StringEquals '…'`) \
             or test its presence with `Exists @Resource[…]`",
        ),
        None => spec,
    }
}

fn unknown_name<'c>(
    word: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Specific {
    let spec = Specific::new(
        ParseErrorKind::UnknownOperator,
        format!("unknown {what} `{word}`"),
        format!("unknown {what}"),
    )
    .len(word.len());
    match did_you_mean(word, candidates) {
        Some(name) => spec.hint(format!("did you mean `{name}`?")),
        None => spec.hint("see the operator list in grammar/README.md"),
    }
}

/// Gives the text between `[` and `]` its structure, rejecting key markers whose `$…$` part a
/// shell expanded away (`<$>`, `&$&`, `<>`), which Azure rejects as an invalid attribute. An
/// error comes with the offset in `text` to underline from.
pub(crate) fn interpret_attribute_name(
    text: &str,
) -> Result<AttributeName<'_>, Box<(Specific, usize)>> {
    // The characters of the markers, all ASCII: searched as bytes, not decoded as characters.
    // `$` and `&` differ only in bit 1, as do `<` and `>`: two comparisons a byte.
    let is_marker = |b: u8| ((b | 2) == b'&') | ((b | 2) == b'>');
    let marker_at = |s: &str| {
        if !any_byte(s.as_bytes(), is_marker) {
            return None;
        }
        s.bytes().position(is_marker)
    };
    if let Some(rest) = text.strip_suffix(KEY_CASE_SENSITIVE_MARKER) {
        if let Some((attribute, key)) = rest.split_once(':') {
            if !attribute.is_empty() && !key.is_empty() && marker_at(rest).is_none() {
                return Ok(AttributeName::KeyValue { attribute, key });
            }
        }
        return Err(Box::new((
            Specific::new(
                ParseErrorKind::Syntax,
                format!("`{KEY_CASE_SENSITIVE_MARKER}` must follow `<attribute>:<key>`"),
                "malformed key reference",
            )
            .hint("write it as `…/blobs/tags:Project<$key_case_sensitive$>`"),
            0,
        )));
    }
    if let Some(attribute) = text.strip_suffix(KEYS_MARKER) {
        if !attribute.is_empty() && marker_at(attribute).is_none() {
            return Ok(AttributeName::Keys { attribute });
        }
        return Err(Box::new((
            Specific::new(
                ParseErrorKind::Syntax,
                format!("`{KEYS_MARKER}` must follow a dictionary attribute"),
                "malformed key list reference",
            )
            .hint("write it as `…/blobs/tags&$keys$&`"),
            0,
        )));
    }
    if let Some(from) = marker_at(text) {
        let (fixed, lost) = if text.contains('&') {
            ("&$keys$&", "$keys")
        } else {
            ("<$key_case_sensitive$>", "$key_case_sensitive")
        };
        return Err(Box::new((
            Specific::new(
                ParseErrorKind::StrippedKeyMarker,
                format!("malformed key marker in attribute `{text}`"),
                format!("expected `{fixed}`"),
            )
            .hint(format!(
            "the marker is `{fixed}`; a shell that expands `{lost}` as a variable leaves only the \
             `$` signs behind: quote the condition with single quotes in bash, or escape each `$` \
             as `` `$ `` in PowerShell"
        )),
            from,
        )));
    }
    Ok(AttributeName::Plain(text))
}

/// The ranges of `name`, an interpretation of the text that starts at `base` in the source:
/// each part is a prefix of the text, or the key after the dictionary and its `:`.
fn name_node(name: AttributeName<'_>, base: usize) -> NameNode {
    match name {
        AttributeName::Plain(n) => NameNode::Plain(Sp::new(base, base + n.len())),
        AttributeName::KeyValue { attribute, key } => {
            let key_at = base + attribute.len() + 1;
            NameNode::KeyValue {
                attribute: Sp::new(base, base + attribute.len()),
                key: Sp::new(key_at, key_at + key.len()),
            }
        }
        AttributeName::Keys { attribute } => NameNode::Keys(Sp::new(base, base + attribute.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_shapes() {
        assert!(is_guid("b24988ac-6180-42a0-ab88-20f7382dd24c"));
        assert!(is_guid("08d4c71acc634ce4a9c85dd251b4d619"));
        assert!(is_guid("B24988AC-6180-42A0-AB88-20F7382DD24C"));
        assert!(!is_guid("b24988ac-6180-42a0-ab88-20f7382dd24"));
        assert!(!is_guid("b24988ac618042a0ab8820f7382dd24c-"));
        assert!(!is_guid("{b24988ac-6180-42a0-ab88-20f7382dd24c}"));
    }

    #[test]
    fn integers() {
        assert!(is_integer("10"));
        assert!(is_integer("-5"));
        assert!(!is_integer("-"));
        assert!(!is_integer("1.5"));
        assert!(!is_integer("1e3"));
    }

    #[test]
    fn attribute_names_get_structure() {
        assert_eq!(
            interpret_attribute_name("x/blobs/tags:env:prod<$key_case_sensitive$>").ok(),
            Some(AttributeName::KeyValue {
                attribute: "x/blobs/tags",
                key: "env:prod"
            })
        );
        assert_eq!(
            interpret_attribute_name("x/blobs/tags&$keys$&").ok(),
            Some(AttributeName::Keys {
                attribute: "x/blobs/tags"
            })
        );
        assert_eq!(
            interpret_attribute_name("UtcNow").ok(),
            Some(AttributeName::Plain("UtcNow"))
        );
        for stripped in [
            "x/tags:Project<$>",
            "x/tags:Project<>",
            "x/tags&$&",
            "x/tags&&",
        ] {
            let err = interpret_attribute_name(stripped).err();
            assert_eq!(
                err.map(|e| e.0.kind),
                Some(ParseErrorKind::StrippedKeyMarker),
                "{stripped}"
            );
        }
    }

    #[test]
    fn unusual_spaces_are_the_pasted_ones() {
        assert!(is_unusual_space('\u{a0}'));
        assert!(is_unusual_space('\u{200b}'));
        assert!(is_unusual_space('\u{feff}'));
        assert!(!is_unusual_space(' '));
        assert!(!is_unusual_space('\u{7}'));
    }
}
