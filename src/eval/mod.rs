//! Evaluation: does a condition grant the action for one request?
//!
//! `AND` and `OR` short-circuit left to right. A comparison reads both operands as its
//! operator's family; a quantified operator applies its base operator pairwise (language-notes
//! §3.4: ∃ over no values is false, ∀ over no values is true). A comparison that needs an
//! attribute the request lacks is false (model A, the default) or an error (model B); either
//! way the attribute is listed in [`Evaluation::missing`]. Any error stops evaluation and the
//! decision is deny: an error never allows, whatever `NOT`s surround it.

mod glob;
pub(crate) mod value;

use serde::Serialize;

use self::glob::{eq_ignore_case, starts_with_ignore_case, Pattern, Syntax};
use self::value::{family_name, ticks_from, typed, Raw, Typed};
use crate::ast::{
    AttributeName, AttributeRef, BaseOperator, Comparison, Condition, Expr, ExprKind, Literal,
    LiteralKind, Operand, OperandKind, Quantifier, Source,
};
use crate::parse::MAX_DEPTH_LIMIT;
use crate::request::{Found, Request, Scalar};
use crate::span::Span;

/// What a comparison on a missing attribute yields (language-notes AMB-20).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingAttributes {
    /// Model A: the comparison is false, whatever its operator; `NOT` then applies normally.
    #[default]
    False,
    /// Model B: the comparison is an error, so the decision is deny.
    Error,
}

/// Options for [`Condition::evaluate_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvalOptions {
    /// How to treat missing attributes.
    pub missing: MissingAttributes,
    /// `@Environment[UtcNow]` when the request does not give it; the system clock if `None`.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

/// Whether this role assignment grants the action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The condition is true.
    Allow,
    /// The condition is false, or could not be evaluated.
    Deny,
}

/// Why evaluation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvalErrorKind {
    /// A value that cannot be read as the operator's type (not a GUID, date-time, integer …).
    InvalidValue,
    /// A missing attribute, under [`MissingAttributes::Error`].
    MissingAttribute,
    /// A whole dictionary attribute where one value is needed.
    DictionaryValue,
    /// A tree nested deeper than evaluation allows (only trees built by hand can be).
    TooDeep,
}

impl EvalErrorKind {
    /// A stable code, e.g. `invalid-value`.
    pub fn code(self) -> &'static str {
        match self {
            EvalErrorKind::InvalidValue => "invalid-value",
            EvalErrorKind::MissingAttribute => "missing-attribute",
            EvalErrorKind::DictionaryValue => "dictionary-value",
            EvalErrorKind::TooDeep => "too-deep",
        }
    }
}

/// An evaluation error: what, and where in the condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    /// The kind of error.
    pub kind: EvalErrorKind,
    /// What went wrong, naming the attribute, the value and the operator.
    pub message: String,
    /// The comparison or operand concerned.
    pub span: Span,
}

/// An attribute the request did not supply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MissingAttribute {
    /// Its source.
    pub source: Source,
    /// Its name, as written in the condition.
    pub name: String,
    /// Where the condition first needed it.
    pub span: Span,
}

impl std::fmt::Display for MissingAttribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "@{}[{}]", self.source.name(), self.name)
    }
}

/// One evaluated node, in evaluation order. Parentheses are transparent; nodes that
/// short-circuiting skipped do not appear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    /// Nesting below the root.
    pub depth: usize,
    /// The node's text.
    pub span: Span,
    /// `OR`, `AND`, `NOT`, or the node in single-line form.
    pub node: String,
    /// Its value, `None` if evaluating it failed.
    pub result: Option<bool>,
    /// The values it saw, e.g. `left: 'high'`.
    pub detail: Vec<String>,
}

/// The outcome of [`Condition::evaluate_with`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Allow only when the condition evaluated to true without error.
    pub decision: Decision,
    /// The error that stopped evaluation, if any (at most one).
    pub errors: Vec<EvalError>,
    /// Attributes the condition needed and the request did not supply, once each.
    pub missing: Vec<MissingAttribute>,
    /// What was evaluated.
    pub trace: Vec<TraceStep>,
}

