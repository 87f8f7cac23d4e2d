//! `check`: judges a condition against what Azure accepts and reports findings as
//! [`Diagnostic`]s with stable codes.
//!
//! The rules in this file need only the text and the tree: syntax (every `ParseErrorKind`),
//! the authoring superset that Azure rejects (comments, pasted invisible characters), Azure's
//! 8192-byte limit, keyword casing, `AND` and `OR` mixed without parentheses. `rules.rs` holds
//! those that need the [`Catalog`] of actions and attributes.

pub mod catalog;
mod rules;

pub use self::catalog::{Catalog, CatalogError};

use crate::ast::{Condition, Expr, ExprKind, LexicalNoteKind};
use crate::diagnostic::{Diagnostic, Severity};
#[cfg(test)]
use crate::parse::ParseErrorKind;
use crate::parse::{parse_with, ParseOptions};
use crate::span::Span;

/// Azure's limit on the length of a condition, in UTF-8 bytes (language-notes AMB-21).
pub const AZURE_MAX_LEN: usize = 8192;

/// Every rule code `check` can report, with its severity and a one-line description, for
/// documentation and `--list-rules`-style output.
pub const RULES: &[(&str, Severity, &str)] = &[
    (
        "syntax",
        Severity::Error,
        "the text does not follow the grammar",
    ),
    ("empty", Severity::Error, "the condition is empty"),
    ("unclosed-paren", Severity::Error, "a `(` is never closed"),
    ("unmatched-paren", Severity::Error, "a `)` has no `(`"),
    (
        "unterminated-string",
        Severity::Error,
        "a string is not closed on its line",
    ),
    (
        "double-quotes",
        Severity::Error,
        "a string in double quotes",
    ),
    (
        "typographic-quote",
        Severity::Error,
        "a typographic quote where `'` belongs",
    ),
    (
        "stripped-key-marker",
        Severity::Error,
        "`<$key_case_sensitive$>` or `&$keys$&` lost its `$…$` part",
    ),
    (
        "unknown-operator",
        Severity::Error,
        "an operator or quantifier that does not exist",
    ),
    (
        "unsupported-operator",
        Severity::Error,
        "an operator Azure does not support (`StringEndsWith`, `StringContains`)",
    ),
    (
        "unknown-source",
        Severity::Error,
        "a source other than `@Resource`, `@Request`, `@Principal`, `@Environment`",
    ),
    (
        "invalid-literal",
        Severity::Error,
        "a malformed integer, GUID or set",
    ),
    (
        "control-character",
        Severity::Error,
        "a control character in the condition",
    ),
    (
        "too-deep",
        Severity::Error,
        "nesting deeper than the parser's limit",
    ),
    (
        "too-large",
        Severity::Error,
        "input larger than the parser's limit",
    ),
    (
        "comment",
        Severity::Error,
        "a `#` or `//` comment, which Azure does not accept",
    ),
    (
        "invisible-character",
        Severity::Error,
        "a non-ASCII space (NBSP, zero-width space, BOM …) pasted into the condition",
    ),
    (
        "too-long",
        Severity::Error,
        "longer than Azure's 8192-byte limit",
    ),
    (
        "ambiguous-precedence",
        Severity::Warning,
        "`AND` and `OR` mixed at one level without parentheses",
    ),
    (
        "non-canonical-casing",
        Severity::Warning,
        "a keyword, operator or source written in non-canonical case",
    ),
    ("unknown-attribute", Severity::Error, "an attribute the catalog does not know (with did-you-mean)"),
    ("attribute-source", Severity::Error, "an attribute from a source that does not supply it"),
    ("missing-key-marker", Severity::Error, "a tag key without `<$key_case_sensitive$>`"),
    ("invalid-custom-attribute", Severity::Error, "a custom security attribute name Entra cannot have"),
    ("operator-type", Severity::Error, "an operator of another type than the attribute"),
    ("operator-not-allowed", Severity::Error, "an operator the attribute does not support (`UtcNow` takes only DateTimeGreaterThan and DateTimeLessThan)"),
    ("quantifier-not-allowed", Severity::Error, "a quantifier on an operator that has no quantified form"),
    ("needs-quantifier", Severity::Error, "a plain operator with a set or a multi-valued attribute"),
    ("invalid-value", Severity::Error, "a value that is not a valid GUID, date-time, integer or boolean for its operator"),
    ("mixed-set", Severity::Error, "a set mixing kinds of values"),
    ("condition-version", Severity::Error, "a `conditionVersion` other than `2.0` beside a condition"),
    ("unreadable-file", Severity::Error, "a JSON or Terraform file that cannot be parsed (a warning when found by searching a directory)"),
    ("any-of-any-not-equals", Severity::Warning, "`ForAnyOfAnyValues:…NotEquals` with several values, true for almost everything"),
    ("list-not-excluded", Severity::Warning, "a blob-read guard that also covers listing, with an attribute listing lacks"),
    ("attribute-not-applicable", Severity::Warning, "an attribute that does not apply to the actions its clause is guarded by"),
    ("unknown-action", Severity::Warning, "an action of a known namespace that the catalog does not know"),
    ("unknown-suboperation", Severity::Warning, "a suboperation no known action has"),
    ("quoted-guid", Severity::Warning, "a GUID in quotes"),
    ("not-checkable", Severity::Info, "a condition built by an ARM expression or Terraform interpolation"),
];

