//! `azcond explain`: what a condition requires, per action it guards, in plain words.
//!
//! The requests are split by action (each `ActionMatches` pattern's actions, and any other
//! action) and by suboperation where that changes the answer. For each part the engine decides
//! whether the condition always allows, never allows, or depends on attributes; in the last
//! case the condition is simplified for that part (every clause whose outcome the part fixes
//! becomes that outcome, so the action guards fall away) and the simplification is checked to
//! decide every request of the part as the whole condition does before it is shown.

use std::cell::RefCell;
use std::collections::HashMap;

use biodivine_lib_bdd::{Bdd, BddVariable};
use serde::Serialize;

use crate::ast::{
    AttributeName, AttributeRef, BaseOperator, Comparison, Condition, Expr, ExprKind, LiteralKind,
    Operand, OperandKind, Quantifier, Source,
};
use crate::eval::{EvalOptions, MissingAttributes};
use crate::request::Scalar;

use super::model::{DimKey, Model, Outcome, OTHER_ACTION, OTHER_SUBOPERATION};
use super::{Limits, SemanticError};

/// What a condition does for one group of actions and suboperations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The actions, as the condition names them (`Microsoft.…/read`, `actions matching
    /// '…/*'`, `any other action`); empty when the condition does not look at the action.
    pub actions: Vec<String>,
    /// The suboperations the rule is for (`Blob.List`, `no suboperation`, `any other
    /// suboperation`), or none when the suboperation does not change the answer.
    pub suboperations: Vec<String>,
    /// Whether the condition always allows, never allows, or depends on attributes.
    pub grant: Grant,
    /// For [`Grant::When`], the condition simplified for these requests, in canonical text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
    /// For [`Grant::When`], what it requires in words: one line a clause, indented two spaces
    /// a level.
    pub words: Vec<String>,
}

/// How a rule grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Grant {
    /// The condition is true for every such request: the role's permission stands.
    Always,
    /// The condition is false for every such request.
    Never,
    /// It depends on attributes: see [`Rule::words`].
    When,
}

/// The explanation of a condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// One rule per group of actions and suboperations the condition treats alike.
    pub rules: Vec<Rule>,
    /// Where the model of requests may not hold every request (see [`super::Diff::caveats`]).
    pub caveats: Vec<String>,
}

