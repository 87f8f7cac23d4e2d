//! Evaluation: does a condition grant the action for one request?
//!
//! `AND` and `OR` short-circuit left to right. A comparison reads both operands as its
//! operator's family; a quantified operator applies its base operator pairwise (language-notes
//! §3.4: ∃ over no values is false, ∀ over no values is true). A comparison that needs an
//! attribute the request lacks is false (model A, the default) or an error (model B); either
//! way the attribute is listed in [`Evaluation::missing`]. Any error stops evaluation and the
//! decision is deny: an error never allows, whatever `NOT`s surround it.

pub(crate) mod glob;
mod prepared;
mod quantify;
pub(crate) mod value;

pub use quantify::MAX_PAIRS;

pub use prepared::Prepared;
pub(crate) use prepared::{ignores_case, Test};

use serde::Serialize;

use crate::ast::{Condition, Source};
use crate::parse::MAX_DEPTH_LIMIT;
use crate::request::Request;
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
    /// More value pairs to compare one by one than one evaluation allows ([`MAX_PAIRS`]).
    TooManyComparisons,
}

impl EvalErrorKind {
    /// A stable code, e.g. `invalid-value`.
    pub fn code(self) -> &'static str {
        match self {
            EvalErrorKind::InvalidValue => "invalid-value",
            EvalErrorKind::MissingAttribute => "missing-attribute",
            EvalErrorKind::DictionaryValue => "dictionary-value",
            EvalErrorKind::TooDeep => "too-deep",
            EvalErrorKind::TooManyComparisons => "too-many-comparisons",
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
    /// The condition compiles itself on its first evaluation and keeps the compiled form, so
    /// evaluating it again costs only the evaluation.
    pub fn evaluate(&self, request: &Request) -> Result<bool, EvalError> {
        self.compiled().evaluate(request)
    }

    /// Evaluates with options, returning the decision, the error if any, the missing
    /// attributes and the trace.
    pub fn evaluate_with(&self, request: &Request, options: &EvalOptions) -> Evaluation {
        self.compiled().evaluate_with(request, options)
    }

    /// Whether the condition grants `request.action` under `options`, without the trace: as
    /// [`Prepared::decide`], on the compiled form the condition keeps.
    pub fn decide(&self, request: &Request, options: &EvalOptions) -> Result<bool, EvalError> {
        self.compiled().decide(request, options)
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