/// What kind of file a text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Document {
    /// One condition (`.cond`, standard input).
    Condition,
    /// A JSON document with conditions inside (ARM, REST, `az`, Terraform plan).
    Json,
    /// A Terraform configuration (`.tf`).
    Terraform,
}

impl Document {
    /// The kind of a file, by its name.
    pub fn of(name: &str) -> Document {
        if name.ends_with(".json") {
            Document::Json
        } else if name.ends_with(".tf") {
            Document::Terraform
        } else {
            Document::Condition
        }
    }
}

/// The findings of a whole file, positioned in the file.
#[derive(Clone, Debug, Default)]
pub struct DocumentReport {
    /// The findings; spans are byte ranges of the file, `location` says which condition.
    pub findings: Vec<Diagnostic>,
    /// How many conditions were checked.
    pub conditions_checked: usize,
}

/// Checks every condition in a file. Fails only when a JSON or Terraform file cannot be read
/// as such (the message says why).
pub fn check_document(
    text: &str,
    document: Document,
    catalog: &Catalog,
) -> Result<DocumentReport, String> {
    let found = match document {
        Document::Condition => {
            return Ok(DocumentReport {
                findings: check_with(text, catalog).findings,
                conditions_checked: 1,
            })
        }
        Document::Json => crate::extract::json(text)?,
        Document::Terraform => crate::extract::terraform(text)?,
    };
    let mut report = DocumentReport::default();
    for f in found {
        if let Some((version, span)) = &f.version {
            if version != "2.0" {
                report.findings.push(Diagnostic {
                    severity: Severity::Error,
                    code: "condition-version".into(),
                    message: format!("`conditionVersion` is `{version}`; Azure accepts only `2.0` with a condition"),
                    span: *span,
                    label: "condition version".into(),
                    related: Vec::new(),
                    location: Some(f.location.clone()),
                    help: Some("set it to \"2.0\"; Azure answers other versions with `The given role assignment condition is invalid.`".into()),
                });
            }
        }
        if let Some(why) = &f.uncheckable {
            report.findings.push(Diagnostic {
                severity: Severity::Info,
                code: "not-checkable".into(),
                message: format!("this condition is not checked: {why}"),
                span: f.span,
                label: "not checked".into(),
                related: Vec::new(),
                location: Some(f.location.clone()),
                help: Some("check the condition that results, e.g. in the Terraform plan JSON or the deployed role assignment".into()),
            });
            continue;
        }
        report.conditions_checked += 1;
        for mut d in check_with(&f.text, catalog).findings {
            d.span = f.map(d.span);
            for (span, _) in &mut d.related {
                *span = f.map(*span);
            }
            d.location = Some(f.location.clone());
            report.findings.push(d);
        }
    }
    Ok(report)
}

/// The result of checking one condition.
#[derive(Clone, Debug)]
pub struct Report {
    /// The parsed condition, unless it has a syntax error.
    pub condition: Option<Condition>,
    /// The findings, in source order.
    pub findings: Vec<Diagnostic>,
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// The built-in catalog, loaded once.
pub fn builtin_catalog() -> &'static Catalog {
    static BUILTIN: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    // The built-in catalog is part of the binary and a test loads it; were it ever broken, the
    // catalog rules would find nothing rather than the process failing.
    BUILTIN.get_or_init(|| Catalog::builtin().unwrap_or_default())
}

/// Checks one condition against the built-in catalog.
pub fn check(src: &str) -> Report {
    check_with(src, builtin_catalog())
}

/// Checks one condition against `catalog`.
pub fn check_with(src: &str, catalog: &Catalog) -> Report {
    let condition = match parse_with(src, &ParseOptions::default()) {
        Ok(c) => c,
        Err(e) => {
            return Report {
                condition: None,
                findings: vec![Diagnostic::from(&e)],
            }
        }
    };
    let mut findings = Vec::new();
    if src.len() > AZURE_MAX_LEN {
        findings.push(finding(
            Severity::Error,
            "too-long",
            format!("condition is {} bytes; Azure accepts at most {AZURE_MAX_LEN}", src.len()),
            Span::new(0, 0),
            "condition starts here",
            Some("split it across role assignments, or shorten it (`azcond fmt --single-line` removes layout)"),
        ));
    }
    lexical_findings(&condition, &mut findings);
    ambiguous_precedence(&condition.expr, &mut findings);
    rules::run(&condition, catalog, &mut findings);
    findings.sort_by_key(|f| (f.span.start, f.span.end));
    Report {
        condition: Some(condition),
        findings,
    }
}

