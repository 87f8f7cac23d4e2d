//! `azcond eval`: evaluate one condition against one request.

use std::fmt::Write as _;

use azcond::diagnostic::printable;
use azcond::eval::{parse_utc, EvalOptions, Evaluation};
use azcond::request::Request;
use azcond::span::position;
use azcond::{Diagnostic, Severity};
use serde::Serialize;

use super::{input, print, report_error, Missing, Status};

/// Evaluate a condition against a request.
///
/// Exit status: 0 allow, 1 deny (including evaluation errors), 2 usage, input or parse error.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    source: input::ConditionSource,
    /// The request as JSON (action, subOperation, resource, request, principal, environment).
    #[arg(long, short = 'r', value_name = "REQUEST.json")]
    request: String,
    /// `@Environment[UtcNow]` when the request does not give it, e.g. 2025-06-10T14:00:00Z.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
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
    /// The decision, then what decided it.
    Human,
    /// `{"decision", "errors", "missing", "trace"}`.
    Json,
}

pub fn run(args: &Args) -> Status {
    let (name, text) = match args.source.read() {
        Ok(read) => read,
        Err(e) => return fail(&e),
    };
    if args.source.file.as_deref() == Some("-") && args.request == "-" {
        return fail("the condition and the request cannot both come from standard input");
    }
    let condition = match azcond::parse(&text) {
        Ok(c) => c,
        Err(e) => {
            super::eprint_diagnostic(&Diagnostic::from(&e), &text, &name);
            return Status::Error;
        }
    };
    let mut request_input = match input::read(&args.request, input::MAX_LEN) {
        Ok(i) => i,
        Err(e) => return fail(&e.to_string()),
    };
    request_input.strip_bom();
    let request: Request = match serde_json::from_str(&request_input.text) {
        Ok(r) => r,
        Err(e) => {
            return fail(&format!(
                "`{}` is not a valid request: {e}",
                request_input.name
            ))
        }
    };
    let now = match args.now.as_deref().map(parse_utc).transpose() {
        Ok(now) => now,
        Err(e) => return fail(&format!("--now: {e}")),
    };
    let config = match super::config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let options = EvalOptions {
        missing: Missing::resolve(args.missing, config.missing),
        now,
    };
    let evaluation = condition.evaluate_with(&request, &options);
    match args.format {
        Format::Human => print(&human(&evaluation, &text, &name)),
        Format::Json => match serde_json::to_string_pretty(&json(&evaluation, &text)) {
            Ok(out) => print(&format!("{out}\n")),
            Err(e) => return fail(&format!("cannot write JSON: {e}")),
        },
    }
    match evaluation.decision {
        azcond::eval::Decision::Allow => Status::Ok,
        azcond::eval::Decision::Deny => Status::Findings,
    }
}

fn fail(message: &str) -> Status {
    report_error(message);
    Status::Error
}

/// The decision, the error, the missing attributes, then the trace as an indented tree.
fn human(ev: &Evaluation, src: &str, name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        if ev.errors.is_empty() {
            decision(ev)
        } else {
            "deny (evaluation error)".into()
        }
    );
    for e in &ev.errors {
        let d = Diagnostic {
            severity: Severity::Error,
            code: e.kind.code().to_string(),
            message: e.message.clone(),
            span: e.span,
            label: "evaluating this failed".into(),
            related: Vec::new(),
            location: None,
            help: Some("an evaluation error never allows".into()),
        };
        out.push_str(&d.render(src, name));
    }
    for m in &ev.missing {
        let p = position(src, m.span.start);
        let _ = writeln!(
            out,
            "missing: {m} ({}:{}:{})",
            printable(name),
            p.line,
            p.column
        );
    }
    let _ = writeln!(out, "trace:");
    super::trace::render(&mut out, &ev.trace, src, "  ", None);
    out
}

fn decision(ev: &Evaluation) -> String {
    match ev.decision {
        azcond::eval::Decision::Allow => "allow".into(),
        azcond::eval::Decision::Deny => "deny".into(),
    }
}

#[derive(Serialize)]
struct Located<'a, T: Serialize> {
    #[serde(flatten)]
    item: &'a T,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonEvaluation<'a> {
    decision: azcond::eval::Decision,
    errors: Vec<serde_json::Value>,
    missing: Vec<Located<'a, azcond::eval::MissingAttribute>>,
    trace: &'a [azcond::eval::TraceStep],
}

fn json<'a>(ev: &'a Evaluation, src: &str) -> JsonEvaluation<'a> {
    JsonEvaluation {
        decision: ev.decision,
        errors: ev
            .errors
            .iter()
            .map(|e| {
                let p = position(src, e.span.start);
                serde_json::json!({
                    "code": e.kind.code(),
                    "message": e.message,
                    "line": p.line,
                    "column": p.column,
                    "span": e.span,
                })
            })
            .collect(),
        missing: ev
            .missing
            .iter()
            .map(|m| {
                let p = position(src, m.span.start);
                Located {
                    item: m,
                    line: p.line,
                    column: p.column,
                }
            })
            .collect(),
        trace: &ev.trace,
    }
}
