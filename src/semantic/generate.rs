//! Scenario generation: requests that take a condition down each of its decision paths.
//!
//! The goals are what `azcond test --coverage` counts and what a reviewer asks of a test
//! suite: every clause and comparison seen true and seen false where evaluation reaches it,
//! every value of every attribute that the condition's literals tell apart (the model's
//! candidates), empty lists, and every attribute absent. Each is a set of requests over the
//! model; a case is built for the first goal no case covers yet, widened greedily by the goals
//! after it that the same request can also meet, so the file stays short. The expected outcome
//! of every case is the evaluator's, and the model's prediction must agree with it.

use std::cell::RefCell;
use std::collections::HashMap;

use biodivine_lib_bdd::{Bdd, BddValuation};
use serde::Serialize;

use crate::ast::{Condition, Expr, ExprKind};
use crate::eval::EvalOptions;
use crate::request::{Request, Scalar};
use crate::scenario::{self, Outcome};

use super::model::{DimKey, Model, NameKey, OTHER_ACTION, OTHER_SUBOPERATION};
use super::{Limits, SemanticError};

/// Most cases one condition gets; goals left after them are counted in
/// [`Generated::not_generated`].
pub const MAX_CASES: usize = 256;

/// Most later goals a case tries to meet besides the one it is made for.
const MAX_WIDEN: usize = 96;

/// One generated case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GeneratedCase {
    /// Named after the goal it was made for; unique within the file.
    pub name: String,
    /// The request, in the JSON of DECISIONS §4.
    pub request: serde_json::Value,
    /// What the evaluator decides for it.
    pub expect: Outcome,
    /// Every goal it meets, the one it was made for first.
    pub exercises: Vec<String>,
    /// Attributes the condition reads that the request leaves out.
    pub absent: Vec<String>,
}

/// The cases for one condition, and what no case can show.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Generated {
    /// The cases, in the order of the goals they were made for.
    pub cases: Vec<GeneratedCase>,
    /// Outcomes of clauses that no request reaches (a clause that cannot be false where it is
    /// evaluated, say): the coverage a complete suite still misses.
    pub unreachable: Vec<String>,
    /// Goals left without a case because the file reached [`MAX_CASES`].
    pub not_generated: usize,
    /// Where the model of requests may miss requests (see [`super::Diff::caveats`]).
    pub caveats: Vec<String>,
}

/// One thing the cases should show.
struct Goal {
    description: String,
    /// The requests that show it.
    set: Bdd,
    /// For a clause's outcome: the node and the outcome, to be confirmed on the trace.
    node: Option<(u32, bool)>,
    covered: bool,
}

