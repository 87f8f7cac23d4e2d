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

/// The start of every line of a text, to turn many offsets into positions without rescanning
/// the text for each: build it once per text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// The last position computed: (offset, line start, position). Queries in ascending order
    /// on one line count on from it, so positioning many findings on one long line stays linear.
    last: std::cell::Cell<Option<(usize, usize, Position)>>,
}

impl LineIndex {
    /// Indexes `src`.
    pub fn new(src: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(
                src.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        LineIndex {
            starts,
            last: std::cell::Cell::new(None),
        }
    }

    /// The line and column of byte `offset` of `src` (the text this index was built from):
    /// a binary search for the line, then a count of the characters before it on the line.
    pub fn position(&self, src: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(src, offset.min(src.len()));
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let (from, base) = match self.last.get() {
            Some((at, line_start, pos)) if line_start == start && at <= offset => (at, pos.column),
            _ => (start, 1),
        };
        let column = src.get(from..offset).map_or(0, |t| t.chars().count()) + base;
        let pos = Position { line, column };
        self.last.set(Some((offset, start, pos)));
        pos
    }

    /// The byte range of line `line` (1-based) of `src`, without its line break.
    pub fn line_range(&self, src: &str, line: usize) -> (usize, usize) {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(src.len());
        let end = self
            .starts
            .get(line)
            .map_or(src.len(), |next| next.saturating_sub(1));
        let end = if src.as_bytes().get(end.saturating_sub(1)) == Some(&b'\r') && end > start {
            end - 1
        } else {
            end
        };
        (start, end.max(start))
    }
}

/// The largest character boundary of `src` at or before `offset`.
pub fn floor_char_boundary(src: &str, mut offset: usize) -> usize {
    while offset > 0 && !src.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The line and column of byte `offset` in `src`. Offsets past the end map to the end; an offset
/// inside a multi-byte character maps to that character. For many offsets into one text, build
/// a [`LineIndex`] once instead.
pub fn position(src: &str, offset: usize) -> Position {
    LineIndex::new(src).position(src, offset)
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
    fn line_index_agrees_with_position() {
        let src = "ab\r\nc\u{a0}d\n\nlast";
        let index = LineIndex::new(src);
        let expected = [
            (1, 1),
            (1, 2),
            (1, 3),
            (1, 4),
            (2, 1),
            (2, 2),
            (2, 2),
            (2, 3),
            (2, 4),
            (3, 1),
            (4, 1),
        ];
        for (offset, (line, column)) in expected.iter().enumerate() {
            assert_eq!(
                index.position(src, offset),
                Position {
                    line: *line,
                    column: *column
                },
                "{offset}"
            );
        }
        // Queries out of order agree with fresh ones.
        assert_eq!(index.position(src, 1), position(src, 1));
        assert_eq!(index.position(src, src.len()), position(src, src.len()));
        assert_eq!(index.line_range(src, 1), (0, 2));
        assert_eq!(index.line_range(src, 4), (src.len() - 4, src.len()));
    }

    #[test]
    fn cover_spans_both() {
        assert_eq!(Span::new(4, 6).cover(Span::new(1, 2)), Span::new(1, 6));
    }
}
