//! Rendering of evaluation traces, shared by `eval` and `test`.

use std::fmt::Write as _;

use azcond::diagnostic::printable;
use azcond::eval::TraceStep;
use azcond::span::LineIndex;

/// Longest node text shown on a trace line.
const MAX_NODE: usize = 160;

/// Appends `steps` as an indented tree, each node with its value, position and the values it
/// saw; `indent` is prefixed to every line, and steps deeper than `max_depth` below the first
/// are left out.
pub fn render(
    out: &mut String,
    steps: &[TraceStep],
    src: &str,
    indent: &str,
    max_depth: Option<usize>,
) {
    let base = steps.first().map_or(0, |s| s.depth);
    let index = LineIndex::new(src);
    for step in steps {
        let level = step.depth - base.min(step.depth);
        if max_depth.is_some_and(|m| level > m) {
            continue;
        }
        let pad = format!("{indent}{}", "  ".repeat(level));
        let result = match step.result {
            Some(true) => "true ",
            Some(false) => "false",
            None => "error",
        };
        let p = index.position(src, step.span.start);
        let _ = writeln!(
            out,
            "{pad}{result} {}  @{}:{}",
            printable(&azcond::role::annotate(&clip(&step.node))),
            p.line,
            p.column
        );
        // What a node saw comes from the request: never sent to the terminal raw.
        for d in &step.detail {
            let _ = writeln!(
                out,
                "{pad}        {}",
                printable(&azcond::role::annotate(d))
            );
        }
    }
}

/// The steps that decided the outcome: from the root, follow the operand that settled each
/// `AND` (a false one) or `OR` (a true one), or that failed, down to a node whose value all
/// its operands made; that node and everything below it.
pub fn deciding(steps: &[TraceStep]) -> &[TraceStep] {
    let mut at = 0;
    loop {
        let Some(step) = steps.get(at) else {
            return &[];
        };
        let end = subtree_end(steps, at);
        let settled = matches!(
            (step.node.as_str(), step.result),
            ("AND", Some(false)) | ("OR", Some(true)) | ("AND" | "OR" | "NOT", None)
        );
        let last_child = (at + 1..end)
            .rev()
            .find(|&i| steps.get(i).is_some_and(|s| s.depth == step.depth + 1));
        match (settled, last_child) {
            (true, Some(child)) => at = child,
            _ => return steps.get(at..end).unwrap_or(&[]),
        }
    }
}

fn subtree_end(steps: &[TraceStep], at: usize) -> usize {
    let depth = steps.get(at).map_or(0, |s| s.depth);
    (at + 1..steps.len())
        .find(|&i| steps.get(i).is_some_and(|s| s.depth <= depth))
        .unwrap_or(steps.len())
}

fn clip(s: &str) -> String {
    if s.chars().count() > MAX_NODE {
        format!("{}…", s.chars().take(MAX_NODE).collect::<String>())
    } else {
        s.to_string()
    }
}
