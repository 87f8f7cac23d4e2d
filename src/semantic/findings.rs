//! `check`'s semantic findings: a condition or clause that is always true or never true, and a
//! clause whose removal changes nothing, each decided over the model of requests.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::Serialize;

use biodivine_lib_bdd::Bdd;

use crate::ast::{Condition, Expr, ExprKind, LiteralKind, OperandKind};
use crate::eval::EvalOptions;
use crate::request::{Request, Scalar};
use crate::span::Span;

use super::model::Model;
use super::{Limits, SemanticError};

/// What a semantic finding says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// The condition, or a comparison where its attributes are present, cannot be false.
    AlwaysTrue,
    /// The condition, or a comparison, cannot be true.
    NeverTrue,
    /// Removing the clause changes no decision.
    RedundantClause,
}

impl FindingKind {
    /// The finding's stable code.
    pub fn code(self) -> &'static str {
        match self {
            FindingKind::AlwaysTrue => "always-true",
            FindingKind::NeverTrue => "never-true",
            FindingKind::RedundantClause => "redundant-clause",
        }
    }
}

/// One semantic finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What it says.
    pub kind: FindingKind,
    /// The condition's or clause's text.
    pub span: Span,
    /// The message.
    pub message: String,
    /// Why, and what to do.
    pub help: String,
}

/// The semantic findings of a condition. None when the model's answer could miss requests
/// (its caveats): a finding is a claim about every request.
pub fn findings(
    condition: &Condition,
    options: &EvalOptions,
    limits: &Limits,
) -> Result<Vec<Finding>, SemanticError> {
    let model = Model::new(&[condition], options, limits)?;
    if !model.caveats.is_empty() {
        return Ok(Vec::new());
    }
    let root = condition.expr();
    // A condition that reads nothing of the request is a constant: Microsoft's operator
    // reference demonstrates operators that way (`{'red', 'blue'} ForAnyOfAnyValues:… {…}`).
    if model.dims.is_empty() {
        return Ok(Vec::new());
    }
    let memo = RefCell::new(HashMap::new());
    let allow = model.outcome_without(root, 0, &[], Some(&memo))?.truth;
    let requests = &model.constraint;
    let mut out = Vec::new();
    if model.and(&allow, requests)?.is_false() {
        let example = example(&model, requests, root, false, options)?;
        out.push(Finding {
            kind: FindingKind::NeverTrue,
            span: root.span(),
            message: "no request satisfies this condition: the role assignment grants nothing"
                .into(),
            help: format!("a clause contradicts another; even the request that holds its own values is denied: {example}"),
        });
        return Ok(out);
    }
    if model.and_not(requests, &allow)?.is_false() {
        let example = example(&model, requests, root, true, options)?;
        out.push(Finding {
            kind: FindingKind::AlwaysTrue,
            span: root.span(),
            message: "this condition is true for every request: it restricts nothing".into(),
            help: format!("a role assignment with this condition grants what the role grants; check the operators (`ForAnyOfAnyValues:…NotEquals` holds for any value not in the set); even the request that holds its own values is allowed: {example}"),
        });
        return Ok(out);
    }
    // With every attribute present, unless the condition asks whether they are.
    let tests_presence = root
        .descendants()
        .any(|e| matches!(e.kind(), ExprKind::Exists(_)));
    let with_all = model.and(&model.leaf_present(root), requests)?;
    if !tests_presence && !with_all.is_false() && model.and_not(&with_all, &allow)?.is_false() {
        let example = example(&model, &with_all, root, true, options)?;
        out.push(Finding {
            kind: FindingKind::AlwaysTrue,
            span: root.span(),
            message: "this condition is true for every request that has the attributes it reads: it restricts nothing but their presence".into(),
            help: format!("check the operators: `A NotEquals 'x' OR A NotEquals 'y'` holds for every value, `ForAnyOfAnyValues:…NotEquals {{x, y}}` too; even the request that holds its own values is allowed: {example}"),
        });
        return Ok(out);
    }
    for e in root.descendants() {
        let ExprKind::Compare(_) = e.kind() else {
            continue;
        };
        let o = model.outcome_without(e, 0, &[], Some(&memo))?;
        let present = model.and(&model.leaf_present(e), requests)?;
        if present.is_false() {
            continue;
        }
        if model.and(&o.truth, requests)?.is_false() {
            let example = example(&model, &present, e, false, options)?;
            out.push(Finding {
                kind: FindingKind::NeverTrue,
                span: e.span(),
                message: "this comparison is never true, whatever the request holds".into(),
                help: format!("it denies wherever it decides; check the operator and the values; it is false even for its own values: {example}"),
            });
        } else if model.and_not(&present, &o.truth)?.is_false() {
            let example = example(&model, &present, e, true, options)?;
            out.push(Finding {
                kind: FindingKind::AlwaysTrue,
                span: e.span(),
                message: "this comparison is true for every request that has its attributes".into(),
                help: format!("it restricts nothing once its attributes are present; `ForAnyOfAnyValues:…NotEquals {{a, b}}` holds for every single value, `ForAnyOfAllValues:…NotEquals` means \"none of\"; it is true even for its own values: {example}"),
            });
        }
    }
    redundant(&model, root, &allow, requests, &memo, &mut out)?;
    Ok(out)
}

