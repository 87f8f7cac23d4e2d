//! The prepared form of a condition, and the one evaluator, which runs on it.
//!
//! Preparing (`compile.rs`) does once what does not depend on the request: the tree becomes
//! nodes without parentheses, attribute names are lowered for lookup, literals are read as their
//! operator's family and patterns are compiled (`literals.rs`), repeated subtrees get a memo
//! slot, and the tree becomes a program of jumps between its leaves. Running it (`run.rs`)
//! against a [`Request`] then allocates nothing on its way to a decision (an error message, the
//! trace and the missing list are built only when there is something to report and someone to
//! read it), except for a `…Like` whose pattern is an attribute, which can only be compiled
//! once its value is known.
//!
//! [`Condition::evaluate`] runs the compiled form the condition keeps, and
//! [`Condition::evaluate_with`] the same evaluator with a trace, so the simple API and the
//! prepared one cannot disagree.

mod compile;
mod literals;
mod run;

pub(crate) use self::literals::{ignores_case, Test};

use std::sync::Arc;

use self::literals::Literals;
use self::run::{Record, Run, Stopped};
use super::glob::Pattern;
use super::{Decision, EvalError, EvalOptions, Evaluation};
use crate::ast::tree::{Sp, Tree};
use crate::ast::{BaseOperator, Condition, Expr, ExprKind, Family, Quantifier, Source};
use crate::request::{Key, Request};
use crate::span::Span;

/// A condition prepared for repeated evaluation: see [`Condition::prepare`].
///
/// ```
/// let condition: azcond::Condition = "@Resource[Microsoft.Storage/storageAccounts/\
///     blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'"
///     .parse()?;
/// let prepared = condition.prepare();
/// let request: azcond::Request = serde_json::from_str(r#"{
///     "action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
///     "resource": {"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags":
///                  {"Project": "Cascade"}}}"#)?;
/// assert!(prepared.evaluate(&request)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The condition's tree, shared: the leaves' text for the trace, attributes and literals
    /// as written for messages.
    tree: Arc<Tree>,
    nodes: Vec<Node>,
    /// The operands of every `AND` and `OR`, each node's a contiguous run.
    children: Vec<u32>,
    root: u32,
    /// The tree compiled to jumps between its leaves, for deciding without a trace.
    program: Vec<Step>,
    /// Where the program starts.
    entry: u32,
    /// Every comparison, each node's by index.
    compares: Vec<Compare>,
    /// Every distinct attribute, prepared for lookup; the first [`ATTRIBUTE_SLOTS`] have a memo
    /// slot, their index.
    keys: Vec<(Source, Key)>,
}

/// One step of a [`Prepared`] program: a tree of `AND`, `OR` and `NOT` becomes jumps between
/// its leaves (short-circuit code), which decide in the order the tree walk does, so the
/// first error met is the same. A step jumps only to steps built before it (each operand is
/// compiled after what follows it), so the program always ends. A target past the end
/// decides: [`ALLOW`] or [`DENY`].
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Decide the leaf `node`, then go to `yes` or `no`.
    Leaf { node: u32, yes: u32, no: u32 },
    /// Decide the leaf `node`, the comparison `compares[at]`, then go to `yes` or `no`: the
    /// step names the comparison itself, so the fast path reads it without the node.
    Compare {
        at: u32,
        node: u32,
        yes: u32,
        no: u32,
    },
    /// A shared subtree, remembered in memo `slot`: if this evaluation decided it already, go
    /// to `yes` or `no` as it was decided; else go to `start`, its code, whose exits pass
    /// through [`Step::Remember`].
    Recall {
        slot: u8,
        yes: u32,
        no: u32,
        start: u32,
    },
    /// Remember that the subtree of memo `slot` decided `value`, then go to `next`.
    Remember { slot: u8, value: bool, next: u32 },
}

const ALLOW: u32 = u32::MAX;
const DENY: u32 = u32::MAX - 1;

