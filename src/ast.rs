//! The syntax tree of a condition.
//!
//! A [`Condition`] owns its text once and its tree as a few flat arrays (nodes, operand lists,
//! set values, comment spans); every name and literal is a range of the text, since
//! the language has no escape sequences. Parsing therefore allocates per array, not per node,
//! and a tree of any depth drops without recursion. The tree is read through borrowed views,
//! [`Expr`] and the types it hands out, which are small `Copy` values made on demand.
//!
//! `And` and `Or` hold flat lists, so a chain of a thousand clauses is one level deep. Explicit
//! parentheses are kept as [`ExprKind::Group`] nodes: they are part of how people write and read
//! conditions (the portal's guarded-clause layout is built from them), `fmt` keeps them, and
//! `check` uses them to tell `a AND b OR c` from `(a AND b) OR c`.
//!
//! Trees are also built by hand, with [`Builder`].

mod build;
pub mod operator;
pub(crate) mod tree;

use std::sync::{Arc, OnceLock};

use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

pub use self::build::{Builder, NodeId, Value};
pub(crate) use self::operator::Named;
pub use self::operator::{BaseOperator, Family, Quantifier};
use self::tree::{
    AttrNode, LitKind, LitNode, NameNode, NodeKind, OperandNode, OperandNodeKind, Run, Sp, Tree,
};
use crate::eval::Prepared;
use crate::span::Span;

/// A parsed condition: one expression, the comments around it, and what the authoring superset
/// allowed. Cheap to clone (the tree is shared); `Send + Sync`.
pub struct Condition {
    tree: Arc<Tree>,
    /// The compiled form, made by the first [`Condition::evaluate`] and kept.
    compiled: OnceLock<Prepared>,
}

impl Clone for Condition {
    fn clone(&self) -> Self {
        Condition {
            tree: Arc::clone(&self.tree),
            compiled: self.compiled.clone(),
        }
    }
}

impl std::fmt::Debug for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condition")
            .field("expr", &self.expr())
            .field("trailing_comments", &self.trailing_comments())
            .field("notes", &self.notes())
            .finish()
    }
}

impl Condition {
    pub(crate) fn from_tree(tree: Tree) -> Condition {
        Condition {
            tree: Arc::new(tree),
            compiled: OnceLock::new(),
        }
    }

    /// The shared tree, for the evaluator's compiled form.
    pub(crate) fn tree(&self) -> &Arc<Tree> {
        &self.tree
    }

    /// The compiled form, compiled on first use.
    pub(crate) fn compiled(&self) -> &Prepared {
        self.compiled.get_or_init(|| Prepared::new(self))
    }

    /// The whole expression.
    pub fn expr(&self) -> Expr<'_> {
        Expr::new(&self.tree, self.tree.root)
    }

    /// Comments after the last token.
    pub fn trailing_comments(&self) -> Comments<'_> {
        Comments::new(&self.tree, self.tree.trailing)
    }

    /// Every use of the authoring superset, in source order: comments, non-ASCII spaces and
    /// keywords in non-canonical case. Azure accepts none of the first two; `check` reports them.
    pub fn notes(&self) -> &[LexicalNote] {
        &self.tree.notes
    }

    /// Whether two conditions have the same tree, comments included, spans and lexical notes
    /// aside: what printing and parsing again must preserve.
    pub fn same_tree(&self, other: &Condition) -> bool {
        self.trailing_comments()
            .same_texts(other.trailing_comments())
            && self.expr().same_tree(other.expr())
    }
}

/// A `#` or `//` line comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Comment<'c> {
    /// The comment as written, marker included, trailing whitespace removed.
    pub text: &'c str,
    /// Where it was written.
    pub span: Span,
}

/// The comments written before a node, after a group's inner expression, or after the last
/// token.
#[derive(Clone, Copy)]
pub struct Comments<'c> {
    text: &'c str,
    spans: &'c [Sp],
}

impl<'c> Comments<'c> {
    fn new(tree: &'c Tree, run: Run) -> Comments<'c> {
        Comments {
            text: &tree.text,
            spans: tree.comments.get(run.range()).unwrap_or(&[]),
        }
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The `i`th.
    pub fn get(&self, i: usize) -> Option<Comment<'c>> {
        self.spans.get(i).map(|&s| self.comment(s))
    }

    /// Each, in source order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Comment<'c>> + ExactSizeIterator + 'c {
        let text = self.text;
        self.spans.iter().map(move |&s| Comment {
            text: s.of(text).trim_end(),
            span: s.span(),
        })
    }

