//! The prepared form of a condition, and the one evaluator, which runs on it.
//!
//! Preparing does once what does not depend on the request: the tree becomes an arena of nodes
//! (parentheses gone), attribute names are lowered for lookup, literals are read as their
//! operator's family (GUIDs, date-times, integers, booleans) and `…Like` and `ActionMatches`
//! patterns are compiled. Evaluating a [`Prepared`] against a [`Request`] then allocates nothing
//! on its way to a decision (an error message, the trace and the missing list are built only
//! when there is something to report and someone to read it), except for a `…Like` whose
//! pattern is an attribute, which can only be compiled once its value is known.
//!
//! [`Condition::evaluate`] and [`Condition::evaluate_with`] prepare and then run this same
//! evaluator, so the simple API and the prepared one cannot disagree.

use super::glob::{eq_ignore_case, starts_with_ignore_case, Pattern, Syntax};
use super::quantify::{self, Index, Order, INDEXED_FROM, MAX_PAIRS};
use super::value::{family_name, ticks_from, typed, Raw, Typed, Why};
use super::{
    Decision, EvalError, EvalErrorKind, EvalOptions, Evaluation, MissingAttribute,
    MissingAttributes, TraceStep, MAX_EVAL_DEPTH, MAX_SHOWN,
};
use crate::ast::{
    AttributeName, AttributeRef, BaseOperator, Condition, Expr, ExprKind, Family, Literal,
    LiteralKind, OperandKind, Operator, Quantifier, Source,
};
use crate::request::{Found, Key, Request, Scalar};
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
    nodes: Vec<Node>,
    /// The operands of every `AND` and `OR`, each node's a contiguous run.
    children: Vec<u32>,
    /// Each leaf as parsed, for the trace.
    leaves: Vec<Expr>,
    root: u32,
    /// The tree compiled to jumps between its leaves, for deciding without a trace; empty when
    /// prepared for one decision, which walks the tree instead.
    program: Vec<Step>,
    /// Where the program starts.
    entry: u32,
    /// The attributes that have a memo slot, in slot order.
    remembered: Vec<(Source, Key)>,
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
    Action {
        leaf: u32,
        pattern: Pattern,
    },
    SubOperation {
        leaf: u32,
        value: String,
    },
    Exists {
        leaf: u32,
        attribute: Attr,
    },
    Compare {
        leaf: u32,
        comparison: Box<Compare>,
    },
    /// Deeper than evaluation goes (only trees built by hand can be); an error if reached.
    TooDeep,
}

/// An attribute reference, its name prepared for lookup.
#[derive(Clone, Debug)]
struct Attr {
    key: Key,
    /// Its place in the memo of looked-up attributes, if it has one (see [`ATTRIBUTE_SLOTS`]).
    slot: Option<u8>,
    fallback: Fallback,
    /// As written, for messages and the missing list.
    written: AttributeRef,
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

#[derive(Clone, Debug)]
struct Compare {
    operator: Operator,
    /// The operator as its test on each pair and whether it negates it ([`Test::of`]), kept
    /// because the direct path would otherwise map the operator at every comparison.
    test: Test,
    negate: bool,
    left: Side,
    right: Side,
}

/// What an operator asks of one pair of values, its negation apart: `StringNotEquals` is
/// `StringEquals` negated, pair by pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Test {
    Equals,
    EqualsIgnoreCase,
    StartsWith,
    StartsWithIgnoreCase,
    /// `…Like`: the pattern carries its case rule.
    Like,
    Greater,
    AtLeast,
    Less,
    AtMost,
}

impl Test {
    /// The test of `op`, and whether `op` negates it.
    fn of(op: BaseOperator) -> (Test, bool) {
        use BaseOperator::*;
        match op {
            StringEquals | NumericEquals | DateTimeEquals | BoolEquals | GuidEquals => {
                (Test::Equals, false)
            }
            StringNotEquals | NumericNotEquals | DateTimeNotEquals | BoolNotEquals
            | GuidNotEquals => (Test::Equals, true),
            StringEqualsIgnoreCase => (Test::EqualsIgnoreCase, false),
            StringNotEqualsIgnoreCase => (Test::EqualsIgnoreCase, true),
            StringStartsWith => (Test::StartsWith, false),
            StringNotStartsWith => (Test::StartsWith, true),
            StringStartsWithIgnoreCase => (Test::StartsWithIgnoreCase, false),
            StringNotStartsWithIgnoreCase => (Test::StartsWithIgnoreCase, true),
            StringLike | StringLikeIgnoreCase => (Test::Like, false),
            StringNotLike | StringNotLikeIgnoreCase => (Test::Like, true),
            NumericGreaterThan | DateTimeGreaterThan => (Test::Greater, false),
            NumericGreaterThanEquals | DateTimeGreaterThanEquals => (Test::AtLeast, false),
            NumericLessThan | DateTimeLessThan => (Test::Less, false),
            NumericLessThanEquals | DateTimeLessThanEquals => (Test::AtMost, false),
        }
    }

    /// The test on two strings.
    #[inline]
    fn texts(self, a: &str, b: &str) -> bool {
        match self {
            Test::Equals => a == b,
            Test::EqualsIgnoreCase => eq_ignore_case(a, b),
            Test::StartsWith => a.starts_with(b),
            Test::StartsWithIgnoreCase => starts_with_ignore_case(a, b),
            _ => false,
        }
    }

    /// The test on two integers, or two date-times in ticks.
    #[inline]
    fn numbers(self, a: i64, b: i64) -> bool {
        match self {
            Test::Equals => a == b,
            Test::Greater => a > b,
            Test::AtLeast => a >= b,
            Test::Less => a < b,
            Test::AtMost => a <= b,
            _ => false,
        }
    }

    /// The test on two values of a family compared only for equality (booleans, GUIDs).
    #[inline]
    fn equal<T: PartialEq>(self, a: T, b: T) -> bool {
        self == Test::Equals && a == b
    }

    /// How the test orders values, when an index can decide it without comparing every pair.
    fn order(self) -> Option<Order> {
        match self {
            Test::Equals | Test::EqualsIgnoreCase => Some(Order::Equal),
            Test::Greater => Some(Order::Greater),
            Test::AtLeast => Some(Order::AtLeast),
            Test::Less => Some(Order::Less),
            Test::AtMost => Some(Order::AtMost),
            Test::StartsWith | Test::StartsWithIgnoreCase | Test::Like => None,
        }
    }
}

#[derive(Clone, Debug)]
struct Side {
    span: Span,
    operand: PreparedOperand,
}

