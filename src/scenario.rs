//! Scenario files (DECISIONS §5): a condition, optional request defaults, and cases that each
//! give a request and the expected outcome. `azcond test` loads and runs them; coverage says
//! which clauses and comparisons the cases saw both true and false.
//!
//! YAML (`*.test.yaml`, `*.test.yml`) and JSON (`*.test.json`) files have the same shape.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ast::{Condition, Expr, ExprKind};
use crate::eval::{Decision, EvalOptions, Evaluation};
use crate::request::Request;
use crate::span::Span;

/// What a case expects, and what it got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The condition is true.
    Allow,
    /// The condition is false.
    Deny,
    /// Evaluation failed (which denies).
    Error,
}

impl Outcome {
    /// `allow`, `deny` or `error`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Error => "error",
        }
    }

    /// The outcome of an evaluation.
    pub fn of(evaluation: &Evaluation) -> Outcome {
        match (evaluation.errors.is_empty(), evaluation.decision) {
            (false, _) => Outcome::Error,
            (true, Decision::Allow) => Outcome::Allow,
            (true, Decision::Deny) => Outcome::Deny,
        }
    }
}

/// A problem with a scenario file: which file, which case, where, and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.render())]
pub struct ScenarioError {
    /// The scenario file.
    pub file: PathBuf,
    /// The case concerned, if any.
    pub case: Option<String>,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// What is wrong, naming the field.
    pub message: String,
}

impl ScenarioError {
    fn render(&self) -> String {
        let mut out = self.file.display().to_string();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
        }
        if let Some(case) = &self.case {
            out.push_str(&format!(": case `{case}`"));
        }
        out.push_str(&format!(": {}", self.message));
        out
    }
}

/// One case, ready to run.
#[derive(Clone, Debug)]
pub struct Case {
    /// Its name.
    pub name: String,
    /// The 1-based line of its name in the scenario file.
    pub line: usize,
    /// The request, defaults merged in.
    pub request: Request,
    /// The expected outcome.
    pub expect: Outcome,
}

/// A loaded scenario file.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario file.
    pub file: PathBuf,
    /// Where the condition came from: the condition file, or the scenario file when inline.
    pub condition_file: PathBuf,
    /// The condition text.
    pub condition_text: String,
    /// The parsed condition.
    pub condition: Condition,
    /// The cases.
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    condition: Option<String>,
    condition_file: Option<String>,
    defaults: Option<serde_json::Value>,
    cases: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: serde_saphyr::Spanned<String>,
    #[serde(default)]
    request: serde_json::Value,
    expect: Outcome,
}

/// Whether `path` names a scenario file.
pub fn is_scenario_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        [".test.yaml", ".test.yml", ".test.json"]
            .iter()
            .any(|e| n.ends_with(e))
    })
}

/// Loads a scenario file whose text has been read. Every problem is reported, not only the first.
pub fn load(file: &Path, text: &str) -> Result<Scenario, Vec<ScenarioError>> {
    let error = |case: Option<&str>, line: Option<usize>, message: String| ScenarioError {
        file: file.to_path_buf(),
        case: case.map(str::to_string),
        line,
        message,
    };
    let is_json = file.extension().is_some_and(|e| e == "json");
    let raw: RawFile = if is_json {
        serde_json::from_str(text)
            .map_err(|e| vec![error(None, Some(e.line()), json_message(&e))])?
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line() as usize).filter(|l| *l > 0);
            vec![error(None, line, yaml_message(&e))]
        })?
    };

    let dir = file.parent().unwrap_or(Path::new("."));
    let (condition_file, condition_text) = match (&raw.condition, &raw.condition_file) {
        (Some(text), None) => (file.to_path_buf(), text.clone()),
        (None, Some(name)) => {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => (path, text),
                Err(e) => {
                    return Err(vec![error(
                        None,
                        None,
                        format!("condition_file `{}`: {e}", path.display()),
                    )])
                }
            }
        }
        (Some(_), Some(_)) => {
            return Err(vec![error(
                None,
                None,
                "give `condition` or `condition_file`, not both".into(),
            )])
        }
        (None, None) => {
            return Err(vec![error(
                None,
                None,
                "missing `condition` or `condition_file`".into(),
            )])
        }
    };
    let condition = crate::parse(&condition_text).map_err(|e| {
        vec![error(
            None,
            None,
            format!(
                "the condition does not parse: {}: {e}",
                condition_file.display()
            ),
        )]
    })?;
    if let Some(d) = &raw.defaults {
        if !d.is_object() {
            return Err(vec![error(
                None,
                None,
                "`defaults` must be a mapping of request fields".into(),
            )]);
        }
    }

    let mut errors = Vec::new();
    let mut cases = Vec::new();
    let mut search_from = 0;
    for raw_case in raw.cases {
        let name = raw_case.name.value;
        let line = match raw_case.name.referenced.line() {
            0 => line_of_name(text, &name, &mut search_from),
            l => l as usize,
        };
        let mut request = raw
            .defaults
            .clone()
            .unwrap_or_else(|| serde_json::json!({}));
        if !raw_case.request.is_null() && !raw_case.request.is_object() {
            errors.push(error(
                Some(&name),
                Some(line),
                "`request` must be a mapping".into(),
            ));
            continue;
        }
        merge(&mut request, raw_case.request);
        match serde_json::from_value::<Request>(request) {
            Ok(request) => cases.push(Case {
                name,
                line,
                request,
                expect: raw_case.expect,
            }),
            Err(e) => errors.push(error(Some(&name), Some(line), format!("request: {e}"))),
        }
    }
    if cases.is_empty() && errors.is_empty() {
        errors.push(error(None, None, "`cases` is empty".into()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Scenario {
        file: file.to_path_buf(),
        condition_file,
        condition_text,
        condition,
        cases,
    })
}

/// The line of `"name"` or `name:` in a JSON file, searching on from the previous case.
fn line_of_name(text: &str, name: &str, from: &mut usize) -> usize {
    let needle = serde_json::to_string(name).unwrap_or_default();
    let rest = text.get(*from..).unwrap_or("");
    match rest.find(&needle) {
        Some(at) => {
            *from += at + needle.len();
            text.get(..*from).map_or(1, |t| t.matches('\n').count() + 1)
        }
        None => 0,
    }
}

/// serde-saphyr's message without its location prefix and source excerpt.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("error: ");
    match first.split_once(": ") {
        Some((prefix, rest)) if prefix.starts_with("line ") => rest.to_string(),
        _ => first.to_string(),
    }
}