/// Cases that take `condition` down each of its decision paths, under `options`.
pub fn generate(
    condition: &Condition,
    options: &EvalOptions,
    limits: &Limits,
) -> Result<Generated, SemanticError> {
    let model = Model::new(&[condition], options, limits)?;
    let root = condition.expr();
    let memo = RefCell::new(HashMap::new());
    let whole = model.outcome_without(root, 0, &[], Some(&memo))?;
    let outcome_of = |e: Expr<'_>| -> Result<super::model::Outcome, SemanticError> {
        model.outcome_without(e, 0, &[], Some(&memo))
    };
    let reach = reach(&model, root, &outcome_of)?;
    // The whole condition: the root inside any parentheses around it all.
    let mut top = root;
    while let ExprKind::Group(g) = top.kind() {
        top = g.expr;
    }

    let text = &condition.tree().text;
    let lines = crate::span::LineIndex::new(text);
    let mut goals = Vec::new();
    let mut unreachable = Vec::new();
    // Each clause and comparison, true and false, where evaluation reaches it.
    for e in root.descendants() {
        if matches!(e.kind(), ExprKind::Group(_)) {
            continue;
        }
        let Some(r) = reach.get(&e.id()) else {
            continue;
        };
        let o = outcome_of(e)?;
        let yes = model.and(r, &o.truth)?;
        let no = model.and_not(&model.and_not(r, &o.truth)?, &o.error)?;
        let clause = clip(&shorten(&e.to_string()));
        let at = lines.position(text, e.span().start);
        for (set, value) in [(yes, true), (no, false)] {
            let description = if e.id() == top.id() {
                format!("the whole condition {value}")
            } else {
                format!("`{clause}` {value}")
            };
            if set.is_false() {
                let (why, place) = if r.is_false() {
                    ("is never evaluated, so never", "")
                } else {
                    ("is never", " where it is evaluated")
                };
                unreachable.push(format!(
                    "`{clause}` ({}:{}) {why} {value}{place}",
                    at.line, at.column
                ));
                continue;
            }
            goals.push(Goal {
                description,
                set,
                node: Some((e.id(), value)),
                covered: false,
            });
        }
    }
    // Each value the condition tells apart, empty lists and absence, where a leaf reads them.
    let mut readers: Vec<Bdd> = model.dims.iter().map(|_| model.none()).collect();
    for e in root.descendants().filter(|e| e.is_leaf()) {
        let Some(r) = reach.get(&e.id()) else {
            continue;
        };
        for d in model.dims_of(e) {
            if let Some(slot) = readers.get_mut(d) {
                *slot = model.or(slot, r)?;
            }
        }
    }
    for (dim, read) in model.dims.iter().zip(&readers) {
        if read.is_false() {
            continue;
        }
        let name = short_name(&dim.key, &dim.written);
        for (candidate, v) in dim.candidates.iter().zip(&dim.vars) {
            let value = candidate_text(&dim.key, candidate);
            let description = if dim.list {
                format!("{name} holds {value}")
            } else {
                format!("{name} is {value}")
            };
            goals.push(Goal {
                description,
                set: model.and(read, &model.var(*v))?,
                node: None,
                covered: false,
            });
        }
        let present = model.present(dim);
        if dim.list {
            goals.push(Goal {
                description: format!("{name} is an empty list"),
                set: model.and(&model.and(read, &present)?, &model.none_of(&dim.vars)?)?,
                node: None,
                covered: false,
            });
        }
        if dim.optional || dim.linked {
            let description = match dim.key {
                DimKey::SubOperation => "no suboperation".to_string(),
                _ => format!("{name} absent"),
            };
            goals.push(Goal {
                description,
                set: model.and_not(read, &present)?,
                node: None,
                covered: false,
            });
        }
    }
    goals.retain(|g| !g.set.is_false());

    let mut cases: Vec<GeneratedCase> = Vec::new();
    let mut evaluations = Vec::new();
    let mut not_generated = 0;
    for first in 0..goals.len() {
        let Some(goal) = goals.get(first) else {
            break;
        };
        if goal.covered {
            continue;
        }
        if cases.len() >= MAX_CASES {
            not_generated += 1;
            continue;
        }
        let mut set = goal.set.clone();
        for other in goals
            .iter()
            .skip(first + 1)
            .filter(|g| !g.covered)
            .take(MAX_WIDEN)
        {
            let both = model.and(&set, &other.set)?;
            if !both.is_false() {
                set = both;
            }
        }
        let valuation = fewest_present(&model, set)?;
        let (json, absent) = model.witness(&valuation);
        let request: Request = serde_json::from_value(json.clone()).map_err(|e| {
            SemanticError::Internal(format!("a generated request is not valid ({e}): {json}"))
        })?;
        let evaluation = condition.evaluate_with(&request, options);
        let expect = Outcome::of(&evaluation);
        let predicted = if whole.error.eval_in(&valuation) {
            Outcome::Error
        } else if whole.truth.eval_in(&valuation) {
            Outcome::Allow
        } else {
            Outcome::Deny
        };
        if predicted != expect {
            return Err(SemanticError::Internal(format!(
                "the model predicts {} and the evaluator decides {} for {json}",
                predicted.name(),
                expect.name()
            )));
        }
        let mut exercises = Vec::new();
        for g in goals.iter_mut().filter(|g| !g.covered) {
            if g.set.eval_in(&valuation) {
                g.covered = true;
                exercises.push(g.description.clone());
            }
        }
        let name = unique_name(&cases, exercises.first().map_or("case", String::as_str));
        cases.push(GeneratedCase {
            name,
            request: json,
            expect,
            exercises,
            absent,
        });
        evaluations.push(scenario::CaseResult {
            actual: expect,
            passed: true,
            evaluation,
        });
    }
    confirm_coverage(condition, &goals, &evaluations)?;
    Ok(Generated {
        cases,
        unreachable,
        not_generated,
        caveats: model.caveats.clone(),
    })
}