/// A request in `set` whose attributes hold the values `e` names where the set allows (the
/// request a reader would try first), checked with the evaluator to decide `e` as `holds`:
/// the finding's witness, in the JSON `azcond eval --request` reads.
fn example(
    model: &Model,
    set: &Bdd,
    e: Expr<'_>,
    holds: bool,
    options: &EvalOptions,
) -> Result<String, SemanticError> {
    let named: Vec<Scalar> = e
        .descendants()
        .flat_map(|x| match x.kind() {
            ExprKind::Compare(c) => [c.left, c.right]
                .into_iter()
                .flat_map(|o| match o.kind {
                    OperandKind::Literal(l) => vec![l.kind],
                    OperandKind::Set(items) => items.iter().map(|l| l.kind).collect(),
                    OperandKind::Attribute(_) => Vec::new(),
                })
                .map(|l| match l {
                    LiteralKind::String(s) => Scalar::String(s.to_string()),
                    LiteralKind::Guid(g) => Scalar::String(g.value.hyphenated().to_string()),
                    LiteralKind::Integer(n) => Scalar::Integer(n),
                    LiteralKind::Bool(b) => Scalar::Bool(b),
                })
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    let mut b = model.and(set, &model.constraint)?;
    for d in &model.dims {
        for (c, v) in d.candidates.iter().zip(&d.vars) {
            if named.contains(c) {
                let with = b.var_select(*v, true);
                if !with.is_false() {
                    b = with;
                }
            }
        }
    }
    let valuation = b.sat_witness().ok_or_else(|| {
        SemanticError::Internal("a finding's set of requests turned out empty".into())
    })?;
    let (json, _) = model.witness(&valuation);
    let request: Request = serde_json::from_value(json.clone()).map_err(|err| {
        SemanticError::Internal(format!(
            "a finding's example is not a request ({err}): {json}"
        ))
    })?;
    let clause = crate::parse(&e.to_string())
        .map_err(|err| SemanticError::Internal(format!("a clause does not parse again: {err}")))?;
    if clause.decide(&request, options).ok() == Some(true) {
        if holds {
            return Ok(json.to_string());
        }
    } else if !holds {
        return Ok(json.to_string());
    }
    Err(SemanticError::Internal(format!(
        "the evaluator does not confirm `{clause}` {} for {json}",
        if holds { "true" } else { "false" }
    )))
}

/// Operands of an `AND` or `OR` whose removal changes no decision; not looked into further.
/// Most redundant clauses reported per condition.
const MAX_REDUNDANT: usize = 16;

/// How many of an `AND`'s or `OR`'s operands are already left out.
fn removed_here(items: &crate::ast::Exprs<'_>, removed: &[u32]) -> usize {
    items.iter().filter(|i| removed.contains(&i.id())).count()
}

fn redundant(
    model: &Model,
    root: Expr<'_>,
    allow: &biodivine_lib_bdd::Bdd,
    requests: &biodivine_lib_bdd::Bdd,
    memo: &RefCell<HashMap<u32, super::model::Outcome>>,
    out: &mut Vec<Finding>,
) -> Result<(), SemanticError> {
    // Left out one after another: each is redundant given the ones before it are gone, so
    // removing all of them together changes nothing either.
    let mut removed: Vec<u32> = Vec::new();
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        match e.kind() {
            ExprKind::Group(g) => stack.push(g.expr),
            ExprKind::Not(x) => stack.push(x),
            ExprKind::And(items) | ExprKind::Or(items) => {
                for item in items.iter() {
                    if removed.len() >= MAX_REDUNDANT
                        || items.len() - removed_here(&items, &removed) < 2
                    {
                        break;
                    }
                    let mut trial = removed.clone();
                    trial.push(item.id());
                    let without = model.outcome_without(root, 0, &trial, Some(memo))?.truth;
                    let same = model
                        .and(&model.and_not(allow, &without)?, requests)?
                        .is_false()
                        && model
                            .and(&model.and_not(&without, allow)?, requests)?
                            .is_false();
                    if same {
                        removed.push(item.id());
                        out.push(Finding {
                            kind: FindingKind::RedundantClause,
                            span: item.span(),
                            message: "removing this clause changes no decision".into(),
                            help: "another clause already decides every request it decides; the portal repeats its action guard in every block, which is harmless".into(),
                        });
                    } else {
                        stack.push(item);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}
