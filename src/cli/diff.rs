//! `azcond diff`: does the new condition grant anything the old one did not?

use std::fmt::Write as _;

use azcond::diagnostic::printable;
use azcond::eval::{EvalOptions, MissingAttributes};
use azcond::semantic::{Diff, Verdict, Witness};
use azcond::{Condition, Diagnostic, Request};
use serde::Serialize;

use super::{input, print, report_error, Status};

/// Compare what two conditions allow: the CI gate "this change widens access".
///
/// Prints the verdict (equivalent, broader, narrower or incomparable) with requests that one
/// condition allows and the other denies, each confirmed by the evaluator.
///
/// Exit status: 0 when NEW grants nothing OLD did not (equivalent or narrower), 1 when it
/// grants more (broader or incomparable), 2 on usage, input or parse error.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The old and the new condition files (`-` for standard input, once).
    #[arg(value_name = "FILE", num_args = 0..=2)]
    files: Vec<String>,
    /// A condition text instead of a file: give `-c` twice, OLD then NEW.
    #[arg(short = 'c', long = "condition", value_name = "TEXT", num_args = 1)]
    conditions: Vec<String>,
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
enum Missing {
    /// The comparison is false (model A).
    False,
    /// The comparison is an error, so the decision is deny (model B).
    Error,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// The verdict in words, with the requests that show it.
    Human,
    /// `{"verdict", "grants_more", "grants_less", "caveats"}`.
    Json,
}

/// One side: where it came from, its text, its tree.
struct Side {
    name: String,
    text: String,
    condition: Condition,
}

pub fn run(args: &Args) -> Status {
    let sources: Vec<(String, Option<String>)> = match (args.conditions.len(), args.files.len()) {
        (2, 0) => args
            .conditions
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("<condition {}>", i + 1), Some(t.clone())))
            .collect(),
        (0, 2) => args.files.iter().map(|f| (f.clone(), None)).collect(),
        _ => {
            return fail(
                "give the old and the new condition: two files (`azcond diff OLD.cond NEW.cond`) or two texts (`-c OLD -c NEW`)",
            )
        }
    };
    if args.files.iter().filter(|f| f.as_str() == "-").count() > 1 {
        return fail("only one of the conditions can come from standard input");
    }
    let mut sides = Vec::new();
    for (name, text) in sources {
        let (name, text) = match text {
            Some(t) => (name, t),
            None => match input::read(&name, input::MAX_LEN) {
                Ok(mut i) => {
                    i.strip_bom();
                    (i.name, i.text)
                }
                Err(e) => return fail(&e.to_string()),
            },
        };
        let condition = match azcond::parse(&text) {
            Ok(c) => c,
            Err(e) => {
                super::eprint_diagnostic(&Diagnostic::from(&e), &text, &name);
                return Status::Error;
            }
        };
        sides.push(Side {
            name,
            text,
            condition,
        });
    }
    let [old, new] = sides.as_slice() else {
        return fail("give exactly two conditions");
    };
    let config = match super::config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let options = EvalOptions {
        missing: match args.missing {
            Some(Missing::False) => MissingAttributes::False,
            Some(Missing::Error) => MissingAttributes::Error,
            None => config.missing.unwrap_or_default(),
        },
        now: None,
    };
    let diff = match azcond::semantic::diff(&old.condition, &new.condition, &options) {
        Ok(d) => d,
        Err(e) => return fail(&e.to_string()),
    };
    match args.format {
        Format::Human => print(&human(&diff, old, new, &options)),
        Format::Json => match serde_json::to_string_pretty(&Json::of(&diff, options.missing)) {
            Ok(out) => print(&format!("{out}\n")),
            Err(e) => return fail(&format!("cannot write JSON: {e}")),
        },
    }
    match diff.verdict {
        Verdict::Equivalent | Verdict::Narrower => Status::Ok,
        Verdict::Broader | Verdict::Incomparable => Status::Findings,
    }
}

fn fail(message: &str) -> Status {
    report_error(message);
    Status::Error
}

#[derive(Serialize)]
struct Json<'a> {
    verdict: Verdict,
    grants_more: Vec<&'a serde_json::Value>,
    grants_less: Vec<&'a serde_json::Value>,
    /// Per witness, in the order above: the attributes it relies on being absent.
    absent_more: Vec<&'a [String]>,
    absent_less: Vec<&'a [String]>,
    missing: MissingAttributes,
    caveats: &'a [String],
}

impl<'a> Json<'a> {
    fn of(d: &'a Diff, missing: MissingAttributes) -> Json<'a> {
        Json {
            verdict: d.verdict,
            grants_more: d.grants_more.iter().map(|w| &w.request).collect(),
            grants_less: d.grants_less.iter().map(|w| &w.request).collect(),
            absent_more: d.grants_more.iter().map(|w| w.absent.as_slice()).collect(),
            absent_less: d.grants_less.iter().map(|w| w.absent.as_slice()).collect(),
            missing,
            caveats: &d.caveats,
        }
    }
}

fn human(d: &Diff, old: &Side, new: &Side, options: &EvalOptions) -> String {
    let mut out = String::new();
    let (o, n) = (printable(&old.name), printable(&new.name));
    let _ = writeln!(
        out,
        "{}",
        match d.verdict {
            Verdict::Equivalent =>
                format!("equivalent: {n} allows exactly the requests {o} allows"),
            Verdict::Broader => format!("broader: {n} grants more than {o}, and nothing less"),
            Verdict::Narrower => format!("narrower: {n} grants less than {o}, and nothing more"),
            Verdict::Incomparable => {
                format!(
                    "incomparable: {n} grants some requests {o} denies, and denies some it allows"
                )
            }
        }
    );
    section(
        &mut out,
        "granted by",
        new,
        "denied by",
        old,
        &d.grants_more,
        options,
    );
    section(
        &mut out,
        "denied by",
        new,
        "granted by",
        old,
        &d.grants_less,
        options,
    );
    for c in &d.caveats {
        let _ = writeln!(out, "note: {}", printable(c));
    }
    out
}

fn section(
    out: &mut String,
    new_verb: &str,
    new: &Side,
    old_verb: &str,
    old: &Side,
    witnesses: &[Witness],
    options: &EvalOptions,
) {
    if witnesses.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{new_verb} {}, {old_verb} {}:",
        printable(&new.name),
        printable(&old.name)
    );
    for w in witnesses {
        let _ = writeln!(
            out,
            "  request: {}",
            printable(&serde_json::to_string(&w.request).unwrap_or_default())
        );
        if !w.absent.is_empty() {
            let _ = writeln!(out, "    absent: {}", printable(&w.absent.join(", ")));
        }
        let Ok(request) = serde_json::from_value::<Request>(w.request.clone()) else {
            continue;
        };
        for side in [new, old] {
            let ev = side.condition.evaluate_with(&request, options);
            let decided = super::trace::deciding(&ev.trace);
            let _ = writeln!(
                out,
                "    {} {}, deciding:",
                printable(&side.name),
                match ev.decision {
                    azcond::Decision::Allow => "allows",
                    azcond::Decision::Deny => "denies",
                }
            );
            super::trace::render(out, decided, &side.text, "      ", Some(1));
        }
    }
}
