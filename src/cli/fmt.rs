//! `azcond fmt`: print conditions in canonical form, check or rewrite files.

use azcond::check::{extract, Document};
use azcond::diagnostic::printable;
use azcond::print::{host_literal, Host};
use azcond::span::position;
use azcond::{Condition, Diagnostic};

use super::input::{self, Input, Target};
use super::{print, report_error, Status};

/// Print conditions in canonical form.
///
/// With no PATH, reads standard input. Directories are searched for condition files and for the
/// documents `check` reads (JSON, Terraform, Bicep, YAML), whose conditions are printed or, with
/// --check, compared with their canonical form. A condition file's line endings are kept: one
/// written with CRLF is compared and rewritten with CRLF.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Report conditions that are not in canonical form instead of printing them (exit 1 if any).
    #[arg(long, conflicts_with = "write")]
    check: bool,
    /// With --check: show each difference as a unified diff.
    #[arg(long, requires = "check")]
    diff: bool,
    /// Print each condition on one line, comments dropped (for `--condition` flags and JSON).
    #[arg(long)]
    single_line: bool,
    /// Print each condition as a literal of this language, escaped so that pasting it cannot
    /// break it.
    #[arg(long, value_enum, value_name = "HOST", conflicts_with_all = ["check", "write"])]
    emit: Option<Emit>,
    /// Rewrite condition files in place (standard input is printed).
    #[arg(long, short = 'w')]
    write: bool,
    /// The configuration file (by default the nearest `azcond.toml` from here upwards).
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// Condition files, documents or directories; `-` for standard input.
    paths: Vec<String>,
}

/// A host language for `--emit`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Emit {
    /// A JSON string.
    Json,
    /// A Bicep string (`'…'`, or `'''…'''` for the pretty form).
    Bicep,
    /// An HCL string, or a heredoc for the pretty form.
    Hcl,
    /// A bash single-quoted word.
    Bash,
    /// A PowerShell single-quoted string.
    Pwsh,
}

impl Emit {
    fn host(self) -> Host {
        match self {
            Emit::Json => Host::Json,
            Emit::Bicep => Host::Bicep,
            Emit::Hcl => Host::Hcl,
            Emit::Bash => Host::Bash,
            Emit::Pwsh => Host::Pwsh,
        }
    }
}

pub fn run(args: &Args) -> Status {
    let config = match super::config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            report_error(&e);
            return Status::Error;
        }
    };
    let wanted = |p: &std::path::Path| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        Document::of(&name).is_some()
    };
    let expanded = input::expand(&args.paths, "-", &wanted, config.exclude.as_ref());
    let mut status = Status::Ok;
    for e in &expanded.errors {
        report_error(e);
        status = Status::Error;
    }
    for s in &expanded.skipped {
        eprintln!("azcond: skipped {}", super::check::skipped_line(s));
    }
    let several = expanded.targets.len() > 1;
    for target in &expanded.targets {
        let document = match &target.path {
            None => Document::Condition,
            Some(_) => Document::of(&target.name).unwrap_or(Document::Condition),
        };
        let limit = if document == Document::Condition {
            input::MAX_LEN
        } else {
            input::MAX_DOCUMENT_LEN
        };
        let mut input = match target.read(limit) {
            Ok(input) => input,
            Err(e) => {
                report_error(&e.to_string());
                status = Status::Error;
                continue;
            }
        };
        let done = if document == Document::Condition {
            condition_file(args, &input, several)
        } else {
            input.strip_bom();
            self::document(args, target, &input, document)
        };
        status = status.max(done);
    }
    status
}

/// The canonical form of a condition, pretty or on one line, without a final newline.
fn canonical(condition: &Condition, single_line: bool) -> String {
    if single_line {
        condition.to_single_line_string()
    } else {
        condition.to_pretty_string()
    }
}