    fn comment(&self, s: Sp) -> Comment<'c> {
        Comment {
            text: s.of(self.text).trim_end(),
            span: s.span(),
        }
    }

    /// Whether both hold the same texts in the same order.
    fn same_texts(&self, other: Comments<'_>) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a.text == b.text)
    }
}

impl std::fmt::Debug for Comments<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One use of the authoring superset that `check` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LexicalNote {
    /// The text concerned.
    pub span: Span,
    /// What it is.
    pub kind: LexicalNoteKind,
}

/// The kinds of [`LexicalNote`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LexicalNoteKind {
    /// A `#` or `//` comment (Azure has no comment syntax).
    Comment,
    /// A space character other than space, tab, CR or LF, such as U+00A0 pasted from a web page.
    UnusualWhitespace(char),
    /// A keyword, operator, function or source name written in other than its canonical case.
    NonCanonicalKeyword {
        /// The canonical spelling.
        canonical: &'static str,
    },
}

/// An expression node: a view into its condition's tree.
#[derive(Clone, Copy)]
pub struct Expr<'c> {
    tree: &'c Tree,
    id: u32,
}

/// The kinds of [`Expr`].
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExprKind<'c> {
    /// `a OR b OR …` (`||`), two or more operands.
    Or(Exprs<'c>),
    /// `a AND b AND …` (`&&`), two or more operands.
    And(Exprs<'c>),
    /// `NOT x` or `!x`.
    Not(Expr<'c>),
    /// `( x )`.
    Group(Group<'c>),
    /// `ActionMatches{'pattern'}`.
    ActionMatches(StringLiteral<'c>),
    /// `SubOperationMatches{'name'}`.
    SubOperationMatches(StringLiteral<'c>),
    /// `Exists @Source[attribute]`.
    Exists(AttributeRef<'c>),
    /// `left Operator right`.
    Compare(Comparison<'c>),
}

impl<'c> Expr<'c> {
    pub(crate) fn new(tree: &'c Tree, id: u32) -> Expr<'c> {
        Expr { tree, id }
    }

    /// The node's index in its tree: unique within one condition.
    pub(crate) fn id(self) -> u32 {
        self.id
    }

    /// What the node is.
    pub fn kind(self) -> ExprKind<'c> {
        let tree = self.tree;
        let Some(node) = tree.nodes.get(self.id as usize) else {
            // Only a handle from another tree can miss; an empty `OR` is false, so it never
            // allows.
            return ExprKind::Or(Exprs { tree, ids: &[] });
        };
        match node.kind {
            NodeKind::Or(run) => ExprKind::Or(Exprs::new(tree, run)),
            NodeKind::And(run) => ExprKind::And(Exprs::new(tree, run)),
            NodeKind::Not(x) => ExprKind::Not(Expr::new(tree, x)),
            NodeKind::Group { inner, trailing } => ExprKind::Group(Group {
                expr: Expr::new(tree, inner),
                trailing_comments: Comments::new(tree, trailing),
            }),
            NodeKind::ActionMatches(s) => ExprKind::ActionMatches(StringLiteral::new(tree, s)),
            NodeKind::SubOperationMatches(s) => {
                ExprKind::SubOperationMatches(StringLiteral::new(tree, s))
            }
            NodeKind::Exists(a) => ExprKind::Exists(AttributeRef::new(tree, a)),
            NodeKind::Compare(c) => ExprKind::Compare(Comparison {
                left: Operand::new(tree, c.left),
                operator: Operator {
                    quantifier: c.quantifier,
                    base: c.base,
                    span: c.operator_span.span(),
                },
                right: Operand::new(tree, c.right),
            }),
        }
    }

    /// The text of the node, from its first token to its last (leading comments excluded).
    pub fn span(self) -> Span {
        self.tree
            .nodes
            .get(self.id as usize)
            .map(|n| n.span.span())
            .unwrap_or_default()
    }

    /// Comments written before this node (before the `AND`/`OR` that introduces it, or before
    /// its first token).
    pub fn comments(self) -> Comments<'c> {
        let run = self
            .tree
            .nodes
            .get(self.id as usize)
            .map(|n| n.comments)
            .unwrap_or_default();
        Comments::new(self.tree, run)
    }

    /// This node and every node below it, parents before children, in source order.
    pub fn descendants(self) -> Descendants<'c> {
        Descendants { stack: vec![self] }
    }

    /// The attributes this node and the nodes below it read, in source order.
    pub fn attributes(self) -> impl Iterator<Item = AttributeRef<'c>> {
        self.descendants().flat_map(|e| {
            let (a, b) = match e.kind() {
                ExprKind::Exists(a) => (Some(a), None),
                ExprKind::Compare(c) => (c.left.attribute(), c.right.attribute()),
                _ => (None, None),
            };
            a.into_iter().chain(b)
        })
    }

    /// Whether the node is a leaf: a function operator, `Exists` or a comparison.
    pub fn is_leaf(self) -> bool {
        matches!(
            self.kind(),
            ExprKind::ActionMatches(_)
                | ExprKind::SubOperationMatches(_)
                | ExprKind::Exists(_)
                | ExprKind::Compare(_)
        )
    }

    /// Whether two expressions have the same tree, comments included, spans aside. Iterative:
    /// trees built by hand may be nested arbitrarily deep.
    pub fn same_tree(self, other: Expr<'_>) -> bool {
        let mut stack = vec![(self, other)];
        while let Some((a, b)) = stack.pop() {
            if !a.comments().same_texts(b.comments()) {
                return false;
            }
            match (a.kind(), b.kind()) {
                (ExprKind::Or(xs), ExprKind::Or(ys)) | (ExprKind::And(xs), ExprKind::And(ys)) => {
                    if xs.len() != ys.len() {
                        return false;
                    }
                    stack.extend(xs.iter().zip(ys.iter()));
                }
                (ExprKind::Not(x), ExprKind::Not(y)) => stack.push((x, y)),
                (ExprKind::Group(x), ExprKind::Group(y)) => {
                    if !x.trailing_comments.same_texts(y.trailing_comments) {
                        return false;
                    }
                    stack.push((x.expr, y.expr));
                }
                _ => {
                    if !same_leaf(a, b) {
                        return false;
                    }
                }
            }
        }
        true
    }
}

/// The nodes of a subtree, parents first: see [`Expr::descendants`]. An explicit stack, so any
/// depth is walked.
pub struct Descendants<'c> {
    stack: Vec<Expr<'c>>,
}

impl<'c> Iterator for Descendants<'c> {
    type Item = Expr<'c>;

    fn next(&mut self) -> Option<Expr<'c>> {
        let e = self.stack.pop()?;
        match e.kind() {
            ExprKind::Or(xs) | ExprKind::And(xs) => self.stack.extend(xs.iter().rev()),
            ExprKind::Not(x) => self.stack.push(x),
            ExprKind::Group(g) => self.stack.push(g.expr),
            ExprKind::ActionMatches(_)
            | ExprKind::SubOperationMatches(_)
            | ExprKind::Exists(_)
            | ExprKind::Compare(_) => {}
        }
        Some(e)
    }
}

/// Whether two leaves are the same test, spans and comments aside: the same function, attribute
/// or operator and the same names and literals, compared exactly. Read from the trees' nodes
/// (the two may be different trees) without building their views; `false` for nodes that are
/// not leaves.
pub(crate) fn same_leaf(a: Expr<'_>, b: Expr<'_>) -> bool {
    let (Some(x), Some(y)) = (
        a.tree.nodes.get(a.id as usize),
        b.tree.nodes.get(b.id as usize),
    ) else {
        return false;
    };
    let (ta, tb) = (a.tree, b.tree);
    fn text(t: &Tree, s: Sp) -> Option<&[u8]> {
        t.text.as_bytes().get(s.range())
    }
    fn items(t: &Tree, run: Run) -> &[LitNode] {
        t.literals.get(run.range()).unwrap_or(&[])
    }
    let same_text = |s: Sp, r: Sp| text(ta, s) == text(tb, r);
    let same_attribute = |p: AttrNode, q: AttrNode| {
        p.source == q.source
            && match (p.name, q.name) {
                (NameNode::Plain(m), NameNode::Plain(n))
                | (NameNode::Keys(m), NameNode::Keys(n)) => same_text(m, n),
                (
                    NameNode::KeyValue { attribute, key },
                    NameNode::KeyValue {
                        attribute: a2,
                        key: k2,
                    },
                ) => same_text(attribute, a2) && same_text(key, k2),
                _ => false,
            }
    };
    let same_literal = |l: &LitNode, m: &LitNode| match (l.kind, m.kind) {
        (LitKind::String(s), LitKind::String(r)) => same_text(s, r),
        (LitKind::Integer(i), LitKind::Integer(j)) => i == j,
        (LitKind::Bool(i), LitKind::Bool(j)) => i == j,
        (LitKind::Guid { value, text: s }, LitKind::Guid { value: v, text: r }) => {
            value == v && same_text(s, r)
        }
        _ => false,
    };
    let same_operand = |o: OperandNode, p: OperandNode| match (o.kind, p.kind) {
        (OperandNodeKind::Attribute(m), OperandNodeKind::Attribute(n)) => same_attribute(m, n),
        (OperandNodeKind::Literal(l), OperandNodeKind::Literal(m)) => same_literal(&l, &m),
        (OperandNodeKind::Set(r), OperandNodeKind::Set(q)) => {
            let (ls, ms) = (items(ta, r), items(tb, q));
            ls.len() == ms.len() && ls.iter().zip(ms).all(|(l, m)| same_literal(l, m))
        }
        _ => false,
    };
    match (x.kind, y.kind) {
        (NodeKind::ActionMatches(s), NodeKind::ActionMatches(r))
        | (NodeKind::SubOperationMatches(s), NodeKind::SubOperationMatches(r)) => {
            same_text(s.value, r.value)
        }
        (NodeKind::Exists(p), NodeKind::Exists(q)) => same_attribute(p, q),
        (NodeKind::Compare(c), NodeKind::Compare(d)) => {
            c.quantifier == d.quantifier
                && c.base == d.base
                && same_operand(c.left, d.left)
                && same_operand(c.right, d.right)
        }
        _ => false,
    }
}

impl std::fmt::Debug for Expr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expr")
            .field("kind", &self.kind())
            .field("span", &self.span())
            .field("comments", &self.comments())
            .finish()
    }
}

