//! The finite model behind the semantic engine.
//!
//! Every attribute the conditions mention, the action and the suboperation is a *dimension*.
//! A dimension's values are drawn from a finite list of candidates that the literals of the
//! conditions tell apart (each literal, a value just beside it, a value in another case, a
//! pattern's instances, a value for each combination of several patterns' answers, fresh
//! values unlike any literal), and each candidate is one BDD
//! variable: "the value is this one" for a single-valued dimension, "the list holds this one"
//! for a multi-valued one. A dimension that may be absent has one more variable, "present".
//!
//! What a leaf (a comparison, `Exists`, `ActionMatches`, `SubOperationMatches`) yields for each
//! value of its dimensions is not computed here: the leaf is evaluated by the evaluator itself
//! on a request holding just those values, so the model cannot disagree with it on an operator.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use biodivine_lib_bdd::{op_function, Bdd, BddValuation, BddVariable, BddVariableSet};

use crate::ast::{
    AttributeName, AttributeRef, BaseOperator, Condition, Expr, ExprKind, Family, LiteralKind,
    Operand, OperandKind, Source,
};
use crate::check::catalog::SubContext;
use crate::eval::value::{format_ticks, parse_datetime};
use crate::eval::{ignores_case, EvalOptions, Test};
use crate::request::{Request, Scalar, Value};

use super::regions::{regions, Glob};
use super::SemanticError;

/// Most automaton states the search for values that tell patterns apart may visit.
const MAX_REGION_STATES: usize = 20_000;

/// The action a request carries when no `ActionMatches` is in question.
pub(super) const OTHER_ACTION: &str = "Microsoft.Azcond/unlisted/action";
/// A suboperation no condition names.
pub(super) const OTHER_SUBOPERATION: &str = "Azcond.Other";

/// Which dimension: the action, the suboperation, or an attribute.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum DimKey {
    Action,
    SubOperation,
    Attribute(u8, NameKey),
}

/// An attribute's identity: names ignore case, dictionary keys do not.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum NameKey {
    /// The dictionary's keys (`…/tags&$keys$&`); its keys' values share its variables.
    Keys {
        dictionary: String,
    },
    /// One key's value (`…/tags:key<$key_case_sensitive$>`).
    Key {
        dictionary: String,
        key: String,
    },
    Plain(String),
}

fn source_index(s: Source) -> u8 {
    match s {
        Source::Resource => 0,
        Source::Request => 1,
        Source::Principal => 2,
        Source::Environment => 3,
    }
}

pub(super) fn source_of(i: u8) -> Source {
    match i {
        0 => Source::Resource,
        1 => Source::Request,
        2 => Source::Principal,
        _ => Source::Environment,
    }
}

fn key_of(a: &AttributeRef<'_>) -> DimKey {
    let name = match a.name {
        AttributeName::Plain(n) => NameKey::Plain(n.to_lowercase()),
        AttributeName::KeyValue { attribute, key } => NameKey::Key {
            dictionary: attribute.to_lowercase(),
            key: key.to_string(),
        },
        AttributeName::Keys { attribute } => NameKey::Keys {
            dictionary: attribute.to_lowercase(),
        },
    };
    DimKey::Attribute(source_index(a.source), name)
}

/// One dimension of the model.
#[derive(Debug)]
pub(super) struct Dim {
    pub key: DimKey,
    /// How a request names it: the attribute name as first written (the dictionary's name for
    /// a key or the keys).
    pub written: String,
    /// Whether it holds a list.
    pub list: bool,
    /// Whether a request may lack it (the action and `UtcNow` are always there).
    pub optional: bool,
    pub candidates: Vec<Scalar>,
    pub vars: Vec<BddVariable>,
    /// "Present": its own variable, or for a key of a dictionary whose keys are in question,
    /// the keys' variable for that key.
    pub present: Option<BddVariable>,
    /// Whether `present` is another dimension's variable.
    pub linked: bool,
}

/// A conjunction of literals: which variables are true, which false.
type Clause = Vec<(BddVariable, bool)>;

/// What a leaf is evaluated on: each of its dimensions' values.
#[derive(Clone, Debug)]
enum State {
    Missing,
    One(usize),
    List(Vec<usize>),
}

/// What the literals around one group of dimensions ask to tell apart.
#[derive(Default, Debug)]
struct Hints {
    families: Vec<Family>,
    /// (operator, literal text) for string operators.
    strings: Vec<(BaseOperator, String)>,
    integers: Vec<i64>,
    ticks: Vec<i64>,
    guids: Vec<uuid::Uuid>,
    /// Dimensions in the group (fresh values needed to keep them apart).
    members: usize,
    /// Whether an attribute's value is a `…Like` pattern (compared with another attribute).
    attribute_patterns: bool,
}

impl Hints {
    fn merge(&mut self, other: Hints) {
        for f in other.families {
            if !self.families.contains(&f) {
                self.families.push(f);
            }
        }
        self.strings.extend(other.strings);
        self.integers.extend(other.integers);
        self.ticks.extend(other.ticks);
        self.guids.extend(other.guids);
        self.members += other.members;
        self.attribute_patterns |= other.attribute_patterns;
    }
}

/// A leaf of either condition, with the condition holding only it.
struct Leaf {
    condition: Condition,
    dims: Vec<usize>,
    /// For a comparison: whether the left (right) side is quantified by `All`.
    quantifier: Option<(bool, bool)>,
    /// Which side each dimension is on (true: left).
    left: Vec<bool>,
}

/// The two values of a subtree: true (allowed so far), and failed (an evaluation error).
#[derive(Clone)]
pub(super) struct Outcome {
    pub truth: Bdd,
    pub error: Bdd,
}

/// The model of a set of conditions.
pub(super) struct Model {
    pub vars: BddVariableSet,
    pub dims: Vec<Dim>,
    /// Every valuation that is a request: one value per single-valued dimension, none when
    /// absent.
    pub constraint: Bdd,
    /// Why an answer might not cover every request, if it might not.
    pub caveats: Vec<String>,
    leaves: BTreeMap<String, Outcome>,
    options: EvalOptions,
    max_nodes: usize,
    /// Leaf evaluations left.
    evaluations: std::cell::Cell<usize>,
}

