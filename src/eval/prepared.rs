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
}

#[derive(Clone, Debug)]
struct Node {
    span: Span,
    kind: NodeKind,
}

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
    left: Side,
    right: Side,
}

#[derive(Clone, Debug)]
struct Side {
    span: Span,
    operand: PreparedOperand,
}

#[derive(Clone, Debug)]
enum PreparedOperand {
    Attribute(Attr),
    /// One literal (`set` false) or a set of them.
    Literals {
        set: bool,
        values: Vec<Lit>,
    },
}

/// A literal, read once as its operator's family.
#[derive(Clone, Debug)]
struct Lit {
    written: Literal,
    /// Its value, or why it is not one of the family (an error only if evaluation reaches it).
    value: Result<Owned, Why>,
    /// The compiled pattern, for the right operand of a `…Like` operator.
    pattern: Option<Pattern>,
}

/// A [`Typed`] value without the text of a string, which is the literal's own.
#[derive(Clone, Copy, Debug)]
enum Owned {
    Str,
    Int(i64),
    Bool(bool),
    Guid(u128),
    Time(i64),
}

impl Owned {
    fn new(t: Typed<'_>) -> Owned {
        match t {
            Typed::Str(_) => Owned::Str,
            Typed::Int(n) => Owned::Int(n),
            Typed::Bool(b) => Owned::Bool(b),
            Typed::Guid(g) => Owned::Guid(g),
            Typed::Time(t) => Owned::Time(t),
        }
    }
}

impl Lit {
    /// The literal read as its operator's family, or why it cannot be.
    fn typed(&self) -> Result<Typed<'_>, Why> {
        Ok(match self.value? {
            Owned::Str => Typed::Str(match &self.written.kind {
                LiteralKind::String(s) => s,
                LiteralKind::Guid(g) => &g.text,
                LiteralKind::Integer(_) | LiteralKind::Bool(_) => "",
            }),
            Owned::Int(n) => Typed::Int(n),
            Owned::Bool(b) => Typed::Bool(b),
            Owned::Guid(g) => Typed::Guid(g),
            Owned::Time(t) => Typed::Time(t),
        })
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

impl Prepared {
    /// Prepares `condition`; [`Condition::prepare`] says the same.
    pub fn new(condition: &Condition) -> Prepared {
        Prepared::build(condition, true)
    }

