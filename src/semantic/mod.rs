//! The semantic engine: what a condition allows, decided exactly as the evaluator decides it.
//!
//! [`diff`] answers "does the new condition grant anything the old one did not?" and the
//! reverse, each with witness requests. The conditions are turned into binary decision diagrams
//! over a finite model of the requests (see `model.rs`): every attribute, the action and the
//! suboperation range over candidate values that the conditions' literals tell apart, absent
//! included, and every leaf is decided for each candidate by the evaluator itself. The
//! composition follows the evaluator: left to right, an `AND` or `OR` stops at the operand that
//! settles it, and an error stops everything and denies. So "NEW and not OLD" is a diagram whose
//! satisfying valuations are requests NEW allows and OLD denies. Every witness is checked with
//! the evaluator before it is returned; a witness it does not confirm is an internal error,
//! never an answer.
//!
//! The model is exact for equality, ordering, `Exists`, `ActionMatches`, quantifiers over lists
//! of candidates, and values that must meet several prefixes or patterns at once (the product of
//! their automata gives a value for each combination, see `regions.rs`). [`Diff::caveats`] says
//! where it is not: that walk past its bound, or two attributes compared with each other as well
//! as with several patterns.

mod explain;
mod findings;
mod generate;
mod model;
mod regions;

pub use explain::{explain, Explanation, Grant, Rule};
pub use findings::{findings, Finding, FindingKind};
pub use generate::{generate, Generated, GeneratedCase, MAX_CASES};

use biodivine_lib_bdd::Bdd;
use serde::Serialize;

use crate::ast::Condition;
use crate::eval::EvalOptions;
use crate::request::Request;

use model::{Model, Outcome};

/// Why the engine could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SemanticError {
    /// The conditions need a larger model than the limits allow.
    #[error("too complex to decide: {0}")]
    TooComplex(String),
    /// The engine disagreed with the evaluator or itself: a bug to report, never an answer.
    #[error("internal error in the semantic engine (please report it): {0}")]
    Internal(String),
}

/// How two conditions' grants compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// They allow exactly the same requests.
    Equivalent,
    /// NEW allows every request OLD allows, and more.
    Broader,
    /// NEW allows only requests OLD allows, and fewer.
    Narrower,
    /// Each allows a request the other denies.
    Incomparable,
}

impl Verdict {
    /// `equivalent`, `broader`, `narrower` or `incomparable`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Equivalent => "equivalent",
            Verdict::Broader => "broader",
            Verdict::Narrower => "narrower",
            Verdict::Incomparable => "incomparable",
        }
    }
}

/// A request that one condition allows and the other denies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Witness {
    /// The request, in the JSON that `azcond eval --request` reads.
    pub request: serde_json::Value,
    /// Attributes the conditions mention that the request leaves out: the answer depends on
    /// their being absent.
    pub absent: Vec<String>,
}

/// The comparison of an old and a new condition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// How NEW's grants compare with OLD's.
    pub verdict: Verdict,
    /// Requests NEW allows and OLD denies (at most one per action).
    pub grants_more: Vec<Witness>,
    /// Requests OLD allows and NEW denies (at most one per action).
    pub grants_less: Vec<Witness>,
    /// Where the model of requests may not hold every request that tells the two apart.
    pub caveats: Vec<String>,
}

/// Limits on the work of one question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most nodes of one decision diagram.
    pub max_nodes: usize,
    /// Most witnesses per direction.
    pub max_witnesses: usize,
    /// Most evaluations of a leaf on candidate values (a leaf comparing two attributes costs
    /// the product of their candidates): the bound that keeps a hostile condition cheap.
    pub max_evaluations: usize,
    /// Most decision variables (candidate values, all dimensions together).
    pub max_variables: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nodes: 1_000_000,
            max_witnesses: 5,
            max_evaluations: 1_000_000,
            max_variables: 6000,
        }
    }
}

/// Compares what `old` and `new` allow, under `options` (the missing-attribute model; `now`
/// is not used: every witness names `UtcNow` where a condition reads it).
pub fn diff(
    old: &Condition,
    new: &Condition,
    options: &EvalOptions,
) -> Result<Diff, SemanticError> {
    diff_with(old, new, options, &Limits::default())
}

/// [`diff`] with explicit limits.
pub fn diff_with(
    old: &Condition,
    new: &Condition,
    options: &EvalOptions,
    limits: &Limits,
) -> Result<Diff, SemanticError> {
    let model = Model::new(&[old, new], options, limits)?;
    let Outcome {
        truth: allow_old, ..
    } = model.outcome(old.expr(), 0)?;
    let Outcome {
        truth: allow_new, ..
    } = model.outcome(new.expr(), 0)?;
    let more = model.and(&model.and_not(&allow_new, &allow_old)?, &model.constraint)?;
    let less = model.and(&model.and_not(&allow_old, &allow_new)?, &model.constraint)?;
    let grants_more = witnesses(&model, &more, old, new, options, limits)?;
    let grants_less = witnesses(&model, &less, new, old, options, limits)?;
    let verdict = match (grants_more.is_empty(), grants_less.is_empty()) {
        (true, true) => Verdict::Equivalent,
        (false, true) => Verdict::Broader,
        (true, false) => Verdict::Narrower,
        (false, false) => Verdict::Incomparable,
    };
    Ok(Diff {
        verdict,
        grants_more,
        grants_less,
        caveats: model.caveats.clone(),
    })
}

/// Requests in `set`, which `allows` must allow and `denies` deny: one per action, as few
/// attributes present as the set permits, each confirmed by the evaluator.
fn witnesses(
    model: &Model,
    set: &Bdd,
    denies: &Condition,
    allows: &Condition,
    options: &EvalOptions,
    limits: &Limits,
) -> Result<Vec<Witness>, SemanticError> {
    let mut out = Vec::new();
    if set.is_false() {
        return Ok(out);
    }
    let mut per_action: Vec<Bdd> = Vec::new();
    match model.dims.iter().find(|d| d.key == model::DimKey::Action) {
        Some(action) => {
            for v in &action.vars {
                let b = set.var_select(*v, true);
                if !b.is_false() {
                    per_action.push(b);
                }
            }
        }
        None => per_action.push(set.clone()),
    }
    for mut b in per_action.into_iter().take(limits.max_witnesses) {
        // Leave out every attribute the set lets us leave out.
        for d in &model.dims {
            if let (Some(p), false) = (d.present, d.linked) {
                let without = b.var_select(p, false);
                if !without.is_false() {
                    b = without;
                }
            }
        }
        let Some(valuation) = b.sat_witness() else {
            continue;
        };
        let (request, absent) = model.witness(&valuation);
        confirm(&request, denies, allows, options)?;
        out.push(Witness { request, absent });
    }
    Ok(out)
}

/// Checks with the evaluator that `allows` allows the request and `denies` denies it.
fn confirm(
    request: &serde_json::Value,
    denies: &Condition,
    allows: &Condition,
    options: &EvalOptions,
) -> Result<(), SemanticError> {
    let parsed: Request = serde_json::from_value(request.clone()).map_err(|e| {
        SemanticError::Internal(format!("a witness is not a valid request ({e}): {request}"))
    })?;
    let allowed = allows.decide(&parsed, options).unwrap_or(false);
    let denied = !denies.decide(&parsed, options).unwrap_or(false);
    if allowed && denied {
        Ok(())
    } else {
        Err(SemanticError::Internal(format!(
            "the evaluator does not confirm the witness {request}: `{allows}` {} it and `{denies}` {} it",
            if allowed { "allows" } else { "denies" },
            if denied { "denies" } else { "allows" },
        )))
    }
}