impl Model {
    /// The model of `conditions`, for evaluation under `options`.
    pub fn new(
        conditions: &[&Condition],
        options: &EvalOptions,
        limits: &super::Limits,
    ) -> Result<Model, SemanticError> {
        let mut collect = Collect::default();
        for c in conditions {
            collect.walk(c.expr(), 0)?;
        }
        let Collect {
            mut dims,
            mut groups,
            hints,
            leaf_texts,
            action_patterns,
            suboperations,
        } = collect;
        let mut caveats = Vec::new();

        // Candidates, group by group.
        for (d, dim) in dims.iter_mut().enumerate() {
            let g = find(&mut groups, d);
            let h = hints.get(g);
            dim.candidates = match &dim.key {
                DimKey::Action => action_candidates(&action_patterns, &mut caveats),
                DimKey::SubOperation => {
                    let mut c: Vec<Scalar> = suboperations
                        .iter()
                        .map(|s| Scalar::String(s.clone()))
                        .collect();
                    c.push(Scalar::String(OTHER_SUBOPERATION.into()));
                    dedup(c)
                }
                _ => match h {
                    Some(h) => value_candidates(h, &dim.written, &mut caveats),
                    None => vec![Scalar::String("azcond".into())],
                },
            };
        }
        // A dictionary's keys include every key whose value is in question.
        let mut keys_in_question: BTreeMap<(u8, String), Vec<Scalar>> = BTreeMap::new();
        for d in &dims {
            if let DimKey::Attribute(src, NameKey::Key { dictionary, key }) = &d.key {
                keys_in_question
                    .entry((*src, dictionary.clone()))
                    .or_default()
                    .push(Scalar::String(key.clone()));
            }
        }
        for d in dims.iter_mut() {
            if let DimKey::Attribute(src, NameKey::Keys { dictionary }) = &d.key {
                if let Some(keys) = keys_in_question.remove(&(*src, dictionary.clone())) {
                    let mut all = keys;
                    all.append(&mut d.candidates);
                    d.candidates = dedup(all);
                }
            }
        }

        // Variables: dimensions in the order the conditions first name them, so that what one
        // clause reads sits together in the diagram (the portal's OR of blocks, each reading its
        // own attributes, stays small; sorted by name, it grows with every block).
        let mut count = 0usize;
        for d in &dims {
            count += d.candidates.len() + usize::from(d.optional);
        }
        let most = limits.max_variables.min(usize::from(u16::MAX));
        if count > most {
            return Err(SemanticError::TooComplex(format!(
                "the conditions need {count} decision variables; at most {most} are allowed"
            )));
        }
        let vars = BddVariableSet::new_anonymous(u16::try_from(count).unwrap_or(u16::MAX));
        let all = vars.variables();
        let mut next = all.into_iter();
        let mut keys_vars: BTreeMap<(u8, String), (Vec<Scalar>, Vec<BddVariable>)> =
            BTreeMap::new();
        for d in dims.iter_mut() {
            if d.optional {
                d.present = next.next();
            }
            d.vars = (&mut next).take(d.candidates.len()).collect();
            if let DimKey::Attribute(s, NameKey::Keys { dictionary }) = &d.key {
                keys_vars.insert(
                    (*s, dictionary.clone()),
                    (d.candidates.clone(), d.vars.clone()),
                );
            }
        }
        // A key's value is present exactly when the dictionary's keys hold the key.
        for d in dims.iter_mut() {
            if let DimKey::Attribute(s, NameKey::Key { dictionary, key }) = &d.key {
                if let Some((cands, kv)) = keys_vars.get(&(*s, dictionary.clone())) {
                    let at = cands
                        .iter()
                        .position(|c| matches!(c, Scalar::String(k) if k == key));
                    if let Some(v) = at.and_then(|i| kv.get(i)) {
                        d.present = Some(*v);
                        d.linked = true;
                    }
                }
            }
        }
        let mut model = Model {
            constraint: vars.mk_true(),
            vars,
            dims,
            caveats,
            leaves: BTreeMap::new(),
            options: *options,
            max_nodes: limits.max_nodes,
            evaluations: std::cell::Cell::new(limits.max_evaluations),
        };
        let mut constraint = model.vars.mk_true();
        for d in 0..model.dims.len() {
            let c = model.dim_constraint(d)?;
            constraint = model.and(&constraint, &c)?;
        }
        model.constraint = model.and(&constraint, &model.supplied()?)?;
        for text in leaf_texts {
            if model.leaves.contains_key(&text) {
                continue;
            }
            let leaf = model.leaf(&text)?;
            let outcome = model.leaf_outcome(&leaf)?;
            model.leaves.insert(text, outcome);
        }
        Ok(model)
    }

    /// The requests Azure can send: an attribute the catalog says every request of an action
    /// carries (a blob's container name, the role a role assignment names) is present for
    /// that action. Without an action in question, nothing is assumed.
    fn supplied(&self) -> Result<Bdd, SemanticError> {
        let mut out = self.vars.mk_true();
        let Some(actions) = self.dims.iter().find(|d| d.key == DimKey::Action) else {
            return Ok(out);
        };
        // The suboperation states: one named, another (any), none at all.
        let mut subops: Vec<(Bdd, SubContext)> = Vec::new();
        match self.dims.iter().find(|d| d.key == DimKey::SubOperation) {
            Some(sub) => {
                for (c, v) in sub.candidates.iter().zip(&sub.vars) {
                    if let Scalar::String(name) = c {
                        let context = if name == OTHER_SUBOPERATION {
                            SubContext::Any
                        } else {
                            SubContext::With(name.clone())
                        };
                        subops.push((self.var(*v), context));
                    }
                }
                subops.push((self.present(sub).not(), SubContext::NoSuboperation));
            }
            None => subops.push((self.vars.mk_true(), SubContext::Any)),
        }
        let catalog = crate::check::builtin_catalog();
        for d in &self.dims {
            let (DimKey::Attribute(src, NameKey::Plain(_)), Some(present)) = (&d.key, d.present)
            else {
                continue;
            };
            let name = AttributeName::Plain(&d.written);
            let crate::check::catalog::Lookup::Known { attribute, .. } =
                catalog.lookup(source_of(*src), &name)
            else {
                continue;
            };
            if !attribute.always_supplied {
                continue;
            }
            for (c, v) in actions.candidates.iter().zip(&actions.vars) {
                let Scalar::String(action) = c else {
                    continue;
                };
                for (state, sub) in &subops {
                    if attribute.supplied_with(action, sub) {
                        let when = self.and(&self.var(*v), state)?;
                        let must = self.op(&when, &self.var(present), op_function::imp)?;
                        out = self.and(&out, &must)?;
                    }
                }
            }
        }
        Ok(out)
    }

    // The three operations the engine runs most, answered without the library's apply (a hash
    // table per call) when an operand is constant, as most error diagrams are.

