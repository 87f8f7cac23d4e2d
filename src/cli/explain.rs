//! `azcond explain`: what a condition requires, per action it guards, in plain words.

use std::fmt::Write as _;

use azcond::eval::EvalOptions;
use azcond::semantic::{self, Explanation, Grant, Limits};
use azcond::Diagnostic;

use super::{input, print, report_error, Missing, Status};

/// Say in plain words what a condition requires, per action it guards.
///
/// For each action the condition names (and any other action), and each suboperation where it
/// matters: always allowed, never allowed, or allowed when the attributes meet what is listed.
/// Role definition ids are named where Azure's built-in roles know them. Exit status: 0, 2 the
/// condition cannot be read, does not parse or is too large to decide.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    source: input::ConditionSource,
    /// What a comparison on a missing attribute yields (default: the configuration's
    /// `evaluation.missing`, else false).
    #[arg(long, value_enum)]
    missing: Option<Missing>,
    /// The configuration file (by default the nearest `azcond.toml` from here upwards).
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// Per action, what the condition requires.
    Human,
    /// `{"rules": [{"actions", "suboperations", "grant", "requires", "words"}], "caveats"}`.
    Json,
}

pub fn run(args: &Args) -> Status {
    let (name, text) = match args.source.read() {
        Ok(read) => read,
        Err(e) => return fail(&e),
    };
    let condition = match azcond::parse(&text) {
        Ok(c) => c,
        Err(e) => {
            super::eprint_diagnostic(&Diagnostic::from(&e), &text, &name);
            return Status::Error;
        }
    };
    let config = match super::config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let options = EvalOptions {
        missing: Missing::resolve(args.missing, config.missing),
        now: None,
    };
    let explanation = match semantic::explain(&condition, &options, &Limits::default()) {
        Ok(x) => x,
        Err(e) => return fail(&format!("{name}: {e}")),
    };
    match args.format {
        Format::Human => print(&human(&explanation)),
        Format::Json => match serde_json::to_string_pretty(&explanation) {
            Ok(out) => print(&format!("{out}\n")),
            Err(e) => return fail(&format!("cannot write JSON: {e}")),
        },
    }
    Status::Ok
}

fn fail(message: &str) -> Status {
    report_error(message);
    Status::Error
}

fn human(x: &Explanation) -> String {
    let mut out = String::new();
    let mut heading: Option<&Vec<String>> = None;
    for rule in &x.rules {
        let indent = if rule.suboperations.is_empty() {
            ""
        } else {
            "  "
        };
        if heading != Some(&rule.actions) {
            heading = Some(&rule.actions);
            if !out.is_empty() {
                out.push('\n');
            }
            let actions = if rule.actions.is_empty() {
                "every action".to_string()
            } else {
                rule.actions.join(", ")
            };
            let _ = write!(out, "{}", printable(&actions));
            if rule.suboperations.is_empty() {
                out.push_str(": ");
            } else {
                out.push_str(":\n");
            }
        }
        if !rule.suboperations.is_empty() {
            let _ = write!(out, "{indent}{}: ", suboperations(&rule.suboperations));
        }
        match rule.grant {
            Grant::Always => out.push_str("always allowed (the condition restricts nothing)\n"),
            Grant::Never => out.push_str("never allowed\n"),
            Grant::When => match rule.words.as_slice() {
                [one] => {
                    let _ = writeln!(
                        out,
                        "allowed when {}",
                        printable(one.trim_start_matches("- "))
                    );
                }
                lines => {
                    out.push_str("allowed when\n");
                    for l in lines {
                        let _ = writeln!(out, "{indent}  {}", printable(l));
                    }
                }
            },
        }
    }
    for c in &x.caveats {
        let _ = writeln!(out, "\ncaveat: {}", printable(c));
    }
    out
}

/// A group of suboperations: the named ones, or "otherwise" for the rest.
fn suboperations(labels: &[String]) -> String {
    let other = labels.iter().any(|l| l == "any other suboperation");
    let none = labels.iter().any(|l| l == "no suboperation");
    let named: Vec<&str> = labels
        .iter()
        .filter(|l| *l != "any other suboperation" && *l != "no suboperation")
        .map(String::as_str)
        .collect();
    match (named.is_empty(), other, none) {
        (true, true, _) => "otherwise".into(),
        (true, false, true) => "without a suboperation".into(),
        _ => {
            let mut s = format!("with suboperation {}", printable(&named.join(", ")));
            if other {
                s.push_str(", or any other");
            }
            if none {
                s.push_str(", or none");
            }
            s
        }
    }
}

fn printable(s: &str) -> String {
    azcond::diagnostic::printable(s).into_owned()
}