#[derive(Clone, Debug)]
struct Node {
    span: Span,
    kind: NodeKind,
}

/// How many shared decisions one evaluation remembers: two `u64` bit sets.
const MEMO_SLOTS: u8 = 64;

/// How many distinct attributes one evaluation remembers once looked up (the first met when
/// the condition is prepared); conditions compare the same few attributes again and again.
const ATTRIBUTE_SLOTS: usize = 8;

/// A node; each leaf knows its node in the condition's tree (`leaf`), for the trace.
#[derive(Clone, Debug)]
enum NodeKind {
    Or {
        first: u32,
        len: u32,
    },
    And {
        first: u32,
        len: u32,
    },
    Not(u32),
    /// `pattern` is `None` when the pattern has no `*`: then the action must be `value`
    /// (a range of the tree's text), ignoring case.
    Action {
        leaf: u32,
        value: Sp,
        pattern: Option<Pattern>,
    },
    SubOperation {
        leaf: u32,
        value: Sp,
    },
    Exists {
        leaf: u32,
        attribute: Attr,
    },
    /// The comparison is `compares[at]`.
    Compare {
        leaf: u32,
        at: u32,
    },
    /// Deeper than evaluation goes (only trees built by hand can be); an error if reached.
    TooDeep,
}

/// An attribute reference, its name prepared for lookup.
#[derive(Clone, Debug)]
struct Attr {
    source: Source,
    /// Its name prepared for lookup: `keys[key]`.
    key: u32,
    /// Its place in the memo of looked-up attributes, if it has one (see [`ATTRIBUTE_SLOTS`]).
    slot: Option<u8>,
    fallback: Fallback,
}

/// Where a value comes from when the request does not supply the attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fallback {
    None,
    /// `@Environment[UtcNow]`: the clock.
    Now,
    /// The preview-era `@Request[subOperation]`: the request's suboperations.
    SubOperations,
}

/// A comparison, as much of it as deciding needs. What messages and the trace show (spans,
/// attribute names as written) is read from the leaf's own node of the tree, so leaves written
/// alike share one `Compare`.
#[derive(Clone, Debug)]
struct Compare {
    quantifier: Option<Quantifier>,
    base: BaseOperator,
    /// The operator's family, its test on each pair and whether it negates it ([`Test::of`]),
    /// kept because the direct path would otherwise map the operator at every comparison.
    family: Family,
    test: Test,
    negate: bool,
    /// What the quantifier asks of each left value and of the literals (`ForAll…`,
    /// `…OfAllValues`); neither without one.
    all_left: bool,
    all_right: bool,
    left: PreparedOperand,
    right: PreparedOperand,
}

#[derive(Clone, Debug)]
enum PreparedOperand {
    Attribute(Attr),
    Literals(Literals),
}

impl Condition {
    /// Prepares the condition for repeated evaluation (see [`Prepared`]): a compiled form to
    /// hold apart from the condition. [`Condition::evaluate`] needs none: the condition
    /// compiles itself on its first evaluation and keeps the result.
    pub fn prepare(&self) -> Prepared {
        Prepared::new(self)
    }
}

impl Prepared {
    /// Prepares `condition`; [`Condition::prepare`] says the same.
    pub fn new(condition: &Condition) -> Prepared {
        compile::compile(condition.tree())
    }