/// For every node, the requests whose evaluation reaches it: the root always; an operand of
/// an `AND` (`OR`) when every operand before it was true (false) without error.
fn reach(
    model: &Model,
    root: Expr<'_>,
    outcome_of: &dyn Fn(Expr<'_>) -> Result<super::model::Outcome, SemanticError>,
) -> Result<HashMap<u32, Bdd>, SemanticError> {
    let mut out = HashMap::new();
    let mut stack = vec![(root, model.constraint.clone())];
    while let Some((e, r)) = stack.pop() {
        match e.kind() {
            ExprKind::Group(g) => stack.push((g.expr, r.clone())),
            ExprKind::Not(x) => stack.push((x, r.clone())),
            ExprKind::And(items) | ExprKind::Or(items) => {
                let is_and = matches!(e.kind(), ExprKind::And(_));
                let mut going = r.clone();
                for item in items.iter() {
                    stack.push((item, going.clone()));
                    let o = outcome_of(item)?;
                    going = if is_and {
                        model.and(&going, &o.truth)?
                    } else {
                        model.and_not(&model.and_not(&going, &o.truth)?, &o.error)?
                    };
                }
            }
            _ => {}
        }
        out.insert(e.id(), r);
    }
    Ok(out)
}

/// A request in `set` with as few attributes present as `set` allows.
fn fewest_present(model: &Model, mut set: Bdd) -> Result<BddValuation, SemanticError> {
    for d in &model.dims {
        if let (Some(p), false) = (d.present, d.linked) {
            let without = set.var_select(p, false);
            if !without.is_false() {
                set = without;
            }
        }
    }
    set.sat_witness()
        .ok_or_else(|| SemanticError::Internal("a goal's set of requests turned out empty".into()))
}

/// Checks on the evaluator's traces that every clause outcome the model says a case shows
/// is one `azcond test --coverage` sees.
fn confirm_coverage(
    condition: &Condition,
    goals: &[Goal],
    results: &[scenario::CaseResult],
) -> Result<(), SemanticError> {
    let coverage = scenario::coverage(condition, results);
    for g in goals.iter().filter(|g| g.covered) {
        let Some((id, value)) = g.node else {
            continue;
        };
        let span = condition
            .expr()
            .descendants()
            .find(|e| e.id() == id)
            .map(|e| e.span());
        let seen = coverage
            .nodes
            .iter()
            .any(|n| Some(n.span) == span && if value { n.seen_true } else { n.seen_false });
        if !seen {
            return Err(SemanticError::Internal(format!(
                "the model says the cases show {} but the evaluator's trace does not",
                g.description
            )));
        }
    }
    Ok(())
}

/// `name`, or `name (2)`, `name (3)` … when a case already has it.
fn unique_name(cases: &[GeneratedCase], name: &str) -> String {
    let mut candidate = name.to_string();
    let mut n = 1;
    while cases.iter().any(|c| c.name == candidate) {
        n += 1;
        candidate = format!("{name} ({n})");
    }
    candidate
}

/// Longest clause text a goal's description quotes.
const MAX_QUOTED: usize = 80;

/// A clause's text with Azure's long names cut to their last part (`…/blobs/read`,
/// `…/tags:Project`), and without the key marker: what a reader needs to tell the clauses of
/// one condition apart.
fn shorten(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text.replace(crate::ast::KEY_CASE_SENSITIVE_MARKER, "");
    while let Some(at) = rest.find("Microsoft.") {
        let (before, name) = rest.split_at(at);
        out.push_str(before);
        let end = name
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '-' | ':'))
            })
            .unwrap_or(name.len());
        let (whole, after) = name.split_at(end);
        match whole.rsplit_once('/') {
            Some((_, last)) => {
                out.push_str("…/");
                out.push_str(last);
            }
            None => out.push_str(whole),
        }
        rest = after.to_string();
    }
    out.push_str(&rest);
    out
}

fn clip(s: &str) -> String {
    if s.chars().count() > MAX_QUOTED {
        format!("{}…", s.chars().take(MAX_QUOTED - 1).collect::<String>())
    } else {
        s.to_string()
    }
}

/// A dimension as a goal names it: the source and the last part of the attribute's name,
/// which is what tells a condition's attributes apart in practice.
fn short_name(key: &DimKey, written: &str) -> String {
    let tail = |s: &str| -> String {
        match s.rsplit_once('/') {
            Some((_, t)) => format!("…/{t}"),
            None => s.to_string(),
        }
    };
    match key {
        DimKey::Action => "the action".into(),
        DimKey::SubOperation => "the suboperation".into(),
        DimKey::Attribute(src, name) => {
            let source = super::model::source_of(*src).name();
            match name {
                NameKey::Key { key, .. } => format!("@{source}[{}:{key}]", tail(written)),
                NameKey::Keys { .. } => format!("@{source}[{}&$keys$&]", tail(written)),
                NameKey::Plain(_) => format!("@{source}[{}]", tail(written)),
            }
        }
    }
}

/// A candidate value as a goal names it.
fn candidate_text(key: &DimKey, candidate: &Scalar) -> String {
    match (key, candidate) {
        (DimKey::Action, Scalar::String(a)) if a == OTHER_ACTION => "another action".into(),
        (DimKey::SubOperation, Scalar::String(s)) if s == OTHER_SUBOPERATION => {
            "another suboperation".into()
        }
        (_, Scalar::String(s)) => format!("'{s}'"),
        (_, Scalar::Integer(n)) => n.to_string(),
        (_, Scalar::Bool(b)) => b.to_string(),
    }
}