/// Deeper than any parsed tree can be (And/Or levels between the parser's nesting levels
/// included); guards trees built by hand.
const MAX_EVAL_DEPTH: usize = 3 * MAX_DEPTH_LIMIT + 2;

/// Longest value text shown in a trace.
const MAX_SHOWN: usize = 120;

impl Condition {
    /// Whether the condition grants `request.action`, with the default options (missing
    /// attributes make comparisons false; `UtcNow` from the request or the system clock).
    pub fn evaluate(&self, request: &Request) -> Result<bool, EvalError> {
        // The same evaluation as `evaluate_with`, without building a trace nobody reads.
        let evaluation = self.run(request, &EvalOptions::default(), false);
        match evaluation.errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(evaluation.decision == Decision::Allow),
        }
    }

    /// Evaluates with options, returning the decision, the error if any, the missing
    /// attributes and the trace.
    pub fn evaluate_with(&self, request: &Request, options: &EvalOptions) -> Evaluation {
        self.run(request, options, true)
    }

    fn run(&self, request: &Request, options: &EvalOptions, tracing: bool) -> Evaluation {
        let now = ticks_from(options.now.unwrap_or_else(chrono::Utc::now));
        let mut ev = Evaluator {
            request,
            options,
            now,
            tracing,
            missing: Vec::new(),
            trace: Vec::new(),
        };
        let result = ev.eval(&self.expr, 0);
        let (decision, errors) = match result {
            Ok(true) => (Decision::Allow, Vec::new()),
            Ok(false) => (Decision::Deny, Vec::new()),
            Err(e) => (Decision::Deny, vec![e]),
        };
        Evaluation {
            decision,
            errors,
            missing: ev.missing,
            trace: ev.trace,
        }
    }
}

