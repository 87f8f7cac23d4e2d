//! The character classes of the language, shared by the lexer and the error messages.

/// Characters of a bare word: keywords, operators (`ForAnyOfAnyValues:GuidEquals`), booleans,
/// integers (`-5`) and GUIDs.
pub(crate) fn is_word_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(is_word_byte)
}

/// [`is_word_char`] of one byte of the text.
#[inline]
pub(crate) fn is_word_byte(b: u8) -> bool {
    class(b) & WORD != 0
}

/// Whether `b` can be part of a source name or an operator name (`Quantifier:Base`).
#[inline]
pub(crate) fn is_operator_byte(b: u8) -> bool {
    class(b) & OPERATOR != 0
}

/// Whether `b` can be part of a source name (`@Resource`).
#[inline]
pub(crate) fn is_source_byte(b: u8) -> bool {
    class(b) & SOURCE != 0
}

const WORD: u8 = 1;
const OPERATOR: u8 = 2;
const SOURCE: u8 = 4;

/// The classes of each byte: one table read a byte, where the tests they stand for take
/// several comparisons.
fn class(b: u8) -> u8 {
    CLASSES.get(usize::from(b)).copied().unwrap_or(0)
}

// Evaluated by the compiler: an index out of range would fail the build, never a run.
#[allow(clippy::indexing_slicing)]
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0u8;
    loop {
        let name = b.is_ascii_alphanumeric() || b == b'_';
        let mut class = 0;
        if name || matches!(b, b'.' | b':' | b'-') {
            class |= WORD;
        }
        if name || b == b':' {
            class |= OPERATOR;
        }
        if name {
            class |= SOURCE;
        }
        table[b as usize] = class;
        if b == 255 {
            break;
        }
        b += 1;
    }
    table
};

/// Space characters other than space, tab, CR and LF that text pasted from web pages and rich
/// editors carries. The parser reads them as whitespace; `check` reports them.
pub(crate) fn is_unusual_space(c: char) -> bool {
    matches!(
        c,
        '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200d}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{2060}'
                | '\u{3000}'
                | '\u{feff}'
    )
}
