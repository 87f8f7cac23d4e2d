//! The reports `check` writes: rustc-style text, JSON, SARIF 2.1.0 and GitHub workflow
//! annotations, all from the same findings and summary.

use azcond::check::{rule, RULES};
use azcond::diagnostic::printable;
use azcond::{Diagnostic, Severity};
use serde::Serialize;
use serde_json::json;

use super::check::{skipped_line, Checked};
use super::walk::Skipped;

/// Output format of `check`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// rustc-style findings with caret excerpts, then a summary.
    Human,
    /// One JSON object: `{"findings": [...], "conditions_checked": N, ...}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`), shown on the pull request.
    Github,
}

/// The counts a report ends with.
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub found: usize,
    pub checked: usize,
    pub files: usize,
    pub suppressed: usize,
}

impl Summary {
    pub fn of(checked: &[Checked]) -> Summary {
        let count = |severity| {
            checked
                .iter()
                .flat_map(|c| &c.findings)
                .filter(|f| f.severity == severity)
                .count()
        };
        Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            found: checked.iter().map(|c| c.found).sum(),
            checked: checked.iter().map(|c| c.checked).sum(),
            files: checked.len(),
            suppressed: checked.iter().map(|c| c.suppressed).sum(),
        }
    }

    /// `checked 3 conditions in 2 files: 1 error, 0 warnings`.
    pub fn line(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let in_files = if self.files == self.checked {
            String::new()
        } else {
            format!(" in {} file{}", self.files, plural(self.files))
        };
        let suppressed = if self.suppressed > 0 {
            format!(" ({} suppressed)", self.suppressed)
        } else {
            String::new()
        };
        format!(
            "checked {} condition{}{in_files}: {} error{}, {} warning{}{suppressed}",
            self.checked,
            plural(self.checked),
            self.errors,
            plural(self.errors),
            self.warnings,
            plural(self.warnings)
        )
    }
}

pub fn render(
    format: Format,
    checked: &[Checked],
    skipped: &[Skipped],
    summary: &Summary,
    failed: bool,
) -> Result<String, serde_json::Error> {
    match format {
        Format::Human => Ok(human(checked, skipped, summary)),
        Format::Json => {
            serde_json::to_string_pretty(&json_report(checked, skipped, summary)).map(|s| s + "\n")
        }
        Format::Sarif => {
            serde_json::to_string_pretty(&sarif(checked, skipped, failed)).map(|s| s + "\n")
        }
        Format::Github => Ok(github(checked, skipped, summary)),
    }
}

fn skipped_block(skipped: &[Skipped]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let plural = if skipped.len() == 1 { "" } else { "s" };
    let mut out = format!("skipped {} file{plural}:\n", skipped.len());
    for s in skipped {
        out.push_str(&format!("  {}\n", skipped_line(s)));
    }
    out
}

fn human(checked: &[Checked], skipped: &[Skipped], summary: &Summary) -> String {
    let mut out = String::new();
    for c in checked {
        for f in &c.findings {
            out.push_str(&f.render_styled(&c.input.text, &c.index, &c.input.name, true));
            out.push('\n');
        }
    }
    out.push_str(&skipped_block(skipped));
    out.push_str(&summary.line());
    out.push('\n');
    out
}

/// A finding as `--format json` prints it (DECISIONS §6, with the document context).
#[derive(Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    code: &'a str,
    severity: Severity,
    message: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    help: Option<&'a str>,
    json_path: Option<&'a str>,
    address: Option<&'a str>,
    role: Option<&'a str>,
    permission: Option<usize>,
}

fn json_finding<'a>(c: &'a Checked, f: &'a Diagnostic) -> JsonFinding<'a> {
    let start = c.index.position(&c.input.text, f.span.start);
    let end = c.index.position(&c.input.text, f.span.end);
    let location = f.location.as_ref();
    let role = location.and_then(|l| l.role.as_ref());
    JsonFinding {
        file: &c.input.name,
        code: &f.code,
        severity: f.severity,
        message: &f.message,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        help: f.help.as_deref(),
        json_path: location.map(|l| l.path.as_str()),
        address: location.and_then(|l| l.address.as_deref()),
        role: role.map(|r| r.name.as_str()),
        permission: role.map(|r| r.permission),
    }
}

fn json_report(checked: &[Checked], skipped: &[Skipped], summary: &Summary) -> serde_json::Value {
    let findings: Vec<JsonFinding<'_>> = checked
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| json_finding(c, f)))
        .collect();
    let skipped: Vec<serde_json::Value> = skipped
        .iter()
        .map(|s| json!({ "file": s.path.display().to_string(), "reason": s.reason }))
        .collect();
    json!({
        "findings": findings,
        "conditions_checked": summary.checked,
        "conditions_found": summary.found,
        "files_checked": summary.files,
        "suppressed": summary.suppressed,
        "skipped": skipped,
    })
}