    pub(super) fn and(&self, a: &Bdd, b: &Bdd) -> Result<Bdd, SemanticError> {
        if a.is_false() || b.is_true() {
            return Ok(a.clone());
        }
        if b.is_false() || a.is_true() {
            return Ok(b.clone());
        }
        self.op(a, b, op_function::and)
    }

    pub(super) fn or(&self, a: &Bdd, b: &Bdd) -> Result<Bdd, SemanticError> {
        if a.is_true() || b.is_false() {
            return Ok(a.clone());
        }
        if b.is_true() || a.is_false() {
            return Ok(b.clone());
        }
        self.op(a, b, op_function::or)
    }

    pub(super) fn and_not(&self, a: &Bdd, b: &Bdd) -> Result<Bdd, SemanticError> {
        if a.is_false() || b.is_false() {
            return Ok(a.clone());
        }
        if b.is_true() {
            return Ok(self.vars.mk_false());
        }
        self.op(a, b, op_function::and_not)
    }

    fn op<F: Fn(Option<bool>, Option<bool>) -> Option<bool>>(
        &self,
        a: &Bdd,
        b: &Bdd,
        f: F,
    ) -> Result<Bdd, SemanticError> {
        Bdd::binary_op_with_limit(self.max_nodes, a, b, f).ok_or_else(|| {
            SemanticError::TooComplex(format!(
                "deciding the conditions needs more than {} decision-diagram nodes",
                self.max_nodes
            ))
        })
    }

    /// Whether the model holds `a` as a list (a quantifier reads it so).
    pub(super) fn is_list(&self, a: &AttributeRef<'_>) -> bool {
        self.dim(&key_of(a))
            .and_then(|d| self.dims.get(d))
            .is_some_and(|d| d.list)
    }

    /// The empty set of requests.
    pub(super) fn none(&self) -> Bdd {
        self.vars.mk_false()
    }

    /// The dimensions a leaf reads.
    pub(super) fn dims_of(&self, e: Expr<'_>) -> Vec<usize> {
        let keys: Vec<DimKey> = match e.kind() {
            ExprKind::ActionMatches(_) => vec![DimKey::Action],
            ExprKind::SubOperationMatches(_) => vec![DimKey::SubOperation],
            _ => e.attributes().map(|a| key_of(&a)).collect(),
        };
        keys.iter().filter_map(|k| self.dim(k)).collect()
    }

    /// Every dimension a leaf reads present.
    pub fn leaf_present(&self, e: Expr<'_>) -> Bdd {
        let mut out = self.vars.mk_true();
        for a in e.attributes() {
            if let Some(d) = self.dim(&key_of(&a)).and_then(|d| self.dims.get(d)) {
                out = out.and(&self.present(d));
            }
        }
        out
    }

    pub(super) fn var(&self, v: BddVariable) -> Bdd {
        self.vars.mk_var(v)
    }

    pub(super) fn none_of(&self, vars: &[BddVariable]) -> Result<Bdd, SemanticError> {
        let mut out = self.vars.mk_true();
        for v in vars {
            out = self.and_not(&out, &self.var(*v))?;
        }
        Ok(out)
    }

    pub(super) fn present(&self, d: &Dim) -> Bdd {
        match d.present {
            Some(p) => self.var(p),
            None => self.vars.mk_true(),
        }
    }

    fn dim_constraint(&self, d: usize) -> Result<Bdd, SemanticError> {
        let Some(dim) = self.dims.get(d) else {
            return Ok(self.vars.mk_true());
        };
        let none = self.none_of(&dim.vars)?;
        let present = self.present(dim);
        let absent = present.not();
        if dim.list {
            // Absent: no values.
            return self.op(&absent, &none, op_function::imp);
        }
        let one = self.vars.mk_sat_exactly_k(1, &dim.vars);
        let a = self.and(&present, &one)?;
        let b = self.and(&absent, &none)?;
        self.or(&a, &b)
    }

    /// The mutually exclusive states of a dimension for a leaf that reads it whole, each with
    /// the formula that selects it.
    fn states(&self, d: usize) -> Result<Vec<(Bdd, State)>, SemanticError> {
        let Some(dim) = self.dims.get(d) else {
            return Ok(Vec::new());
        };
        let present = self.present(dim);
        let mut out = Vec::new();
        if dim.optional || dim.linked {
            out.push((present.not(), State::Missing));
        }
        if dim.list {
            let none = self.none_of(&dim.vars)?;
            let one = self.vars.mk_sat_exactly_k(1, &dim.vars);
            out.push((self.and(&present, &none)?, State::List(Vec::new())));
            for (i, v) in dim.vars.iter().enumerate() {
                let f = self.and(&present, &self.and(&one, &self.var(*v))?)?;
                out.push((f, State::List(vec![i])));
            }
            if dim.vars.len() >= 2 {
                let many = self.and_not(&self.and_not(&present, &none)?, &one)?;
                out.push((many, State::List(vec![0, 1])));
            }
        } else {
            for (i, v) in dim.vars.iter().enumerate() {
                out.push((self.and(&present, &self.var(*v))?, State::One(i)));
            }
        }
        Ok(out)
    }

    /// A leaf's formulas.
    fn leaf(&self, text: &str) -> Result<Leaf, SemanticError> {
        let condition = crate::parse(text).map_err(|e| {
            SemanticError::Internal(format!("a leaf `{text}` does not parse again: {e}"))
        })?;
        let mut dims = Vec::new();
        let mut left = Vec::new();
        let mut quantifier = None;
        match condition.expr().kind() {
            ExprKind::ActionMatches(_) => dims.push(self.dim(&DimKey::Action)),
            ExprKind::SubOperationMatches(_) => dims.push(self.dim(&DimKey::SubOperation)),
            ExprKind::Exists(a) => dims.push(self.dim(&key_of(&a))),
            ExprKind::Compare(c) => {
                for (operand, is_left) in [(c.left, true), (c.right, false)] {
                    if let Some(a) = operand.attribute() {
                        dims.push(self.dim(&key_of(&a)));
                        left.push(is_left);
                    }
                }
                quantifier = c.operator.quantifier.map(|q| (q.all_left(), q.all_right()));
            }
            _ => {}
        }
        let dims: Vec<usize> = dims.into_iter().flatten().collect();
        Ok(Leaf {
            condition,
            dims,
            quantifier,
            left,
        })
    }

    fn dim(&self, key: &DimKey) -> Option<usize> {
        self.dims.iter().position(|d| &d.key == key)
    }

