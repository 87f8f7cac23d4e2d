//! `azcond check`: validate conditions and report findings.

use azcond::check::check;
use azcond::span::position;
use azcond::{Diagnostic, Severity};
use serde::Serialize;

use super::{input, report_error, Status};

/// Validate conditions against what Azure accepts.
///
/// Checks `.cond` files (one condition each) and directories (recursively). With no PATH,
/// reads standard input. Exit status: 0 no errors, 1 errors found, 2 usage or I/O error.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
    /// Condition files or directories; `-` for standard input.
    paths: Vec<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// rustc-style findings with caret excerpts, then a summary.
    Human,
    /// One JSON object: `{"findings": [...], "conditions_checked": N}`.
    Json,
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
    json_path: Option<String>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    findings: Vec<JsonFinding<'a>>,
    conditions_checked: usize,
}

pub fn run(args: &Args) -> Status {
    let paths = match input::expand(&args.paths, &[".cond"]) {
        Ok(p) => p,
        Err(e) => {
            report_error(&e);
            return Status::Error;
        }
    };
    let mut io_error = false;
    let mut checked: Vec<(input::Input, Vec<Diagnostic>)> = Vec::new();
    for path in &paths {
        match input::read(path, input::MAX_LEN) {
            Ok(input) => {
                let mut findings = check(&input.text).findings;
                if args.deny_warnings {
                    for f in &mut findings {
                        if f.severity == Severity::Warning {
                            f.severity = Severity::Error;
                        }
                    }
                }
                checked.push((input, findings));
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
            .flat_map(|(_, fs)| fs.iter())
            .filter(|f| f.severity == severity)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    match args.format {
        Format::Human => {
            for (input, findings) in &checked {
                for f in findings {
                    println!("{}", f.render(&input.text, &input.name));
                }
            }
            let files = checked.len();
            println!(
                "checked {files} condition{}: {errors} error{}, {warnings} warning{}",
                plural(files),
                plural(errors),
                plural(warnings)
            );
        }
        Format::Json => {
            let findings = checked
                .iter()
                .flat_map(|(input, fs)| fs.iter().map(move |f| json_finding(input, f)))
                .collect();
            let report = JsonReport {
                findings,
                conditions_checked: checked.len(),
            };
            match serde_json::to_string_pretty(&report) {
                Ok(json) => println!("{json}"),
                Err(e) => {
                    report_error(&format!("cannot write JSON: {e}"));
                    return Status::Error;
                }
            }
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

fn json_finding<'a>(input: &'a input::Input, f: &'a Diagnostic) -> JsonFinding<'a> {
    let start = position(&input.text, f.span.start);
    let end = position(&input.text, f.span.end);
    JsonFinding {
        file: &input.name,
        code: &f.code,
        severity: f.severity,
        message: &f.message,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        help: f.help.as_deref(),
        json_path: None,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
