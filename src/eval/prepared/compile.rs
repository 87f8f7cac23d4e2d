//! Compiling a condition's tree: its nodes without parentheses, each leaf prepared (patterns
//! compiled, literals read, attribute names lowered), repeated subtrees given memo slots, and
//! the whole turned into a program of jumps between leaves. One pass over the tree's arrays;
//! nothing is printed or copied but what the evaluator reads.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::super::glob::{has_wildcard, Pattern, Syntax};
use super::super::MAX_EVAL_DEPTH;
use super::literals::{like_case, Literals, Test};
use super::{
    Attr, Compare, Fallback, Node, NodeKind, Prepared, PreparedOperand, Step, ALLOW,
    ATTRIBUTE_SLOTS, DENY, MEMO_SLOTS,
};
use crate::ast::tree::{self, AttrNode, LitKind, LitNode, OperandNode, OperandNodeKind, Run, Tree};
use crate::ast::{same_leaf, AttributeName, Expr, Source};
use crate::request::Key;

fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

enum Task {
    Visit(u32, usize),
    /// All `n` operands of this node are built and on `built`.
    Join(u32, usize),
}

/// The compiler's working buffers, lent by the thread (see [`crate::scratch`]).
#[derive(Default)]
struct Scratch {
    sharing: Sharing,
    /// Built nodes awaiting their parent, in order.
    built: Vec<u32>,
    tasks: Vec<Task>,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

impl crate::scratch::Scratch for Scratch {
    fn reset(&mut self) -> bool {
        use crate::scratch::clear;
        // `&`, not `&&`: every buffer is emptied.
        self.sharing.reset() & clear(&mut self.built) & clear(&mut self.tasks)
    }
}

/// Compiles `tree` (see the module documentation).
pub(super) fn compile(tree: &Arc<Tree>) -> Prepared {
    let mut scratch = crate::scratch::lend(&SCRATCH);
    let p = compile_with(tree, &mut scratch);
    crate::scratch::give_back(&SCRATCH, scratch);
    p
}

fn compile_with(tree: &Arc<Tree>, scratch: &mut Scratch) -> Prepared {
    let mut p = Prepared {
        tree: Arc::clone(tree),
        nodes: Vec::with_capacity(tree.nodes.len()),
        children: Vec::with_capacity(tree.lists.len()),
        root: 0,
        program: Vec::with_capacity(2 * tree.nodes.len()),
        entry: DENY,
        compares: Vec::with_capacity(tree.nodes.len() / 3 + 1),
        keys: Vec::with_capacity(ATTRIBUTE_SLOTS),
    };
    let Scratch {
        sharing,
        built,
        tasks,
    } = scratch;
    // No recursion, whatever the depth.
    tasks.push(Task::Visit(tree.root, 0));
    let node = |id: u32| tree.nodes.get(id as usize);
    while let Some(task) = tasks.pop() {
        match task {
            Task::Visit(mut id, depth) => {
                // Parentheses are transparent.
                while let Some(tree::Node {
                    kind: tree::NodeKind::Group { inner, .. },
                    ..
                }) = node(id)
                {
                    id = *inner;
                }
                let Some(n) = node(id) else {
                    built.push(p.push(Default::default(), NodeKind::TooDeep));
                    sharing.add(None, None);
                    continue;
                };
                if depth > MAX_EVAL_DEPTH {
                    built.push(p.push(n.span.span(), NodeKind::TooDeep));
                    sharing.add(None, None);
                    continue;
                }
                match n.kind {
                    tree::NodeKind::Or(run) | tree::NodeKind::And(run) => {
                        let operands = tree.lists.get(run.range()).unwrap_or(&[]);
                        tasks.push(Task::Join(id, operands.len()));
                        tasks.extend(operands.iter().rev().map(|&x| Task::Visit(x, depth + 1)));
                    }
                    tree::NodeKind::Not(x) => {
                        tasks.push(Task::Join(id, 1));
                        tasks.push(Task::Visit(x, depth + 1));
                    }
                    _ => {
                        let key = leaf_hash(tree, &n.kind);
                        let same = sharing.candidate(key).filter(|&first| {
                            p.leaf_of(first).is_some_and(|other| {
                                same_leaf(Expr::new(tree, id), Expr::new(tree, other))
                            })
                        });
                        // A comparison written as an earlier one decides as it does: it reuses
                        // its compiled form (its own node still gives the messages' places).
                        let kind = match same.and_then(|first| p.nodes.get(first as usize)) {
                            Some(&Node {
                                kind: NodeKind::Compare { at, .. },
                                ..
                            }) => NodeKind::Compare { leaf: id, at },
                            _ => p.leaf(tree, id, &n.kind),
                        };
                        let at = p.push(n.span.span(), kind);
                        sharing.add(Some(key), same);
                        built.push(at);
                    }
                }
            }
            Task::Join(id, n) => {
                let Some(tree_node) = node(id) else {
                    // Never: the node was visited. Keeps the nodes and the groups in step.
                    built.push(p.push(Default::default(), NodeKind::TooDeep));
                    sharing.add(None, None);
                    continue;
                };
                let at = built.len().saturating_sub(n);
                let first = index(p.children.len());
                p.children.extend(built.drain(at..));
                let len = index(p.children.len()) - first;
                let (kind, tag) = match tree_node.kind {
                    // A NOT keeps its operand in the node, not in `children`.
                    tree::NodeKind::Not(_) => (NodeKind::Not(p.children.pop().unwrap_or(0)), 0),
                    tree::NodeKind::Or(_) => (NodeKind::Or { first, len }, 1),
                    _ => (NodeKind::And { first, len }, 2),
                };
                let me = index(p.nodes.len());
                let operands: &[u32] = match kind {
                    NodeKind::Not(ref x) => std::slice::from_ref(x),
                    _ => p.children.get(first as usize..).unwrap_or(&[]),
                };
                let key = sharing.inner_hash(tag, operands);
                let same = key
                    .and_then(|key| sharing.candidate(key))
                    .filter(|&other| same_shape(&p, sharing, other, tag, operands));
                sharing.add(key, same);
                sharing.adopt(me, operands);
                built.push(p.push(tree_node.span.span(), kind));
            }
        }
    }
    p.root = built.pop().unwrap_or(0);
    // Leaves are decided again (see [`Sharing`]).
    sharing.assign_slots(|node| p.leaf_of(node).is_none());
    p.entry = p.compile(p.root, ALLOW, DENY, &sharing.slots);
    p
}

/// Whether prepared node `other` has the shape `tag` over operands of the same groups as
/// `operands`.
fn same_shape(p: &Prepared, sharing: &Sharing, other: u32, tag: u8, operands: &[u32]) -> bool {
    let theirs: &[u32] = match p.nodes.get(other as usize).map(|n| &n.kind) {
        Some(NodeKind::Not(x)) if tag == 0 => std::slice::from_ref(x),
        Some(&NodeKind::Or { first, len }) if tag == 1 => p.operands(first, len),
        Some(&NodeKind::And { first, len }) if tag == 2 => p.operands(first, len),
        _ => return false,
    };
    theirs.len() == operands.len()
        && theirs
            .iter()
            .zip(operands)
            .all(|(&a, &b)| sharing.group(a).is_some() && sharing.group(a) == sharing.group(b))
}

/// A hasher for shapes. Each word costs a rotation and an exclusive or, so hashing a leaf is a
/// short chain of one-cycle steps (a multiplication per word made hashing the larger part of
/// compiling); [`Hasher::finish`] then mixes every bit into every other. A collision, chosen
/// by an attacker or not, costs only a missed sharing: every hit is checked.
#[derive(Default)]
struct Mix(u64);

impl Mix {
    fn add(&mut self, word: u64) {
        self.0 = self.0.rotate_left(23) ^ word;
    }
}

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            for (w, b) in word.iter_mut().zip(rest) {
                *w = *b;
            }
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // The finaliser of MurmurHash3's 64-bit hash.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

impl Mix {
    /// Adds a text by its length and its first and last eight bytes: all of a text of up to
    /// sixteen bytes (most literals), and of a long name what usually tells it apart. Hashing
    /// every byte made the serial chain of multiplications the larger part of compiling; two
    /// texts alike in these samples only share a hash, and a shared hash only a check.
    fn sample(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        self.add(n as u64);
        match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            (Some(first), Some(last)) => {
                self.add(u64::from_le_bytes(*first));
                self.add(u64::from_le_bytes(*last));
            }
            // Shorter than eight bytes: all of them, without a copy of variable length.
            _ => self.add(bytes.iter().fold(0, |w, &b| (w << 8) | u64::from(b))),
        }
    }
}