    /// Evaluates a leaf on a request holding exactly `states` of its dimensions: (true, error).
    fn oracle(
        &self,
        leaf: &Leaf,
        states: &[(usize, State)],
    ) -> Result<(bool, bool), SemanticError> {
        let left = self.evaluations.get();
        if left == 0 {
            return Err(SemanticError::TooComplex(
                "deciding the conditions needs more evaluations of their clauses on candidate values than allowed".into(),
            ));
        }
        self.evaluations.set(left - 1);
        let request = self.request(states)?;
        Ok(match leaf.condition.decide(&request, &self.options) {
            Ok(t) => (t, false),
            Err(_) => (false, true),
        })
    }

    /// A request holding the given states of dimensions (and nothing else).
    fn request(&self, states: &[(usize, State)]) -> Result<Request, SemanticError> {
        let mut request = Request::new(OTHER_ACTION);
        for (d, state) in states {
            let Some(dim) = self.dims.get(*d) else {
                continue;
            };
            let value = |i: &usize| dim.candidates.get(*i).cloned();
            match (&dim.key, state) {
                (_, State::Missing) => {}
                (DimKey::Action, State::One(i)) => {
                    if let Some(Scalar::String(a)) = value(i) {
                        request.action = a;
                    }
                }
                (DimKey::SubOperation, State::One(i)) => {
                    if let Some(Scalar::String(s)) = value(i) {
                        request.sub_operations = vec![s];
                    }
                }
                (DimKey::Attribute(src, _), s) => {
                    let v = match s {
                        State::One(i) => value(i).map(Value::Scalar),
                        State::List(items) => {
                            Some(Value::List(items.iter().filter_map(value).collect()))
                        }
                        State::Missing => None,
                    };
                    if let Some(v) = v {
                        request
                            .attributes_mut(source_of(*src))
                            .insert(&flat_name(dim), v)
                            .map_err(|e| {
                                SemanticError::Internal(format!("a model request: {e}"))
                            })?;
                    }
                }
                _ => {}
            }
        }
        Ok(request)
    }

    /// What a leaf yields, as formulas over the model's variables.
    fn leaf_outcome(&self, leaf: &Leaf) -> Result<Outcome, SemanticError> {
        let lists = leaf
            .dims
            .iter()
            .any(|d| self.dims.get(*d).is_some_and(|d| d.list));
        match (leaf.quantifier, lists) {
            (Some(q), true) => self.quantified(leaf, q),
            _ => self.product(leaf),
        }
    }

    /// A leaf over each combination of its dimensions' states.
    fn product(&self, leaf: &Leaf) -> Result<Outcome, SemanticError> {
        if leaf
            .dims
            .iter()
            .all(|d| self.dims.get(*d).is_some_and(|x| !x.list))
        {
            return self.product_single(leaf);
        }
        self.product_general(leaf)
    }

    /// [`Model::product`] for single-valued dimensions: each combination of values is one
    /// clause ("this value", or "absent"), and the diagram is built from the clauses at once.
    /// Valid where the model's constraint holds (one value per present dimension), which every
    /// question conjoins.
    fn product_single(&self, leaf: &Leaf) -> Result<Outcome, SemanticError> {
        let mut combos: Vec<(Clause, Vec<(usize, State)>)> = vec![(Vec::new(), Vec::new())];
        for d in &leaf.dims {
            let dim = self.dims.get(*d).ok_or_else(internal)?;
            let mut choices: Vec<(Option<(BddVariable, bool)>, State)> = Vec::new();
            if dim.optional || dim.linked {
                choices.push((dim.present.map(|p| (p, false)), State::Missing));
            }
            for (i, v) in dim.vars.iter().enumerate() {
                choices.push((Some((*v, true)), State::One(i)));
            }
            let mut next = Vec::with_capacity(combos.len() * choices.len());
            for (literals, states) in &combos {
                for (literal, state) in &choices {
                    let mut l = literals.clone();
                    if let Some(x) = literal {
                        if l.iter().any(|(v, b)| v == &x.0 && b != &x.1) {
                            continue;
                        }
                        l.push(*x);
                    }
                    let mut s = states.clone();
                    s.push((*d, state.clone()));
                    next.push((l, s));
                }
            }
            combos = next;
        }
        let mut truth = Vec::new();
        let mut error = Vec::new();
        for (literals, states) in combos {
            let clause = biodivine_lib_bdd::BddPartialValuation::from_values(&literals);
            match self.oracle(leaf, &states)? {
                (true, _) => truth.push(clause),
                (_, true) => error.push(clause),
                _ => {}
            }
        }
        Ok(Outcome {
            truth: self.vars.mk_dnf(&truth),
            error: self.vars.mk_dnf(&error),
        })
    }

    fn product_general(&self, leaf: &Leaf) -> Result<Outcome, SemanticError> {
        let mut combos: Vec<(Bdd, Vec<(usize, State)>)> = vec![(self.vars.mk_true(), Vec::new())];
        for d in &leaf.dims {
            let mut next = Vec::new();
            for (f, st) in self.states(*d)? {
                for (g, sts) in &combos {
                    let mut s = sts.clone();
                    s.push((*d, st.clone()));
                    next.push((self.and(g, &f)?, s));
                }
            }
            combos = next;
        }
        let mut truth = self.vars.mk_false();
        let mut error = self.vars.mk_false();
        for (f, states) in combos {
            match self.oracle(leaf, &states)? {
                (true, _) => truth = self.or(&truth, &f)?,
                (_, true) => error = self.or(&error, &f)?,
                _ => {}
            }
        }
        Ok(Outcome { truth, error })
    }