/// An operand's values as found.
enum Resolved<'a> {
    Missing,
    Dictionary,
    One(Raw<'a>),
    Many(Vec<Raw<'a>>),
}

struct Evaluator<'r, 'o> {
    request: &'r Request,
    options: &'o EvalOptions,
    now: i64,
    /// Whether to record the trace.
    tracing: bool,
    missing: Vec<MissingAttribute>,
    trace: Vec<TraceStep>,
}

impl<'r> Evaluator<'r, '_> {
    /// Opens a trace step for a node, naming it only when tracing.
    fn step(&mut self, depth: usize, span: Span, node: impl FnOnce() -> String) -> usize {
        if !self.tracing {
            return usize::MAX;
        }
        self.trace.push(TraceStep {
            depth,
            span,
            node: node(),
            result: None,
            detail: Vec::new(),
        });
        self.trace.len() - 1
    }

    fn finish(&mut self, step: usize, result: bool) -> bool {
        if let Some(s) = self.trace.get_mut(step) {
            s.result = Some(result);
        }
        result
    }

    /// Adds to a trace step what its node saw, formatted only when tracing.
    fn detail(&mut self, step: usize, line: impl FnOnce() -> String) {
        if let Some(s) = self.trace.get_mut(step) {
            s.detail.push(line());
        }
    }

    fn eval<'c>(&mut self, mut e: &'c Expr, depth: usize) -> Result<bool, EvalError>
    where
        'r: 'c,
    {
        // Parentheses are transparent: step through them without a level of recursion.
        while let ExprKind::Group(g) = &e.kind {
            e = &g.expr;
        }
        if depth > MAX_EVAL_DEPTH {
            return Err(EvalError {
                kind: EvalErrorKind::TooDeep,
                message: format!("condition nested deeper than {MAX_EVAL_DEPTH} levels"),
                span: e.span,
            });
        }
        match &e.kind {
            // Stepped through above; were one left, it would count as a level like any other.
            ExprKind::Group(g) => self.eval(&g.expr, depth + 1),
            ExprKind::Or(xs) | ExprKind::And(xs) => {
                let is_or = matches!(e.kind, ExprKind::Or(_));
                let step = self.step(depth, e.span, || if is_or { "OR" } else { "AND" }.into());
                for x in xs {
                    // OR stops at the first true operand, AND at the first false one.
                    if self.eval(x, depth + 1)? == is_or {
                        return Ok(self.finish(step, is_or));
                    }
                }
                Ok(self.finish(step, !is_or))
            }
            ExprKind::Not(x) => {
                let step = self.step(depth, e.span, || "NOT".into());
                let inner = self.eval(x, depth + 1)?;
                Ok(self.finish(step, !inner))
            }
            ExprKind::ActionMatches(p) => {
                let step = self.step(depth, e.span, || e.to_string());
                let result =
                    Pattern::new(&p.value, Syntax::Action, true).matches(&self.request.action);
                let action = &self.request.action;
                self.detail(step, || format!("action: '{}'", shorten(action)));
                Ok(self.finish(step, result))
            }
            ExprKind::SubOperationMatches(p) => {
                let step = self.step(depth, e.span, || e.to_string());
                let subs = &self.request.sub_operations;
                let result = subs.iter().any(|s| eq_ignore_case(s, &p.value));
                self.detail(step, || {
                    let shown: Vec<String> =
                        subs.iter().map(|s| format!("'{}'", shorten(s))).collect();
                    format!("suboperations: [{}]", shown.join(", "))
                });
                Ok(self.finish(step, result))
            }
            ExprKind::Exists(a) => {
                let step = self.step(depth, e.span, || e.to_string());
                let present = !matches!(self.lookup(a), Resolved::Missing);
                self.detail(step, || {
                    format!("{}: {}", a, if present { "present" } else { "missing" })
                });
                Ok(self.finish(step, present))
            }
            ExprKind::Compare(c) => {
                let step = self.step(depth, e.span, || e.to_string());
                let result = self.compare(c, step)?;
                Ok(self.finish(step, result))
            }
        }
    }

    fn lookup<'c>(&self, a: &'c AttributeRef) -> Resolved<'c>
    where
        'r: 'c,
    {
        match self.request.attributes(a.source).lookup(&a.name) {
            Some(Found::One(s)) => Resolved::One(raw_scalar(s)),
            Some(Found::Many(items)) => Resolved::Many(items.into_iter().map(raw_scalar).collect()),
            Some(Found::Dictionary) => Resolved::Dictionary,
            None => match (&a.source, &a.name) {
                (Source::Environment, AttributeName::Plain(n))
                    if n.eq_ignore_ascii_case("UtcNow") =>
                {
                    Resolved::One(Raw::Time(self.now))
                }
                // The preview-era form `@Request[subOperation]` reads the request's suboperations.
                (Source::Request, AttributeName::Plain(n))
                    if n.eq_ignore_ascii_case("subOperation") =>
                {
                    Resolved::Many(
                        self.request
                            .sub_operations
                            .iter()
                            .map(|s| Raw::Str(s))
                            .collect(),
                    )
                }
                _ => Resolved::Missing,
            },
        }
    }

    fn resolve<'c>(&self, o: &'c Operand) -> Resolved<'c>
    where
        'r: 'c,
    {
        match &o.kind {
            OperandKind::Attribute(a) => self.lookup(a),
            OperandKind::Literal(l) => Resolved::One(raw_literal(l)),
            OperandKind::Set(items) => Resolved::Many(items.iter().map(raw_literal).collect()),
        }
    }

    fn compare<'c>(&mut self, c: &'c Comparison, step: usize) -> Result<bool, EvalError>
    where
        'r: 'c,
    {
        let op = c.operator.base;
        let family = op.family();
        let left = self.resolve(&c.left);
        let right = self.resolve(&c.right);
        self.detail(step, || format!("left: {}", show(&left)));
        self.detail(step, || format!("right: {}", show(&right)));

        let mut missing = false;
        for (side, resolved) in [(&c.left, &left), (&c.right, &right)] {
            let OperandKind::Attribute(a) = &side.kind else {
                continue;
            };
            match resolved {
                Resolved::Missing => {
                    missing = true;
                    self.note_missing(a);
                    if self.options.missing == MissingAttributes::Error {
                        return Err(EvalError {
                            kind: EvalErrorKind::MissingAttribute,
                            message: format!("the request does not supply `{a}`, which `{}` needs", c.operator),
                            span: side.span,
                        });
                    }
                }
                Resolved::Dictionary => {
                    return Err(EvalError {
                        kind: EvalErrorKind::DictionaryValue,
                        message: format!(
                            "`{a}` is a dictionary; compare one key with `…:<key><$key_case_sensitive$>` or the keys with `…&$keys$&`"
                        ),
                        span: side.span,
                    })
                }
                _ => {}
            }
        }
        if missing {
            self.detail(step, || {
                "a missing attribute makes the comparison false".into()
            });
            return Ok(false);
        }

        let lefts = typed_values(&left, &c.left, c, family)?;
        let rights = typed_values(&right, &c.right, c, family)?;
        let patterns = like_patterns(op, &rights);
        let pair = |l: &Typed<'_>, ri: usize, r: &Typed<'_>| {
            apply(op, l, r, patterns.get(ri).and_then(Option::as_ref))
        };

        let result = match c.operator.quantifier {
            None => match (lefts.as_slice(), rights.as_slice()) {
                ([l], [r]) => pair(l, 0, r),
                _ => {
                    self.detail(step, || "a multi-valued operand needs a quantifier (ForAnyOfAnyValues: …); without one the comparison is false".into());
                    false
                }
            },
            Some(q) => {
                let any_right =
                    |l: &Typed<'_>| rights.iter().enumerate().any(|(i, r)| pair(l, i, r));
                let all_right =
                    |l: &Typed<'_>| rights.iter().enumerate().all(|(i, r)| pair(l, i, r));
                match q {
                    Quantifier::ForAnyOfAnyValues => lefts.iter().any(any_right),
                    Quantifier::ForAllOfAnyValues => lefts.iter().all(any_right),
                    Quantifier::ForAnyOfAllValues => lefts.iter().any(all_right),
                    Quantifier::ForAllOfAllValues => lefts.iter().all(all_right),
                }
            }
        };
        Ok(result)
    }

    fn note_missing(&mut self, a: &AttributeRef) {
        let name = a.name.to_string();
        if !self
            .missing
            .iter()
            .any(|m| m.source == a.source && m.name.eq_ignore_ascii_case(&name))
        {
            self.missing.push(MissingAttribute {
                source: a.source,
                name,
                span: a.span,
            });
        }
    }
}

