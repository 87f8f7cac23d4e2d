//! Diagnostics: a message tied to a span, rendered like rustc's, with a caret excerpt that needs
//! no dependency. Parse errors render through it, and so will `check`'s findings.

use std::fmt::Write as _;

use serde::Serialize;

use crate::parse::ParseError;
use crate::span::{floor_char_boundary, LineIndex, Span};

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
    /// Where the condition sits in its file, for conditions found inside a document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
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

/// Where a condition found inside a document (ARM, REST, Terraform, YAML) sits in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Its JSON path (`$.resources[0].properties.condition`) or attribute path in a `.tf` file.
    pub path: String,
    /// The Terraform resource address (`module.rbac.azurerm_role_assignment.this["etl"]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The role definition it belongs to (`roleName`) and the index of the permission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

/// The role definition a condition belongs to: its name and the index of the permission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Role {
    /// `roleName`.
    pub name: String,
    /// The index in `permissions`.
    pub permission: usize,
}

impl std::fmt::Display for Location {
    /// Where the condition is: `` `$.permissions[0].condition` of role `Reader`, permission 0 ``.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`", self.path)?;
        if let Some(address) = &self.address {
            write!(f, " of `{address}`")?;
        }
        if let Some(role) = &self.role {
            write!(
                f,
                " of role `{}`, permission {}",
                role.name, role.permission
            )?;
        }
        Ok(())
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
        self.render_indexed(src, &LineIndex::new(src), path)
    }

    /// [`Diagnostic::render`] with the line index of `src` built once for many diagnostics.
    pub fn render_indexed(&self, src: &str, index: &LineIndex, path: &str) -> String {
        self.render_styled(src, index, path, false)
    }

    /// [`Diagnostic::render_indexed`], with ANSI colours and bold when `styled` (for a
    /// terminal: the command line strips them where colour is off).
    pub fn render_styled(&self, src: &str, index: &LineIndex, path: &str, styled: bool) -> String {
        let paint = Paint::new(styled, self.severity);
        let pos = index.position(src, self.span.start);
        let path = printable(path);
        let mut out = format!(
            "{}: {}\n",
            paint
                .level
                .paint(&format!("{}[{}]", self.severity.name(), self.code)),
            paint
                .bold
                .paint(&printable(&crate::role::annotate(&self.message)))
        );
        let lines: Vec<usize> = std::iter::once(pos.line)
            .chain(
                self.related
                    .iter()
                    .map(|(s, _)| index.position(src, s.start).line),
            )
            .collect();
        let gutter = lines.iter().max().map_or(1, |l| l.to_string().len());
        let pad = " ".repeat(gutter);
        // The resource a finding is in heads it: in a plan, the address is what a reader knows.
        let within = match self.location.as_ref().and_then(|l| l.address.as_ref()) {
            Some(address) => format!(" in {}", printable(address)),
            None => String::new(),
        };
        let bar = paint.frame.paint(" |");
        let _ = writeln!(
            out,
            "{pad}{} {path}:{}:{}{within}",
            paint.frame.paint("-->"),
            pos.line,
            pos.column
        );
        let _ = writeln!(out, "{pad}{bar}");
        excerpt(
            &mut out,
            src,
            index,
            self.span,
            '^',
            &self.label,
            gutter,
            &paint,
            &paint.level,
        );
        for (span, label) in &self.related {
            let _ = writeln!(out, "{pad}{bar}");
            excerpt(
                &mut out,
                src,
                index,
                *span,
                '-',
                label,
                gutter,
                &paint,
                &paint.frame,
            );
        }
        if let Some(location) = &self.location {
            // The address is on the `-->` line already.
            let location = Location {
                address: None,
                ..location.clone()
            }
            .to_string();
            let _ = writeln!(
                out,
                "{pad} {} in the condition at {}",
                paint.bold.paint("= note:"),
                printable(&location)
            );
        }
        if let Some(help) = &self.help {
            let _ = writeln!(
                out,
                "{pad} {} {}",
                paint.bold.paint("= help:"),
                printable(help)
            );
        }
        out
    }
}