/// The operands of an `AND` or `OR`.
#[derive(Clone, Copy)]
pub struct Exprs<'c> {
    tree: &'c Tree,
    ids: &'c [u32],
}

impl<'c> Exprs<'c> {
    fn new(tree: &'c Tree, run: Run) -> Exprs<'c> {
        Exprs {
            tree,
            ids: tree.lists.get(run.range()).unwrap_or(&[]),
        }
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none (never, for a parsed condition).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `i`th.
    pub fn get(&self, i: usize) -> Option<Expr<'c>> {
        self.ids.get(i).map(|&id| Expr::new(self.tree, id))
    }

    /// The first.
    pub fn first(&self) -> Option<Expr<'c>> {
        self.get(0)
    }

    /// The last.
    pub fn last(&self) -> Option<Expr<'c>> {
        self.ids.last().map(|&id| Expr::new(self.tree, id))
    }

    /// Each, left to right.
    pub fn iter(&self) -> ExprIter<'c> {
        ExprIter {
            tree: self.tree,
            ids: self.ids.iter(),
        }
    }
}

impl<'c> IntoIterator for Exprs<'c> {
    type Item = Expr<'c>;
    type IntoIter = ExprIter<'c>;

    fn into_iter(self) -> ExprIter<'c> {
        self.iter()
    }
}