fn raw_scalar(s: &Scalar) -> Raw<'_> {
    match s {
        Scalar::String(s) => Raw::Str(s),
        Scalar::Integer(n) => Raw::Int(*n),
        Scalar::Bool(b) => Raw::Bool(*b),
    }
}

fn raw_literal(l: &Literal) -> Raw<'_> {
    match &l.kind {
        LiteralKind::String(s) => Raw::Str(s),
        LiteralKind::Integer(n) => Raw::Int(*n),
        LiteralKind::Bool(b) => Raw::Bool(*b),
        LiteralKind::Guid(g) => Raw::Guid(g.value, &g.text),
    }
}

/// Every value of an operand read as `family`; one value that cannot be is an error.
fn typed_values<'a>(
    resolved: &Resolved<'a>,
    operand: &Operand,
    c: &Comparison,
    family: crate::ast::Family,
) -> Result<Vec<Typed<'a>>, EvalError> {
    let raws: &[Raw<'a>] = match resolved {
        Resolved::One(r) => std::slice::from_ref(r),
        Resolved::Many(rs) => rs,
        Resolved::Missing | Resolved::Dictionary => &[],
    };
    raws.iter()
        .map(|raw| {
            typed(*raw, family).map_err(|why| {
                let whose = match &operand.kind {
                    OperandKind::Attribute(a) => format!("of `{a}` "),
                    OperandKind::Set(_) => "in the set ".to_string(),
                    OperandKind::Literal(_) => String::new(),
                };
                EvalError {
                    kind: EvalErrorKind::InvalidValue,
                    message: format!(
                        "value {} {whose}{why}; `{}` compares {}",
                        shorten(&raw.to_string()),
                        c.operator,
                        plural_family(family)
                    ),
                    span: operand.span,
                }
            })
        })
        .collect()
}

fn plural_family(family: crate::ast::Family) -> String {
    let one = family_name(family);
    let noun = one.trim_start_matches("an ").trim_start_matches("a ");
    format!("{noun}s")
}

