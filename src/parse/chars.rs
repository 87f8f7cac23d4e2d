//! The character classes of the language, shared by the lexer and the error messages.

/// Characters of a bare word: keywords, operators (`ForAnyOfAnyValues:GuidEquals`), booleans,
/// integers (`-5`) and GUIDs.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')
}

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
