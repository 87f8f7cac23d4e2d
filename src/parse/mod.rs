//! The parser: condition text in, [`Condition`] out.
//!
//! Lexemes and atoms are nom parsers (`lexeme.rs`). The expression structure around them
//! (parentheses, `NOT`, `AND`, `OR`) is assembled by a loop with an explicit stack of open
//! groups, not by recursive descent, so no input can overflow the stack whatever its nesting;
//! the nesting limit is a policy, checked before each level is opened.
//!
//! Precedence is `NOT` > `AND` > `OR` (DECISIONS §2); a level that mixes `AND` and `OR` parses
//! with that precedence and `check` warns about it.

mod chars;
mod error;
pub(crate) mod lexeme;

pub(crate) use self::error::did_you_mean as suggest;
pub use self::error::{ParseError, ParseErrorKind, Related};

use self::chars::is_word_char;
use self::error::{PError, Specific};
use self::lexeme::Lexer;
use crate::ast::tree::{NodeKind, Parts, Run, Sp, MAX_TEXT};
use crate::ast::Condition;

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
    let max_len = options.max_len.min(MAX_TEXT);
    if src.len() > max_len {
        return Err(ParseError::build(
            src,
            Specific::new(
                ParseErrorKind::TooLarge,
                format!(
                    "condition is {} bytes, more than the limit of {} bytes",
                    src.len(),
                    max_len
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
    let mut parser = ExprParser::new(&lexer, max_depth, src.len());
    let parsed = parser.run();
    crate::scratch::give_back(&SCRATCH, std::mem::take(&mut parser.scratch));
    let (root, trailing) = parsed.map_err(|e| e.into_parse_error(src))?;
    let mut parts = parser.parts;
    let (notes, comments, literals) = lexer.into_parts();
    parts.comments = comments;
    parts.literals = literals;
    Ok(Condition::from_tree(parts.finish(
        src.into(),
        root,
        trailing,
        notes,
    )))
}

impl std::str::FromStr for Condition {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// One level of parentheses being parsed (the bottom one is the whole condition). Its operands
/// wait on the parser's shared stacks, from the marks it holds, so opening a level allocates
/// nothing.
struct Frame {
    /// Offset of the `(`, `None` for the whole condition.
    open: Option<usize>,
    /// Where this level's finished `AND` chains start on [`ExprParser::terms`].
    or_from: usize,
    /// Where the operands of its current `AND` chain start on [`ExprParser::terms`].
    and_from: usize,
    /// Where the `NOT`s waiting for its operand in progress start on [`ExprParser::nots`].
    nots_from: usize,
    /// Comments before the operand in progress.
    comments: Run,
}

impl Frame {
    fn new(open: Option<usize>, terms: usize, nots: usize) -> Frame {
        Frame {
            open,
            or_from: terms,
            and_from: terms,
            nots_from: nots,
            comments: Run::default(),
        }
    }
}

enum Connective {
    And,
    Or,
    Close,
    End,
}

/// The parser's working stacks, lent by the thread (see [`crate::scratch`]).
#[derive(Default)]
struct Scratch {
    /// Open groups; never empty while parsing.
    frames: Vec<Frame>,
    /// The operands of every open level, the innermost last.
    terms: Vec<u32>,
    /// The start offsets of the `NOT`s of every open level waiting for their operand.
    nots: Vec<usize>,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

impl crate::scratch::Scratch for Scratch {
    fn reset(&mut self) -> bool {
        use crate::scratch::clear;
        // `&`, not `&&`: every buffer is emptied.
        clear(&mut self.frames) & clear(&mut self.terms) & clear(&mut self.nots)
    }
}

struct ExprParser<'l, 'a> {
    lx: &'l Lexer<'a>,
    max_depth: usize,
    scratch: Scratch,
    /// The tree being built.
    parts: Parts,
}

impl<'l, 'a> ExprParser<'l, 'a> {
    fn new(lx: &'l Lexer<'a>, max_depth: usize, len: usize) -> Self {
        let mut scratch = crate::scratch::lend(&SCRATCH);
        scratch.frames.push(Frame::new(None, 0, 0));
        ExprParser {
            lx,
            max_depth,
            scratch,
            parts: Parts::for_text(len),
        }
    }

    fn frame(&mut self) -> Result<&mut Frame, PError<'a>> {
        // The bottom frame is only removed when parsing ends, so this cannot fail; the error
        // keeps the library free of panics all the same.
        let at = self.lx.src;
        self.scratch
            .frames
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

    /// Ends the current `AND` chain of the innermost level: its operands become one operand
    /// of the level's `OR` chain.
    fn close_and_chain(&mut self) {
        let Some(frame) = self.scratch.frames.last_mut() else {
            return;
        };
        let from = frame.and_from;
        if self.scratch.terms.len() > from + 1 {
            let node = self
                .parts
                .chain(false, self.scratch.terms.get(from..).unwrap_or(&[]));
            self.scratch.terms.truncate(from);
            self.scratch.terms.push(node);
        }
        frame.and_from = self.scratch.terms.len();
    }

    /// Closes the innermost level: its expression, if it has one.
    fn finish_frame(&mut self) -> Option<(Frame, u32)> {
        self.close_and_chain();
        let frame = self.scratch.frames.pop()?;
        let from = frame.or_from;
        let node = match self.scratch.terms.len().checked_sub(from)? {
            0 => return None,
            1 => *self.scratch.terms.last()?,
            _ => self
                .parts
                .chain(true, self.scratch.terms.get(from..).unwrap_or(&[])),
        };
        self.scratch.terms.truncate(from);
        Some((frame, node))
    }

    fn run(&mut self) -> Result<(u32, Run), PError<'a>> {
        let lx = self.lx;
        let mut i = lx.src;
        loop {
            // Expecting an operand.
            i = lx.sp(i);
            let comments = lx.take_comments();
            let frame = self.frame()?;
            frame.comments = frame.comments.then(comments);
            let Some(c) = i.chars().next() else {
                let nothing_yet = self.scratch.frames.len() == 1
                    && self.scratch.nots.is_empty()
                    && self.scratch.terms.is_empty();
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
                self.scratch.nots.push(lx.off(i));
                i = i.get(1..).unwrap_or("");
                continue;
            }
            if c.is_ascii_alphabetic() {
                if let Ok((after, w)) = lx.word(i) {
                    if lx.is_keyword(w, after, "NOT") {
                        self.deeper(i, "`NOT`")?;
                        self.scratch.nots.push(lx.off(i));
                        i = after;
                        continue;
                    }
                }
            }
            if c == '(' {
                self.deeper(i, "`(`")?;
                let frame = Frame::new(
                    Some(lx.off(i)),
                    self.scratch.terms.len(),
                    self.scratch.nots.len(),
                );
                self.scratch.frames.push(frame);
                i = i.get(1..).unwrap_or("");
                continue;
            }
            if c == ')' {
                return Err(PError::expected(i, "a condition"));
            }
            let (rest, atom) = lx.atom(i).map_err(unwrap_nom)?;
            let span = Sp::new(lx.off(i), lx.off(rest));
            i = rest;
            let mut operand = self.parts.push(atom, span);
            // Deliver the finished operand to its level; closing parentheses finish more.
            loop {
                let Some(frame) = self.scratch.frames.last_mut() else {
                    return Err(PError::expected(i, "a condition"));
                };
                let end = self.parts.span_of(operand).end as usize;
                while self.scratch.nots.len() > frame.nots_from {
                    let Some(start) = self.scratch.nots.pop() else {
                        break;
                    };
                    operand = self.parts.push(NodeKind::Not(operand), Sp::new(start, end));
                }
                let comments = std::mem::take(&mut frame.comments);
                self.parts.attach(operand, comments);
                self.scratch.terms.push(operand);

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
                        self.close_and_chain();
                        self.frame()?.comments = pending;
                        i = rest;
                        break;
                    }
                    Connective::Close => {
                        if self.scratch.frames.len() == 1 {
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
                        let (frame, inner) = self
                            .finish_frame()
                            .ok_or_else(|| PError::expected(i, "a condition"))?;
                        let open = frame.open.unwrap_or(0);
                        i = rest;
                        operand = self.parts.push(
                            NodeKind::Group {
                                inner,
                                trailing: pending,
                            },
                            Sp::new(open, lx.off(i)),
                        );
                    }
                    Connective::End => {
                        if let Some(open) = self.scratch.frames.last().and_then(|f| f.open) {
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
                        let (_, root) = self
                            .finish_frame()
                            .ok_or_else(|| PError::expected(i, "a condition"))?;
                        return Ok((root, pending));
                    }
                }
            }
        }
    }

    /// The nesting open now: groups plus `NOT`s waiting for their operand.
    fn frames_depth(&self) -> usize {
        self.scratch.frames.len().saturating_sub(1) + self.scratch.nots.len()
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
        let what = if self.scratch.frames.len() > 1 {
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