/// The operands of an `AND` or `OR`, one by one.
#[derive(Clone)]
pub struct ExprIter<'c> {
    tree: &'c Tree,
    ids: std::slice::Iter<'c, u32>,
}

impl<'c> Iterator for ExprIter<'c> {
    type Item = Expr<'c>;

    fn next(&mut self) -> Option<Expr<'c>> {
        self.ids.next().map(|&id| Expr::new(self.tree, id))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ids.size_hint()
    }
}

impl DoubleEndedIterator for ExprIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.ids.next_back().map(|&id| Expr::new(self.tree, id))
    }
}

impl ExactSizeIterator for ExprIter<'_> {}

impl std::fmt::Debug for Exprs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A parenthesised expression.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Group<'c> {
    /// What is inside the parentheses.
    pub expr: Expr<'c>,
    /// Comments after the inner expression, before `)`.
    pub trailing_comments: Comments<'c>,
}

/// `left Operator right`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Comparison<'c> {
    /// The left operand, usually an attribute.
    pub left: Operand<'c>,
    /// The operator, with its quantifier if any.
    pub operator: Operator,
    /// The right operand: a value, a set or another attribute.
    pub right: Operand<'c>,
}

/// A comparison operator such as `StringEquals` or `ForAnyOfAnyValues:GuidEquals`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Operator {
    /// The cross-product prefix, if any.
    pub quantifier: Option<Quantifier>,
    /// The base operator.
    pub base: BaseOperator,
    /// The operator token.
    pub span: Span,
}