#[derive(Clone, Debug)]
enum PreparedOperand {
    Attribute(Attr),
    Literals(Literals),
}

/// A literal operand, one literal (`set` false) or a set of them, read once as its operator's
/// family.
#[derive(Clone, Debug)]
struct Literals {
    set: bool,
    /// As written: for messages, and the text of string literals.
    written: Vec<Literal>,
    /// The literals in the form their family compares; or the first that is not of the family,
    /// and why (an error only if evaluation reaches it).
    read: Result<Typeds, (usize, Why)>,
}

/// Literals read as one family, each family's values in a slice of their own, so that
/// comparing against them reads no variants.
#[derive(Clone, Debug)]
enum Typeds {
    /// Strings (also GUIDs written bare, read as text), copied from the literals so that a
    /// comparison walks a slice of texts (6 % of the seed's instructions; the one-shot
    /// evaluation pays an allocation for each).
    Strings(Vec<Box<str>>),
    /// Strings compiled as the patterns of a `…Like` operator.
    Patterns(Vec<Pattern>),
    Integers(Vec<i64>),
    /// Date-times, in ticks.
    Times(Vec<i64>),
    Bools(Vec<bool>),
    Guids(Vec<u128>),
}

impl Literals {
    /// The `i`th literal, as read, with its pattern when it was compiled as one.
    fn get(&self, i: usize) -> Option<(Typed<'_>, Option<&Pattern>)> {
        match self.read.as_ref().ok()? {
            Typeds::Strings(v) => v.get(i).map(|s| (Typed::Str(s), None)),
            Typeds::Patterns(ps) => {
                let text = self.written.get(i).and_then(text_of)?;
                Some((Typed::Str(text), Some(ps.get(i)?)))
            }
            Typeds::Integers(v) => v.get(i).map(|&n| (Typed::Int(n), None)),
            Typeds::Times(v) => v.get(i).map(|&t| (Typed::Time(t), None)),
            Typeds::Bools(v) => v.get(i).map(|&b| (Typed::Bool(b), None)),
            Typeds::Guids(v) => v.get(i).map(|&g| (Typed::Guid(g), None)),
        }
    }
}

impl Typeds {
    /// Whether `l` passes `test` (negated if `negate`) against any literal, or against every
    /// one if `all`: the comparison of one attribute value, with each family's literals as
    /// they are stored.
    #[inline(always)]
    fn against(&self, l: Typed<'_>, test: Test, negate: bool, all: bool) -> bool {
        /// Whether any value passes, or every one if `all`: a plain loop, which the compiler
        /// inlines where the iterator adaptors' closures were a call per comparison.
        #[inline(always)]
        fn each<T>(all: bool, values: &[T], pass: impl Fn(&T) -> bool) -> bool {
            for v in values {
                if pass(v) != all {
                    return !all;
                }
            }
            all
        }
        match (l, self) {
            // `…Equals`, nearly every string comparison, without matching the test at each
            // literal (2 % of the seed's instructions).
            (Typed::Str(a), Typeds::Strings(v)) if test == Test::Equals => {
                each(all, v, |b| (a == &**b) != negate)
            }
            (Typed::Str(a), Typeds::Strings(v)) => each(all, v, |b| test.texts(a, b) != negate),
            (Typed::Str(a), Typeds::Patterns(ps)) => each(all, ps, |p| p.matches(a) != negate),
            (Typed::Int(a), Typeds::Integers(v)) | (Typed::Time(a), Typeds::Times(v)) => {
                each(all, v, |&b| test.numbers(a, b) != negate)
            }
            (Typed::Bool(a), Typeds::Bools(v)) => each(all, v, |&b| test.equal(a, b) != negate),
            (Typed::Guid(a), Typeds::Guids(v)) => each(all, v, |&g| test.equal(a, g) != negate),
            // The attribute value is read as the operator's family, so kinds always agree.
            _ => false,
        }
    }
}

/// A string literal's text (GUIDs written bare included); `None` for other kinds.
fn text_of(l: &Literal) -> Option<&str> {
    match &l.kind {
        LiteralKind::String(s) => Some(s),
        LiteralKind::Guid(g) => Some(&g.text),
        LiteralKind::Integer(_) | LiteralKind::Bool(_) => None,
    }
}

/// Whether the operator reads its right operand as a pattern, and with which case rule.
fn like_case(op: BaseOperator) -> Option<bool> {
    use BaseOperator::*;
    match op {
        StringLike | StringNotLike => Some(false),
        StringLikeIgnoreCase | StringNotLikeIgnoreCase => Some(true),
        _ => None,
    }
}

impl Condition {
    /// Prepares the condition for repeated evaluation (see [`Prepared`]).
    pub fn prepare(&self) -> Prepared {
        Prepared::new(self)
    }
}

fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What a condition is prepared for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Use {
    /// One decision ([`Condition::evaluate`]): no trace, and no sharing, whose bookkeeping
    /// costs more than one evaluation saves.
    Once,
    /// Any number of evaluations, traced or not.
    Repeated,
}

/// Groups the nodes that decide alike on every request: leaves with the same canonical text,
/// and operators over the same groups. Conditions written in the portal repeat the guard
/// `!(ActionMatches{…} AND !SubOperationMatches{…})` in every branch, and often the same
/// comparison; a group met more than once gets a memo slot, and an evaluation decides it once.
/// Evaluation has no side effects and stops at the first error, so a remembered decision is
/// what deciding again would give.
#[derive(Default)]
struct Sharing {
    groups: std::collections::HashMap<Shape, u32>,
    /// Each node's group; `None` for a node never shared (one deeper than evaluation goes).
    of: Vec<Option<u32>>,
    /// Each node's parent, `None` for the root (or while not yet joined).
    parents: Vec<Option<u32>>,
    /// How many nodes each group has.
    sizes: Vec<u32>,
}

#[derive(Hash, PartialEq, Eq)]
enum Shape {
    Leaf(String),
    Or(Vec<u32>),
    And(Vec<u32>),
    Not(u32),
}

impl Sharing {
    /// Records the group of the next node; `shape` is `None` for a node that is never shared.
    fn add(&mut self, shape: Option<Shape>) {
        let group = shape.map(|shape| {
            let next = index(self.sizes.len());
            let group = *self.groups.entry(shape).or_insert(next);
            if group == next {
                self.sizes.push(0);
            }
            if let Some(n) = self.sizes.get_mut(group as usize) {
                *n += 1;
            }
            group
        });
        self.of.push(group);
        self.parents.push(None);
    }

    /// Records `parent` as the parent of each of `operands`.
    fn adopt(&mut self, parent: u32, operands: &[u32]) {
        for &x in operands {
            if let Some(p) = self.parents.get_mut(x as usize) {
                *p = Some(parent);
            }
        }
    }