    /// Leaf `leaf` of the tree as written, for messages and the trace.
    fn written(&self, leaf: u32) -> ExprKind<'_> {
        Expr::new(&self.tree, leaf).kind()
    }

    /// Whether the condition grants `request.action`, with the default options; as
    /// [`Condition::evaluate`].
    pub fn evaluate(&self, request: &Request) -> Result<bool, EvalError> {
        self.decide(request, &EvalOptions::default())
    }

    /// Whether the condition grants `request.action` under `options`, without a trace or the
    /// missing list: the fast path, which allocates nothing unless it fails.
    pub fn decide(&self, request: &Request, options: &EvalOptions) -> Result<bool, EvalError> {
        let mut run = Run::<false>::new(self, request, options);
        match run.run() {
            Ok(allowed) => Ok(allowed),
            Err(Stopped) => Err(run.error()),
        }
    }

    /// Evaluates under `options`, returning the decision, the error if any, the missing
    /// attributes and the trace; as [`Condition::evaluate_with`].
    pub fn evaluate_with(&self, request: &Request, options: &EvalOptions) -> Evaluation {
        let mut run = Run::<true>::new(self, request, options);
        let (decision, errors) = match run.eval(self.root, 0) {
            Ok(true) => (Decision::Allow, Vec::new()),
            Ok(false) => (Decision::Deny, Vec::new()),
            Err(Stopped) => (Decision::Deny, vec![run.error()]),
        };
        let Record { missing, trace } = run.into_record();
        Evaluation {
            decision,
            errors,
            missing,
            trace,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(text: &str) -> Prepared {
        text.parse::<Condition>()
            .expect("the test condition parses")
            .prepare()
    }

    #[test]
    fn a_repeated_guard_is_decided_once() {
        let guard = "!(ActionMatches{'a/read'} AND !SubOperationMatches{'Blob.List'})";
        let p = prepared(&format!(
            "({guard} OR @Resource[x] StringEquals 'a') OR ({guard} OR @Resource[X] StringEquals 'b')"
        ));
        let slots: std::collections::BTreeSet<u8> = p
            .program
            .iter()
            .filter_map(|s| match s {
                Step::Recall { slot, .. } => Some(*slot),
                _ => None,
            })
            .collect();
        // The guard's five nodes form five groups of two nodes each, but only the guard's NOT
        // is decided twice: its operands are remembered with it. The comparisons differ.
        assert_eq!(slots.len(), 1);
        // `@Resource[x]` and `@Resource[X]` are one attribute, looked up once.
        assert_eq!(p.keys.len(), 1);
    }

    #[test]
    fn a_repeated_leaf_shares_its_comparison_and_is_decided_again() {
        let leaf = "@Resource[x] StringEquals 'a'";
        let p = prepared(&format!(
            "(ActionMatches{{'r'}} AND {leaf}) OR (ActionMatches{{'w'}} AND {leaf})"
        ));
        // One compiled comparison for both, and no memo: its attribute is remembered instead.
        assert_eq!(p.compares.len(), 1);
        assert!(p
            .program
            .iter()
            .all(|s| !matches!(s, Step::Recall { .. } | Step::Remember { .. })));
        let request: Request = serde_json::from_value(serde_json::json!({
            "action": "w", "resource": { "x": "a" }
        }))
        .expect("a request");
        assert!(p.evaluate(&request).expect("decides"));
    }

    #[test]
    fn every_jump_goes_back_so_the_program_ends() {
        let deep = format!(
            "{}@Request[a] StringEquals 'b'{}",
            "(".repeat(100),
            ")".repeat(100)
        );
        for text in [
            "ActionMatches{'a'}",
            "NOT (ActionMatches{'a'} AND NOT ActionMatches{'b'}) OR ActionMatches{'a'}",
            "(ActionMatches{'a'} OR ActionMatches{'b'}) AND (ActionMatches{'a'} OR ActionMatches{'b'})",
            deep.as_str(),
        ] {
            let p = prepared(text);
            for (at, step) in p.program.iter().enumerate() {
                let targets = match *step {
                    Step::Leaf { yes, no, .. } | Step::Compare { yes, no, .. } => vec![yes, no],
                    Step::Recall { yes, no, start, .. } => vec![yes, no, start],
                    Step::Remember { next, .. } => vec![next],
                };
                for t in targets {
                    assert!(t >= DENY || (t as usize) < at, "{text}: step {at} jumps to {t}");
                }
            }
            assert!((p.entry as usize) < p.program.len(), "{text}");
        }
    }
}