/// An operand of a comparison.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Operand<'c> {
    /// What the operand is.
    pub kind: OperandKind<'c>,
    /// Its text.
    pub span: Span,
}

/// The kinds of [`Operand`].
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperandKind<'c> {
    /// `@Source[name]`.
    Attribute(AttributeRef<'c>),
    /// A single value.
    Literal(Literal<'c>),
    /// `{v1, v2, …}`, one or more values.
    Set(Literals<'c>),
}

impl<'c> Operand<'c> {
    fn new(tree: &'c Tree, o: OperandNode) -> Operand<'c> {
        let kind = match o.kind {
            OperandNodeKind::Attribute(a) => OperandKind::Attribute(AttributeRef::new(tree, a)),
            OperandNodeKind::Literal(l) => OperandKind::Literal(Literal::new(&tree.text, l)),
            OperandNodeKind::Set(run) => OperandKind::Set(Literals {
                text: &tree.text,
                items: tree.literals.get(run.range()).unwrap_or(&[]),
            }),
        };
        Operand {
            kind,
            span: o.span.span(),
        }
    }

    /// The attribute, if the operand is one.
    pub fn attribute(&self) -> Option<AttributeRef<'c>> {
        match self.kind {
            OperandKind::Attribute(a) => Some(a),
            _ => None,
        }
    }

    /// Whether two operands are the same, spans aside.
    pub fn same_value(&self, other: &Operand<'_>) -> bool {
        match (&self.kind, &other.kind) {
            (OperandKind::Attribute(a), OperandKind::Attribute(b)) => {
                a.source == b.source && a.name == b.name
            }
            (OperandKind::Literal(a), OperandKind::Literal(b)) => a.kind == b.kind,
            (OperandKind::Set(a), OperandKind::Set(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.kind == y.kind)
            }
            _ => false,
        }
    }
}

/// The values of a set.
#[derive(Clone, Copy)]
pub struct Literals<'c> {
    text: &'c str,
    items: &'c [LitNode],
}

impl<'c> Literals<'c> {
    /// How many there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none (never, for a parsed condition).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The `i`th.
    pub fn get(&self, i: usize) -> Option<Literal<'c>> {
        self.items.get(i).map(|&l| Literal::new(self.text, l))
    }

    /// The first.
    pub fn first(&self) -> Option<Literal<'c>> {
        self.get(0)
    }

    /// Each, in order.
    pub fn iter(&self) -> LiteralIter<'c> {
        LiteralIter {
            text: self.text,
            items: self.items.iter(),
        }
    }
}

impl<'c> IntoIterator for Literals<'c> {
    type Item = Literal<'c>;
    type IntoIter = LiteralIter<'c>;

    fn into_iter(self) -> LiteralIter<'c> {
        self.iter()
    }
}

/// The values of a set, one by one.
#[derive(Clone)]
pub struct LiteralIter<'c> {
    text: &'c str,
    items: std::slice::Iter<'c, LitNode>,
}

impl<'c> Iterator for LiteralIter<'c> {
    type Item = Literal<'c>;

    fn next(&mut self) -> Option<Literal<'c>> {
        self.items.next().map(|&l| Literal::new(self.text, l))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.items.size_hint()
    }
}

impl DoubleEndedIterator for LiteralIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.items.next_back().map(|&l| Literal::new(self.text, l))
    }
}

impl ExactSizeIterator for LiteralIter<'_> {}

impl std::fmt::Debug for Literals<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The four attribute sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Source {
    /// `@Resource`: the resource being accessed.
    Resource,
    /// `@Request`: parameters of the request.
    Request,
    /// `@Principal`: custom security attributes of the caller.
    Principal,
    /// `@Environment`: circumstances of the call.
    Environment,
}

impl Source {
    /// All four sources.
    pub const ALL: &'static [Source] = &[
        Source::Resource,
        Source::Request,
        Source::Principal,
        Source::Environment,
    ];

    /// The canonical spelling without `@`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Resource => "Resource",
            Source::Request => "Request",
            Source::Principal => "Principal",
            Source::Environment => "Environment",
        }
    }

    /// Looks a source up by name (without `@`), ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Source> {
        Source::any_case(name)
    }
}