    /// How many nodes the group of `node` has; a node without a group counts as one.
    fn size_of(&self, node: Option<u32>) -> u32 {
        node.and_then(|n| self.group(n))
            .and_then(|g| self.sizes.get(g as usize).copied())
            .unwrap_or(1)
    }

    /// The group of `node`, if it has one.
    fn group(&self, node: u32) -> Option<u32> {
        self.of.get(node as usize).copied().flatten()
    }

    /// The groups of `nodes`, if all have one.
    fn groups(&self, nodes: &[u32]) -> Option<Vec<u32>> {
        nodes.iter().map(|&n| self.group(n)).collect()
    }

    /// The memo slot of each node: one per group decided more than once, first come first
    /// served (bottom-up, left to right) while slots last; `None` for the others. A group is decided
    /// more than once when it has more nodes than its parent's group: a group that occurs only
    /// as the same operand of a shared parent is decided once, with the parent, which
    /// remembers it (the portal's guard needs one slot, not one for each of its five nodes).
    fn slots(&self) -> Vec<Option<u8>> {
        let n_groups = self.sizes.len();
        let mut repeated = vec![false; n_groups];
        for (node, parent) in self.parents.iter().enumerate() {
            let node = Some(index(node));
            let size = self.size_of(node);
            if size >= 2 && size > self.size_of(*parent) {
                if let Some(r) = node
                    .and_then(|n| self.group(n))
                    .and_then(|g| repeated.get_mut(g as usize))
                {
                    *r = true;
                }
            }
        }
        let mut of_group: Vec<Option<u8>> = vec![None; n_groups];
        let mut used = 0;
        self.of
            .iter()
            .map(|group| {
                let group = (*group)?;
                if !repeated.get(group as usize).copied().unwrap_or(false) {
                    return None;
                }
                let slot = of_group.get_mut(group as usize)?;
                if slot.is_none() && used < MEMO_SLOTS {
                    *slot = Some(used);
                    used += 1;
                }
                *slot
            })
            .collect()
    }
}

impl Prepared {
    /// Prepares `condition`; [`Condition::prepare`] says the same.
    pub fn new(condition: &Condition) -> Prepared {
        Prepared::build(condition, Use::Repeated)
    }

