//! Diagnostics: a message tied to a span, rendered like rustc's, with a caret excerpt that needs
//! no dependency. Parse errors render through it, and so will `check`'s findings.

use std::fmt::Write as _;

use serde::Serialize;

use crate::parse::ParseError;
use crate::span::{position, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Likely a mistake; Azure accepts it.
    Warning,
    /// Azure rejects it, or it cannot be read at all.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A located message with a stable code and an optional help line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// A stable code, e.g. `unclosed-paren`.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// Where, as bytes of the text rendered against.
    pub span: Span,
    /// A short label for the caret line.
    pub label: String,
    /// Further locations that explain it.
    pub related: Vec<(Span, String)>,
    /// Where the condition sits in its file, for conditions found inside JSON or Terraform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl From<&ParseError> for Diagnostic {
    fn from(e: &ParseError) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code: e.kind().code().to_string(),
            message: e.message().to_string(),
            span: e.span(),
            label: e.label().to_string(),
            related: e
                .related()
                .map(|r| vec![(r.span, r.label.clone())])
                .unwrap_or_default(),
            location: None,
            help: e.hint().map(str::to_string),
        }
    }
}

/// Longest excerpt line shown whole; longer lines are cut to a window around the caret.
const MAX_EXCERPT: usize = 100;

impl Diagnostic {
    /// Renders the diagnostic against `src`, the text its spans point into, naming `path`:
    ///
    /// ```text
    /// error[unclosed-paren]: expected `)` before the end of the condition
    ///  --> access.cond:3:41
    ///   |
    /// 3 | (@Resource[…:name] StringEquals 'logs'
    ///   |                                       ^ expected `)`
    ///   |
    /// 1 | (
    ///   | - this `(` is never closed
    /// ```
    pub fn render(&self, src: &str, path: &str) -> String {
        let pos = position(src, self.span.start);
        let mut out = format!(
            "{}[{}]: {}\n",
            self.severity.name(),
            self.code,
            self.message
        );
        let lines: Vec<usize> = std::iter::once(pos.line)
            .chain(
                self.related
                    .iter()
                    .map(|(s, _)| position(src, s.start).line),
            )
            .collect();
        let gutter = lines.iter().max().map_or(1, |l| l.to_string().len());
        let pad = " ".repeat(gutter);
        let _ = writeln!(out, "{pad}--> {path}:{}:{}", pos.line, pos.column);
        let _ = writeln!(out, "{pad} |");
        excerpt(&mut out, src, self.span, '^', &self.label, gutter);
        for (span, label) in &self.related {
            let _ = writeln!(out, "{pad} |");
            excerpt(&mut out, src, *span, '-', label, gutter);
        }
        if let Some(location) = &self.location {
            let _ = writeln!(out, "{pad} = note: in the condition at `{location}`");
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {help}");
        }
        out
    }
}

/// Appends `N | line` and the marker line under `span` (cut to its first line).
fn excerpt(out: &mut String, src: &str, span: Span, mark: char, label: &str, gutter: usize) {
    let pos = position(src, span.start);
    let line_text = src.lines().nth(pos.line - 1).unwrap_or("");
    let chars: Vec<char> = line_text.chars().map(visible).collect();
    let col = pos.column - 1;
    let span_chars = span
        .slice(src)
        .map_or(1, |s| s.lines().next().unwrap_or("").chars().count())
        .max(1)
        .min(chars.len().saturating_sub(col).max(1));
    let (start, end) = if chars.len() <= MAX_EXCERPT {
        (0, chars.len())
    } else {
        let start = col.saturating_sub(MAX_EXCERPT / 3);
        (start, (start + MAX_EXCERPT).min(chars.len()))
    };
    let mut shown: String = chars.iter().skip(start).take(end - start).collect();
    let mut caret_col = col - start;
    if start > 0 {
        shown.insert(0, '…');
        caret_col += 1;
    }
    if end < chars.len() {
        shown.push('…');
    }
    let _ = writeln!(out, "{:>gutter$} | {}", pos.line, shown.trim_end());
    // Underline no further than the excerpt shows.
    let visible_after_caret = end.saturating_sub(col).max(1);
    let marks: String = std::iter::repeat_n(mark, span_chars.min(visible_after_caret)).collect();
    let _ = writeln!(
        out,
        "{:gutter$} | {}{} {}",
        "",
        " ".repeat(caret_col),
        marks,
        label
    );
}

/// Shows tabs as spaces and control characters as their Unicode control pictures, so an
/// excerpt keeps its columns and never sends control codes to a terminal.
fn visible(c: char) -> char {
    match c {
        '\t' => ' ',
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or('?'),
        '\u{7f}' => '\u{2421}',
        c if c.is_control() => '\u{fffd}',
        c => c,
    }
}
