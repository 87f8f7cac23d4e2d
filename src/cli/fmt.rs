//! `azcond fmt`: print conditions in canonical form, check or rewrite files.

use azcond::Diagnostic;

use super::input::{self, Input};
use super::{print, report_error, Status};

/// Print conditions in canonical form.
///
/// With no PATH, reads standard input. Directories are searched for `*.cond` files. A file's
/// line endings are kept: one written with CRLF is compared and rewritten with CRLF.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Report files that are not in canonical form instead of printing them (exit 1 if any).
    #[arg(long, conflicts_with = "write")]
    check: bool,
    /// With --check: show each difference as a unified diff.
    #[arg(long, requires = "check")]
    diff: bool,
    /// Print each condition on one line, comments dropped (for `--condition` flags and JSON).
    #[arg(long)]
    single_line: bool,
    /// Rewrite files in place (standard input is printed).
    #[arg(long, short = 'w')]
    write: bool,
    /// Condition files or directories; `-` for standard input.
    paths: Vec<String>,
}

pub fn run(args: &Args) -> Status {
    let expanded = input::expand(&args.paths, "-", &|p| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("cond"))
    });
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
        let input = match target.read(input::MAX_LEN) {
            Ok(input) => input,
            Err(e) => {
                report_error(&e.to_string());
                status = Status::Error;
                continue;
            }
        };
        let Some(canonical) = canonical(&input, args.single_line) else {
            status = Status::Error;
            continue;
        };
        if args.check {
            if input.text != canonical {
                let shown = if args.diff {
                    unified(&input.name, &input.text, &canonical)
                } else {
                    difference(&input.name, &input.text, &canonical) + "\n"
                };
                print(&shown);
                status = status.max(Status::Findings);
            }
        } else if let (true, Some(file)) = (args.write, &input.path) {
            if input.text != canonical {
                if let Err(e) = std::fs::write(file, &canonical) {
                    report_error(&format!("cannot write `{}`: {e}", input.name));
                    status = Status::Error;
                }
            }
        } else {
            if several {
                print(&format!(
                    "==> {} <==\n",
                    azcond::diagnostic::printable(&input.name)
                ));
            }
            print(&canonical);
        }
    }
    status
}

/// The canonical text of a file: the condition in canonical form, with the file's line endings
/// (CRLF when its first line break is one) and no byte-order mark. A condition that does not
/// parse is reported, and `None`.
fn canonical(input: &Input, single_line: bool) -> Option<String> {
    let condition = match azcond::parse(&input.text) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{}", Diagnostic::from(&e).render(&input.text, &input.name));
            return None;
        }
    };
    let mut canonical = if single_line {
        condition.to_single_line_string()
    } else {
        condition.to_pretty_string()
    };
    canonical.push('\n');
    let crlf = input
        .text
        .find('\n')
        .is_some_and(|at| at > 0 && input.text.as_bytes().get(at - 1) == Some(&b'\r'));
    if crlf {
        canonical = canonical.replace('\n', "\r\n");
    }
    Some(canonical)
}

/// `name:line: not in canonical form`, with the first line that differs.
fn difference(name: &str, actual: &str, canonical: &str) -> String {
    let mut a = actual.split('\n');
    let mut c = canonical.split('\n');
    let mut line = 1;
    loop {
        match (a.next(), c.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                return format!(
                    "{}:{line}: not in canonical form\n  found:    {}\n  expected: {}",
                    azcond::diagnostic::printable(name),
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

/// The difference as a unified diff, from the file as it is to its canonical form.
fn unified(name: &str, actual: &str, canonical: &str) -> String {
    let name = azcond::diagnostic::printable(name);
    let diff = similar::TextDiff::from_lines(actual, canonical);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&name, &format!("{name} (canonical)"))
        .to_string();
    // Lines of the file are shown as they are, but never with control characters.
    text.lines()
        .map(|l| azcond::diagnostic::printable(l).into_owned() + "\n")
        .collect()
}