/// Explains what `condition` requires, per action, under `options` (the missing-attribute
/// model decides what an absent attribute does).
pub fn explain(
    condition: &Condition,
    options: &EvalOptions,
    limits: &Limits,
) -> Result<Explanation, SemanticError> {
    let model = Model::new(&[condition], options, limits)?;
    let root = condition.expr();
    let memo = RefCell::new(HashMap::new());
    let whole = model.outcome_without(root, 0, &[], Some(&memo))?;
    let action = model.dims.iter().position(|d| d.key == DimKey::Action);
    let subop = model
        .dims
        .iter()
        .position(|d| d.key == DimKey::SubOperation);
    let vars_of = |d: Option<usize>| -> Vec<BddVariable> {
        d.and_then(|d| model.dims.get(d))
            .map(|d| d.vars.iter().copied().chain(d.present).collect())
            .unwrap_or_default()
    };
    let (action_vars, subop_vars) = (vars_of(action), vars_of(subop));

    // The parts: (action label, its requests), then each split by suboperation.
    let mut actions: Vec<(Option<String>, Bdd)> = Vec::new();
    match action.and_then(|d| model.dims.get(d)) {
        Some(dim) => {
            for (candidate, v) in dim.candidates.iter().zip(&dim.vars) {
                let Scalar::String(a) = candidate else {
                    continue;
                };
                let part = model.and(&model.constraint, &model.var(*v))?;
                actions.push((Some(action_label(&model, root, &memo, a, &part)?), part));
            }
        }
        None => actions.push((None, model.constraint.clone())),
    }
    let mut subops: Vec<(Option<String>, Bdd)> = Vec::new();
    match subop.and_then(|d| model.dims.get(d)) {
        Some(dim) => {
            for (candidate, v) in dim.candidates.iter().zip(&dim.vars) {
                let Scalar::String(s) = candidate else {
                    continue;
                };
                let label = if s == OTHER_SUBOPERATION {
                    "any other suboperation".to_string()
                } else {
                    s.clone()
                };
                subops.push((Some(label), model.var(*v)));
            }
            subops.push((Some("no suboperation".into()), model.present(dim).not()));
        }
        None => subops.push((None, model.vars.mk_true())),
    }

    // Rules, merging actions (and suboperations) the condition treats alike.
    struct Draft {
        actions: Vec<String>,
        /// (suboperation labels, the part's requests, what is allowed there) per group.
        groups: Vec<(Vec<String>, Bdd, Bdd)>,
        /// What is allowed, the action and suboperation left out: to merge actions.
        shape: Vec<Bdd>,
    }
    let mut drafts: Vec<Draft> = Vec::new();
    for (label, part) in &actions {
        let mut groups: Vec<(Vec<String>, Bdd, Bdd)> = Vec::new();
        for (sub_label, sub) in &subops {
            let here = model.and(part, sub)?;
            if here.is_false() {
                continue;
            }
            let allowed = model.and(&here, &whole.truth)?;
            let shape = allowed.exists(&subop_vars);
            match groups
                .iter_mut()
                .find(|(_, _, a)| a.exists(&subop_vars) == shape)
            {
                Some(g) => {
                    g.0.extend(sub_label.clone());
                    g.1 = model.or(&g.1, &here)?;
                    g.2 = model.or(&g.2, &allowed)?;
                }
                None => groups.push((sub_label.iter().cloned().collect(), here, allowed)),
            }
        }
        if groups.len() == 1 {
            if let Some(g) = groups.first_mut() {
                g.0.clear();
            }
        }
        let shape: Vec<Bdd> = groups
            .iter()
            .map(|(_, _, a)| a.exists(&action_vars).exists(&subop_vars))
            .collect();
        let same = drafts.iter_mut().find(|d| {
            d.shape == shape
                && d.groups.len() == groups.len()
                && d.groups.iter().zip(&groups).all(|(a, b)| a.0 == b.0)
        });
        match same {
            Some(d) => {
                // A wildcard's instances share its label.
                if let Some(l) = label.as_ref().filter(|l| !d.actions.contains(l)) {
                    d.actions.push(l.clone());
                }
                for (mine, theirs) in d.groups.iter_mut().zip(groups) {
                    mine.1 = model.or(&mine.1, &theirs.1)?;
                    mine.2 = model.or(&mine.2, &theirs.2)?;
                }
            }
            None => drafts.push(Draft {
                actions: label.iter().cloned().collect(),
                groups,
                shape,
            }),
        }
    }

    let mut rules = Vec::new();
    for d in drafts {
        for (suboperations, part, allowed) in d.groups {
            let (grant, requires, words) = if allowed.is_false() {
                (Grant::Never, None, Vec::new())
            } else if model.and_not(&part, &allowed)?.is_false() {
                (Grant::Always, None, Vec::new())
            } else {
                let simple = simplify(&model, root, &part, &whole, &memo)?;
                let mut words = Vec::new();
                // As the model holds it: the catalog's word where it knows the attribute.
                let is_list = |a: &AttributeRef<'_>| model.is_list(a);
                let how = Words {
                    is_list: &is_list,
                    missing: options.missing,
                };
                say(simple.expr(), false, &how, 0, &mut words);
                (Grant::When, Some(simple.to_string()), words)
            };
            rules.push(Rule {
                actions: d.actions.clone(),
                suboperations,
                grant,
                requires,
                words,
            });
        }
    }
    Ok(Explanation {
        rules,
        caveats: model.caveats.clone(),
    })
}