/// The hash of a leaf's content, read from the tree's nodes without building their views:
/// equal for leaves [`same_leaf`] calls the same (which compares names and literals exactly),
/// its texts sampled ([`Mix::sample`]).
fn leaf_hash(tree: &Tree, kind: &tree::NodeKind) -> u64 {
    let text = tree.text.as_bytes();
    let bytes = |s: tree::Sp| text.get(s.range()).unwrap_or(&[]);
    let mut h = Mix::default();
    let attribute = |a: AttrNode, h: &mut Mix| {
        a.source.hash(h);
        match a.name {
            tree::NameNode::Plain(n) => {
                h.write_u8(0);
                h.sample(bytes(n));
            }
            tree::NameNode::KeyValue { attribute, key } => {
                h.write_u8(1);
                h.sample(bytes(attribute));
                h.write_u8(b':');
                h.sample(bytes(key));
            }
            tree::NameNode::Keys(n) => {
                h.write_u8(2);
                h.sample(bytes(n));
            }
        }
    };
    let literal = |l: &LitNode, h: &mut Mix| match l.kind {
        LitKind::String(s) => {
            h.write_u8(0);
            h.sample(bytes(s));
        }
        LitKind::Integer(n) => {
            h.write_u8(1);
            h.write_u64(n as u64);
        }
        LitKind::Bool(b) => h.write_u8(2 + u8::from(b)),
        LitKind::Guid { value, text: t } => {
            h.write_u8(4);
            h.write_u64(value.0 ^ value.1.rotate_left(32));
            h.sample(bytes(t));
        }
    };
    let operand = |o: &OperandNode, h: &mut Mix| match o.kind {
        OperandNodeKind::Attribute(a) => {
            h.write_u8(0);
            attribute(a, h);
        }
        OperandNodeKind::Literal(l) => {
            h.write_u8(1);
            literal(&l, h);
        }
        OperandNodeKind::Set(run) => {
            let items = tree.literals.get(run.range()).unwrap_or(&[]);
            h.write_u8(2);
            h.write_usize(items.len());
            for l in items {
                literal(l, h);
            }
        }
    };
    match kind {
        tree::NodeKind::ActionMatches(s) => {
            h.write_u8(1);
            h.sample(bytes(s.value));
        }
        tree::NodeKind::SubOperationMatches(s) => {
            h.write_u8(2);
            h.sample(bytes(s.value));
        }
        tree::NodeKind::Exists(a) => {
            h.write_u8(3);
            attribute(*a, &mut h);
        }
        tree::NodeKind::Compare(c) => {
            h.write_u8(4);
            c.quantifier.hash(&mut h);
            c.base.hash(&mut h);
            operand(&c.left, &mut h);
            operand(&c.right, &mut h);
        }
        tree::NodeKind::Or(_)
        | tree::NodeKind::And(_)
        | tree::NodeKind::Not(_)
        | tree::NodeKind::Group { .. } => {}
    }
    h.finish()
}

