//! Running a prepared condition against a request: the program on the fast path, the tree
//! walk with its trace and missing list on the recording one.

use super::super::glob::{eq_ignore_case, Pattern, Syntax};
use super::super::quantify::{self, Index, INDEXED_FROM, MAX_PAIRS};
use super::super::value::{family_name, read_as_is, ticks_from, typed, Raw, Typed, Why};
use super::super::{
    EvalError, EvalErrorKind, EvalOptions, MissingAttribute, MissingAttributes, TraceStep,
    MAX_EVAL_DEPTH, MAX_SHOWN,
};
use super::literals::{like_case, Literals, Test};
use super::{
    Attr, Compare, Fallback, Node, NodeKind, Prepared, PreparedOperand, Step, ALLOW,
    ATTRIBUTE_SLOTS,
};
use crate::ast::tree::{Sp, Tree};
use crate::ast::{
    AttributeRef, Comparison, Expr, ExprKind, Family, Operand, OperandKind, Operator, Quantifier,
};
use crate::request::{Found, Request, Scalar};
use crate::span::Span;

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
    Literals(&'a Literals, &'a Tree),
}

impl<'a> Values<'a> {
    fn len(&self) -> usize {
        match self {
            Values::Missing | Values::Dictionary => 0,
            Values::One(_) => 1,
            Values::Scalars(v) => v.len(),
            Values::Strings(v) => v.len(),
            Values::Literals(l, _) => l.len(),
        }
    }