/// How a rule names an action candidate: the action the condition names, the wildcard
/// pattern it is an instance of, or any other action.
fn action_label(
    model: &Model,
    root: Expr<'_>,
    memo: &RefCell<HashMap<u32, Outcome>>,
    candidate: &str,
    part: &Bdd,
) -> Result<String, SemanticError> {
    if candidate == OTHER_ACTION {
        return Ok("any other action".into());
    }
    let mut wildcard = None;
    for e in root.descendants() {
        let ExprKind::ActionMatches(p) = e.kind() else {
            continue;
        };
        if p.value.eq_ignore_ascii_case(candidate) {
            return Ok(p.value.to_string());
        }
        if wildcard.is_none() && p.value.contains('*') {
            let o = model.outcome_without(e, 0, &[], Some(memo))?;
            if model.and_not(part, &o.truth)?.is_false() {
                wildcard = Some(format!("actions matching '{}'", p.value));
            }
        }
    }
    Ok(wildcard.unwrap_or_else(|| candidate.to_string()))
}

/// A part of the condition as the requests of `part` see it.
enum Part {
    /// Its outcome is fixed there, without error.
    Fixed(bool),
    /// Canonical text, and whether it is an `AND` or `OR` (parenthesised inside another).
    Text(String, bool),
}

/// The condition with every clause whose outcome `part` fixes replaced by that outcome, checked
/// against the whole: the original when the simplification would decide a request otherwise.
fn simplify(
    model: &Model,
    root: Expr<'_>,
    part: &Bdd,
    whole: &Outcome,
    memo: &RefCell<HashMap<u32, Outcome>>,
) -> Result<Condition, SemanticError> {
    let original = || crate::parse(&root.to_string());
    let text = match fixed(model, root, part, memo, 0)? {
        Part::Text(t, _) => t,
        // A part on which the condition is fixed is a rule that always or never grants.
        Part::Fixed(_) => return original().map_err(|e| SemanticError::Internal(e.to_string())),
    };
    let Ok(simple) = crate::parse(&text) else {
        return original().map_err(|e| SemanticError::Internal(e.to_string()));
    };
    let o = model.outcome(simple.expr(), 0)?;
    let agrees = |a: &Bdd, b: &Bdd| -> Result<bool, SemanticError> {
        Ok(model.and(&model.and_not(a, b)?, part)?.is_false()
            && model.and(&model.and_not(b, a)?, part)?.is_false())
    };
    if agrees(&o.truth, &whole.truth)? && agrees(&o.error, &whole.error)? {
        Ok(simple)
    } else {
        original().map_err(|e| SemanticError::Internal(e.to_string()))
    }
}

fn fixed(
    model: &Model,
    e: Expr<'_>,
    part: &Bdd,
    memo: &RefCell<HashMap<u32, Outcome>>,
    depth: usize,
) -> Result<Part, SemanticError> {
    if depth > MAX_DEPTH {
        return Err(SemanticError::TooComplex(format!(
            "the condition nests deeper than {MAX_DEPTH} levels"
        )));
    }
    let o = model.outcome_without(e, 0, &[], Some(memo))?;
    if model.and(&o.error, part)?.is_false() {
        if model.and(&o.truth, part)?.is_false() {
            return Ok(Part::Fixed(false));
        }
        if model.and_not(part, &o.truth)?.is_false() {
            return Ok(Part::Fixed(true));
        }
    }
    Ok(match e.kind() {
        ExprKind::Group(g) => fixed(model, g.expr, part, memo, depth + 1)?,
        ExprKind::Not(x) => match fixed(model, x, part, memo, depth + 1)? {
            Part::Fixed(b) => Part::Fixed(!b),
            Part::Text(t, compound) => {
                Part::Text(format!("NOT {}", parenthesised(&t, compound)), false)
            }
        },
        ExprKind::And(items) | ExprKind::Or(items) => {
            let is_and = matches!(e.kind(), ExprKind::And(_));
            let mut kept = Vec::new();
            for item in items.iter() {
                match fixed(model, item, part, memo, depth + 1)? {
                    // An operand that lets evaluation go on changes nothing.
                    Part::Fixed(b) if b == is_and => {}
                    // One that settles it ends it: what follows is never evaluated. (Kept as
                    // written: operands before it may fail, so the whole is not fixed.)
                    Part::Fixed(b) => {
                        if kept.is_empty() {
                            return Ok(Part::Fixed(b));
                        }
                        let compound = matches!(item.kind(), ExprKind::And(_) | ExprKind::Or(_));
                        kept.push(parenthesised(&item.to_string(), compound));
                        break;
                    }
                    Part::Text(t, compound) => kept.push(parenthesised(&t, compound)),
                }
            }
            match kept.len() {
                0 => Part::Fixed(is_and),
                1 => Part::Text(kept.concat(), false),
                _ => Part::Text(kept.join(if is_and { " AND " } else { " OR " }), true),
            }
        }
        _ => Part::Text(e.to_string(), false),
    })
}