/// Groups the nodes that decide alike on every request: leaves with the same canonical text,
/// and operators over the same groups. Conditions written in the portal repeat the guard
/// `!(ActionMatches{…} AND !SubOperationMatches{…})` in every branch, and often the same
/// comparison. A group of operators met more than once gets a memo slot, and an evaluation
/// decides it once; a repeated leaf shares its compiled form instead, and is decided again
/// (its attributes are remembered once looked up, so that costs about what remembering its
/// decision would). Evaluation has no side effects and stops at the first error, so a
/// remembered decision is what deciding again would give.
///
/// Shapes are found by hash, and a hit is checked against the group's first node, so a
/// collision only costs a missed sharing.
#[derive(Default)]
struct Sharing {
    /// Shape hash → the group first seen with it.
    /// (The hashes are [`Mix`]'s, mixed already: the table uses them as they are.)
    groups: hashbrown::HashTable<(u64, u32)>,
    /// Each group: its first node, and how many nodes it has.
    group_nodes: Vec<(u32, u32)>,
    /// Each node: its group (`None` for a node never shared, one deeper than evaluation goes)
    /// and its parent (`None` for the root, or while not yet joined).
    nodes: Vec<(Option<u32>, Option<u32>)>,
    /// Each group: whether it is decided more than once, then its memo slot.
    repeated: Vec<bool>,
    of_group: Vec<Option<u8>>,
    /// Each node: its memo slot, once [`Sharing::assign_slots`] has run.
    slots: Vec<Option<u8>>,
}

impl Sharing {
    /// Empties the buffers; `false` when one grew past what a thread keeps.
    fn reset(&mut self) -> bool {
        use crate::scratch::{clear, keeps};
        self.groups.clear();
        // `&`, not `&&`: every buffer is emptied.
        keeps(self.groups.capacity())
            & clear(&mut self.group_nodes)
            & clear(&mut self.nodes)
            & clear(&mut self.repeated)
            & clear(&mut self.of_group)
            & clear(&mut self.slots)
    }