    /// Prepares `condition` for `purpose`: for [`Use::Once`], without the leaves' text (copying
    /// them is most of preparing) and without sharing.
    pub(crate) fn build(condition: &Condition, purpose: Use) -> Prepared {
        let repeated = purpose == Use::Repeated;
        enum Task<'c> {
            Visit(&'c Expr, usize),
            /// All operands of this node are built and on `built`.
            Join(&'c Expr, usize),
        }
        let mut p = Prepared {
            nodes: Vec::new(),
            children: Vec::new(),
            leaves: Vec::new(),
            root: 0,
            program: Vec::new(),
            entry: DENY,
            remembered: Vec::new(),
        };
        let mut sharing = Sharing::default();
        // Built nodes awaiting their parent, in order; no recursion, whatever the depth.
        let mut built: Vec<u32> = Vec::new();
        let mut tasks = vec![Task::Visit(&condition.expr, 0)];
        while let Some(task) = tasks.pop() {
            match task {
                Task::Visit(mut e, depth) => {
                    // Parentheses are transparent.
                    while let ExprKind::Group(g) = &e.kind {
                        e = &g.expr;
                    }
                    if depth > MAX_EVAL_DEPTH {
                        built.push(p.push(e.span, NodeKind::TooDeep));
                        if repeated {
                            sharing.add(None);
                        }
                        continue;
                    }
                    match &e.kind {
                        ExprKind::Or(xs) | ExprKind::And(xs) => {
                            tasks.push(Task::Join(e, xs.len()));
                            tasks.extend(xs.iter().rev().map(|x| Task::Visit(x, depth + 1)));
                        }
                        ExprKind::Not(x) => {
                            tasks.push(Task::Join(e, 1));
                            tasks.push(Task::Visit(x, depth + 1));
                        }
                        _ => {
                            let kind = p.leaf(e, repeated);
                            built.push(p.push(e.span, kind));
                            if repeated {
                                sharing.add(Some(Shape::Leaf(e.to_string())));
                            }
                        }
                    }
                }
                Task::Join(e, n) => {
                    let at = built.len().saturating_sub(n);
                    let operands = built.drain(at..);
                    let first = index(p.children.len());
                    p.children.extend(operands);
                    let len = index(p.children.len()) - first;
                    let kind = match &e.kind {
                        // A NOT keeps its operand in the node, not in `children`.
                        ExprKind::Not(_) => NodeKind::Not(p.children.pop().unwrap_or(0)),
                        ExprKind::Or(_) => NodeKind::Or { first, len },
                        _ => NodeKind::And { first, len },
                    };
                    if repeated {
                        let node = index(p.nodes.len());
                        let operands = match kind {
                            NodeKind::Not(ref x) => std::slice::from_ref(x),
                            _ => p.children.get(first as usize..).unwrap_or(&[]),
                        };
                        sharing.add(match kind {
                            NodeKind::Not(x) => sharing.group(x).map(Shape::Not),
                            NodeKind::Or { .. } => sharing.groups(operands).map(Shape::Or),
                            _ => sharing.groups(operands).map(Shape::And),
                        });
                        sharing.adopt(node, operands);
                    }
                    built.push(p.push(e.span, kind));
                }
            }
        }
        p.root = built.pop().unwrap_or(0);
        if repeated {
            p.entry = p.compile(p.root, ALLOW, DENY, &sharing.slots());
        }
        p
    }

    fn push(&mut self, span: Span, kind: NodeKind) -> u32 {
        self.nodes.push(Node { span, kind });
        index(self.nodes.len() - 1)
    }

    fn emit(&mut self, step: Step) -> u32 {
        self.program.push(step);
        index(self.program.len() - 1)
    }

    /// Compiles `node` to steps that go to `yes` when it is true and to `no` when it is false,
    /// and returns the first. Recursive, but the tree is cut at the evaluation depth guard.
    fn compile(&mut self, node: u32, yes: u32, no: u32, slots: &[Option<u8>]) -> u32 {
        let slot = slots.get(node as usize).copied().flatten();
        let (body_yes, body_no) = match slot {
            None => (yes, no),
            Some(slot) => (
                self.emit(Step::Remember {
                    slot,
                    value: true,
                    next: yes,
                }),
                self.emit(Step::Remember {
                    slot,
                    value: false,
                    next: no,
                }),
            ),
        };
        let start = match self.nodes.get(node as usize).map(|n| &n.kind) {
            Some(&NodeKind::Not(x)) => self.compile(x, body_no, body_yes, slots),
            Some(&NodeKind::Or { first, len }) => {
                // The last operand decides; each earlier one decides if true, else goes on.
                let mut next = body_no;
                for x in self.operands(first, len).into_iter().rev() {
                    next = self.compile(x, body_yes, next, slots);
                }
                next
            }
            Some(&NodeKind::And { first, len }) => {
                // The last operand decides; each earlier one decides if false, else goes on.
                let mut next = body_yes;
                for x in self.operands(first, len).into_iter().rev() {
                    next = self.compile(x, next, body_no, slots);
                }
                next
            }
            _ => self.emit(Step::Leaf {
                node,
                yes: body_yes,
                no: body_no,
            }),
        };
        match slot {
            None => start,
            Some(slot) => self.emit(Step::Recall {
                slot,
                yes,
                no,
                start,
            }),
        }
    }

    /// The operands of an `AND` or `OR`.
    fn operands(&self, first: u32, len: u32) -> Vec<u32> {
        let start = first as usize;
        self.children
            .get(start..start + len as usize)
            .unwrap_or(&[])
            .to_vec()
    }

    /// The node of a leaf expression.
    fn leaf(&mut self, e: &Expr, traceable: bool) -> NodeKind {
        let leaf = index(self.leaves.len());
        if traceable {
            self.leaves.push(e.clone());
        }
        match &e.kind {
            ExprKind::ActionMatches(p) => NodeKind::Action {
                leaf,
                pattern: Pattern::new(&p.value, Syntax::Action, true),
            },
            ExprKind::SubOperationMatches(p) => NodeKind::SubOperation {
                leaf,
                value: p.value.clone(),
            },
            ExprKind::Exists(a) => NodeKind::Exists {
                leaf,
                attribute: self.attribute(a),
            },
            ExprKind::Compare(c) => {
                let family = c.operator.base.family();
                let mut side = |o: &crate::ast::Operand, patterns: Option<bool>| Side {
                    span: o.span,
                    operand: match &o.kind {
                        OperandKind::Attribute(a) => PreparedOperand::Attribute(self.attribute(a)),
                        OperandKind::Literal(l) => {
                            Literals::operand(false, vec![l.clone()], family, patterns)
                        }
                        OperandKind::Set(ls) => {
                            Literals::operand(true, ls.clone(), family, patterns)
                        }
                    },
                };
                let (test, negate) = Test::of(c.operator.base);
                NodeKind::Compare {
                    leaf,
                    comparison: Box::new(Compare {
                        operator: c.operator,
                        test,
                        negate,
                        left: side(&c.left, None),
                        right: side(&c.right, like_case(c.operator.base)),
                    }),
                }
            }
            // Not leaves; `Prepared::new` builds them from their operands.
            ExprKind::Or(_) | ExprKind::And(_) | ExprKind::Not(_) | ExprKind::Group(_) => {
                NodeKind::TooDeep
            }
        }
    }

    /// An attribute reference prepared, with a memo slot if one is free or it has one.
    fn attribute(&mut self, a: &AttributeRef) -> Attr {
        let mut attr = Attr::new(a);
        let found = self
            .remembered
            .iter()
            .position(|(source, key)| *source == a.source && *key == attr.key);
        attr.slot = match found {
            Some(i) => u8::try_from(i).ok(),
            None if self.remembered.len() < ATTRIBUTE_SLOTS => {
                self.remembered.push((a.source, attr.key.clone()));
                u8::try_from(self.remembered.len() - 1).ok()
            }
            None => None,
        };
        attr
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
        let decided = if self.program.is_empty() {
            run.eval(self.root, 0)
        } else {
            run.run()
        };
        match decided {
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
        let Record { missing, trace } = run.record.map(|r| *r).unwrap_or_default();
        Evaluation {
            decision,
            errors,
            missing,
            trace,
        }
    }
}

impl Attr {
    /// The attribute without a memo slot; [`Prepared::attribute`] gives it one.
    fn new(a: &AttributeRef) -> Attr {
        let plain =
            |name: &str| matches!(&a.name, AttributeName::Plain(n) if n.eq_ignore_ascii_case(name));
        let fallback = match a.source {
            Source::Environment if plain("UtcNow") => Fallback::Now,
            Source::Request if plain("subOperation") => Fallback::SubOperations,
            _ => Fallback::None,
        };
        Attr {
            key: Key::new(&a.name),
            slot: None,
            fallback,
            written: a.clone(),
        }
    }
}

impl Literals {
    /// A literal operand, each literal read as `family`; compiled as a pattern with the case
    /// rule `like`, if given.
    fn operand(
        set: bool,
        written: Vec<Literal>,
        family: Family,
        like: Option<bool>,
    ) -> PreparedOperand {
        let read = Typeds::read(&written, family, like);
        PreparedOperand::Literals(Literals { set, written, read })
    }
}

impl Typeds {
    fn read(
        written: &[Literal],
        family: Family,
        like: Option<bool>,
    ) -> Result<Typeds, (usize, Why)> {
        /// Each literal read as `family` and taken as `T`, or the first that cannot be.
        fn each<T, C: FromIterator<T>>(
            written: &[Literal],
            family: Family,
            take: impl Fn(Typed<'_>) -> Option<T>,
        ) -> Result<C, (usize, Why)> {
            written
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let t = typed(raw_literal(l), family).map_err(|why| (i, why))?;
                    // `typed` gives the family's kind, so `take` always takes it.
                    take(t).ok_or((i, Why::Kind("another kind", family)))
                })
                .collect()
        }
        Ok(match (family, like) {
            (Family::String, None) => Typeds::Strings(each(written, family, |t| match t {
                Typed::Str(s) => Some(s.into()),
                _ => None,
            })?),
            (Family::String, Some(ignore_case)) => {
                Typeds::Patterns(each(written, family, |t| match t {
                    Typed::Str(p) => Some(Pattern::new(p, Syntax::Like, ignore_case)),
                    _ => None,
                })?)
            }
            (Family::Numeric, _) => Typeds::Integers(each(written, family, |t| match t {
                Typed::Int(n) => Some(n),
                _ => None,
            })?),
            (Family::DateTime, _) => Typeds::Times(each(written, family, |t| match t {
                Typed::Time(n) => Some(n),
                _ => None,
            })?),
            (Family::Bool, _) => Typeds::Bools(each(written, family, |t| match t {
                Typed::Bool(b) => Some(b),
                _ => None,
            })?),
            (Family::Guid, _) => Typeds::Guids(each(written, family, |t| match t {
                Typed::Guid(g) => Some(g),
                _ => None,
            })?),
        })
    }
}

fn raw_literal(l: &Literal) -> Raw<'_> {
    match &l.kind {
        LiteralKind::String(s) => Raw::Str(s),
        LiteralKind::Integer(n) => Raw::Int(*n),
        LiteralKind::Bool(b) => Raw::Bool(*b),
        LiteralKind::Guid(g) => Raw::Guid(&g.text),
    }
}

