//! Byte-offset spans into the condition text, and their translation to `line:column`.
//!
//! Every AST node carries a [`Span`]; diagnostics turn spans into 1-based lines and columns only
//! when they are shown, so the parser never counts lines.

use serde::Serialize;

/// A half-open byte range `start..end` into the text a condition was parsed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (swapped if given the wrong way round).
    pub fn new(start: usize, end: usize) -> Span {
        if start <= end {
            Span { start, end }
        } else {
            Span {
                start: end,
                end: start,
            }
        }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Span {
        Span {
            start: offset,
            end: offset,
        }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// True for an empty span.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The text this span covers, or `None` if it does not fall on character boundaries of `src`.
    pub fn slice(self, src: &str) -> Option<&str> {
        src.get(self.start..self.end)
    }
}

/// A 1-based line and column. Columns count characters (Unicode scalar values), not bytes, so
/// that a caret lines up under text containing non-ASCII characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// The line and column of byte `offset` in `src`. Offsets past the end map to the end; an offset
/// inside a multi-byte character maps to that character.
pub fn position(src: &str, offset: usize) -> Position {
    let mut line = 1;
    let mut line_start = 0;
    let offset = offset.min(src.len());
    for (i, b) in src.bytes().enumerate().take(offset) {
        if b == b'\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let column = src
        .get(line_start..)
        .unwrap_or("")
        .char_indices()
        .take_while(|(i, _)| line_start + i < offset)
        .count()
        + 1;
    Position { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_and_characters() {
        let src = "ab\nc\u{a0}d\n";
        assert_eq!(position(src, 0), Position { line: 1, column: 1 });
        assert_eq!(position(src, 3), Position { line: 2, column: 1 });
        // `d` sits after a two-byte NBSP: byte 6, character column 3
        assert_eq!(position(src, 6), Position { line: 2, column: 3 });
        assert_eq!(position(src, 99), Position { line: 3, column: 1 });
    }

    #[test]
    fn cover_spans_both() {
        assert_eq!(Span::new(4, 6).cover(Span::new(1, 2)), Span::new(1, 6));
    }
}