    /// The first node of the group whose shape hashes to `key`, if there is one.
    fn candidate(&self, key: u64) -> Option<u32> {
        let &(_, group) = self.groups.find(key, |&(k, _)| k == key)?;
        self.group_nodes
            .get(group as usize)
            .map(|&(first, _)| first)
    }

    /// The hash of an operator node: its kind and its operands' groups; `None` if an operand
    /// has no group (it is then never shared).
    fn inner_hash(&self, tag: u8, operands: &[u32]) -> Option<u64> {
        let mut h = Mix::default();
        h.write_u8(tag);
        for &x in operands {
            h.add(u64::from(self.group(x)?));
        }
        Some(h.finish())
    }

    /// Records the group of the next node: that of `same` (a node of the same shape, found
    /// by `key`), else a new one; no group when `key` is `None`.
    fn add(&mut self, key: Option<u64>, same: Option<u32>) {
        let node = index(self.nodes.len());
        let group = key.map(|key| match same.and_then(|s| self.group(s)) {
            Some(g) => g,
            None => {
                let g = index(self.group_nodes.len());
                self.group_nodes.push((node, 0));
                // A collision keeps the first group under the key.
                self.groups
                    .entry(key, |&(k, _)| k == key, |&(k, _)| k)
                    .or_insert((key, g));
                g
            }
        });
        if let Some((_, n)) = group.and_then(|g| self.group_nodes.get_mut(g as usize)) {
            *n += 1;
        }
        self.nodes.push((group, None));
    }

    /// Records `parent` as the parent of each of `operands`.
    fn adopt(&mut self, parent: u32, operands: &[u32]) {
        for &x in operands {
            if let Some((_, p)) = self.nodes.get_mut(x as usize) {
                *p = Some(parent);
            }
        }
    }

    /// How many nodes `group` has; no group (a node never shared) counts as one.
    fn group_size(&self, group: Option<u32>) -> u32 {
        group
            .and_then(|g| self.group_nodes.get(g as usize))
            .map_or(1, |&(_, size)| size)
    }

    /// The group of `node`, if it has one.
    fn group(&self, node: u32) -> Option<u32> {
        self.nodes.get(node as usize).and_then(|&(group, _)| group)
    }

    /// Sets the memo slot of each node: one per group decided more than once, first come
    /// first served (bottom-up, left to right) while slots last; `None` for the others. A
    /// group is decided more than once when it has more nodes than its parent's group: a group
    /// that occurs only as the same operand of a shared parent is decided once, with the
    /// parent, which remembers it (the portal's guard needs one slot, not one for each of its
    /// five nodes). Only the nodes `remembered` accepts get one.
    fn assign_slots(&mut self, remembered: impl Fn(u32) -> bool) {
        let n_groups = self.group_nodes.len();
        let mut repeated = std::mem::take(&mut self.repeated);
        repeated.clear();
        repeated.resize(n_groups, false);
        for &(group, parent) in &self.nodes {
            let Some(r) = group.and_then(|g| repeated.get_mut(g as usize)) else {
                continue;
            };
            let size = self.group_size(group);
            let parent_size = self.group_size(parent.and_then(|p| self.group(p)));
            // Without branches: which nodes repeat follows no pattern a predictor learns.
            *r |= (size >= 2) & (size > parent_size);
        }
        for (r, &(first, _)) in repeated.iter_mut().zip(&self.group_nodes) {
            *r = *r && remembered(first);
        }
        let of_group = &mut self.of_group;
        of_group.clear();
        of_group.resize(n_groups, None);
        let mut used = 0;
        self.slots.clear();
        self.slots.extend(self.nodes.iter().map(|&(group, _)| {
            let group = group?;
            if !repeated.get(group as usize).copied().unwrap_or(false) {
                return None;
            }
            let slot = of_group.get_mut(group as usize)?;
            if slot.is_none() && used < MEMO_SLOTS {
                *slot = Some(used);
                used += 1;
            }
            *slot
        }));
        self.repeated = repeated;
    }
}

impl Prepared {
    fn push(&mut self, span: crate::span::Span, kind: NodeKind) -> u32 {
        self.nodes.push(Node { span, kind });
        index(self.nodes.len() - 1)
    }

    fn emit(&mut self, step: Step) -> u32 {
        self.program.push(step);
        index(self.program.len() - 1)
    }

    /// The tree node of prepared leaf `node`, if it is a leaf.
    fn leaf_of(&self, node: u32) -> Option<u32> {
        match self.nodes.get(node as usize)?.kind {
            NodeKind::Action { leaf, .. }
            | NodeKind::SubOperation { leaf, .. }
            | NodeKind::Exists { leaf, .. }
            | NodeKind::Compare { leaf, .. } => Some(leaf),
            _ => None,
        }
    }

