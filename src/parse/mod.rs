//! The parser: condition text in, [`Condition`] out.
//!
//! Lexemes and atoms are nom parsers (`lexeme.rs`). The expression structure around them
//! (parentheses, `NOT`, `AND`, `OR`) is assembled by a loop with an explicit stack of open
//! groups, not by recursive descent, so no input can overflow the stack whatever its nesting;
//! the nesting limit is a policy, checked before each level is opened.
//!
//! Precedence is `NOT` > `AND` > `OR` (DECISIONS §2); a level that mixes `AND` and `OR` parses
//! with that precedence and `check` warns about it.

mod error;
pub(crate) mod lexeme;

pub(crate) use self::error::did_you_mean as suggest;
pub use self::error::{ParseError, ParseErrorKind, Related};

use self::error::{PError, Specific};
use self::lexeme::{is_word_char, Lexer};
use crate::ast::{Comment, Condition, Expr, ExprKind, Group};
use crate::span::Span;

/// Default nesting limit: parentheses and `NOT`s open at once.
pub const DEFAULT_MAX_DEPTH: usize = 128;
/// The highest nesting limit that can be configured. Printing, evaluation and dropping walk the
/// tree recursively; this bound keeps them well inside a 2 MiB thread stack in debug builds.
pub const MAX_DEPTH_LIMIT: usize = 256;
/// Default input-size limit, in bytes.
pub const DEFAULT_MAX_LEN: usize = 1024 * 1024;
/// Default limit on the values of one set. Azure's 8192-byte limit allows some 200 GUIDs; the
/// limit keeps quantified comparisons, which cost one base comparison per pair, bounded.
pub const DEFAULT_MAX_SET_LEN: usize = 4096;

/// Limits for [`parse_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// The deepest nesting of parentheses and `NOT`s accepted; capped at [`MAX_DEPTH_LIMIT`].
    pub max_depth: usize,
    /// The longest input accepted, in bytes.
    pub max_len: usize,
    /// The most values one set may hold.
    pub max_set_len: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_depth: DEFAULT_MAX_DEPTH,
            max_len: DEFAULT_MAX_LEN,
            max_set_len: DEFAULT_MAX_SET_LEN,
        }
    }
}

/// Parses a condition with the default limits.
pub fn parse(src: &str) -> Result<Condition, ParseError> {
    parse_with(src, &ParseOptions::default())
}

/// Parses a condition with the given limits.
pub fn parse_with(src: &str, options: &ParseOptions) -> Result<Condition, ParseError> {
    if src.len() > options.max_len {
        return Err(ParseError::build(
            src,
            Specific::new(
                ParseErrorKind::TooLarge,
                format!(
                    "condition is {} bytes, more than the limit of {} bytes",
                    src.len(),
                    options.max_len
                ),
                "input starts here",
            )
            .len(0)
            .hint("Azure itself accepts at most 8192 bytes"),
            0,
        ));
    }
    let lexer = Lexer::new(src, options.max_set_len);
    let max_depth = options.max_depth.min(MAX_DEPTH_LIMIT);
    let (expr, trailing_comments) = ExprParser::new(&lexer, max_depth)
        .run()
        .map_err(|e| e.into_parse_error(src))?;
    Ok(Condition {
        expr,
        trailing_comments,
        notes: lexer.into_notes(),
    })
}

impl std::str::FromStr for Condition {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// One level of parentheses being parsed (the bottom one is the whole condition).
struct Frame {
    /// Offset of the `(`, `None` for the whole condition.
    open: Option<usize>,
    /// Finished `AND` chains of this level.
    or_terms: Terms,
    /// Operands of the current `AND` chain.
    and_terms: Terms,
    /// Start offsets of the `NOT`s waiting for the operand in progress.
    nots: Vec<usize>,
    /// Comments before the operand in progress.
    comments: Vec<Comment>,
}

impl Frame {
    fn new(open: Option<usize>) -> Frame {
        Frame {
            open,
            or_terms: Terms::default(),
            and_terms: Terms::default(),
            nots: Vec::new(),
            comments: Vec::new(),
        }
    }

    /// Ends the current `AND` chain.
    fn close_and_chain(&mut self) {
        let terms = std::mem::take(&mut self.and_terms);
        if let Some(e) = terms.chain(ExprKind::And) {
            self.or_terms.push(e);
        }
    }