    /// Prepares `condition`, keeping each leaf's text for the trace only if `traceable`
    /// ([`Condition::evaluate`] does without: copying the leaves is most of preparing).
    pub(crate) fn build(condition: &Condition, traceable: bool) -> Prepared {
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
        };
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
                            let kind = p.leaf(e, traceable);
                            built.push(p.push(e.span, kind));
                        }
                    }
                }
                Task::Join(e, n) => {
                    let at = built.len().saturating_sub(n);
                    let kind = match &e.kind {
                        ExprKind::Not(_) => NodeKind::Not(built.pop().unwrap_or(0)),
                        _ => {
                            let first = index(p.children.len());
                            p.children.extend(built.drain(at..));
                            let len = index(p.children.len()) - first;
                            if matches!(e.kind, ExprKind::Or(_)) {
                                NodeKind::Or { first, len }
                            } else {
                                NodeKind::And { first, len }
                            }
                        }
                    };
                    built.push(p.push(e.span, kind));
                }
            }
        }
        p.root = built.pop().unwrap_or(0);
        p
    }

    fn push(&mut self, span: Span, kind: NodeKind) -> u32 {
        self.nodes.push(Node { span, kind });
        index(self.nodes.len() - 1)
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
                attribute: Attr::new(a),
            },
            ExprKind::Compare(c) => {
                let family = c.operator.base.family();
                let side = |o: &crate::ast::Operand, patterns: Option<bool>| Side {
                    span: o.span,
                    operand: match &o.kind {
                        OperandKind::Attribute(a) => PreparedOperand::Attribute(Attr::new(a)),
                        OperandKind::Literal(l) => PreparedOperand::Literals {
                            set: false,
                            values: vec![Lit::new(l, family, patterns)],
                        },
                        OperandKind::Set(ls) => PreparedOperand::Literals {
                            set: true,
                            values: ls.iter().map(|l| Lit::new(l, family, patterns)).collect(),
                        },
                    },
                };
                NodeKind::Compare {
                    leaf,
                    comparison: Box::new(Compare {
                        operator: c.operator,
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

    /// Whether the condition grants `request.action`, with the default options; as
    /// [`Condition::evaluate`].
    pub fn evaluate(&self, request: &Request) -> Result<bool, EvalError> {
        self.decide(request, &EvalOptions::default())
    }

    /// Whether the condition grants `request.action` under `options`, without a trace or the
    /// missing list: the fast path, which allocates nothing unless it fails.
    pub fn decide(&self, request: &Request, options: &EvalOptions) -> Result<bool, EvalError> {
        let mut run = Run::<false>::new(self, request, options);
        match run.eval(self.root, 0) {
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
        Evaluation {
            decision,
            errors,
            missing: run.missing,
            trace: run.trace,
        }
    }
}

impl Attr {
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
            fallback,
            written: a.clone(),
        }
    }
}

impl Lit {
    fn new(l: &Literal, family: Family, like: Option<bool>) -> Lit {
        let read = typed(raw_literal(l), family);
        let pattern = match (read, like) {
            (Ok(Typed::Str(p)), Some(ignore_case)) => {
                Some(Pattern::new(p, Syntax::Like, ignore_case))
            }
            _ => None,
        };
        let value = read.map(Owned::new);
        Lit {
            written: l.clone(),
            value,
            pattern,
        }
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
    /// One literal, not in a set.
    Literal(&'a Lit),
    Literals(&'a [Lit]),
}

impl<'a> Values<'a> {
    fn len(&self) -> usize {
        match self {
            Values::Missing | Values::Dictionary => 0,
            Values::One(_) | Values::Literal(_) => 1,
            Values::Scalars(v) => v.len(),
            Values::Strings(v) => v.len(),
            Values::Literals(v) => v.len(),
        }
    }

    fn raw(&self, i: usize) -> Option<Raw<'a>> {
        match *self {
            Values::Missing | Values::Dictionary => None,
            Values::One(r) => (i == 0).then_some(r),
            Values::Scalars(v) => v.get(i).map(raw_scalar),
            Values::Strings(v) => v.get(i).map(|s| Raw::Str(s)),
            Values::Literal(l) => (i == 0).then(|| raw_literal(&l.written)),
            Values::Literals(v) => v.get(i).map(|l| raw_literal(&l.written)),
        }
    }

    /// The `i`th value read as `family`, or why it cannot be (`None` past the end).
    fn typed(&self, i: usize, family: Family) -> Option<Result<Typed<'a>, Why>> {
        let literal = match *self {
            Values::Literal(l) => (i == 0).then_some(l),
            Values::Literals(v) => v.get(i),
            _ => return self.raw(i).map(|raw| typed(raw, family)),
        };
        literal.map(Lit::typed)
    }

    /// The compiled pattern of the `i`th value, when it was compiled in advance.
    fn pattern(&self, i: usize) -> Option<&'a Pattern> {
        match *self {
            Values::Literal(l) => l.pattern.as_ref().filter(|_| i == 0),
            Values::Literals(v) => v.get(i).and_then(|l| l.pattern.as_ref()),
            _ => None,
        }
    }
}

/// An operand's values, checked against the operator's family.
#[derive(Clone, Copy)]
enum Read<'a> {
    /// One value, already read; with its compiled pattern if it is a literal one.
    One(Typed<'a>, Option<&'a Pattern>),
    /// Values that all read as the family, read as they are used.
    Each(Values<'a>),
}

impl<'a> Read<'a> {
    fn len(&self) -> usize {
        match self {
            Read::One(..) => 1,
            Read::Each(v) => v.len(),
        }
    }

    fn get(&self, i: usize, family: Family) -> Option<(Typed<'a>, Option<&'a Pattern>)> {
        match *self {
            Read::One(t, p) => (i == 0).then_some((t, p)),
            Read::Each(v) => Some((v.typed(i, family)?.ok()?, v.pattern(i))),
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
            missing: Vec::new(),
            trace: Vec::new(),
        }
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
        if !RECORD {
            return result;
        }
        if let Some(s) = self.trace.get_mut(step) {
            s.result = Some(result);
        }
        result
    }

    /// Adds to a trace step what its node saw, formatted only when recording.
    fn detail(&mut self, step: usize, line: impl FnOnce() -> String) {
        if !RECORD {
            return;
        }
        if let Some(s) = self.trace.get_mut(step) {
            s.detail.push(line());
        }
    }

    fn eval(&mut self, node: u32, depth: usize) -> Result<bool, Stopped> {
        let prepared = self.prepared;
        let Some(Node { span, kind }) = prepared.nodes.get(node as usize) else {
            return Err(self.fail(EvalError {
                kind: EvalErrorKind::TooDeep,
                message: "the prepared condition is damaged".into(),
                span: Span::default(),
            }));
        };
        let span = *span;
        match kind {
            NodeKind::Or { first, len } | NodeKind::And { first, len } => {
                let is_or = matches!(kind, NodeKind::Or { .. });
                let step = self.step(depth, span, || if is_or { "OR" } else { "AND" }.into());
                let start = *first as usize;
                let operands = prepared
                    .children
                    .get(start..start + *len as usize)
                    .unwrap_or(&[]);
                for &x in operands {
                    // OR stops at the first true operand, AND at the first false one.
                    if self.eval(x, depth + 1)? == is_or {
                        return Ok(self.finish(step, is_or));
                    }
                }
                Ok(self.finish(step, !is_or))
            }
            NodeKind::Not(x) => {
                let step = self.step(depth, span, || "NOT".into());
                let inner = self.eval(*x, depth + 1)?;
                Ok(self.finish(step, !inner))
            }
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

    fn lookup(&mut self, a: &Attr) -> Values<'a> {
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
            PreparedOperand::Literals { set: true, values } => Values::Literals(values),
            PreparedOperand::Literals { set: false, values } => match values.first() {
                Some(l) => Values::Literal(l),
                None => Values::Literals(values),
            },
        }
    }

    fn compare(&mut self, c: &'a Compare, step: usize) -> Result<bool, Stopped> {
        let op = c.operator.base;
        let family = op.family();
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
        let like = like_case(op);
        let pair = |l: Typed<'_>, ri: usize| -> bool {
            let Some((r, pattern)) = rights.get(ri, family) else {
                return false;
            };
            match (like, r, pattern) {
                (Some(_), _, Some(pattern)) => apply(op, l, r, Some(pattern)),
                // A pattern from the request: compiled now, as it could not be before.
                (Some(ignore_case), Typed::Str(p), None) => {
                    apply(op, l, r, Some(&Pattern::new(p, Syntax::Like, ignore_case)))
                }
                _ => apply(op, l, r, None),
            }
        };
        let (n_left, n_right) = (lefts.len(), rights.len());
        let mut each_left = (0..n_left).filter_map(|i| lefts.get(i, family).map(|(l, _)| l));
        let result = match c.operator.quantifier {
            None => match (n_left, n_right, lefts.get(0, family)) {
                (1, 1, Some((l, _))) => pair(l, 0),
                _ => {
                    self.detail(step, || "a multi-valued operand needs a quantifier (ForAnyOfAnyValues: …); without one the comparison is false".into());
                    false
                }
            },
            Some(Quantifier::ForAnyOfAnyValues) => {
                each_left.any(|l| (0..n_right).any(|ri| pair(l, ri)))
            }
            Some(Quantifier::ForAllOfAnyValues) => {
                each_left.all(|l| (0..n_right).any(|ri| pair(l, ri)))
            }
            Some(Quantifier::ForAnyOfAllValues) => {
                each_left.any(|l| (0..n_right).all(|ri| pair(l, ri)))
            }
            Some(Quantifier::ForAllOfAllValues) => {
                each_left.all(|l| (0..n_right).all(|ri| pair(l, ri)))
            }
        };
        Ok(result)
    }

    /// An operand's values read as the operator's family; the first that cannot be is an
    /// error. A single value is read once here; several are checked here and read again as
    /// they are compared (literals were read when the condition was prepared).
    fn read(&mut self, c: &Compare, side: &Side, values: Values<'a>) -> Result<Read<'a>, Stopped> {
        let family = c.operator.base.family();
        let failed = match values {
            Values::One(raw) => match typed(raw, family) {
                Ok(t) => return Ok(Read::One(t, None)),
                Err(why) => Some((0, why)),
            },
            Values::Literal(l) => match l.typed() {
                Ok(t) => return Ok(Read::One(t, l.pattern.as_ref())),
                Err(why) => Some((0, why)),
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
        if !RECORD {
            return;
        }
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
        PreparedOperand::Literals { set: true, .. } => "in the set ".to_string(),
        PreparedOperand::Literals { set: false, .. } => String::new(),
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

/// The base operator on one pair of values of its family.
fn apply(op: BaseOperator, l: Typed<'_>, r: Typed<'_>, pattern: Option<&Pattern>) -> bool {
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

fn show(v: &Values<'_>) -> String {
    match v {
        Values::Missing => "missing".into(),
        Values::Dictionary => "a dictionary".into(),
        Values::One(_) | Values::Literal(_) => v
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