    /// The operands of an `AND` or `OR`.
    pub(super) fn operands(&self, first: u32, len: u32) -> &[u32] {
        let start = first as usize;
        self.children
            .get(start..start + len as usize)
            .unwrap_or(&[])
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
                for k in (0..len).rev() {
                    let x = self
                        .operands(first, len)
                        .get(k as usize)
                        .copied()
                        .unwrap_or(0);
                    next = self.compile(x, body_yes, next, slots);
                }
                next
            }
            Some(&NodeKind::And { first, len }) => {
                // The last operand decides; each earlier one decides if false, else goes on.
                let mut next = body_yes;
                for k in (0..len).rev() {
                    let x = self
                        .operands(first, len)
                        .get(k as usize)
                        .copied()
                        .unwrap_or(0);
                    next = self.compile(x, next, body_no, slots);
                }
                next
            }
            Some(&NodeKind::Compare { at, .. }) => self.emit(Step::Compare {
                at,
                node,
                yes: body_yes,
                no: body_no,
            }),
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

    /// The node of leaf `id` of the tree, of kind `kind`.
    fn leaf(&mut self, tree: &Tree, id: u32, kind: &tree::NodeKind) -> NodeKind {
        let text: &str = &tree.text;
        match kind {
            tree::NodeKind::ActionMatches(p) => {
                let pattern = p.value.of(text);
                NodeKind::Action {
                    leaf: id,
                    value: p.value,
                    pattern: has_wildcard(pattern, Syntax::Action)
                        .then(|| Pattern::new(pattern, Syntax::Action, true)),
                }
            }
            tree::NodeKind::SubOperationMatches(p) => NodeKind::SubOperation {
                leaf: id,
                value: p.value,
            },
            tree::NodeKind::Exists(a) => NodeKind::Exists {
                leaf: id,
                attribute: self.attribute(text, *a),
            },
            tree::NodeKind::Compare(c) => {
                let family = c.base.family();
                let mut operand = |o: OperandNode, patterns: Option<bool>| match o.kind {
                    OperandNodeKind::Attribute(a) => {
                        PreparedOperand::Attribute(self.attribute(text, a))
                    }
                    OperandNodeKind::Literal(l) => PreparedOperand::Literals(Literals::new(
                        tree,
                        Some(l),
                        Run::default(),
                        family,
                        patterns,
                    )),
                    OperandNodeKind::Set(run) => {
                        PreparedOperand::Literals(Literals::new(tree, None, run, family, patterns))
                    }
                };
                let (test, negate) = Test::of(c.base);
                let left = operand(c.left, None);
                let right = operand(c.right, like_case(c.base));
                self.compares.push(Compare {
                    quantifier: c.quantifier,
                    base: c.base,
                    family,
                    test,
                    negate,
                    all_left: c.quantifier.is_some_and(|q| q.all_left()),
                    all_right: c.quantifier.is_some_and(|q| q.all_right()),
                    left,
                    right,
                });
                NodeKind::Compare {
                    leaf: id,
                    at: index(self.compares.len() - 1),
                }
            }
            // Not leaves: `compile` builds them from their operands.
            tree::NodeKind::Or(_)
            | tree::NodeKind::And(_)
            | tree::NodeKind::Not(_)
            | tree::NodeKind::Group { .. } => NodeKind::TooDeep,
        }
    }

    /// An attribute reference prepared, with a memo slot if one is free or it has one.
    fn attribute(&mut self, text: &str, a: AttrNode) -> Attr {
        let name = a.name.view(text);
        let plain = |wanted: &str| matches!(name, AttributeName::Plain(n) if n.eq_ignore_ascii_case(wanted));
        let fallback = match a.source {
            Source::Environment if plain("UtcNow") => Fallback::Now,
            Source::Request if plain("subOperation") => Fallback::SubOperations,
            _ => Fallback::None,
        };
        // An attribute met before has its key already.
        let found = self
            .keys
            .iter()
            .position(|(source, key)| *source == a.source && key.is(&name));
        let key = match found {
            Some(at) => index(at),
            None => {
                self.keys.push((a.source, Key::new(&name)));
                index(self.keys.len() - 1)
            }
        };
        Attr {
            source: a.source,
            key,
            slot: u8::try_from(key)
                .ok()
                .filter(|&k| usize::from(k) < ATTRIBUTE_SLOTS),
            fallback,
        }
    }
}
