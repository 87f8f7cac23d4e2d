//! `check`'s semantic findings: a condition or clause that is always true or never true, and a
//! clause whose removal changes nothing, each decided over the model of requests.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::Serialize;

use crate::ast::{Condition, Expr, ExprKind};
use crate::eval::EvalOptions;
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
        out.push(Finding {
            kind: FindingKind::NeverTrue,
            span: root.span(),
            message: "no request satisfies this condition: the role assignment grants nothing"
                .into(),
            help: "a clause contradicts another; `azcond eval` with the requests it should allow shows which".into(),
        });
        return Ok(out);
    }
    if model.and_not(requests, &allow)?.is_false() {
        out.push(Finding {
            kind: FindingKind::AlwaysTrue,
            span: root.span(),
            message: "this condition is true for every request: it restricts nothing".into(),
            help: "a role assignment with this condition grants what the role grants; check the operators (`ForAnyOfAnyValues:…NotEquals` holds for any value not in the set)".into(),
        });
        return Ok(out);
    }
    // With every attribute present, unless the condition asks whether they are.
    let tests_presence = root
        .descendants()
        .any(|e| matches!(e.kind(), ExprKind::Exists(_)));
    let with_all = model.and(&model.leaf_present(root), requests)?;
    if !tests_presence && !with_all.is_false() && model.and_not(&with_all, &allow)?.is_false() {
        out.push(Finding {
            kind: FindingKind::AlwaysTrue,
            span: root.span(),
            message: "this condition is true for every request that has the attributes it reads: it restricts nothing but their presence".into(),
            help: "check the operators: `A NotEquals 'x' OR A NotEquals 'y'` holds for every value, `ForAnyOfAnyValues:…NotEquals {x, y}` too".into(),
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
            out.push(Finding {
                kind: FindingKind::NeverTrue,
                span: e.span(),
                message: "this comparison is never true, whatever the request holds".into(),
                help: "it denies wherever it decides; check the operator and the values".into(),
            });
        } else if model.and_not(&present, &o.truth)?.is_false() {
            out.push(Finding {
                kind: FindingKind::AlwaysTrue,
                span: e.span(),
                message: "this comparison is true for every request that has its attributes".into(),
                help: "it restricts nothing once its attributes are present; `ForAnyOfAnyValues:…NotEquals {a, b}` holds for every single value, `ForAnyOfAllValues:…NotEquals` means \"none of\"".into(),
            });
        }
    }
    redundant(&model, root, &allow, requests, &memo, &mut out)?;
    Ok(out)
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
