//! Inline suppressions in host files: a comment on the line before a condition,
//!
//! ```text
//! # azcond-ignore attribute-not-applicable: listing is denied on purpose here
//! // azcond-ignore unknown-role-id, guard-not-granted: the custom role is defined in another repo
//! ```
//!
//! hides those findings of that condition. A reason after `:` is required, so that every
//! suppression says why; one without a reason, or naming a code that does not exist, is itself
//! an error and suppresses nothing.

use crate::diagnostic::{Diagnostic, Severity};
use crate::span::{LineIndex, Span};

use super::rule;

const MARKER: &str = "azcond-ignore";

/// A suppression comment that holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The 1-based line of the comment.
    pub line: usize,
    /// The codes it suppresses.
    pub codes: Vec<String>,
}

/// The suppression comments of a file, and the malformed ones as errors.
pub fn suppressions(text: &str) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split('\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let trimmed = line.trim_start();
        let Some(body) = trimmed
            .strip_prefix("//")
            .or_else(|| trimmed.strip_prefix('#'))
            .map(str::trim_start)
        else {
            continue;
        };
        let Some(rest) = body.strip_prefix(MARKER) else {
            continue;
        };
        let at = start + (line.len() - trimmed.len());
        let span = Span::new(at, start + line.trim_end().len());
        let problem = |message: String, help: &str| Diagnostic {
            severity: Severity::Error,
            code: "suppression".into(),
            message,
            span,
            label: "suppresses nothing".into(),
            related: Vec::new(),
            location: None,
            help: Some(help.into()),
        };
        let (codes, reason) = match rest.split_once(':') {
            Some((codes, reason)) => (codes, reason.trim()),
            None => (rest, ""),
        };
        if reason.is_empty() {
            problems.push(problem(
                "an azcond-ignore comment needs a reason".into(),
                "write `# azcond-ignore CODE: why the finding does not apply here`",
            ));
            continue;
        }
        let codes: Vec<String> = codes
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        if codes.is_empty() {
            problems.push(problem(
                "an azcond-ignore comment names no code".into(),
                "name the finding's code, e.g. `# azcond-ignore attribute-not-applicable: why`",
            ));
            continue;
        }
        if let Some(unknown) = codes.iter().find(|c| rule(c).is_none()) {
            let hint = super::suggest_code(unknown)
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            problems.push(problem(
                format!("no rule has the code `{unknown}`"),
                &format!("{hint}`azcond check --explain CODE` describes each code"),
            ));
            continue;
        }
        found.push(Suppression { line: i + 1, codes });
    }
    (found, problems)
}

/// Removes from `findings` those of a condition starting on line `condition_line` that a
/// suppression on the line before names; returns how many.
pub fn apply(
    suppressions: &[Suppression],
    condition_line: usize,
    findings: &mut Vec<Diagnostic>,
) -> usize {
    let Some(s) = suppressions.iter().find(|s| s.line + 1 == condition_line) else {
        return 0;
    };
    let before = findings.len();
    findings.retain(|f| !s.codes.contains(&f.code));
    before - findings.len()
}

/// The 1-based line of byte `offset` of `text`.
pub(super) fn line_of(index: &LineIndex, text: &str, offset: usize) -> usize {
    index.position(text, offset).line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_with_codes_and_reasons() {
        let text = "a\n  # azcond-ignore unknown-role-id, guard-not-granted: defined elsewhere\nb\n// azcond-ignore unknown-role-id\n# azcond-ignore unknown-rol-id: typo\n";
        let (found, problems) = suppressions(text);
        assert_eq!(
            found,
            [Suppression {
                line: 2,
                codes: vec!["unknown-role-id".into(), "guard-not-granted".into()]
            }]
        );
        assert_eq!(problems.len(), 2);
        assert!(problems[0].message.contains("needs a reason"));
        assert!(problems[1]
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean `unknown-role-id`"));
    }
}
