//! `azcond fmt`: print conditions in canonical form, check or rewrite files.

use azcond::Diagnostic;

use super::{input, report_error, Status};

/// Print conditions in canonical form.
///
/// With no PATH, reads standard input. Directories are searched for `*.cond` files.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Report files that are not in canonical form instead of printing them (exit 1 if any).
    #[arg(long, conflicts_with = "write")]
    check: bool,
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
    let paths = match input::expand(&args.paths, &[".cond"]) {
        Ok(p) => p,
        Err(e) => {
            report_error(&e);
            return Status::Error;
        }
    };
    let several = paths.len() > 1;
    let mut status = Status::Ok;
    for path in &paths {
        let input = match input::read(path, input::MAX_LEN) {
            Ok(input) => input,
            Err(e) => {
                report_error(&e);
                status = Status::Error;
                continue;
            }
        };
        let condition = match azcond::parse(&input.text) {
            Ok(c) => c,
            Err(e) => {
                eprint!("{}", Diagnostic::from(&e).render(&input.text, &input.name));
                status = Status::Error;
                continue;
            }
        };
        let mut canonical = if args.single_line {
            condition.to_single_line_string()
        } else {
            condition.to_pretty_string()
        };
        canonical.push('\n');
        if args.check {
            if input.text != canonical {
                println!("{}", difference(&input.name, &input.text, &canonical));
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
                println!("==> {} <==", input.name);
            }
            print!("{canonical}");
        }
    }
    status
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
                    "{name}:{line}: not in canonical form\n  found:    {}\n  expected: {}",
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
