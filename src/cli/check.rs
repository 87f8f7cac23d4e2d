//! `azcond check`: validate conditions wherever they live, and report findings.

use std::io::IsTerminal;
use std::path::Path;

use azcond::check::{builtin_catalog, check_document, Catalog, Document, RULES};
use azcond::span::LineIndex;
use azcond::{Diagnostic, Severity};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::{input, report_error, Status};

/// Validate conditions against what Azure accepts and the catalog of actions and attributes.
///
/// Checks `.cond` files (one condition each), JSON documents (ARM templates, role assignments and
/// definitions from the REST API or `az`, Terraform plans) and Terraform `.tf` files; directories
/// are searched for all three. With no PATH, reads one condition from standard input.
/// Exit status: 0 no errors, 1 errors found, 2 usage or I/O error.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
    /// Add actions and attributes to the built-in catalog (JSON or YAML; may be repeated).
    #[arg(long, value_name = "FILE")]
    catalog: Vec<String>,
    /// Files or directories; `-` for standard input.
    paths: Vec<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// rustc-style findings with caret excerpts, then a summary.
    Human,
    /// One JSON object: `{"findings": [...], "conditions_checked": N}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
}

const EXTENSIONS: &[&str] = &[".cond", ".json", ".tf"];

struct Checked {
    input: input::Input,
    index: LineIndex,
    findings: Vec<Diagnostic>,
}