    /// A quantified comparison on a list: element by element (pair by pair between two
    /// attributes), as the quantifier combines them; absent attributes as evaluated.
    fn quantified(
        &self,
        leaf: &Leaf,
        (all_left, all_right): (bool, bool),
    ) -> Result<Outcome, SemanticError> {
        let sides: Vec<(usize, bool)> = leaf
            .dims
            .iter()
            .copied()
            .zip(leaf.left.iter().copied())
            .collect();
        let element = |d: usize, i: usize| -> State {
            if self.dims.get(d).is_some_and(|x| x.list) {
                State::List(vec![i])
            } else {
                State::One(i)
            }
        };
        let all_of = |is_left: bool| if is_left { all_left } else { all_right };
        let mut truth;
        let mut error = self.vars.mk_false();
        let mut present_all = self.vars.mk_true();
        for (d, _) in &sides {
            if let Some(dim) = self.dims.get(*d) {
                present_all = self.and(&present_all, &self.present(dim))?;
            }
        }
        match sides.as_slice() {
            [(d, is_left)] => {
                let dim = self.dims.get(*d).ok_or_else(internal)?;
                let all = all_of(*is_left);
                truth = if all {
                    self.vars.mk_true()
                } else {
                    self.vars.mk_false()
                };
                for (i, v) in dim.vars.iter().enumerate() {
                    let (t, e) = self.oracle(leaf, &[(*d, element(*d, i))])?;
                    let has = self.var(*v);
                    if e {
                        error = self.or(&error, &has)?;
                    }
                    truth = if all {
                        self.and(&truth, &self.op(&has, &self.const_(t), op_function::imp)?)?
                    } else if t {
                        self.or(&truth, &has)?
                    } else {
                        truth
                    };
                }
                // An empty list decides as the evaluator decides it: a literal set it cannot
                // read fails even with no value to compare.
                if dim.list {
                    let empty = self.none_of(&dim.vars)?;
                    let (t, e) = self.oracle(leaf, &[(*d, State::List(Vec::new()))])?;
                    truth = self.or(
                        &self.and_not(&truth, &empty)?,
                        &self.and(&empty, &self.const_(t && !e))?,
                    )?;
                    error = self.or(
                        &self.and_not(&error, &empty)?,
                        &self.and(&empty, &self.const_(e))?,
                    )?;
                }
            }
            [(d1, l1), (d2, _)] => {
                let a = self.dims.get(*d1).ok_or_else(internal)?;
                let b = self.dims.get(*d2).ok_or_else(internal)?;
                let (outer_all, inner_all) = (all_of(*l1), all_of(!*l1));
                truth = self.const_(outer_all);
                for (i, va) in a.vars.iter().enumerate() {
                    let mut inner = self.const_(inner_all);
                    for (j, vb) in b.vars.iter().enumerate() {
                        let states = [(*d1, element(*d1, i)), (*d2, element(*d2, j))];
                        let (t, e) = self.oracle(leaf, &states)?;
                        let hb = self.var(*vb);
                        if e {
                            error = self.or(&error, &self.and(&self.var(*va), &hb)?)?;
                        }
                        inner = if inner_all {
                            self.and(&inner, &self.op(&hb, &self.const_(t), op_function::imp)?)?
                        } else if t {
                            self.or(&inner, &hb)?
                        } else {
                            inner
                        };
                    }
                    let ha = self.var(*va);
                    truth = if outer_all {
                        self.and(&truth, &self.op(&ha, &inner, op_function::imp)?)?
                    } else {
                        self.or(&truth, &self.and(&ha, &inner)?)?
                    };
                }
            }
            _ => return self.product_general(leaf),
        }
        error = self.and(&error, &present_all)?;
        truth = self.and_not(&self.and(&truth, &present_all)?, &error)?;
        // Some side absent: as the evaluator decides with it absent.
        let absent = present_all.not();
        if !absent.is_false() {
            let states: Vec<(usize, State)> = sides
                .iter()
                .map(|(d, _)| {
                    let optional = self.dims.get(*d).is_some_and(|x| x.optional || x.linked);
                    (
                        *d,
                        if optional {
                            State::Missing
                        } else {
                            element(*d, 0)
                        },
                    )
                })
                .collect();
            let (t, e) = self.oracle(leaf, &states)?;
            if t {
                truth = self.or(&truth, &absent)?;
            }
            if e {
                error = self.or(&error, &absent)?;
            }
        }
        Ok(Outcome { truth, error })
    }

    fn const_(&self, b: bool) -> Bdd {
        if b {
            self.vars.mk_true()
        } else {
            self.vars.mk_false()
        }
    }

    /// What a whole expression yields, composed as the evaluator runs it: left to right,
    /// stopping at the first operand that settles an `AND` or `OR`, and stopping everything
    /// at an error.
    pub fn outcome(&self, e: Expr<'_>, depth: usize) -> Result<Outcome, SemanticError> {
        self.outcome_without(e, depth, &[], None)
    }

    /// [`Model::outcome`] with some operands of `AND`s and `OR`s (the nodes `skip`) left out.
    /// `memo` keeps each node's outcome with nothing left out (node ids are one condition's),
    /// so that only the nodes above a left-out one are composed again.
    pub fn outcome_without(
        &self,
        e: Expr<'_>,
        depth: usize,
        skip: &[u32],
        memo: Option<&RefCell<HashMap<u32, Outcome>>>,
    ) -> Result<Outcome, SemanticError> {
        let whole = skip.is_empty() || !e.descendants().any(|d| skip.contains(&d.id()));
        if let (Some(m), true) = (memo, whole) {
            if let Some(o) = m.borrow().get(&e.id()) {
                return Ok(o.clone());
            }
        }
        let o = self.compose(e, depth, skip, memo)?;
        if let (Some(m), true) = (memo, whole) {
            m.borrow_mut().insert(e.id(), o.clone());
        }
        Ok(o)
    }

    fn compose(
        &self,
        e: Expr<'_>,
        depth: usize,
        skip: &[u32],
        memo: Option<&RefCell<HashMap<u32, Outcome>>>,
    ) -> Result<Outcome, SemanticError> {
        if depth > MAX_DEPTH {
            return Err(SemanticError::TooComplex(format!(
                "the condition nests deeper than {MAX_DEPTH} levels"
            )));
        }
        match e.kind() {
            ExprKind::Group(g) => self.outcome_without(g.expr, depth + 1, skip, memo),
            ExprKind::Not(x) => {
                let o = self.outcome_without(x, depth + 1, skip, memo)?;
                Ok(Outcome {
                    truth: self.op(&o.truth, &o.error, |a, b| match (a, b) {
                        (Some(a), Some(b)) => Some(!a && !b),
                        (Some(true), _) | (_, Some(true)) => Some(false),
                        _ => None,
                    })?,
                    error: o.error,
                })
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                let is_and = matches!(e.kind(), ExprKind::And(_));
                // `going`: every operand so far let evaluation go on.
                let mut going = self.vars.mk_true();
                let mut truth = self.vars.mk_false();
                let mut error = self.vars.mk_false();
                for item in items.iter() {
                    if skip.contains(&item.id()) {
                        continue;
                    }
                    let o = self.outcome_without(item, depth + 1, skip, memo)?;
                    error = self.or(&error, &self.and(&going, &o.error)?)?;
                    if is_and {
                        going = self.and(&going, &o.truth)?;
                    } else {
                        truth = self.or(&truth, &self.and(&going, &o.truth)?)?;
                        going = self.and_not(&self.and_not(&going, &o.truth)?, &o.error)?;
                    }
                }
                if is_and {
                    truth = going;
                }
                Ok(Outcome { truth, error })
            }
            _ => self
                .leaves
                .get(&e.to_string())
                .cloned()
                .ok_or_else(internal),
        }
    }

