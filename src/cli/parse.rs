//! `azcond parse`: print the syntax tree of one condition.

use std::fmt::Write as _;

use azcond::ast::{Expr, ExprKind, OperandKind};
use azcond::span::LineIndex;
use azcond::{Condition, Diagnostic};

use super::{input, print, report_error, Status};

/// Print the syntax tree of a condition.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// The condition file, or `-` for standard input (the default).
    #[arg(default_value = "-")]
    file: String,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// An indented outline with `line:column` positions.
    Human,
    /// The tree as JSON, spans as byte offsets.
    Json,
}

pub fn run(args: &Args) -> Status {
    let input = match input::read(&args.file, input::MAX_LEN) {
        Ok(input) => input,
        Err(e) => {
            report_error(&e.to_string());
            return Status::Error;
        }
    };
    let condition = match azcond::parse(&input.text) {
        Ok(c) => c,
        Err(e) => {
            super::eprint_diagnostic(&Diagnostic::from(&e), &input.text, &input.name);
            return Status::Error;
        }
    };
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&condition) {
            Ok(json) => print(&format!("{json}\n")),
            Err(e) => {
                report_error(&format!("cannot write JSON: {e}"));
                return Status::Error;
            }
        },
        Format::Human => print(&outline(&condition, &input.text)),
    }
    Status::Ok
}

/// One line per node, indented by depth, with its position.
fn outline(condition: &Condition, src: &str) -> String {
    let mut out = String::new();
    node(condition.expr(), src, &LineIndex::new(src), 0, &mut out);
    out
}

fn node(e: Expr<'_>, src: &str, index: &LineIndex, depth: usize, out: &mut String) {
    let pos = index.position(src, e.span().start);
    let indent = "  ".repeat(depth);
    for c in e.comments().iter() {
        let _ = writeln!(out, "{indent}comment {}", c.text);
    }
    let head = match e.kind() {
        ExprKind::Or(_) => "Or".to_string(),
        ExprKind::And(_) => "And".to_string(),
        ExprKind::Not(_) => "Not".to_string(),
        ExprKind::Group(_) => "Group".to_string(),
        ExprKind::ActionMatches(s) => format!("ActionMatches '{}'", s.value),
        ExprKind::SubOperationMatches(s) => format!("SubOperationMatches '{}'", s.value),
        ExprKind::Exists(a) => format!("Exists {a}"),
        ExprKind::Compare(c) => format!("Compare {}", c.operator),
    };
    let _ = writeln!(out, "{indent}{head}  @{}:{}", pos.line, pos.column);
    match e.kind() {
        ExprKind::Or(xs) | ExprKind::And(xs) => {
            for x in xs {
                node(x, src, index, depth + 1, out);
            }
        }
        ExprKind::Not(x) => node(x, src, index, depth + 1, out),
        ExprKind::Group(g) => node(g.expr, src, index, depth + 1, out),
        ExprKind::Compare(c) => {
            for (side, operand) in [("left", &c.left), ("right", &c.right)] {
                let kind = match &operand.kind {
                    OperandKind::Attribute(_) => "attribute",
                    OperandKind::Literal(_) => "value",
                    OperandKind::Set(_) => "set",
                };
                let shown = operand.to_string();
                let _ = writeln!(
                    out,
                    "{indent}  {side} {kind} {}",
                    azcond::role::annotate(&shown)
                );
            }
        }
        ExprKind::ActionMatches(_) | ExprKind::SubOperationMatches(_) | ExprKind::Exists(_) => {}
    }
}