/// Compiles each right value of a `…Like` operator once.
fn like_patterns(op: BaseOperator, rights: &[Typed<'_>]) -> Vec<Option<Pattern>> {
    use BaseOperator::*;
    let ignore_case = match op {
        StringLike | StringNotLike => false,
        StringLikeIgnoreCase | StringNotLikeIgnoreCase => true,
        _ => return Vec::new(),
    };
    rights
        .iter()
        .map(|r| match r {
            Typed::Str(p) => Some(Pattern::new(p, Syntax::Like, ignore_case)),
            _ => None,
        })
        .collect()
}

/// The base operator on one pair of values of its family.
fn apply(op: BaseOperator, l: &Typed<'_>, r: &Typed<'_>, pattern: Option<&Pattern>) -> bool {
    use BaseOperator::*;
    match (l, r) {
        (Typed::Str(a), Typed::Str(b)) => match op {
            StringEquals => a == b,
            StringNotEquals => a != b,
            StringEqualsIgnoreCase => eq_ignore_case(a, b),
            StringNotEqualsIgnoreCase => !eq_ignore_case(a, b),
            StringStartsWith => a.starts_with(b),
            StringNotStartsWith => !a.starts_with(b),
            StringStartsWithIgnoreCase => starts_with_ignore_case(a, b),
            StringNotStartsWithIgnoreCase => !starts_with_ignore_case(a, b),
            StringLike | StringLikeIgnoreCase => pattern.is_some_and(|p| p.matches(a)),
            StringNotLike | StringNotLikeIgnoreCase => pattern.is_some_and(|p| !p.matches(a)),
            _ => false,
        },
        (Typed::Int(a), Typed::Int(b)) => match op {
            NumericEquals => a == b,
            NumericNotEquals => a != b,
            NumericGreaterThan => a > b,
            NumericGreaterThanEquals => a >= b,
            NumericLessThan => a < b,
            NumericLessThanEquals => a <= b,
            _ => false,
        },
        (Typed::Bool(a), Typed::Bool(b)) => match op {
            BoolEquals => a == b,
            BoolNotEquals => a != b,
            _ => false,
        },
        (Typed::Time(a), Typed::Time(b)) => match op {
            DateTimeEquals => a == b,
            DateTimeNotEquals => a != b,
            DateTimeGreaterThan => a > b,
            DateTimeGreaterThanEquals => a >= b,
            DateTimeLessThan => a < b,
            DateTimeLessThanEquals => a <= b,
            _ => false,
        },
        (Typed::Guid(a), Typed::Guid(b)) => match op {
            GuidEquals => a == b,
            GuidNotEquals => a != b,
            _ => false,
        },
        // Both sides are read as the operator's family, so kinds always agree.
        _ => false,
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > MAX_SHOWN {
        format!("{}…", s.chars().take(MAX_SHOWN).collect::<String>())
    } else {
        s.to_string()
    }
}

fn show(r: &Resolved<'_>) -> String {
    match r {
        Resolved::Missing => "missing".into(),
        Resolved::Dictionary => "a dictionary".into(),
        Resolved::One(v) => shorten(&v.to_string()),
        Resolved::Many(vs) => {
            let shown: Vec<String> = vs
                .iter()
                .take(10)
                .map(|v| shorten(&v.to_string()))
                .collect();
            let more = if vs.len() > 10 {
                format!(", … {} more", vs.len() - 10)
            } else {
                String::new()
            };
            format!("{{{}{more}}}", shown.join(", "))
        }
    }
}

/// Reads a time written as in conditions, `YYYY-MM-DDThh:mm:ss[.fffffff]Z`, e.g. for
/// [`EvalOptions::now`].
pub fn parse_utc(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let ticks = value::parse_datetime(text).map_err(|why| format!("`{text}` {why}"))?;
    let seconds = ticks.div_euclid(10_000_000);
    let nanos = u32::try_from(ticks.rem_euclid(10_000_000) * 100).unwrap_or(0);
    chrono::DateTime::from_timestamp(seconds, nanos)
        .ok_or_else(|| format!("`{text}` is out of range"))
}