/// Deepest expression the explanation walks (the parser's own limit is lower).
const MAX_DEPTH: usize = 1000;

fn parenthesised(t: &str, compound: bool) -> String {
    if compound {
        format!("({t})")
    } else {
        t.to_string()
    }
}

/// Writes what `e` requires (or, `negated`, what its being false requires), one line a clause.
fn say(e: Expr<'_>, negated: bool, how: &Words<'_>, depth: usize, out: &mut Vec<String>) {
    let pad = "  ".repeat(depth);
    match e.kind() {
        ExprKind::Group(g) => say(g.expr, negated, how, depth, out),
        ExprKind::Not(x) => say(x, !negated, how, depth, out),
        ExprKind::And(_) | ExprKind::Or(_) => {
            // De Morgan: NOT (a AND b) is (NOT a) OR (NOT b).
            let is_and = matches!(e.kind(), ExprKind::And(_));
            let all = is_and != negated;
            out.push(format!("{pad}{}", if all { "all of:" } else { "any of:" }));
            for (item, negated) in operands(e, negated, is_and) {
                say(item, negated, how, depth + 1, out);
            }
        }
        _ => out.push(format!("{pad}- {}", leaf_words(e, negated, how))),
    }
}

/// The operands of an `AND` (`OR`), with those of `AND`s (`OR`s) inside it that read the same
/// way once negations are pushed in, so that a list in words does not nest in one like it.
fn operands(e: Expr<'_>, negated: bool, is_and: bool) -> Vec<(Expr<'_>, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![(e, negated)];
    while let Some((x, n)) = stack.pop() {
        match x.kind() {
            ExprKind::Group(g) => stack.push((g.expr, n)),
            ExprKind::Not(inner) if x.id() != e.id() => stack.push((inner, !n)),
            ExprKind::And(items) | ExprKind::Or(items)
                if (x.id() == e.id())
                    || (matches!(x.kind(), ExprKind::And(_)) != n) == (is_and != negated) =>
            {
                for item in items.iter().rev() {
                    stack.push((item, n));
                }
            }
            _ => out.push((x, n)),
        }
    }
    out
}

/// What the words need to know of the model: which attributes hold lists, and the
/// missing-attribute model.
struct Words<'m> {
    is_list: &'m dyn Fn(&AttributeRef<'_>) -> bool,
    missing: MissingAttributes,
}

fn leaf_words(e: Expr<'_>, negated: bool, how: &Words<'_>) -> String {
    let not = if negated { " not" } else { "" };
    match e.kind() {
        ExprKind::ActionMatches(p) => format!("the action does{not} match '{}'", p.value),
        ExprKind::SubOperationMatches(s) => {
            format!("the suboperation is{not} '{}'", s.value)
        }
        ExprKind::Exists(a) => format!(
            "{} is {}",
            attribute_words(&a),
            if negated { "absent" } else { "present" }
        ),
        ExprKind::Compare(c) => compare_words(&c, negated, how),
        _ => e.to_string(),
    }
}