    /// The request a valuation stands for, in the JSON of DECISIONS §4, and the attributes it
    /// leaves out.
    pub fn witness(&self, v: &BddValuation) -> (serde_json::Value, Vec<String>) {
        use serde_json::{json, Map, Value as J};
        let chosen = |d: &Dim| -> Vec<Scalar> {
            d.vars
                .iter()
                .zip(&d.candidates)
                .filter(|(var, _)| v.value(**var))
                .map(|(_, c)| c.clone())
                .collect()
        };
        let present = |d: &Dim| d.present.is_none_or(|p| v.value(p));
        let scalar = |s: &Scalar| match s {
            Scalar::String(s) => J::String(s.clone()),
            Scalar::Integer(n) => J::from(*n),
            Scalar::Bool(b) => J::Bool(*b),
        };
        let mut request = Map::new();
        request.insert("action".into(), J::String(OTHER_ACTION.into()));
        let mut sources: BTreeMap<u8, Map<String, J>> = BTreeMap::new();
        // Dictionaries, by (source, lower-case name): written name, the keys' values, and the
        // keys when they are in question.
        type Dictionary = (String, Map<String, J>, Option<Vec<String>>);
        let mut dictionaries: BTreeMap<(u8, String), Dictionary> = BTreeMap::new();
        let mut absent = Vec::new();
        for d in &self.dims {
            let values = chosen(d);
            if !present(d) {
                if d.optional || d.linked {
                    absent.push(display_name(d));
                }
                continue;
            }
            match &d.key {
                DimKey::Action => {
                    if let Some(Scalar::String(a)) = values.first() {
                        request.insert("action".into(), J::String(a.clone()));
                    }
                }
                DimKey::SubOperation => {
                    if let Some(Scalar::String(s)) = values.first() {
                        request.insert("subOperation".into(), J::String(s.clone()));
                    }
                }
                DimKey::Attribute(src, NameKey::Keys { dictionary }) => {
                    let entry = dictionaries
                        .entry((*src, dictionary.clone()))
                        .or_insert_with(|| (d.written.clone(), Map::new(), None));
                    entry.2 = Some(
                        values
                            .into_iter()
                            .filter_map(|k| match k {
                                Scalar::String(k) => Some(k),
                                _ => None,
                            })
                            .collect(),
                    );
                }
                DimKey::Attribute(src, NameKey::Key { dictionary, key }) => {
                    let entry = dictionaries
                        .entry((*src, dictionary.clone()))
                        .or_insert_with(|| (d.written.clone(), Map::new(), None));
                    if let Some(first) = values.first() {
                        entry.1.insert(key.clone(), scalar(first));
                    }
                }
                DimKey::Attribute(src, NameKey::Plain(_)) => {
                    let value = if d.list {
                        J::Array(values.iter().map(scalar).collect())
                    } else {
                        match values.first() {
                            Some(s) => scalar(s),
                            None => continue,
                        }
                    };
                    sources
                        .entry(*src)
                        .or_default()
                        .insert(d.written.clone(), value);
                }
            }
        }
        for ((src, lower), (name, mut entries, keys)) in dictionaries {
            let attributes = sources.entry(src).or_default();
            if lower.ends_with("/blobs/tags") || lower.ends_with("/containers/metadata") {
                // An object: its keys are the keys.
                for k in keys.into_iter().flatten() {
                    entries.entry(k).or_insert_with(|| json!("azcond"));
                }
                attributes.insert(name, J::Object(entries));
            } else {
                // Not a dictionary the request takes as an object: each key's value, and the
                // keys, flat.
                for (key, value) in entries {
                    attributes.insert(
                        format!("{name}:{key}{}", crate::ast::KEY_CASE_SENSITIVE_MARKER),
                        value,
                    );
                }
                if let Some(keys) = keys {
                    attributes.insert(
                        format!("{name}{}", crate::ast::KEYS_MARKER),
                        J::Array(keys.into_iter().map(J::String).collect()),
                    );
                }
            }
        }
        for (src, attributes) in sources {
            let field = match source_of(src) {
                Source::Resource => "resource",
                Source::Request => "request",
                Source::Principal => "principal",
                Source::Environment => "environment",
            };
            request.insert(field.into(), J::Object(attributes));
        }
        (J::Object(request), absent)
    }
}

/// Deepest expression the engine composes (the parser's own limit is lower).
const MAX_DEPTH: usize = 1000;

fn internal() -> SemanticError {
    SemanticError::Internal("the model lost track of a leaf or dimension".into())
}

/// How a request names a dimension, flat (one key at a time).
fn flat_name(d: &Dim) -> String {
    match &d.key {
        DimKey::Attribute(_, NameKey::Key { key, .. }) => {
            format!(
                "{}:{key}{}",
                d.written,
                crate::ast::KEY_CASE_SENSITIVE_MARKER
            )
        }
        DimKey::Attribute(_, NameKey::Keys { .. }) => {
            format!("{}{}", d.written, crate::ast::KEYS_MARKER)
        }
        _ => d.written.clone(),
    }
}

pub(super) fn display_name(d: &Dim) -> String {
    match &d.key {
        DimKey::Action => "the action".into(),
        DimKey::SubOperation => "subOperation".into(),
        DimKey::Attribute(src, _) => format!("@{}[{}]", source_of(*src).name(), flat_name(d)),
    }
}

/// Walks the conditions for their dimensions, the literals around them and their leaves.
#[derive(Default)]
struct Collect {
    dims: Vec<Dim>,
    /// Union-find parents: dimensions compared with each other share their candidates.
    groups: Vec<usize>,
    hints: Vec<Hints>,
    leaf_texts: Vec<String>,
    action_patterns: Vec<String>,
    suboperations: Vec<String>,
}

fn find(parents: &mut [usize], mut x: usize) -> usize {
    let mut steps = 0;
    while let Some(&p) = parents.get(x) {
        if p == x || steps > parents.len() {
            break;
        }
        x = p;
        steps += 1;
    }
    x
}