    /// The expression of this level.
    fn finish(mut self) -> Option<Expr> {
        self.close_and_chain();
        self.or_terms.chain(ExprKind::Or)
    }
}

/// The operands of an `AND` or `OR` chain being read. Most chains have one operand (a group
/// holds one `OR` chain, an `OR` operand is often one term), which is kept without a vector.
#[derive(Default)]
enum Terms {
    #[default]
    None,
    One(Expr),
    Many(Vec<Expr>),
}

impl Terms {
    fn push(&mut self, e: Expr) {
        match self {
            Terms::Many(all) => all.push(e),
            Terms::None => *self = Terms::One(e),
            Terms::One(_) => {
                if let Terms::One(first) = std::mem::take(self) {
                    *self = Terms::Many(vec![first, e]);
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Terms::None)
    }

    /// One operand as itself, several as an `And`/`Or` node spanning them.
    fn chain(self, kind: fn(Vec<Expr>) -> ExprKind) -> Option<Expr> {
        match self {
            Terms::None => None,
            Terms::One(e) => Some(e),
            Terms::Many(terms) => {
                let span = match (terms.first(), terms.last()) {
                    (Some(a), Some(b)) => a.span.cover(b.span),
                    _ => Span::default(),
                };
                Some(Expr::new(kind(terms), span))
            }
        }
    }
}

enum Connective {
    And,
    Or,
    Close,
    End,
}

struct ExprParser<'l, 'a> {
    lx: &'l Lexer<'a>,
    max_depth: usize,
    /// Open groups; never empty while parsing.
    frames: Vec<Frame>,
}

impl<'l, 'a> ExprParser<'l, 'a> {
    fn new(lx: &'l Lexer<'a>, max_depth: usize) -> Self {
        ExprParser {
            lx,
            max_depth,
            frames: {
                // Room for the nesting of written conditions, which seldom pass 8 levels.
                let mut frames = Vec::with_capacity(8);
                frames.push(Frame::new(None));
                frames
            },
        }
    }

    fn frame(&mut self) -> Result<&mut Frame, PError<'a>> {
        // The bottom frame is only removed when parsing ends, so this cannot fail; the error
        // keeps the library free of panics all the same.
        let at = self.lx.src;
        self.frames
            .last_mut()
            .ok_or_else(|| PError::expected(at, "an expression"))
    }

    /// Refuses to open one more level (a `(` or a `NOT`) past the limit.
    fn deeper(&self, at: &'a str, what: &str) -> Result<(), PError<'a>> {
        if self.frames_depth() >= self.max_depth {
            return Err(PError::specific(
                at,
                Specific::new(
                    ParseErrorKind::TooDeep,
                    format!("nesting deeper than {} levels", self.max_depth),
                    format!("this {what} is one level too deep"),
                )
                .hint("parentheses and `NOT`s nest this deep only in generated or hostile input; flatten the condition"),
            ));
        }
        Ok(())
    }

    fn run(mut self) -> Result<(Expr, Vec<Comment>), PError<'a>> {
        let lx = self.lx;
        let mut i = lx.src;
        loop {
            // Expecting an operand.
            i = lx.sp(i);
            let comments = lx.take_comments();
            self.frame()?.comments.extend(comments);
            let Some(c) = i.chars().next() else {
                let nothing_yet = self.frames.len() == 1
                    && self.frames.iter().all(|f| {
                        f.nots.is_empty() && f.or_terms.is_empty() && f.and_terms.is_empty()
                    });
                if nothing_yet {
                    return Err(PError::specific(
                        lx.src,
                        Specific::new(
                            ParseErrorKind::Empty,
                            "empty condition",
                            "expected a condition",
                        )
                        .len(0),
                    ));
                }
                return Err(PError::expected(i, "a condition"));
            };
            if c == '!' {
                self.deeper(i, "`!`")?;
                let start = lx.off(i);
                self.frame()?.nots.push(start);
                i = i.get(1..).unwrap_or("");
                continue;
            }
            if c.is_ascii_alphabetic() {
                if let Ok((after, w)) = lx.word(i) {
                    if lx.is_keyword(w, after, "NOT") {
                        self.deeper(i, "`NOT`")?;
                        let start = lx.off(i);
                        self.frame()?.nots.push(start);
                        i = after;
                        continue;
                    }
                }
            }
            if c == '(' {
                self.deeper(i, "`(`")?;
                self.frames.push(Frame::new(Some(lx.off(i))));
                i = i.get(1..).unwrap_or("");
                continue;
            }
            if c == ')' {
                return Err(PError::expected(i, "a condition"));
            }
            let (rest, atom) = lx.atom(i).map_err(unwrap_nom)?;
            i = rest;
            let mut operand = atom;
            // Deliver the finished operand to its level; closing parentheses finish more.
            loop {
                let frame = self.frame()?;
                while let Some(start) = frame.nots.pop() {
                    let span = Span::new(start, operand.span.end);
                    operand = Expr::new(ExprKind::Not(Box::new(operand)), span);
                }
                let mut comments = std::mem::take(&mut frame.comments);
                comments.append(&mut operand.comments);
                operand.comments = comments;
                frame.and_terms.push(operand);

                // Expecting AND, OR, `)` or the end.
                i = lx.sp(i);
                let pending = lx.take_comments();
                let (rest, connective) = self.connective(i)?;
                match connective {
                    Connective::And => {
                        self.frame()?.comments = pending;
                        i = rest;
                        break;
                    }
                    Connective::Or => {
                        let frame = self.frame()?;
                        frame.close_and_chain();
                        frame.comments = pending;
                        i = rest;
                        break;
                    }
                    Connective::Close => {
                        if self.frames.len() == 1 {
                            return Err(PError::specific(
                                i,
                                Specific::new(
                                    ParseErrorKind::UnmatchedParen,
                                    "unmatched `)`",
                                    "no `(` is open here",
                                )
                                .hint("remove it, or add the `(` it was meant to close"),
                            ));
                        }
                        let frame = self
                            .frames
                            .pop()
                            .ok_or_else(|| PError::expected(i, "a condition"))?;
                        let open = frame.open.unwrap_or(0);
                        let inner = frame
                            .finish()
                            .ok_or_else(|| PError::expected(i, "a condition"))?;
                        i = rest;
                        let span = Span::new(open, lx.off(i));
                        operand = Expr::new(
                            ExprKind::Group(Box::new(Group {
                                expr: inner,
                                trailing_comments: pending,
                            })),
                            span,
                        );
                    }
                    Connective::End => {
                        if let Some(open) = self.frames.last().and_then(|f| f.open) {
                            return Err(PError::specific(
                                i,
                                Specific::new(
                                    ParseErrorKind::UnclosedParen,
                                    "expected `)` before the end of the condition",
                                    "expected `)`",
                                )
                                .len(0)
                                .related(open, "this `(` is never closed"),
                            ));
                        }
                        let frame = self
                            .frames
                            .pop()
                            .ok_or_else(|| PError::expected(i, "a condition"))?;
                        let expr = frame
                            .finish()
                            .ok_or_else(|| PError::expected(i, "a condition"))?;
                        return Ok((expr, pending));
                    }
                }
            }
        }
    }

    /// The nesting open now: groups plus `NOT`s waiting for their operand.
    fn frames_depth(&self) -> usize {
        self.frames.len().saturating_sub(1)
            + self.frames.iter().map(|f| f.nots.len()).sum::<usize>()
    }

    fn connective(&self, i: &'a str) -> Result<(&'a str, Connective), PError<'a>> {
        let lx = self.lx;
        if let Some(rest) = i.strip_prefix("&&") {
            return Ok((rest, Connective::And));
        }
        if let Some(rest) = i.strip_prefix("||") {
            return Ok((rest, Connective::Or));
        }
        match i.chars().next() {
            None => return Ok((i, Connective::End)),
            Some(')') => return Ok((i.get(1..).unwrap_or(""), Connective::Close)),
            _ => {}
        }
        if let Ok((after, w)) = lx.word(i) {
            if lx.is_keyword(w, after, "AND") {
                return Ok((after, Connective::And));
            }
            if lx.is_keyword(w, after, "OR") {
                return Ok((after, Connective::Or));
            }
        }
        Err(self.unexpected_after_operand(i))
    }