fn compare_words(c: &Comparison<'_>, negated: bool, how: &Words<'_>) -> String {
    let list = |o: &Operand<'_>| o.attribute().is_some_and(|a| (how.is_list)(&a));
    let base = c.operator.base;
    let phrase = match c.operator.quantifier {
        None => format!(
            "{} {} {}",
            operand_words(&c.left, None),
            operator_words(base, negated),
            operand_words(&c.right, None)
        ),
        Some(q) => {
            let left = |all: bool| match (list(&c.left), all) {
                (false, _) => operand_words(&c.left, None),
                (true, true) => format!("each of {}", operand_words(&c.left, None)),
                (true, false) => format!("one of {}", operand_words(&c.left, None)),
            };
            let right = |all: bool| operand_words(&c.right, Some(all));
            if !negated {
                format!(
                    "{} {} {}",
                    left(q.all_left()),
                    operator_words(base, false),
                    right(q.all_right())
                )
            } else if q == Quantifier::ForAnyOfAnyValues && list(&c.left) {
                format!(
                    "none of {} {} {}",
                    operand_words(&c.left, None),
                    operator_words(base, false),
                    right(false)
                )
            } else if q == Quantifier::ForAnyOfAnyValues {
                // Not (∃r: l op r) is ∀r: not (l op r).
                format!(
                    "{} {} {}",
                    operand_words(&c.left, None),
                    operator_words(base, true),
                    right(true)
                )
            } else {
                format!(
                    "it is not so that {} {} {}",
                    left(q.all_left()),
                    operator_words(base, false),
                    right(q.all_right())
                )
            }
        }
    };
    // Model A: a comparison on an absent attribute is false, so its negation holds.
    let absent: Vec<String> = [&c.left, &c.right]
        .into_iter()
        .filter_map(|o| o.attribute())
        .filter(|a| !always_present(a))
        .map(|a| attribute_words(&a))
        .collect();
    if negated && how.missing == MissingAttributes::False && !absent.is_empty() {
        let verb = if absent.len() > 1 || absent.iter().any(|a| a.ends_with(" keys")) {
            "are"
        } else {
            "is"
        };
        format!("{phrase}, or {} {verb} absent", absent.join(" or "))
    } else {
        phrase
    }
}

/// Attributes every request has (`UtcNow` comes from the clock when a request lacks it).
fn always_present(a: &AttributeRef<'_>) -> bool {
    a.source == Source::Environment
        && matches!(a.name, AttributeName::Plain(n) if n.eq_ignore_ascii_case("UtcNow"))
}

fn operator_words(op: BaseOperator, negated: bool) -> String {
    use BaseOperator as B;
    let (yes, no) = match op {
        B::StringEquals | B::StringEqualsIgnoreCase => ("is", "is not"),
        B::StringNotEquals | B::StringNotEqualsIgnoreCase => ("is not", "is"),
        B::StringStartsWith | B::StringStartsWithIgnoreCase => {
            ("starts with", "does not start with")
        }
        B::StringNotStartsWith | B::StringNotStartsWithIgnoreCase => {
            ("does not start with", "starts with")
        }
        B::StringLike | B::StringLikeIgnoreCase => ("matches", "does not match"),
        B::StringNotLike | B::StringNotLikeIgnoreCase => ("does not match", "matches"),
        B::NumericEquals | B::GuidEquals | B::BoolEquals | B::DateTimeEquals => ("is", "is not"),
        B::NumericNotEquals | B::GuidNotEquals | B::BoolNotEquals | B::DateTimeNotEquals => {
            ("is not", "is")
        }
        B::NumericGreaterThan => ("is greater than", "is at most"),
        B::NumericGreaterThanEquals => ("is at least", "is less than"),
        B::NumericLessThan => ("is less than", "is at least"),
        B::NumericLessThanEquals => ("is at most", "is greater than"),
        B::DateTimeGreaterThan => ("is after", "is at or before"),
        B::DateTimeGreaterThanEquals => ("is at or after", "is before"),
        B::DateTimeLessThan => ("is before", "is at or after"),
        B::DateTimeLessThanEquals => ("is at or before", "is after"),
    };
    let words = if negated { no } else { yes };
    if crate::eval::ignores_case(op) {
        format!("{words} (ignoring case)")
    } else {
        words.to_string()
    }
}

