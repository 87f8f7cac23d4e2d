//! Building a [`Condition`] by hand: [`Builder`].

use super::tree::{
    AttrNode, CompareNode, LitKind, LitNode, NameNode, NodeKind, OperandNode, OperandNodeKind,
    Parts, Run, Sp, StrNode,
};
use super::{AttributeName, BaseOperator, Condition, LiteralKind, Quantifier, Source};

/// A node added to a [`Builder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeId(u32);

/// An operand for [`Builder::compare`].
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    /// `@Source[name]`.
    Attribute(Source, AttributeName<'a>),
    /// A single value.
    Literal(LiteralKind<'a>),
    /// `{v1, v2, …}`.
    Set(&'a [LiteralKind<'a>]),
}

/// Building a [`Condition`] by hand, bottom-up: each call adds a node and returns its
/// [`NodeId`], which later calls take as an operand.
///
/// ```
/// use azcond::ast::{AttributeName, BaseOperator, Builder, LiteralKind, Source, Value};
/// let mut b = Builder::new();
/// let read = b.action_matches("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read");
/// let guard = b.not(read);
/// let tag = AttributeName::KeyValue {
///     attribute: "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags",
///     key: "Project",
/// };
/// let cmp = b.compare(
///     Value::Attribute(Source::Resource, tag),
///     None,
///     BaseOperator::StringEquals,
///     Value::Literal(LiteralKind::String("Cascade")),
/// );
/// let root = b.or(&[guard, cmp]);
/// let condition = b.finish(root);
/// assert_eq!(
///     condition.to_string(),
///     "NOT ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} \
///      OR @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] \
///      StringEquals 'Cascade'"
/// );
/// ```
///
/// Built nodes have empty spans. Nothing is checked: a tree the parser would never produce (an
/// `OR` directly under `AND`, a string holding `'`) prints as written, so it may not parse back.
#[derive(Default)]
pub struct Builder {
    text: String,
    parts: Parts,
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Adds `s` to the text; its range.
    fn string(&mut self, s: &str) -> Sp {
        let start = self.text.len();
        self.text.push_str(s);
        Sp::new(start, self.text.len())
    }

    fn quoted(&mut self, s: &str) -> StrNode {
        StrNode {
            value: self.string(s),
            span: Sp::default(),
        }
    }

    fn node(&mut self, kind: NodeKind) -> NodeId {
        NodeId(self.parts.push(kind, Sp::default()))
    }

    /// `ActionMatches{'pattern'}`.
    pub fn action_matches(&mut self, pattern: &str) -> NodeId {
        let s = self.quoted(pattern);
        self.node(NodeKind::ActionMatches(s))
    }

    /// `SubOperationMatches{'name'}`.
    pub fn sub_operation_matches(&mut self, name: &str) -> NodeId {
        let s = self.quoted(name);
        self.node(NodeKind::SubOperationMatches(s))
    }

    /// `Exists @Source[name]`.
    pub fn exists(&mut self, source: Source, name: AttributeName<'_>) -> NodeId {
        let a = self.attribute(source, name);
        self.node(NodeKind::Exists(a))
    }

    /// `left [Quantifier:]Base right`.
    pub fn compare(
        &mut self,
        left: Value<'_>,
        quantifier: Option<Quantifier>,
        base: BaseOperator,
        right: Value<'_>,
    ) -> NodeId {
        let c = CompareNode {
            left: self.operand(left),
            quantifier,
            base,
            operator_span: Sp::default(),
            right: self.operand(right),
        };
        self.node(NodeKind::Compare(c))
    }

    /// `NOT x`.
    pub fn not(&mut self, x: NodeId) -> NodeId {
        self.node(NodeKind::Not(x.0))
    }

    /// `( x )`.
    pub fn group(&mut self, x: NodeId) -> NodeId {
        self.node(NodeKind::Group {
            inner: x.0,
            trailing: Run::default(),
        })
    }

    /// `a AND b AND …`.
    pub fn and(&mut self, operands: &[NodeId]) -> NodeId {
        self.chain(false, operands)
    }

    /// `a OR b OR …`.
    pub fn or(&mut self, operands: &[NodeId]) -> NodeId {
        self.chain(true, operands)
    }

    fn chain(&mut self, or: bool, operands: &[NodeId]) -> NodeId {
        let ids: Vec<u32> = operands.iter().map(|n| n.0).collect();
        NodeId(self.parts.chain(or, &ids))
    }

    /// Adds a comment (`# …` or `// …`, marker included) before `node`, after those it has.
    pub fn comment(&mut self, node: NodeId, text: &str) {
        let span = self.string(text);
        let Some(n) = self.parts.nodes.get_mut(node.0 as usize) else {
            return;
        };
        // A node's comments are one run: move them to the end unless they are there.
        let run = n.comments;
        if run.range().end != self.parts.comments.len() {
            let mine: Vec<Sp> = self.parts.comments.get(run.range()).unwrap_or(&[]).to_vec();
            let first = self.parts.comments.len();
            self.parts.comments.extend(mine);
            n.comments = Run::between(first, self.parts.comments.len());
        }
        self.parts.comments.push(span);
        n.comments.len += 1;
        if n.comments.len == 1 {
            n.comments.first = u32::try_from(self.parts.comments.len() - 1).unwrap_or(u32::MAX);
        }
    }

    /// The condition whose expression is `root`.
    pub fn finish(self, root: NodeId) -> Condition {
        let tree = self.parts.finish(
            self.text.into_boxed_str(),
            root.0,
            Run::default(),
            Vec::new(),
        );
        Condition::from_tree(tree)
    }

    fn attribute(&mut self, source: Source, name: AttributeName<'_>) -> AttrNode {
        let name = match name {
            AttributeName::Plain(n) => NameNode::Plain(self.string(n)),
            AttributeName::KeyValue { attribute, key } => NameNode::KeyValue {
                attribute: self.string(attribute),
                key: self.string(key),
            },
            AttributeName::Keys { attribute } => NameNode::Keys(self.string(attribute)),
        };
        AttrNode {
            source,
            name,
            span: Sp::default(),
        }
    }

    fn literal(&mut self, l: LiteralKind<'_>) -> LitNode {
        let kind = match l {
            LiteralKind::String(s) => LitKind::String(self.string(s)),
            LiteralKind::Integer(n) => LitKind::Integer(n),
            LiteralKind::Bool(b) => LitKind::Bool(b),
            LiteralKind::Guid(g) => LitKind::Guid {
                value: g.value.as_u64_pair(),
                text: self.string(g.text),
            },
        };
        LitNode {
            kind,
            span: Sp::default(),
        }
    }

    fn operand(&mut self, v: Value<'_>) -> OperandNode {
        let kind = match v {
            Value::Attribute(source, name) => {
                OperandNodeKind::Attribute(self.attribute(source, name))
            }
            Value::Literal(l) => OperandNodeKind::Literal(self.literal(l)),
            Value::Set(items) => {
                let lits: Vec<LitNode> = items.iter().map(|&l| self.literal(l)).collect();
                let first = self.parts.literals.len();
                self.parts.literals.extend(lits);
                OperandNodeKind::Set(Run::between(first, self.parts.literals.len()))
            }
        };
        OperandNode {
            kind,
            span: Sp::default(),
        }
    }
}