impl Collect {
    fn walk(&mut self, e: Expr<'_>, depth: usize) -> Result<(), SemanticError> {
        if depth > MAX_DEPTH {
            return Err(SemanticError::TooComplex(format!(
                "the condition nests deeper than {MAX_DEPTH} levels"
            )));
        }
        match e.kind() {
            ExprKind::Group(g) => return self.walk(g.expr, depth + 1),
            ExprKind::Not(x) => return self.walk(x, depth + 1),
            ExprKind::And(items) | ExprKind::Or(items) => {
                for item in items.iter() {
                    self.walk(item, depth + 1)?;
                }
                return Ok(());
            }
            ExprKind::ActionMatches(s) => {
                self.dim_for(DimKey::Action, String::new(), false);
                self.action_patterns.push(s.value.to_string());
            }
            ExprKind::SubOperationMatches(s) => {
                self.dim_for(DimKey::SubOperation, String::new(), false);
                self.suboperations.push(s.value.to_string());
            }
            ExprKind::Exists(a) => {
                self.attribute(&a, false);
            }
            ExprKind::Compare(c) => {
                let quantified = c.operator.quantifier.is_some();
                let family = c.operator.base.family();
                let op = c.operator.base;
                let l = c.left.attribute().map(|a| self.attribute(&a, quantified));
                let r = c.right.attribute().map(|a| self.attribute(&a, quantified));
                let group = match (l, r) {
                    (Some(a), Some(b)) => {
                        let (ra, rb) = (find(&mut self.groups, a), find(&mut self.groups, b));
                        if ra != rb {
                            if let Some(p) = self.groups.get_mut(rb) {
                                *p = ra;
                            }
                            let moved = self.hints.get_mut(rb).map(std::mem::take);
                            if let (Some(moved), Some(h)) = (moved, self.hints.get_mut(ra)) {
                                h.merge(moved);
                            }
                        }
                        Some(ra)
                    }
                    (Some(a), None) | (None, Some(a)) => Some(find(&mut self.groups, a)),
                    (None, None) => None,
                };
                if let (Some(g), true) = (group, l.is_some() && r.is_some()) {
                    if Test::of(op).0 == Test::Like {
                        if let Some(h) = self.hints.get_mut(g) {
                            h.attribute_patterns = true;
                        }
                    }
                }
                if let Some(g) = group {
                    let mut literals = Vec::new();
                    for side in [c.left, c.right] {
                        literals.extend(literal_texts(&side));
                    }
                    self.hint(g, family, op, &literals);
                }
            }
        }
        self.leaf_texts.push(e.to_string());
        Ok(())
    }

    fn hint(&mut self, g: usize, family: Family, op: BaseOperator, literals: &[LiteralKind<'_>]) {
        while self.hints.len() <= g {
            self.hints.push(Hints::default());
        }
        let Some(h) = self.hints.get_mut(g) else {
            return;
        };
        if !h.families.contains(&family) {
            h.families.push(family);
        }
        for l in literals {
            match (family, l) {
                (Family::String, LiteralKind::String(s)) => h.strings.push((op, s.to_string())),
                (Family::String, LiteralKind::Guid(g)) => h.strings.push((op, g.text.to_string())),
                (Family::Numeric, LiteralKind::Integer(n)) => h.integers.push(*n),
                (Family::Numeric, LiteralKind::String(s)) => {
                    if let Ok(n) = s.trim().parse::<i64>() {
                        h.integers.push(n);
                    }
                }
                (Family::DateTime, LiteralKind::String(s)) => {
                    if let Ok(t) = parse_datetime(s) {
                        h.ticks.push(t);
                    }
                }
                (Family::Guid, LiteralKind::Guid(g)) => h.guids.push(g.value),
                (Family::Guid, LiteralKind::String(s)) => {
                    if let Ok(g) = uuid::Uuid::parse_str(s) {
                        h.guids.push(g);
                    }
                }
                _ => {}
            }
        }
    }

    fn attribute(&mut self, a: &AttributeRef<'_>, list: bool) -> usize {
        let key = key_of(a);
        let written = match a.name {
            AttributeName::Plain(n) => n,
            AttributeName::KeyValue { attribute, .. } | AttributeName::Keys { attribute } => {
                attribute
            }
        }
        .to_string();
        let always = a.source == Source::Environment
            && matches!(a.name, AttributeName::Plain(n) if n.eq_ignore_ascii_case("UtcNow"));
        let keys = matches!(a.name, AttributeName::Keys { .. });
        // A dictionary key holds one value (a quantifier reads it as a list of one); the
        // dictionary's keys are a list.
        let single = matches!(a.name, AttributeName::KeyValue { .. });
        // What the catalog knows of an attribute decides: Azure sends a request's role
        // definition id as one value, whatever quantifier a condition reads it with.
        let list = match crate::check::builtin_catalog().lookup(a.source, &a.name) {
            crate::check::catalog::Lookup::Known { multi_valued, .. } => multi_valued,
            _ => list,
        };
        let d = self.dim_for(key, written, (list && !single) || keys);
        if always {
            if let Some(dim) = self.dims.get_mut(d) {
                dim.optional = false;
            }
        }
        d
    }

    fn dim_for(&mut self, key: DimKey, written: String, list: bool) -> usize {
        if let Some(i) = self.dims.iter().position(|d| d.key == key) {
            if let Some(d) = self.dims.get_mut(i) {
                d.list |= list;
            }
            return i;
        }
        let optional = !matches!(key, DimKey::Action);
        let i = self.dims.len();
        self.dims.push(Dim {
            key,
            written,
            list,
            optional,
            candidates: Vec::new(),
            vars: Vec::new(),
            present: None,
            linked: false,
        });
        self.groups.push(i);
        while self.hints.len() <= i {
            self.hints.push(Hints::default());
        }
        if let Some(h) = self.hints.get_mut(i) {
            h.members += 1;
        }
        i
    }
}

fn literal_texts<'c>(o: &Operand<'c>) -> Vec<LiteralKind<'c>> {
    match o.kind {
        OperandKind::Literal(l) => vec![l.kind],
        OperandKind::Set(s) => s.iter().map(|l| l.kind).collect(),
        OperandKind::Attribute(_) => Vec::new(),
    }
}

fn dedup(values: Vec<Scalar>) -> Vec<Scalar> {
    let mut out: Vec<Scalar> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The same letters in the other case, or `None` when the text has no cased letter.
fn other_case(s: &str) -> Option<String> {
    let flipped: String = s
        .chars()
        .map(|c| {
            if c.is_lowercase() {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c.to_lowercase().next().unwrap_or(c)
            }
        })
        .collect();
    (flipped != s).then_some(flipped)
}

/// A pattern's instances: each `*` as nothing and as a character, each `?` as a character,
/// escapes as the character they keep.
fn instances(pattern: &str) -> Vec<String> {
    let mut short = String::new();
    let mut long = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next().unwrap_or('\\');
                short.push(next);
                long.push(next);
            }
            '*' => long.push('x'),
            '?' => {
                short.push('x');
                long.push('x');
            }
            c => {
                short.push(c);
                long.push(c);
            }
        }
    }
    vec![short, long]
}