/// Appends `N | line` and the marker line under `span` (cut to its first line). Only a window
/// of the line around the span is read, so a long line costs no more than a short one.
#[allow(clippy::too_many_arguments)]
fn excerpt(
    out: &mut String,
    src: &str,
    index: &LineIndex,
    span: Span,
    mark: char,
    label: &str,
    gutter: usize,
    paint: &Paint,
    marking: &Brush,
) {
    let line = index.position(src, span.start).line;
    let (line_start, line_end) = index.line_range(src, line);
    let at = floor_char_boundary(src, span.start.clamp(line_start, line_end));
    // A window of about MAX_EXCERPT characters: a third before the caret, the rest after.
    // A character is one to four bytes: decide from the byte length where that settles it.
    let line_bytes = line_end - line_start;
    let whole_line_fits = line_bytes <= MAX_EXCERPT
        || (line_bytes <= 4 * MAX_EXCERPT
            && src.get(line_start..line_end).unwrap_or("").chars().count() <= MAX_EXCERPT);
    let before: Vec<(usize, char)> = src
        .get(line_start..at)
        .unwrap_or("")
        .char_indices()
        .rev()
        .take(MAX_EXCERPT / 3 + 1)
        .collect();
    let cut_before = !whole_line_fits && before.len() > MAX_EXCERPT / 3;
    let window_start = if cut_before {
        before
            .get(MAX_EXCERPT / 3 - 1)
            .map_or(at, |(i, _)| line_start + i)
    } else {
        line_start
    };
    let after: Vec<char> = src
        .get(at..line_end)
        .unwrap_or("")
        .chars()
        .take(MAX_EXCERPT + 1)
        .collect();
    let head: Vec<char> = src.get(window_start..at).unwrap_or("").chars().collect();
    let room = MAX_EXCERPT.saturating_sub(head.len());
    let cut_after = after.len() > room;
    let mut shown: String = head
        .iter()
        .chain(after.iter().take(room))
        .map(|c| visible(*c))
        .collect();
    // Carets are placed by the columns characters take on a terminal: a CJK character or an
    // emoji takes two, a combining mark none.
    let mut caret_col: usize = head.iter().map(|c| width(visible(*c))).sum();
    if cut_before {
        shown.insert(0, '…');
        caret_col += 1;
    }
    if cut_after {
        shown.push('…');
    }
    let span_chars = span
        .slice(src)
        .map_or(1, |s| {
            s.lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(MAX_EXCERPT)
                .count()
        })
        .max(1);
    // Underline no further than the excerpt shows.
    let visible_after_caret = room.min(after.len()).max(1);
    let span_width: usize = after
        .iter()
        .take(span_chars.min(visible_after_caret))
        .map(|c| width(visible(*c)))
        .sum();
    let marks: String = std::iter::repeat_n(mark, span_width.max(1)).collect();
    let number = paint.frame.paint(&format!("{line:>gutter$} |"));
    let _ = writeln!(out, "{number} {}", shown.trim_end());
    let _ = writeln!(
        out,
        "{} {}{}",
        paint.frame.paint(&format!("{:gutter$} |", "")),
        " ".repeat(caret_col),
        marking.paint(&format!("{marks} {}", printable(label)))
    );
}

/// A style, or none.
struct Brush(Option<anstyle::Style>);

impl Brush {
    fn paint(&self, text: &str) -> String {
        match self.0 {
            Some(style) => format!("{}{text}{}", style.render(), style.render_reset()),
            None => text.to_string(),
        }
    }
}

/// The styles of a rendered diagnostic, rustc's: the severity in its colour, the frame blue.
struct Paint {
    level: Brush,
    frame: Brush,
    bold: Brush,
}

impl Paint {
    fn new(styled: bool, severity: Severity) -> Paint {
        use anstyle::{AnsiColor, Style};
        let on = |s: Style| Brush(styled.then_some(s));
        let colour = match severity {
            Severity::Error => AnsiColor::BrightRed,
            Severity::Warning => AnsiColor::BrightYellow,
            Severity::Info => AnsiColor::BrightCyan,
        };
        Paint {
            level: on(Style::new().bold().fg_color(Some(colour.into()))),
            frame: on(Style::new()
                .bold()
                .fg_color(Some(AnsiColor::BrightBlue.into()))),
            bold: on(Style::new().bold()),
        }
    }
}

/// The columns a character takes on a terminal.
fn width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(1)
}

/// `text` made safe to print on a terminal: every control character (line breaks, tabs, ESC
/// and the rest of C0 and C1, DEL) and every bidirectional-text control is written as an
/// escape (`\n`, `\u{1b}`), so a file name, a request value or a case name can neither move
/// the cursor, change colours, set a window title, nor split a line of output. Other text is
/// returned as it is, without copying.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
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