    fn unexpected_after_operand(&self, i: &'a str) -> PError<'a> {
        let what = if self.frames.len() > 1 {
            "`AND`, `OR` or `)`"
        } else {
            "`AND`, `OR` or the end of the condition"
        };
        let found = error::describe_found(i);
        let starts_operand =
            i.starts_with(['(', '!', '@', '\'', '{']) || i.starts_with(is_word_char);
        let mut spec = Specific::new(
            ParseErrorKind::Syntax,
            format!("expected {what}, found {}", found.text),
            format!("expected {what}"),
        )
        .len(found.len);
        if i.starts_with('&') || i.starts_with('|') {
            spec = spec.hint("the operators are `AND` (or `&&`) and `OR` (or `||`)");
        } else if starts_operand {
            spec = spec.hint("two conditions must be joined with `AND` or `OR`");
        }
        match lx_unexpected(self.lx, i) {
            Some(special) => special,
            None => PError::specific(i, spec),
        }
    }
}

/// The specialised error for quotes and control characters, if `i` starts with one.
fn lx_unexpected<'a>(lx: &Lexer<'a>, i: &'a str) -> Option<PError<'a>> {
    let c = i.chars().next()?;
    if matches!(c, '"' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}') || c.is_control() {
        lx.unexpected::<()>(i, "").err().map(unwrap_nom)
    } else {
        None
    }
}

fn unwrap_nom(e: nom::Err<PError<'_>>) -> PError<'_> {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        nom::Err::Incomplete(_) => PError::expected("", "more input"),
    }
}