impl Named for Source {
    fn every() -> &'static [Self] {
        Source::ALL
    }

    fn spelling(self) -> &'static str {
        self.name()
    }

    fn canonical(name: &str) -> Option<Source> {
        match name {
            "Resource" => Some(Source::Resource),
            "Request" => Some(Source::Request),
            "Principal" => Some(Source::Principal),
            "Environment" => Some(Source::Environment),
            _ => None,
        }
    }
}

/// `@Source[name]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AttributeRef<'c> {
    /// Where the attribute comes from.
    pub source: Source,
    /// The text between the brackets, interpreted.
    pub name: AttributeName<'c>,
    /// The whole reference, `@` to `]`.
    pub span: Span,
}

impl<'c> AttributeRef<'c> {
    pub(crate) fn new(tree: &'c Tree, a: AttrNode) -> AttributeRef<'c> {
        AttributeRef {
            source: a.source,
            name: a.name.view(&tree.text),
            span: a.span.span(),
        }
    }
}

/// The text between the brackets of an attribute reference.
///
/// Two suffixes give a name structure: `<$key_case_sensitive$>` selects the value of one key of
/// a dictionary attribute (blob index tags), `&$keys$&` selects the list of its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeName<'a> {
    /// An ordinary name such as `Microsoft.Storage/storageAccounts/blobServices/containers:name`
    /// or `UtcNow`.
    Plain(&'a str),
    /// `<attribute>:<key><$key_case_sensitive$>`, e.g. `…/blobs/tags:Project<$key_case_sensitive$>`.
    KeyValue {
        /// The dictionary attribute, e.g. `…/blobs/tags`.
        attribute: &'a str,
        /// The key, matched case-sensitively.
        key: &'a str,
    },
    /// `<attribute>&$keys$&`: the keys of a dictionary attribute.
    Keys {
        /// The dictionary attribute, e.g. `…/blobs/tags`.
        attribute: &'a str,
    },
}

/// The suffix that marks a case-sensitive dictionary key.
pub const KEY_CASE_SENSITIVE_MARKER: &str = "<$key_case_sensitive$>";
/// The suffix that selects a dictionary's keys.
pub const KEYS_MARKER: &str = "&$keys$&";

impl std::fmt::Display for AttributeName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttributeName::Plain(name) => f.write_str(name),
            AttributeName::KeyValue { attribute, key } => {
                write!(f, "{attribute}:{key}{KEY_CASE_SENSITIVE_MARKER}")
            }
            AttributeName::Keys { attribute } => write!(f, "{attribute}{KEYS_MARKER}"),
        }
    }
}

impl std::fmt::Display for AttributeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "@{}[{}]", self.source.name(), self.name)
    }
}

impl NameNode {
    pub(crate) fn view(self, text: &str) -> AttributeName<'_> {
        match self {
            NameNode::Plain(s) => AttributeName::Plain(s.of(text)),
            NameNode::KeyValue { attribute, key } => AttributeName::KeyValue {
                attribute: attribute.of(text),
                key: key.of(text),
            },
            NameNode::Keys(s) => AttributeName::Keys {
                attribute: s.of(text),
            },
        }
    }
}

/// A single value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Literal<'c> {
    /// The value.
    pub kind: LiteralKind<'c>,
    /// Its text.
    pub span: Span,
}

impl<'c> Literal<'c> {
    fn new(text: &'c str, l: LitNode) -> Literal<'c> {
        let kind = match l.kind {
            LitKind::String(s) => LiteralKind::String(s.of(text)),
            LitKind::Integer(n) => LiteralKind::Integer(n),
            LitKind::Bool(b) => LiteralKind::Bool(b),
            LitKind::Guid { value, text: t } => LiteralKind::Guid(GuidLiteral {
                value: uuid::Uuid::from_u64_pair(value.0, value.1),
                text: t.of(text),
            }),
        };
        Literal {
            kind,
            span: l.span.span(),
        }
    }
}

/// The kinds of [`Literal`]. DateTime values are written as strings and typed by the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiteralKind<'c> {
    /// `'text'`, without the quotes; no escapes (backslashes are kept for `…Like` patterns).
    String(&'c str),
    /// A decimal integer.
    Integer(i64),
    /// `true` or `false`.
    Bool(bool),
    /// A bare GUID, `8-4-4-4-12` or 32 hexadecimal digits.
    Guid(GuidLiteral<'c>),
}

/// A bare GUID: its value, and its text as written so that `fmt` does not rewrite it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct GuidLiteral<'c> {
    /// The 128-bit value.
    pub value: uuid::Uuid,
    /// The text as written (either form, either case).
    pub text: &'c str,
}

/// A quoted string: the argument of `ActionMatches` and `SubOperationMatches`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StringLiteral<'c> {
    /// The text between the quotes.
    pub value: &'c str,
    /// The literal, quotes included.
    pub span: Span,
}