    fn raw(&self, i: usize) -> Option<Raw<'a>> {
        match *self {
            Values::Missing | Values::Dictionary => None,
            Values::One(r) => (i == 0).then_some(r),
            Values::Scalars(v) => v.get(i).map(raw_scalar),
            Values::Strings(v) => v.get(i).map(|s| Raw::Str(s)),
            Values::Literals(l, tree) => l.raw(tree, i),
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
    Literals(&'a Literals, &'a Tree),
    /// Values from the request that all read as the family, read again as they are used.
    Each(Values<'a>),
}

impl<'a> Read<'a> {
    fn len(&self) -> usize {
        match self {
            Read::One(_) => 1,
            Read::Literals(l, _) => l.len(),
            Read::Each(v) => v.len(),
        }
    }

    fn get(&self, i: usize, family: Family) -> Option<(Typed<'a>, Option<&'a Pattern>)> {
        match *self {
            Read::One(t) => (i == 0).then_some((t, None)),
            Read::Literals(l, tree) => l.get(tree, i),
            Read::Each(v) => Some((v.typed(i, family)?.ok()?, None)),
        }
    }
}

/// One evaluation; `RECORD` says whether to record the trace and the missing list, so that
/// the fast path has no recording code at all.
pub(super) struct Run<'a, const RECORD: bool> {
    prepared: &'a Prepared,
    /// The condition's text, which literals are ranges of.
    text: &'a str,
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
pub(super) struct Record {
    pub(super) missing: Vec<MissingAttribute>,
    pub(super) trace: Vec<TraceStep>,
}

/// Evaluation stopped on an error, which [`Run`] holds: a one-byte result on the hot path
/// instead of carrying the error up every level.
#[derive(Clone, Copy, Debug)]
pub(super) struct Stopped;

impl<'a, const RECORD: bool> Run<'a, RECORD> {
    pub(super) fn new(
        prepared: &'a Prepared,
        request: &'a Request,
        options: &'a EvalOptions,
    ) -> Self {
        Run {
            prepared,
            text: &prepared.tree.text,
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

    /// What a recording evaluation recorded.
    pub(super) fn into_record(self) -> Record {
        self.record.map(|r| *r).unwrap_or_default()
    }

    /// The error evaluation stopped on.
    pub(super) fn error(&mut self) -> EvalError {
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

    pub(super) fn eval(&mut self, node: u32, depth: usize) -> Result<bool, Stopped> {
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
    pub(super) fn run(&mut self) -> Result<bool, Stopped> {
        let prepared = self.prepared;
        let mut at = prepared.entry;
        loop {
            at = match prepared.program.get(at as usize) {
                None => return Ok(at == ALLOW),
                Some(&Step::Compare { at, node, yes, no }) => {
                    // A comparison the direct path decides skips the leaf's node and frame.
                    let direct = match RECORD {
                        false => prepared
                            .compares
                            .get(at as usize)
                            .and_then(|c| self.direct(c)),
                        true => None,
                    };
                    let decided = match direct {
                        Some(result) => result,
                        None => self.leaf_at(node)?,
                    };
                    if decided {
                        yes
                    } else {
                        no
                    }
                }
                Some(&Step::Leaf { node, yes, no }) => {
                    if self.leaf_at(node)? {
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

    /// Decides the leaf `node` of the program; the functions (which never fail) without the
    /// frame of [`Run::leaf`] when nothing is recorded.
    fn leaf_at(&mut self, node: u32) -> Result<bool, Stopped> {
        let prepared = self.prepared;
        let Some(Node { span, kind }) = prepared.nodes.get(node as usize) else {
            return Err(self.damaged());
        };
        match kind {
            NodeKind::Action { value, pattern, .. } if !RECORD => {
                Ok(self.action_matches(*value, pattern.as_ref()))
            }
            NodeKind::SubOperation { value, .. } if !RECORD => {
                Ok(self.sub_operation_matches(*value))
            }
            _ => self.leaf(*span, kind, 0),
        }
    }

    /// `ActionMatches{'value'}`, its pattern compiled if it has wildcards.
    #[inline]
    fn action_matches(&self, value: Sp, pattern: Option<&Pattern>) -> bool {
        let action = &self.request.action;
        match pattern {
            Some(p) => p.matches(action),
            None => eq_ignore_case(action, value.of(self.text)),
        }
    }

    /// `SubOperationMatches{'value'}`.
    #[inline]
    fn sub_operation_matches(&self, value: Sp) -> bool {
        let value = value.of(self.text);
        self.request
            .sub_operations
            .iter()
            .any(|s| eq_ignore_case(s, value))
    }

    /// Decides a leaf (kept out of [`Run::eval`], so that the walk through `AND`, `OR` and
    /// `NOT` stays small).
    #[inline(never)]
    fn leaf(&mut self, span: Span, kind: &'a NodeKind, depth: usize) -> Result<bool, Stopped> {
        let prepared = self.prepared;
        match kind {
            NodeKind::Or { .. } | NodeKind::And { .. } | NodeKind::Not(_) => Err(self.damaged()),
            NodeKind::Action {
                leaf,
                value,
                pattern,
            } => {
                let step = self.step(depth, span, || leaf_text(prepared, *leaf));
                let result = self.action_matches(*value, pattern.as_ref());
                let action = &self.request.action;
                self.detail(step, || format!("action: '{}'", shorten(action)));
                Ok(self.finish(step, result))
            }
            NodeKind::SubOperation { leaf, value } => {
                let step = self.step(depth, span, || leaf_text(prepared, *leaf));
                let result = self.sub_operation_matches(*value);
                let subs = &self.request.sub_operations;
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
                    match prepared.written(*leaf) {
                        ExprKind::Exists(a) => format!("{a}: {state}"),
                        _ => state.to_string(),
                    }
                });
                Ok(self.finish(step, present))
            }
            NodeKind::Compare { leaf, at } => {
                let step = self.step(depth, span, || leaf_text(prepared, *leaf));
                let (Some(comparison), ExprKind::Compare(written)) =
                    (prepared.compares.get(*at as usize), prepared.written(*leaf))
                else {
                    return Err(self.damaged());
                };
                let result = self.compare(comparison, written, step)?;
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
        if let Some(t) = read_as_is(raw, family) {
            return Some(t);
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
        let Some((_, key)) = self.prepared.keys.get(a.key as usize) else {
            return Values::Missing;
        };
        match request.attributes(a.source).lookup(key) {
            Some(Found::One(s)) => Values::One(raw_scalar(s)),
            Some(Found::DateTime(s, ticks)) => Values::One(Raw::DateTime(s, ticks)),
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

    fn values(&mut self, operand: &'a PreparedOperand) -> Values<'a> {
        match operand {
            PreparedOperand::Attribute(a) => self.lookup(a),
            PreparedOperand::Literals(l) => Values::Literals(l, &self.prepared.tree),
        }
    }

    /// Decides any comparison, and records what it saw: the general path, kept out of line so
    /// that the leaves the direct path decides (in [`Run::run`]) do not pay for its frame.
    #[inline(never)]
    fn compare(
        &mut self,
        c: &'a Compare,
        written: Comparison<'a>,
        step: usize,
    ) -> Result<bool, Stopped> {
        let family = c.family;
        let operator = written.operator;
        let left = self.values(&c.left);
        let right = self.values(&c.right);
        self.detail(step, || format!("left: {}", show(&left)));
        self.detail(step, || format!("right: {}", show(&right)));

        let mut missing = false;
        for (side, values) in [(&written.left, &left), (&written.right, &right)] {
            let Some(a) = side.attribute() else {
                continue;
            };
            match values {
                Values::Missing => {
                    missing = true;
                    self.note_missing(a);
                    if self.options.missing == MissingAttributes::Error {
                        return Err(self.fail(EvalError {
                            kind: EvalErrorKind::MissingAttribute,
                            message: format!("the request does not supply `{a}`, which `{operator}` needs"),
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
        let lefts = self.read(c, &written.left, operator, left)?;
        let rights = self.read(c, &written.right, operator, right)?;
        let like = like_case(c.base);
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
        if let (Some(q), true) = (c.quantifier, n_pairs > INDEXED_FROM) {
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
                        "`{operator}` compares {n_left} values with {n_right} pair by pair, past the limit of {MAX_PAIRS} pairs one evaluation compares",
                    ),
                    span: operator.span,
                }));
            }
        }
        match quantify(c.quantifier, n_left, each_left, n_right, pair_at) {
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
            (&c.left, &c.right)
        else {
            return None;
        };
        let Ok(typeds) = &rights.read else {
            return None;
        };
        let values = self.lookup(a);
        let (family, text) = (c.family, self.text);
        let (all_left, all_right) = (c.all_left, c.all_right);
        let against = |l: Typed<'_>| typeds.against(l, c.test, c.negate, all_right, text);
        if let Values::One(raw) = values {
            // One value: without a quantifier, it is compared only with exactly one literal.
            let l = self.read_one(a, raw, family)?;
            return Some((c.quantifier.is_some() || rights.len() == 1) && against(l));
        }
        let n_right = rights.len();
        match values {
            Values::Missing | Values::Dictionary | Values::One(_) => None,
            _ => {
                let n = values.len();
                // Many against many is for the general path, which indexes them.
                if n.saturating_mul(n_right) > INDEXED_FROM {
                    return None;
                }
                let compares = c.quantifier.is_some() || (n == 1 && n_right == 1);
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
    fn read(
        &mut self,
        c: &Compare,
        side: &Operand<'_>,
        operator: Operator,
        values: Values<'a>,
    ) -> Result<Read<'a>, Stopped> {
        let family = c.family;
        let failed = match values {
            Values::One(raw) => match typed(raw, family) {
                Ok(t) => return Ok(Read::One(t)),
                Err(why) => Some((0, why)),
            },
            Values::Literals(l, tree) => match l.read {
                Ok(_) => return Ok(Read::Literals(l, tree)),
                Err(failed) => Some(failed),
            },
            _ => (0..values.len()).find_map(|i| match values.typed(i, family) {
                Some(Err(why)) => Some((i, why)),
                _ => None,
            }),
        };
        match failed {
            Some((i, why)) => {
                let error = invalid_value(side, operator, &values, i, why);
                Err(self.fail(error))
            }
            None => Ok(Read::Each(values)),
        }
    }

    fn note_missing(&mut self, a: AttributeRef<'_>) {
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
    Expr::new(&prepared.tree, leaf).to_string()
}

/// The error for a value of operand `side` (as written) that cannot be read as the family of
/// `operator`.
fn invalid_value(
    side: &Operand<'_>,
    operator: Operator,
    values: &Values<'_>,
    i: usize,
    why: Why,
) -> EvalError {
    let whose = match &side.kind {
        OperandKind::Attribute(a) => format!("of `{a}` "),
        OperandKind::Set(_) => "in the set ".to_string(),
        OperandKind::Literal(_) => String::new(),
    };
    let shown = values
        .raw(i)
        .map(|r| shorten(&r.to_string()))
        .unwrap_or_default();
    let family = operator.base.family();
    EvalError {
        kind: EvalErrorKind::InvalidValue,
        message: format!(
            "value {shown} {whose}{why}; `{operator}` compares {}",
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
        Values::One(_) => v
            .raw(0)
            .map(|r| shorten(&r.to_string()))
            .unwrap_or_default(),
        Values::Literals(l, _) if !l.is_set() => v
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