/// serde_json's message without its ` at line L column C` suffix.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text.get(..at).unwrap_or(&text).to_string(),
        None => text,
    }
}

/// Merges `overlay` into `base`: objects key by key, recursively; anything else replaces.
fn merge(base: &mut serde_json::Value, overlay: serde_json::Value) {
    match (base, overlay) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (_, serde_json::Value::Null) => {}
        (b, o) => *b = o,
    }
}

/// The result of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// What happened.
    pub actual: Outcome,
    /// Whether it was what the case expected.
    pub passed: bool,
    /// The evaluation, with its trace.
    pub evaluation: Evaluation,
}

/// Runs every case of a scenario.
pub fn run(scenario: &Scenario, options: &EvalOptions) -> Vec<CaseResult> {
    let prepared = scenario.condition.prepare();
    scenario
        .cases
        .iter()
        .map(|case| {
            let evaluation = prepared.evaluate_with(&case.request, options);
            let actual = Outcome::of(&evaluation);
            CaseResult {
                actual,
                passed: actual == case.expect,
                evaluation,
            }
        })
        .collect()
}

/// Which outcomes one clause or comparison was seen with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeCoverage {
    /// Its text in the condition.
    pub span: Span,
    /// The node in single-line form (`AND`/`OR`/`NOT` for those).
    pub node: String,
    /// Seen evaluated to true.
    pub seen_true: bool,
    /// Seen evaluated to false.
    pub seen_false: bool,
}

/// Coverage of one condition by the cases run against it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Every clause and comparison, in source order.
    pub nodes: Vec<NodeCoverage>,
}

impl Coverage {
    /// Outcomes seen, of the two per node.
    pub fn seen(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| usize::from(n.seen_true) + usize::from(n.seen_false))
            .sum()
    }

    /// Outcomes possible: two per node.
    pub fn total(&self) -> usize {
        2 * self.nodes.len()
    }

    /// Seen as a percentage of possible.
    pub fn percent(&self) -> f64 {
        if self.nodes.is_empty() {
            100.0
        } else {
            100.0 * self.seen() as f64 / self.total() as f64
        }
    }
}

/// What the cases covered of the condition: each node (parentheses aside) with the outcomes its
/// evaluations had.
pub fn coverage(condition: &Condition, results: &[CaseResult]) -> Coverage {
    let mut nodes = Vec::new();
    let mut stack: Vec<&Expr> = vec![&condition.expr];
    while let Some(e) = stack.pop() {
        let label = match &e.kind {
            ExprKind::Group(g) => {
                stack.push(&g.expr);
                continue;
            }
            ExprKind::Or(xs) => {
                stack.extend(xs.iter().rev());
                "OR".to_string()
            }
            ExprKind::And(xs) => {
                stack.extend(xs.iter().rev());
                "AND".to_string()
            }
            ExprKind::Not(x) => {
                stack.push(x);
                "NOT".to_string()
            }
            _ => e.to_string(),
        };
        nodes.push(NodeCoverage {
            span: e.span,
            node: label,
            seen_true: false,
            seen_false: false,
        });
    }
    for step in results.iter().flat_map(|r| r.evaluation.trace.iter()) {
        if let Some(n) = nodes
            .iter_mut()
            .find(|n| n.span == step.span && n.node == step.node)
        {
            match step.result {
                Some(true) => n.seen_true = true,
                Some(false) => n.seen_false = true,
                None => {}
            }
        }
    }
    nodes.sort_by_key(|n| (n.span.start, std::cmp::Reverse(n.span.end)));
    Coverage { nodes }
}