impl<'c> StringLiteral<'c> {
    fn new(tree: &'c Tree, s: tree::StrNode) -> StringLiteral<'c> {
        StringLiteral {
            value: s.value.of(&tree.text),
            span: s.span.span(),
        }
    }
}

// The JSON of `azcond parse --format json`: each view serializes as the node it shows.

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Condition", 3)?;
        s.serialize_field("expr", &self.expr())?;
        s.serialize_field("trailing_comments", &self.trailing_comments())?;
        s.serialize_field("notes", self.notes())?;
        s.end()
    }
}

impl Serialize for Expr<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Expr", 3)?;
        s.serialize_field("kind", &self.kind())?;
        s.serialize_field("span", &self.span())?;
        s.serialize_field("comments", &self.comments())?;
        s.end()
    }
}

/// Serializes each item of `items` as a sequence.
fn sequence<S: Serializer, T: Serialize>(
    serializer: S,
    items: impl ExactSizeIterator<Item = T>,
) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(items.len()))?;
    for item in items {
        seq.serialize_element(&item)?;
    }
    seq.end()
}

impl Serialize for Exprs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        sequence(serializer, self.iter())
    }
}

impl Serialize for Comments<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        sequence(serializer, self.iter())
    }
}

impl Serialize for Literals<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        sequence(serializer, self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_compiles_on_its_first_evaluation_and_keeps_the_result() {
        let c: Condition = "@Request[a] StringEquals 'b'".parse().expect("parses");
        assert!(c.compiled.get().is_none(), "parsing does not compile");
        let request = crate::Request::new("x");
        assert_eq!(c.evaluate(&request).ok(), Some(false));
        let first = c.compiled.get().map(|p| p as *const Prepared);
        assert!(first.is_some(), "the first evaluation compiles");
        assert_eq!(c.evaluate(&request).ok(), Some(false));
        assert_eq!(
            c.compiled.get().map(|p| p as *const Prepared),
            first,
            "and keeps it"
        );
    }

    #[test]
    fn conditions_and_their_compiled_form_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Condition>();
        send_sync::<Prepared>();
        let c: Condition = "ActionMatches{'a/read'}".parse().expect("parses");
        let shared = std::sync::Arc::new(c);
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let c = std::sync::Arc::clone(&shared);
                std::thread::spawn(move || c.evaluate(&crate::Request::new("a/read")).ok())
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().ok().flatten(), Some(true));
        }
    }

    #[test]
    fn a_parsed_tree_keeps_every_name_and_literal_as_a_range_of_its_text() {
        let text = "@Resource[a/tags:k<$key_case_sensitive$>] ForAnyOfAnyValues:StringEquals {'x', 'y'} AND ActionMatches{'r'}";
        let c: Condition = text.parse().expect("parses");
        let base = c.tree.text.as_ptr() as usize;
        let end = base + c.tree.text.len();
        let inside = |s: &str| (base..=end).contains(&(s.as_ptr() as usize));
        let ExprKind::And(xs) = c.expr().kind() else {
            panic!("an AND")
        };
        let Some(ExprKind::Compare(cmp)) = xs.first().map(Expr::kind) else {
            panic!("a comparison")
        };
        let OperandKind::Attribute(a) = cmp.left.kind else {
            panic!("an attribute")
        };
        let AttributeName::KeyValue { attribute, key } = a.name else {
            panic!("a key")
        };
        assert!(inside(attribute) && inside(key));
        let OperandKind::Set(values) = cmp.right.kind else {
            panic!("a set")
        };
        for v in values {
            let LiteralKind::String(s) = v.kind else {
                panic!("strings")
            };
            assert!(inside(s));
        }
    }
}