/// A condition file: printed, checked or rewritten.
fn condition_file(args: &Args, input: &Input, several: bool) -> Status {
    let condition = match azcond::parse(&input.text) {
        Ok(c) => c,
        Err(e) => {
            super::eprint_diagnostic(&Diagnostic::from(&e), &input.text, &input.name);
            return Status::Error;
        }
    };
    let text = canonical(&condition, args.single_line);
    if let Some(emit) = args.emit {
        print(&format!("{}\n", host_literal(&text, emit.host())));
        return Status::Ok;
    }
    let mut canonical = text + "\n";
    let crlf = input
        .text
        .find('\n')
        .is_some_and(|at| at > 0 && input.text.as_bytes().get(at - 1) == Some(&b'\r'));
    if crlf {
        canonical = canonical.replace('\n', "\r\n");
    }
    if args.check {
        if input.text != canonical {
            print(&if args.diff {
                unified(&input.name, &input.text, &canonical)
            } else {
                difference(&input.name, 1, &input.text, &canonical) + "\n"
            });
            return Status::Findings;
        }
        return Status::Ok;
    }
    if let (true, Some(file)) = (args.write, &input.path) {
        if input.text != canonical {
            if let Err(e) = std::fs::write(file, &canonical) {
                report_error(&format!("cannot write `{}`: {e}", input.name));
                return Status::Error;
            }
        }
        return Status::Ok;
    }
    if several {
        print(&format!("==> {} <==\n", printable(&input.name)));
    }
    print(&canonical);
    Status::Ok
}

/// A document's conditions: printed, or compared with their canonical forms. A condition in a
/// document is canonical in either form, one line (as `az` and templates mostly hold them) or
/// pretty (a heredoc or multi-line string); it is compared with the form of its own shape.
fn document(args: &Args, target: &Target, input: &Input, document: Document) -> Status {
    if args.write {
        report_error(&format!(
            "`fmt --write` rewrites condition files; print the canonical literal of each condition in `{}` with `azcond fmt --emit …` and paste it",
            printable(&input.name)
        ));
        return Status::Error;
    }
    let extracted = match extract(&input.text, document) {
        Ok(x) => x,
        Err((why, span)) => {
            let p = position(&input.text, span.start);
            report_error(&format!(
                "{}:{}:{}: cannot read this file as {}: {why}",
                input.name,
                p.line,
                p.column,
                document.described()
            ));
            return Status::Error;
        }
    };
    let mut status = Status::Ok;
    for found in extracted
        .conditions
        .iter()
        .filter(|f| f.uncheckable.is_none())
    {
        let line = position(&input.text, found.span.start).line;
        let condition = match azcond::parse(&found.text) {
            Ok(c) => c,
            Err(e) => {
                let mut d = Diagnostic::from(&e);
                d.span = found.map(d.span);
                d.location = Some(found.location.clone());
                super::eprint_diagnostic(&d, &input.text, &input.name);
                status = Status::Error;
                continue;
            }
        };
        let multi_line = found.text.trim_end().contains('\n');
        let own = canonical(&condition, args.single_line || !multi_line);
        if args.check {
            let text = found.text.trim_end_matches('\n');
            if text != own {
                let name = format!("{} ({})", target.name, found.location.path);
                print(&if args.diff {
                    unified(&name, &format!("{text}\n"), &format!("{own}\n"))
                } else {
                    difference(&name, line, text, &own) + "\n"
                });
                status = status.max(Status::Findings);
            }
            continue;
        }
        let shown = match args.emit {
            Some(emit) => host_literal(&own, emit.host()),
            None => own,
        };
        print(&format!(
            "==> {}:{line} {} <==\n{shown}\n",
            printable(&input.name),
            printable(&found.location.path)
        ));
    }
    status
}

/// `name:line: not in canonical form`, with the first line that differs; `first` is the line
/// of the file the text starts on.
fn difference(name: &str, first: usize, actual: &str, canonical: &str) -> String {
    let mut a = actual.split('\n');
    let mut c = canonical.split('\n');
    let mut line = first;
    loop {
        match (a.next(), c.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                return format!(
                    "{}:{line}: not in canonical form\n  found:    {}\n  expected: {}",
                    printable(name),
                    show(x),
                    show(y)
                )
            }
        }
    }
}

fn show(line: Option<&str>) -> String {
    match line {
        Some(l) => format!("{l:?}"),
        None => "end of file".to_string(),
    }
}

/// The difference as a unified diff, from the text as it is to its canonical form.
fn unified(name: &str, actual: &str, canonical: &str) -> String {
    let name = printable(name);
    let diff = similar::TextDiff::from_lines(actual, canonical);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&name, &format!("{name} (canonical)"))
        .to_string();
    // Lines of the file are shown as they are, but never with control characters.
    text.lines()
        .map(|l| printable(l).into_owned() + "\n")
        .collect()
}