fn raw_scalar(s: &Scalar) -> Raw<'_> {
    match s {
        Scalar::String(s) => Raw::Str(s),
        Scalar::Integer(n) => Raw::Int(*n),
        Scalar::Bool(b) => Raw::Bool(*b),
    }
}

/// An operand's values as found, borrowed from the request or the prepared condition.
#[derive(Clone, Copy)]
enum Values<'a> {
    Missing,
    Dictionary,
    One(Raw<'a>),
    Scalars(&'a [Scalar]),
    Strings(&'a [String]),
    Literals(&'a Literals),
}

impl<'a> Values<'a> {
    fn len(&self) -> usize {
        match self {
            Values::Missing | Values::Dictionary => 0,
            Values::One(_) => 1,
            Values::Scalars(v) => v.len(),
            Values::Strings(v) => v.len(),
            Values::Literals(l) => l.written.len(),
        }
    }

    fn raw(&self, i: usize) -> Option<Raw<'a>> {
        match *self {
            Values::Missing | Values::Dictionary => None,
            Values::One(r) => (i == 0).then_some(r),
            Values::Scalars(v) => v.get(i).map(raw_scalar),
            Values::Strings(v) => v.get(i).map(|s| Raw::Str(s)),
            Values::Literals(l) => l.written.get(i).map(raw_literal),
        }
    }

    /// The `i`th value read as `family`, or why it cannot be (`None` past the end).
    fn typed(&self, i: usize, family: Family) -> Option<Result<Typed<'a>, Why>> {
        self.raw(i).map(|raw| typed(raw, family))
    }
}

/// An operand's values, checked against the operator's family.
#[derive(Clone, Copy)]
enum Read<'a> {
    /// One value from the request, already read.
    One(Typed<'a>),
    /// Literals that all read as the family (read when prepared).
    Literals(&'a Literals),
    /// Values from the request that all read as the family, read again as they are used.
    Each(Values<'a>),
}

impl<'a> Read<'a> {
    fn len(&self) -> usize {
        match self {
            Read::One(_) => 1,
            Read::Literals(l) => l.written.len(),
            Read::Each(v) => v.len(),
        }
    }

    fn get(&self, i: usize, family: Family) -> Option<(Typed<'a>, Option<&'a Pattern>)> {
        match *self {
            Read::One(t) => (i == 0).then_some((t, None)),
            Read::Literals(l) => l.get(i),
            Read::Each(v) => Some((v.typed(i, family)?.ok()?, None)),
        }
    }
}

/// One evaluation; `RECORD` says whether to record the trace and the missing list, so that
/// the fast path has no recording code at all.
struct Run<'a, const RECORD: bool> {
    prepared: &'a Prepared,
    request: &'a Request,
    options: &'a EvalOptions,
    /// The clock, read once and only if needed.
    now: Option<i64>,
    /// Why evaluation stopped, once it has.
    error: Option<EvalError>,
    /// The shared subtrees the program decided so far, and which of them were true.
    known: u64,
    decided: u64,
    /// The attributes with a memo slot looked up so far.
    looked_up: [Option<Seen<'a>>; ATTRIBUTE_SLOTS],
    /// Value pairs compared one by one so far (see [`MAX_PAIRS`]).
    pairs: u64,
    /// What a recording evaluation records; none on the fast path, which need not build or
    /// drop it.
    record: Option<Box<Record>>,
}

/// An attribute looked up in this evaluation: its values and, once read, its single value as
/// the family it was last compared as (a date-time from the request is parsed once).
#[derive(Clone, Copy)]
struct Seen<'a> {
    values: Values<'a>,
    read: Option<(Family, Typed<'a>)>,
}

/// The trace and the missing list of a recording evaluation.
#[derive(Default)]
struct Record {
    missing: Vec<MissingAttribute>,
    trace: Vec<TraceStep>,
}

/// Evaluation stopped on an error, which [`Run`] holds: a one-byte result on the hot path
/// instead of carrying the error up every level.
#[derive(Clone, Copy, Debug)]
struct Stopped;

impl<'a, const RECORD: bool> Run<'a, RECORD> {
    fn new(prepared: &'a Prepared, request: &'a Request, options: &'a EvalOptions) -> Self {
        Run {
            prepared,
            request,
            options,
            now: None,
            error: None,
            known: 0,
            decided: 0,
            looked_up: [None; ATTRIBUTE_SLOTS],
            pairs: 0,
            record: RECORD.then(Box::default),
        }
    }

    /// Stops on a prepared condition that is not as built, which only a bug could cause.
    #[cold]
    fn damaged(&mut self) -> Stopped {
        self.fail(EvalError {
            kind: EvalErrorKind::TooDeep,
            message: "the prepared condition is damaged".into(),
            span: Span::default(),
        })
    }

    fn fail(&mut self, error: EvalError) -> Stopped {
        self.error = Some(error);
        Stopped
    }

    /// The error evaluation stopped on.
    fn error(&mut self) -> EvalError {
        self.error.take().unwrap_or_else(|| EvalError {
            kind: EvalErrorKind::TooDeep,
            message: "evaluation stopped without saying why".into(),
            span: Span::default(),
        })
    }

    /// Opens a trace step for a node, naming it only when recording.
    fn step(&mut self, depth: usize, span: Span, node: impl FnOnce() -> String) -> usize {
        if !RECORD {
            return usize::MAX;
        }
        let Some(record) = self.record.as_mut() else {
            return usize::MAX;
        };
        record.trace.push(TraceStep {
            depth,
            span,
            node: node(),
            result: None,
            detail: Vec::new(),
        });
        record.trace.len() - 1
    }

    fn finish(&mut self, step: usize, result: bool) -> bool {
        if !RECORD {
            return result;
        }
        if let Some(s) = self.record.as_mut().and_then(|r| r.trace.get_mut(step)) {
            s.result = Some(result);
        }
        result
    }

    /// Adds to a trace step what its node saw, formatted only when recording.
    fn detail(&mut self, step: usize, line: impl FnOnce() -> String) {
        if !RECORD {
            return;
        }
        if let Some(s) = self.record.as_mut().and_then(|r| r.trace.get_mut(step)) {
            s.detail.push(line());
        }
    }

    fn eval(&mut self, node: u32, depth: usize) -> Result<bool, Stopped> {
        let prepared = self.prepared;
        let Some(Node { span, kind }) = prepared.nodes.get(node as usize) else {
            return Err(self.damaged());
        };
        match kind {
            NodeKind::Or { first, len } | NodeKind::And { first, len } => {
                let is_or = matches!(kind, NodeKind::Or { .. });
                let step = self.step(depth, *span, || if is_or { "OR" } else { "AND" }.into());
                let start = *first as usize;
                let operands = prepared
                    .children
                    .get(start..start + *len as usize)
                    .unwrap_or(&[]);
                let mut result = !is_or;
                for &x in operands {
                    // OR stops at the first true operand, AND at the first false one.
                    if self.eval(x, depth + 1)? == is_or {
                        result = is_or;
                        break;
                    }
                }
                Ok(self.finish(step, result))
            }
            NodeKind::Not(x) => {
                let step = self.step(depth, *span, || "NOT".into());
                let inner = self.eval(*x, depth + 1)?;
                Ok(self.finish(step, !inner))
            }
            _ => self.leaf(*span, kind, depth),
        }
    }

    /// Runs the program (see [`Step`]).
    fn run(&mut self) -> Result<bool, Stopped> {
        let prepared = self.prepared;
        let mut at = prepared.entry;
        loop {
            at = match prepared.program.get(at as usize) {
                None => return Ok(at == ALLOW),
                Some(&Step::Leaf { node, yes, no }) => {
                    let Some(Node { span, kind }) = prepared.nodes.get(node as usize) else {
                        return Err(self.damaged());
                    };
                    if self.leaf(*span, kind, 0)? {
                        yes
                    } else {
                        no
                    }
                }
                Some(&Step::Recall {
                    slot,
                    yes,
                    no,
                    start,
                }) => match (self.known >> slot & 1 != 0, self.decided >> slot & 1 != 0) {
                    (false, _) => start,
                    (true, true) => yes,
                    (true, false) => no,
                },
                Some(&Step::Remember { slot, value, next }) => {
                    self.known |= 1 << slot;
                    self.decided |= u64::from(value) << slot;
                    next
                }
            };
        }
    }

    /// Decides a leaf (kept out of [`Run::eval`], so that the walk through `AND`, `OR` and
    /// `NOT` stays small).
    #[inline(never)]
    fn leaf(&mut self, span: Span, kind: &'a NodeKind, depth: usize) -> Result<bool, Stopped> {
        let prepared = self.prepared;
        match kind {
            NodeKind::Or { .. } | NodeKind::And { .. } | NodeKind::Not(_) => Err(self.damaged()),
            NodeKind::Action { leaf, pattern } => {
                let step = self.step(depth, span, || leaf_text(prepared, *leaf));
                let action = &self.request.action;
                let result = pattern.matches(action);
                self.detail(step, || format!("action: '{}'", shorten(action)));
                Ok(self.finish(step, result))
            }
            NodeKind::SubOperation { leaf, value } => {
                let step = self.step(depth, span, || leaf_text(prepared, *leaf));
                let subs = &self.request.sub_operations;
                let result = subs.iter().any(|s| eq_ignore_case(s, value));
                self.detail(step, || {
                    let shown: Vec<String> =
                        subs.iter().map(|s| format!("'{}'", shorten(s))).collect();
                    format!("suboperations: [{}]", shown.join(", "))
                });
                Ok(self.finish(step, result))
            }
            NodeKind::Exists { leaf, attribute } => {
                let step = self.step(depth, span, || leaf_text(prepared, *leaf));
                let present = !matches!(self.lookup(attribute), Values::Missing);
                self.detail(step, || {
                    let state = if present { "present" } else { "missing" };
                    format!("{}: {state}", attribute.written)
                });
                Ok(self.finish(step, present))
            }
            NodeKind::Compare { leaf, comparison } => {
                let step = self.step(depth, span, || leaf_text(prepared, *leaf));
                let result = self.compare(comparison, step)?;
                Ok(self.finish(step, result))
            }
            NodeKind::TooDeep => Err(self.fail(EvalError {
                kind: EvalErrorKind::TooDeep,
                message: format!("condition nested deeper than {MAX_EVAL_DEPTH} levels"),
                span,
            })),
        }
    }

    /// The values of `a`, from the memo when this evaluation looked it up before.
    #[inline]
    fn lookup(&mut self, a: &Attr) -> Values<'a> {
        let slot = a.slot.map(usize::from);
        if let Some(Some(seen)) = slot.and_then(|i| self.looked_up.get(i)) {
            return seen.values;
        }
        let values = self.look_up(a);
        if let Some(memo) = slot.and_then(|i| self.looked_up.get_mut(i)) {
            *memo = Some(Seen { values, read: None });
        }
        values
    }

    /// The single value `raw` of `a` read as `family`, from the memo when this evaluation
    /// read it so before; `None` when it is not of the family. A string read as a string is
    /// itself: only values that must be parsed (date-times, GUIDs, numbers) are remembered.
    #[inline]
    fn read_one(&mut self, a: &Attr, raw: Raw<'a>, family: Family) -> Option<Typed<'a>> {
        if let (Family::String, Raw::Str(s)) = (family, raw) {
            return Some(Typed::Str(s));
        }
        let seen = a
            .slot
            .and_then(|i| self.looked_up.get_mut(usize::from(i)))
            .and_then(Option::as_mut);
        if let Some(Seen {
            read: Some((f, t)), ..
        }) = seen
        {
            if *f == family {
                return Some(*t);
            }
        }
        let t = typed(raw, family).ok()?;
        if let Some(seen) = seen {
            seen.read = Some((family, t));
        }
        Some(t)
    }

    #[inline(never)]
    fn look_up(&mut self, a: &Attr) -> Values<'a> {
        let request = self.request;
        match request.attributes(a.written.source).lookup(&a.key) {
            Some(Found::One(s)) => Values::One(raw_scalar(s)),
            Some(Found::Many(items)) => Values::Scalars(items),
            Some(Found::Dictionary) => Values::Dictionary,
            None => match a.fallback {
                Fallback::Now => Values::One(Raw::Time(self.now())),
                Fallback::SubOperations => Values::Strings(&request.sub_operations),
                Fallback::None => Values::Missing,
            },
        }
    }

    fn now(&mut self) -> i64 {
        match self.now {
            Some(t) => t,
            None => {
                let t = ticks_from(self.options.now.unwrap_or_else(chrono::Utc::now));
                self.now = Some(t);
                t
            }
        }
    }

    fn values(&mut self, side: &'a Side) -> Values<'a> {
        match &side.operand {
            PreparedOperand::Attribute(a) => self.lookup(a),
            PreparedOperand::Literals(l) => Values::Literals(l),
        }
    }

    #[inline]
    fn compare(&mut self, c: &'a Compare, step: usize) -> Result<bool, Stopped> {
        if !RECORD {
            if let Some(result) = self.direct(c) {
                return Ok(result);
            }
        }
        self.compare_all(c, step)
    }

    /// Decides any comparison, and records what it saw: the general path, kept out of line so
    /// that the leaves the direct path decides do not pay for its frame.
    #[inline(never)]
    fn compare_all(&mut self, c: &'a Compare, step: usize) -> Result<bool, Stopped> {
        let family = c.operator.base.family();
        let left = self.values(&c.left);
        let right = self.values(&c.right);
        self.detail(step, || format!("left: {}", show(&left)));
        self.detail(step, || format!("right: {}", show(&right)));

        let mut missing = false;
        for (side, values) in [(&c.left, &left), (&c.right, &right)] {
            let PreparedOperand::Attribute(a) = &side.operand else {
                continue;
            };
            let a = &a.written;
            match values {
                Values::Missing => {
                    missing = true;
                    self.note_missing(a);
                    if self.options.missing == MissingAttributes::Error {
                        return Err(self.fail(EvalError {
                            kind: EvalErrorKind::MissingAttribute,
                            message: format!("the request does not supply `{a}`, which `{}` needs", c.operator),
                            span: side.span,
                        }));
                    }
                }
                Values::Dictionary => {
                    return Err(self.fail(EvalError {
                        kind: EvalErrorKind::DictionaryValue,
                        message: format!(
                            "`{a}` is a dictionary; compare one key with `…:<key><$key_case_sensitive$>` or the keys with `…&$keys$&`"
                        ),
                        span: side.span,
                    }))
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

        // Every value must read as the family, left then right, before any is compared.
        let lefts = self.read(c, &c.left, left)?;
        let rights = self.read(c, &c.right, right)?;
        let like = like_case(c.operator.base);
        let (n_left, n_right) = (lefts.len(), rights.len());
        // Patterns from the request, compiled now as they could not be before: once each when
        // several left values meet them, else as each pair needs it.
        let compiled: Vec<Pattern> = match (like, rights) {
            (Some(ignore_case), Read::Each(_) | Read::One(_)) if n_left > 1 => (0..n_right)
                .filter_map(|i| match rights.get(i, family) {
                    Some((Typed::Str(p), _)) => Some(Pattern::new(p, Syntax::Like, ignore_case)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let pair = |l: Typed<'_>, r: Typed<'_>, ri: usize, pattern: Option<&Pattern>| -> bool {
            match (like, r, pattern.or(compiled.get(ri))) {
                (Some(_), _, Some(pattern)) => apply(c, l, r, Some(pattern)),
                (Some(ignore_case), Typed::Str(p), None) => {
                    apply(c, l, r, Some(&Pattern::new(p, Syntax::Like, ignore_case)))
                }
                _ => apply(c, l, r, None),
            }
        };
        let pair_at = |l: Typed<'_>, ri: usize| -> bool {
            rights
                .get(ri, family)
                .is_some_and(|(r, pattern)| pair(l, r, ri, pattern))
        };
        let each_left = (0..n_left).filter_map(|i| lefts.get(i, family).map(|(l, _)| l));
        let n_pairs = n_left.saturating_mul(n_right);
        if let (Some(q), true) = (c.operator.quantifier, n_pairs > INDEXED_FROM) {
            // Many against many: equality and ordering from an index of the right side, the
            // other tests pair by pair within the evaluation's budget.
            if let Some(order) = c.test.order() {
                let each_right = (0..n_right).filter_map(|i| rights.get(i, family).map(|(r, _)| r));
                let index = Index::new(each_right, c.test == Test::EqualsIgnoreCase);
                let (all_left, all_right) = (q.all_left(), q.all_right());
                return Ok(quantify::decide(
                    order, c.negate, all_left, all_right, each_left, &index,
                ));
            }
            self.pairs = self.pairs.saturating_add(n_pairs as u64);
            if self.pairs > MAX_PAIRS {
                return Err(self.fail(EvalError {
                    kind: EvalErrorKind::TooManyComparisons,
                    message: format!(
                        "`{}` compares {n_left} values with {n_right} pair by pair, past the limit of {MAX_PAIRS} pairs one evaluation compares",
                        c.operator
                    ),
                    span: c.operator.span,
                }));
            }
        }
        match quantify(c.operator.quantifier, n_left, each_left, n_right, pair_at) {
            Some(result) => Ok(result),
            None => {
                self.detail(step, || "a multi-valued operand needs a quantifier (ForAnyOfAnyValues: …); without one the comparison is false".into());
                Ok(false)
            }
        }
    }

    /// Decides an attribute against literals that all read as the operator's family (the
    /// shape of nearly every comparison) straight from the attribute's values: none of the
    /// general path's views, and nothing to record. `None` leaves the comparison to the
    /// general path: another shape, or one that reports (a missing attribute, a dictionary,
    /// a value not of the family). Only evaluations that record nothing use it; the traced
    /// one takes the general path, so the property tests check the two against each other.
    #[inline]
    fn direct(&mut self, c: &'a Compare) -> Option<bool> {
        let (PreparedOperand::Attribute(a), PreparedOperand::Literals(rights)) =
            (&c.left.operand, &c.right.operand)
        else {
            return None;
        };
        let Ok(typeds) = &rights.read else {
            return None;
        };
        let values = self.lookup(a);
        let family = c.operator.base.family();
        // What the quantifier asks of each left value and of the right side; without one,
        // the comparison decides one value against one literal, else it is false.
        let quantifier = c.operator.quantifier;
        let (all_left, all_right) =
            quantifier.map_or((false, false), |q| (q.all_left(), q.all_right()));
        let against = |l: Typed<'_>| typeds.against(l, c.test, c.negate, all_right);
        let n_right = rights.written.len();
        match values {
            Values::Missing | Values::Dictionary => None,
            Values::One(raw) => {
                let l = self.read_one(a, raw, family)?;
                Some((quantifier.is_some() || n_right == 1) && against(l))
            }
            _ => {
                let n = values.len();
                // Many against many is for the general path, which indexes them.
                if n.saturating_mul(n_right) > INDEXED_FROM {
                    return None;
                }
                let compares = quantifier.is_some() || (n == 1 && n_right == 1);
                // Every value must read as the family, also after the quantifier decides.
                let mut result = compares && all_left;
                let mut decided = !compares;
                for i in 0..n {
                    let l = values.raw(i).and_then(|r| typed(r, family).ok())?;
                    if !decided && against(l) != all_left {
                        result = !all_left;
                        decided = true;
                    }
                }
                Some(result)
            }
        }
    }

    /// An operand's values read as the operator's family; the first that cannot be is an
    /// error. A single value is read once here; several are checked here and read again as
    /// they are compared (literals were read when the condition was prepared).
    fn read(&mut self, c: &Compare, side: &Side, values: Values<'a>) -> Result<Read<'a>, Stopped> {
        let family = c.operator.base.family();
        let failed = match values {
            Values::One(raw) => match typed(raw, family) {
                Ok(t) => return Ok(Read::One(t)),
                Err(why) => Some((0, why)),
            },
            Values::Literals(l) => match l.read {
                Ok(_) => return Ok(Read::Literals(l)),
                Err(failed) => Some(failed),
            },
            _ => (0..values.len()).find_map(|i| match values.typed(i, family) {
                Some(Err(why)) => Some((i, why)),
                _ => None,
            }),
        };
        match failed {
            Some((i, why)) => Err(self.fail(invalid_value(c, side, &values, i, why))),
            None => Ok(Read::Each(values)),
        }
    }

    fn note_missing(&mut self, a: &AttributeRef) {
        let Some(record) = self.record.as_mut() else {
            return;
        };
        let name = a.name.to_string();
        if !record
            .missing
            .iter()
            .any(|m| m.source == a.source && m.name.eq_ignore_ascii_case(&name))
        {
            record.missing.push(MissingAttribute {
                source: a.source,
                name,
                span: a.span,
            });
        }
    }
}

/// Whether `n_left` values (`lefts`) and `n_right` (by index) satisfy `test` as the quantifier
/// requires; `None` without a quantifier when an operand does not have exactly one value.
#[inline]
fn quantify<'v>(
    quantifier: Option<Quantifier>,
    n_left: usize,
    mut lefts: impl Iterator<Item = Typed<'v>>,
    n_right: usize,
    test: impl Fn(Typed<'v>, usize) -> bool,
) -> Option<bool> {
    let (all_left, all_right) = match quantifier {
        None if n_left == 1 && n_right == 1 => return lefts.next().map(|l| test(l, 0)),
        None => return None,
        Some(q) => (q.all_left(), q.all_right()),
    };
    let against = |l: Typed<'v>| {
        if all_right {
            (0..n_right).all(|ri| test(l, ri))
        } else {
            (0..n_right).any(|ri| test(l, ri))
        }
    };
    Some(if all_left {
        lefts.all(against)
    } else {
        lefts.any(against)
    })
}

/// A leaf's single-line text, for the trace.
fn leaf_text(prepared: &Prepared, leaf: u32) -> String {
    prepared
        .leaves
        .get(leaf as usize)
        .map(Expr::to_string)
        .unwrap_or_default()
}

/// The error for a value that cannot be read as the operator's family.
fn invalid_value(c: &Compare, side: &Side, values: &Values<'_>, i: usize, why: Why) -> EvalError {
    let whose = match &side.operand {
        PreparedOperand::Attribute(a) => format!("of `{}` ", a.written),
        PreparedOperand::Literals(Literals { set: true, .. }) => "in the set ".to_string(),
        PreparedOperand::Literals(Literals { set: false, .. }) => String::new(),
    };
    let shown = values
        .raw(i)
        .map(|r| shorten(&r.to_string()))
        .unwrap_or_default();
    let family = c.operator.base.family();
    EvalError {
        kind: EvalErrorKind::InvalidValue,
        message: format!(
            "value {shown} {whose}{why}; `{}` compares {}",
            c.operator,
            plural_family(family)
        ),
        span: side.span,
    }
}

fn plural_family(family: Family) -> String {
    let one = family_name(family);
    let noun = one.trim_start_matches("an ").trim_start_matches("a ");
    format!("{noun}s")
}

/// The comparison's operator on one pair of values of its family.
fn apply(c: &Compare, l: Typed<'_>, r: Typed<'_>, pattern: Option<&Pattern>) -> bool {
    let (test, negate) = (c.test, c.negate);
    let passes = match (l, r) {
        (Typed::Str(a), _) if test == Test::Like => match pattern {
            Some(p) => p.matches(a),
            None => return false,
        },
        (Typed::Str(a), Typed::Str(b)) => test.texts(a, b),
        // Integers and date-times (ticks) are both `i64`, ordered the same way.
        (Typed::Int(a), Typed::Int(b)) | (Typed::Time(a), Typed::Time(b)) => test.numbers(a, b),
        (Typed::Bool(a), Typed::Bool(b)) => test.equal(a, b),
        (Typed::Guid(a), Typed::Guid(b)) => test.equal(a, b),
        // Both sides are read as the operator's family, so kinds always agree.
        _ => return false,
    };
    passes != negate
}

fn shorten(s: &str) -> String {
    if s.chars().count() > MAX_SHOWN {
        format!("{}…", s.chars().take(MAX_SHOWN).collect::<String>())
    } else {
        s.to_string()
    }
}

fn show(v: &Values<'_>) -> String {
    match v {
        Values::Missing => "missing".into(),
        Values::Dictionary => "a dictionary".into(),
        Values::One(_) | Values::Literals(Literals { set: false, .. }) => v
            .raw(0)
            .map(|r| shorten(&r.to_string()))
            .unwrap_or_default(),
        _ => {
            let n = v.len();
            let shown: Vec<String> = (0..n.min(10))
                .filter_map(|i| v.raw(i))
                .map(|r| shorten(&r.to_string()))
                .collect();
            let more = if n > 10 {
                format!(", … {} more", n - 10)
            } else {
                String::new()
            };
            format!("{{{}{more}}}", shown.join(", "))
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
        assert_eq!(p.remembered.len(), 1);
    }

    #[test]
    fn prepared_once_has_no_program_and_no_trace_text() {
        let c: Condition = "ActionMatches{'a'} OR ActionMatches{'a'}"
            .parse()
            .expect("parses");
        let once = Prepared::build(&c, Use::Once);
        assert!(once.program.is_empty() && once.leaves.is_empty());
        let repeated = Prepared::build(&c, Use::Repeated);
        assert!(!repeated.program.is_empty() && repeated.leaves.len() == 2);
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
                    Step::Leaf { yes, no, .. } => vec![yes, no],
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