fn action_candidates(patterns: &[String], caveats: &mut Vec<String>) -> Vec<Scalar> {
    let mut out = Vec::new();
    let mut wildcards = 0;
    for p in patterns {
        if p.contains('*') {
            wildcards += 1;
            for i in instances(&p.replace('?', "\\?")) {
                out.push(Scalar::String(i));
            }
        } else {
            out.push(Scalar::String(p.clone()));
        }
    }
    if wildcards > 1 {
        // Every combination of patterns an action can match, each by a shortest action.
        let globs: Vec<Glob> = patterns.iter().map(|p| Glob::action(p)).collect();
        let known: Vec<&str> = out
            .iter()
            .filter_map(|c| match c {
                Scalar::String(s) => Some(s.as_str()),
                _ => None,
            })
            .chain([OTHER_ACTION])
            .collect();
        match regions(&globs, &known, MAX_REGION_STATES) {
            Some(found) => out.extend(found.into_iter().filter(|a| !a.is_empty()).map(Scalar::String)),
            None => caveats.push(
                "two or more `ActionMatches` patterns hold `*`: actions that match several of them at once were tried only where an instance of one pattern matches the others"
                    .into(),
            ),
        }
    }
    out.push(Scalar::String(OTHER_ACTION.into()));
    // ActionMatches ignores case: one spelling per action.
    let mut seen: Vec<String> = Vec::new();
    out.retain(|s| match s {
        Scalar::String(a) => {
            let lower = a.to_lowercase();
            if seen.contains(&lower) {
                false
            } else {
                seen.push(lower);
                true
            }
        }
        _ => true,
    });
    out
}

fn value_candidates(h: &Hints, name: &str, caveats: &mut Vec<String>) -> Vec<Scalar> {
    let k = h.members.max(1);
    let mut out = Vec::new();
    let mut patterns = 0;
    for family in &h.families {
        match family {
            Family::String => {
                for (op, lit) in &h.strings {
                    let test = Test::of(*op).0;
                    let like = test == Test::Like;
                    let starts = matches!(test, Test::StartsWith | Test::StartsWithIgnoreCase);
                    let bases = if like {
                        instances(lit)
                    } else {
                        vec![lit.clone()]
                    };
                    if like || starts {
                        patterns += 1;
                    }
                    for b in bases {
                        if let Some(o) = other_case(&b) {
                            out.push(Scalar::String(o));
                        }
                        if starts {
                            out.push(Scalar::String(format!("{b}x")));
                        }
                        out.push(Scalar::String(b));
                    }
                }
                // Fresh values, in both cases and extended, so that attributes compared with
                // each other can be equal, equal but for case, or one a prefix of the other.
                let prefixes = h.strings.iter().any(|(op, _)| {
                    matches!(
                        Test::of(*op).0,
                        Test::StartsWith | Test::StartsWithIgnoreCase | Test::Like
                    )
                });
                for i in 1..=k {
                    let fresh = format!("azcond-other-{i}");
                    if k > 1 || h.members > 1 {
                        out.push(Scalar::String(fresh.to_uppercase()));
                        if prefixes {
                            out.push(Scalar::String(format!("{fresh}x")));
                        }
                    }
                    out.push(Scalar::String(fresh));
                }
            }
            Family::Numeric => {
                let spread = i64::try_from(k).unwrap_or(1);
                if h.integers.is_empty() {
                    out.extend((0..spread).map(Scalar::Integer));
                }
                for n in &h.integers {
                    for d in -spread..=spread {
                        if let Some(v) = n.checked_add(d) {
                            out.push(Scalar::Integer(v));
                        }
                    }
                }
            }
            Family::DateTime => {
                let spread = i64::try_from(k).unwrap_or(1);
                let mut ticks = h.ticks.clone();
                if ticks.is_empty() {
                    // 2026-01-01T00:00:00Z.
                    ticks.push(17_672_256_000_000_000);
                }
                for t in ticks {
                    for d in -spread..=spread {
                        if let Some(v) = t.checked_add(d) {
                            out.push(Scalar::String(format_ticks(v)));
                        }
                    }
                }
            }
            Family::Guid => {
                for g in &h.guids {
                    out.push(Scalar::String(g.hyphenated().to_string()));
                }
                let mut fresh = 0u128;
                let mut added = 0;
                while added < k && fresh < 1 << 20 {
                    fresh += 1;
                    let g =
                        uuid::Uuid::from_u128(0xa2c0_0000_0000_4000_8000_0000_0000_0000 | fresh);
                    if !h.guids.contains(&g) {
                        out.push(Scalar::String(g.hyphenated().to_string()));
                        added += 1;
                    }
                }
            }
            Family::Bool => {
                out.push(Scalar::Bool(true));
                out.push(Scalar::Bool(false));
            }
        }
    }
    if h.attribute_patterns {
        caveats.push(format!(
            "`{name}` is compared with another attribute by a `…Like` operator: values holding `*` or `?` were not tried"
        ));
    }
    if patterns > 0 {
        // Every combination of the literals' answers some value gives, each by a shortest
        // value: exact for one attribute; two compared with each other may need two values
        // of one combination, which the fresh values give only outside the patterns.
        let globs: Vec<Glob> = h
            .strings
            .iter()
            .map(|(op, lit)| {
                let fold = ignores_case(*op);
                match Test::of(*op).0 {
                    Test::Like => Glob::like(lit, fold),
                    Test::StartsWith | Test::StartsWithIgnoreCase => Glob::prefix(lit, fold),
                    _ => Glob::exact(lit, fold),
                }
            })
            .collect();
        // (With one pattern too: a fresh value may fall inside it, `azcond-other-1` starts
        // with `a`.)
        let known: Vec<&str> = out
            .iter()
            .filter_map(|c| match c {
                Scalar::String(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let found = regions(&globs, &known, MAX_REGION_STATES);
        let exact = found.is_some() && (h.members <= 1 || patterns == 1);
        out.extend(found.into_iter().flatten().map(Scalar::String));
        if !exact {
            caveats.push(format!(
                "`{name}` is compared with two or more prefixes or patterns: values that satisfy several of them at once were tried only where one pattern's instance satisfies the others"
            ));
        }
    }
    if out.is_empty() {
        out.push(Scalar::String("azcond".into()));
    }
    dedup(out)
}