pub fn run(args: &Args) -> Status {
    let catalog = match load_catalog(&args.catalog) {
        Ok(c) => c,
        Err(e) => {
            report_error(&e);
            return Status::Error;
        }
    };
    // (path, named on the command line rather than found in a directory)
    let mut paths: Vec<(String, bool)> = Vec::new();
    let given = if args.paths.is_empty() {
        vec!["-".to_string()]
    } else {
        args.paths.clone()
    };
    for p in given {
        if p != "-" && Path::new(&p).is_dir() {
            match input::files_below(Path::new(&p), EXTENSIONS) {
                Ok(found) => paths.extend(found.into_iter().map(|f| (f, false))),
                Err(e) => {
                    report_error(&e);
                    return Status::Error;
                }
            }
        } else {
            paths.push((p, true));
        }
    }

    // Files are checked on all cores; results keep the order of `paths`.
    let progress = progress_bar(paths.len());
    let results: Vec<Result<(Checked, usize), String>> = paths
        .par_iter()
        .map(|(path, explicit)| {
            let result = check_file(path, *explicit, &catalog, args.deny_warnings);
            progress.inc(1);
            result
        })
        .collect();
    progress.finish_and_clear();

    let mut io_error = false;
    let mut checked = Vec::new();
    let mut conditions = 0;
    for result in results {
        match result {
            Ok((c, n)) => {
                conditions += n;
                checked.push(c);
            }
            Err(e) => {
                report_error(&e);
                io_error = true;
            }
        }
    }

    let count = |severity| {
        checked
            .iter()
            .flat_map(|c| &c.findings)
            .filter(|f| f.severity == severity)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let output = match args.format {
        Format::Human => Ok(human(&checked, conditions, errors, warnings)),
        Format::Json => {
            serde_json::to_string_pretty(&json_report(&checked, conditions)).map(|s| s + "\n")
        }
        Format::Sarif => serde_json::to_string_pretty(&sarif(&checked)).map(|s| s + "\n"),
    };
    match output {
        Ok(text) => print!("{text}"),
        Err(e) => {
            report_error(&format!("cannot write the report: {e}"));
            return Status::Error;
        }
    }
    if io_error {
        Status::Error
    } else if errors > 0 {
        Status::Findings
    } else {
        Status::Ok
    }
}

/// A progress bar on standard error for runs over many files, drawn only on a terminal.
fn progress_bar(files: usize) -> ProgressBar {
    const MANY: usize = 500;
    if files < MANY || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(files as u64);
    if let Ok(style) = ProgressStyle::with_template("checking {pos}/{len} files {wide_bar} {eta}") {
        bar.set_style(style);
    }
    bar
}

/// Reads and checks one file: its report, and how many conditions it held.
fn check_file(
    path: &str,
    explicit: bool,
    catalog: &Catalog,
    deny_warnings: bool,
) -> Result<(Checked, usize), String> {
    let document = Document::of(path);
    let limit = match document {
        Document::Condition => input::MAX_LEN,
        Document::Json | Document::Terraform => input::MAX_DOCUMENT_LEN,
    };
    let input = input::read(path, limit)?;
    let mut conditions = 0;
    let mut findings = match check_document(&input.text, document, catalog) {
        Ok(report) => {
            conditions = report.conditions_checked;
            report.findings
        }
        Err(why) => vec![Diagnostic {
            severity: if explicit {
                Severity::Error
            } else {
                Severity::Warning
            },
            code: "unreadable-file".into(),
            message: format!(
                "cannot read this {}: {why}",
                if document == Document::Json {
                    "JSON"
                } else {
                    "Terraform file"
                }
            ),
            span: azcond::Span::at(0),
            label: "not read".into(),
            related: Vec::new(),
            location: None,
            help: None,
        }],
    };
    if deny_warnings {
        for f in &mut findings {
            if f.severity == Severity::Warning {
                f.severity = Severity::Error;
            }
        }
    }
    let index = LineIndex::new(&input.text);
    Ok((
        Checked {
            input,
            index,
            findings,
        },
        conditions,
    ))
}

fn load_catalog(files: &[String]) -> Result<Catalog, String> {
    let mut catalog = builtin_catalog().clone();
    for file in files {
        let input = input::read(file, input::MAX_LEN)?;
        catalog
            .add(&input.text, &input.name)
            .map_err(|e| format!("--catalog: {e}"))?;
    }
    Ok(catalog)
}

fn human(checked: &[Checked], conditions: usize, errors: usize, warnings: usize) -> String {
    let mut out = String::new();
    for c in checked {
        for f in &c.findings {
            out.push_str(&f.render_indexed(&c.input.text, &c.index, &c.input.name));
            out.push('\n');
        }
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let files = checked.len();
    let in_files = if files == conditions {
        String::new()
    } else {
        format!(" in {files} file{}", plural(files))
    };
    out.push_str(&format!(
        "checked {conditions} condition{}{in_files}: {errors} error{}, {warnings} warning{}\n",
        plural(conditions),
        plural(errors),
        plural(warnings)
    ));
    out
}

/// A finding as `--format json` prints it (DECISIONS §6).
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
}

fn json_finding<'a>(c: &'a Checked, f: &'a Diagnostic) -> JsonFinding<'a> {
    let start = c.index.position(&c.input.text, f.span.start);
    let end = c.index.position(&c.input.text, f.span.end);
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
        json_path: f.location.as_deref(),
    }
}

fn json_report(checked: &[Checked], conditions: usize) -> serde_json::Value {
    let findings: Vec<JsonFinding<'_>> = checked
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| json_finding(c, f)))
        .collect();
    json!({ "findings": findings, "conditions_checked": conditions })
}

/// SARIF 2.1.0: one run, every rule described, one result per finding.
fn sarif(checked: &[Checked]) -> serde_json::Value {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|(code, severity, description)| {
            json!({
                "id": code,
                "shortDescription": { "text": description },
                "defaultConfiguration": { "level": level(*severity) },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = checked
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| (c, f)))
        .map(|(c, f)| {
            let j = json_finding(c, f);
            let uri = c.input.name.trim_start_matches("./").replace('\\', "/");
            let mut message = f.message.clone();
            if let Some(help) = &f.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let logical: Vec<serde_json::Value> = f
                .location
                .iter()
                .map(|path| json!({ "fullyQualifiedName": path, "kind": "member" }))
                .collect();
            let location = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri },
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
            if let (Some(index), Some(object)) = (RULES.iter().position(|(code, _, _)| *code == f.code), result.as_object_mut()) {
                object.insert("ruleIndex".into(), json!(index));
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "azcond", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}