/// An operand in words; a set of two or more as "one of" (`Some(false)`: a quantifier's
/// "any"), "each of" (`Some(true)`: "all") or "any of" (`None`).
fn operand_words(o: &Operand<'_>, all: Option<bool>) -> String {
    match o.kind {
        OperandKind::Attribute(a) => match all {
            Some(true) => format!("each of {}", attribute_words(&a)),
            Some(false) => format!("one of {}", attribute_words(&a)),
            None => attribute_words(&a),
        },
        OperandKind::Literal(l) => literal_words(l.kind),
        OperandKind::Set(items) => {
            let words: Vec<String> = items.iter().map(|l| literal_words(l.kind)).collect();
            match (words.as_slice(), all) {
                ([one], _) => one.clone(),
                (_, Some(true)) => format!("each of {}", words.join(", ")),
                (_, Some(false)) => format!("one of {}", words.join(", ")),
                (_, None) => format!("any of {}", words.join(", ")),
            }
        }
    }
}

fn literal_words(l: LiteralKind<'_>) -> String {
    match l {
        LiteralKind::String(s) => crate::role::annotate(&format!("'{s}'")).into_owned(),
        LiteralKind::Integer(n) => n.to_string(),
        LiteralKind::Bool(b) => b.to_string(),
        LiteralKind::Guid(g) => crate::role::annotate(g.text).into_owned(),
    }
}

/// An attribute in words where its meaning is well known, else as written.
fn attribute_words(a: &AttributeRef<'_>) -> String {
    let ends = |name: &str, suffix: &str| {
        name.len() >= suffix.len()
            && name
                .get(name.len() - suffix.len()..)
                .is_some_and(|t| t.eq_ignore_ascii_case(suffix))
    };
    let whose = match a.source {
        Source::Request => "the request's",
        _ => "the",
    };
    match a.name {
        AttributeName::KeyValue { attribute, key } if ends(attribute, "/blobs/tags") => {
            format!("{whose} blob index tag `{key}`")
        }
        AttributeName::Keys { attribute } if ends(attribute, "/blobs/tags") => {
            format!("{whose} blob index tag keys")
        }
        AttributeName::KeyValue { attribute, key } if ends(attribute, "/containers/metadata") => {
            format!("{whose} container metadata `{key}`")
        }
        AttributeName::Plain(n) => {
            let (set, name) = n.split_once(':').unwrap_or(("", n));
            match (a.source, set.to_ascii_lowercase().as_str(), name) {
                (Source::Principal, "microsoft.directory/customsecurityattributes/id", _) => {
                    format!("the principal's custom security attribute `{name}`")
                }
                (Source::Environment, "", n) if n.eq_ignore_ascii_case("UtcNow") => {
                    "the current time (UTC)".into()
                }
                (_, s, n) if s.ends_with("/containers") && n.eq_ignore_ascii_case("name") => {
                    "the container name".into()
                }
                (_, s, n) if s.ends_with("/blobs") && n.eq_ignore_ascii_case("path") => {
                    "the blob path".into()
                }
                (source, "microsoft.authorization/roleassignments", n) => {
                    let request = source == Source::Request;
                    match n.to_ascii_lowercase().as_str() {
                        "roledefinitionid" if request => "the role being assigned".into(),
                        "roledefinitionid" => "the role of the assignment".into(),
                        "principaltype" if request => {
                            "the type of the principal being assigned".into()
                        }
                        "principaltype" => "the type of the assignment's principal".into(),
                        "principalid" if request => "the principal being assigned".into(),
                        "principalid" => "the assignment's principal".into(),
                        _ => format!("`{a}`"),
                    }
                }
                _ => format!("`{a}`"),
            }
        }
        _ => format!("`{a}`"),
    }
}