/// A SARIF artifact URI: a relative path percent-encoded segment by segment, an absolute one as
/// a `file://` URI.
fn uri(name: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let slashed = name.replace('\\', "/");
    let path = slashed.trim_start_matches("./");
    let encoded: Vec<String> = path
        .split('/')
        .map(|seg| percent_encoding::utf8_percent_encode(seg, SEGMENT).to_string())
        .collect();
    let joined = encoded.join("/");
    if path.starts_with('/') {
        format!("file://{joined}")
    } else if path.get(1..3) == Some(":/") {
        // A Windows drive path, `C:/…`.
        format!("file:///{joined}").replacen("%3A", ":", 1)
    } else {
        joined
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0: one run, every rule described, one result per finding, and the invocation with
/// what was skipped and whether it succeeded.
fn sarif(checked: &[Checked], skipped: &[Skipped], failed: bool) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.explanation },
                "help": { "text": r.fix },
                "defaultConfiguration": { "level": level(r.severity) },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = checked
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| (c, f)))
        .map(|(c, f)| {
            let j = json_finding(c, f);
            let mut message = f.message.clone();
            if let Some(help) = &f.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let mut logical = Vec::new();
            if let Some(l) = &f.location {
                if let Some(address) = &l.address {
                    logical.push(json!({ "fullyQualifiedName": address, "kind": "resource" }));
                }
                logical.push(json!({ "fullyQualifiedName": l.path, "kind": "member" }));
            }
            let location = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&c.input.name) },
                    "region": { "startLine": j.line, "startColumn": j.column, "endLine": j.end_line, "endColumn": j.end_column },
                },
                "logicalLocations": logical,
            });
            let mut result = json!({
                "ruleId": f.code,
                "level": level(f.severity),
                "message": { "text": message },
                "locations": [location],
            });
            if let (Some(index), Some(object)) = (
                RULES.iter().position(|r| r.code == f.code),
                result.as_object_mut(),
            ) {
                object.insert("ruleIndex".into(), json!(index));
            }
            result
        })
        .collect();
    let notifications: Vec<serde_json::Value> = skipped
        .iter()
        .map(|s| {
            json!({
                "level": "warning",
                "message": { "text": format!("skipped: {}", s.reason) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&s.path.display().to_string()) } } }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "azcond",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_HOMEPAGE"),
                "rules": rules,
            } },
            "invocations": [{
                "executionSuccessful": !failed,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// A value of a workflow command's property (`file=…`): `%`, line breaks, `:` and `,` escaped.
fn property(s: &str) -> String {
    message(s).replace(':', "%3A").replace(',', "%2C")
}

/// A workflow command's message: `%` and line breaks escaped, so it stays one command.
fn message(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn github(checked: &[Checked], skipped: &[Skipped], summary: &Summary) -> String {
    let mut out = String::new();
    for c in checked {
        for f in &c.findings {
            let j = json_finding(c, f);
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut text = printable(&f.message).into_owned();
            if let Some(l) = &f.location {
                text.push_str(&format!("\nin the condition of {l}"));
            }
            if let Some(help) = &f.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            out.push_str(&format!(
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                property(&printable(&c.input.name)),
                j.line,
                j.column,
                j.end_line,
                j.end_column,
                property(&format!("azcond {}", f.code)),
                message(&text)
            ));
        }
    }
    for s in skipped {
        out.push_str(&format!(
            "::warning file={},title=azcond skipped::{}\n",
            property(&printable(&s.path.display().to_string())),
            message(&printable(&s.reason))
        ));
    }
    out.push_str(&summary.line());
    out.push('\n');
    out
}

/// The rule behind a code, for `--explain`.
pub fn explain(code: &str) -> Option<String> {
    let r = rule(code)?;
    Some(format!(
        "{} ({})\n\n{}\n\n{}\n\nFix: {}\n",
        r.code,
        r.severity.name(),
        r.summary,
        r.explanation,
        r.fix
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_uris_are_encoded() {
        assert_eq!(uri("./a b/c#d.json"), "a%20b/c%23d.json");
        assert_eq!(uri("/tmp/x y.cond"), "file:///tmp/x%20y.cond");
        assert_eq!(uri("dir\\f.tf"), "dir/f.tf");
        assert_eq!(uri("C:/repo/a.json"), "file:///C:/repo/a.json");
    }

    #[test]
    fn workflow_commands_cannot_be_split() {
        assert_eq!(message("a\nb%"), "a%0Ab%25");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