fn finding(
    severity: Severity,
    code: &str,
    message: String,
    span: Span,
    label: &str,
    help: Option<&str>,
) -> Diagnostic {
    Diagnostic {
        severity,
        code: code.to_string(),
        message,
        span,
        label: label.to_string(),
        related: Vec::new(),
        location: None,
        help: help.map(str::to_string),
    }
}

/// Findings from the parser's notes. Adjacent invisible characters of one kind (an indentation
/// of NBSPs) make one finding.
fn lexical_findings(condition: &Condition, out: &mut Vec<Diagnostic>) {
    let mut run: Option<(char, Span, usize)> = None;
    let flush = |run: &mut Option<(char, Span, usize)>, out: &mut Vec<Diagnostic>| {
        if let Some((c, span, count)) = run.take() {
            let what = if count == 1 {
                format!(
                    "invisible character U+{:04X} ({})",
                    u32::from(c),
                    char_name(c)
                )
            } else {
                format!(
                    "{count} invisible characters U+{:04X} ({})",
                    u32::from(c),
                    char_name(c)
                )
            };
            out.push(finding(
                Severity::Error,
                "invisible-character",
                format!("{what}; Azure rejects the condition"),
                span,
                "looks like a space, is not one",
                Some("text pasted from web pages and rich-text editors carries these; `azcond fmt` replaces them with plain spaces"),
            ));
        }
    };
    for note in &condition.notes {
        match note.kind {
            LexicalNoteKind::UnusualWhitespace(c) => {
                match &mut run {
                    Some((rc, span, count)) if *rc == c && span.end == note.span.start => {
                        span.end = note.span.end;
                        *count += 1;
                    }
                    _ => {
                        flush(&mut run, out);
                        run = Some((c, note.span, 1));
                    }
                }
                continue;
            }
            LexicalNoteKind::Comment => out.push(finding(
                Severity::Error,
                "comment",
                "comments are not part of the condition language; Azure rejects the condition"
                    .into(),
                note.span,
                "comment",
                Some("deploy the output of `azcond fmt --single-line`, which drops comments"),
            )),
            LexicalNoteKind::NonCanonicalKeyword { canonical } => out.push(finding(
                Severity::Warning,
                "non-canonical-casing",
                format!("`{canonical}` is written in non-canonical case"),
                note.span,
                "non-canonical case",
                Some("`azcond fmt` writes the canonical case"),
            )),
        }
        flush(&mut run, out);
    }
    flush(&mut run, out);
}

fn char_name(c: char) -> &'static str {
    match c {
        '\u{a0}' => "no-break space",
        '\u{200b}' => "zero width space",
        '\u{200c}' => "zero width non-joiner",
        '\u{200d}' => "zero width joiner",
        '\u{2060}' => "word joiner",
        '\u{feff}' => "byte order mark",
        '\u{202f}' => "narrow no-break space",
        '\u{2009}' => "thin space",
        '\u{200a}' => "hair space",
        '\u{3000}' => "ideographic space",
        '\u{2028}' => "line separator",
        '\u{2029}' => "paragraph separator",
        '\u{2000}'..='\u{2008}' => "typographic space",
        _ => "Unicode space",
    }
}

/// Warns where an `OR` has an `AND` chain as a direct operand: Azure's documentation calls
/// such a mix ambiguous and asks for parentheses (the parser reads `AND` as binding tighter).
fn ambiguous_precedence(root: &Expr, out: &mut Vec<Diagnostic>) {
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Or(xs) => {
                for x in xs {
                    if matches!(x.kind, ExprKind::And(_)) {
                        out.push(finding(
                            Severity::Warning,
                            "ambiguous-precedence",
                            "`AND` and `OR` are mixed without parentheses".into(),
                            x.span,
                            "read as one group, because `AND` binds tighter than `OR`",
                            Some("add parentheses to say which is meant: `(a AND b) OR c` or `a AND (b OR c)`"),
                        ));
                    }
                }
                stack.extend(xs.iter());
            }
            ExprKind::And(xs) => stack.extend(xs.iter()),
            ExprKind::Not(x) => stack.push(x),
            ExprKind::Group(g) => stack.push(&g.expr),
            ExprKind::ActionMatches(_)
            | ExprKind::SubOperationMatches(_)
            | ExprKind::Exists(_)
            | ExprKind::Compare(_) => {}
        }
    }
}

/// The rule with this code.
pub fn rule(code: &str) -> Option<&'static (&'static str, Severity, &'static str)> {
    RULES.iter().find(|(c, _, _)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_are_unique() {
        for (k, (code, _, _)) in RULES.iter().enumerate() {
            assert!(
                RULES.iter().skip(k + 1).all(|(c, _, _)| c != code),
                "{code}"
            );
        }
    }

    #[test]
    fn every_parse_error_kind_is_a_documented_error_rule() {
        for kind in ParseErrorKind::ALL {
            let rule = rule(kind.code());
            assert_eq!(rule.map(|r| r.1), Some(Severity::Error), "{}", kind.code());
        }
    }
}
