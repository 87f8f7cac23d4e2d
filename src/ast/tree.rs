//! The storage of a syntax tree: the text once, and flat arrays that refer to it and to each
//! other by `u32` index. The parser and [`Builder`](super::Builder) fill it; the views of
//! `ast.rs` read it.

use super::{BaseOperator, LexicalNote, Quantifier, Source};
use crate::span::Span;

/// The largest text a tree can refer into: offsets are `u32`.
pub(crate) const MAX_TEXT: usize = u32::MAX as usize;

/// A range of the text, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Sp {
    pub start: u32,
    pub end: u32,
}

impl Sp {
    /// `start..end`; offsets past [`MAX_TEXT`] (which the parser refuses) are clamped.
    pub fn new(start: usize, end: usize) -> Sp {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Sp {
            start: clamp(start),
            end: clamp(end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn span(self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }

    /// The text it covers; empty if it does not fall inside `text` on character boundaries.
    pub fn of(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }

    pub fn cover(self, other: Sp) -> Sp {
        Sp {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A run of consecutive entries of one of the tree's arrays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Run {
    pub first: u32,
    pub len: u32,
}

impl Run {
    /// The entries from `first` to `end`.
    pub fn between(first: usize, end: usize) -> Run {
        let first32 = u32::try_from(first).unwrap_or(u32::MAX);
        Run {
            first: first32,
            len: u32::try_from(end.saturating_sub(first)).unwrap_or(0),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        let first = self.first as usize;
        first..first.saturating_add(self.len as usize)
    }

    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// This run followed by `next`, which starts where this one ends (or either is empty).
    pub fn then(self, next: Run) -> Run {
        if self.is_empty() {
            next
        } else if next.is_empty() {
            self
        } else {
            Run {
                first: self.first,
                len: (next.first + next.len).saturating_sub(self.first),
            }
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Sp,
    /// Into [`Tree::comments`].
    pub comments: Run,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum NodeKind {
    /// Operands in [`Tree::lists`].
    Or(Run),
    And(Run),
    Not(u32),
    Group {
        inner: u32,
        /// Into [`Tree::comments`].
        trailing: Run,
    },
    ActionMatches(StrNode),
    SubOperationMatches(StrNode),
    Exists(AttrNode),
    /// In the node: one array for every node, so a parse allocates one array the fewer.
    Compare(CompareNode),
}

/// A quoted string: its body and the whole literal.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StrNode {
    pub value: Sp,
    pub span: Sp,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct AttrNode {
    pub source: Source,
    pub name: NameNode,
    pub span: Sp,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum NameNode {
    Plain(Sp),
    KeyValue { attribute: Sp, key: Sp },
    Keys(Sp),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct CompareNode {
    pub left: OperandNode,
    pub quantifier: Option<Quantifier>,
    pub base: BaseOperator,
    pub operator_span: Sp,
    pub right: OperandNode,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct OperandNode {
    pub kind: OperandNodeKind,
    pub span: Sp,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum OperandNodeKind {
    Attribute(AttrNode),
    Literal(LitNode),
    /// Into [`Tree::literals`].
    Set(Run),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct LitNode {
    pub kind: LitKind,
    pub span: Sp,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum LitKind {
    String(Sp),
    Integer(i64),
    Bool(bool),
    /// The value as two halves (high, low), which keeps the node 8-byte aligned.
    Guid {
        value: (u64, u64),
        text: Sp,
    },
}

/// A whole tree.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tree {
    /// The text every [`Sp`] is a range of: the source of a parsed condition, the strings given
    /// to a [`Builder`](super::Builder) for a built one.
    pub text: Box<str>,
    pub nodes: Vec<Node>,
    /// The operands of every `AND` and `OR`, each node's a run.
    pub lists: Vec<u32>,
    /// The values of every set, each set's a run.
    pub literals: Vec<LitNode>,
    /// Every comment, in source order (for a parsed condition).
    pub comments: Vec<Sp>,
    pub notes: Vec<LexicalNote>,
    pub root: u32,
    /// Comments after the last token.
    pub trailing: Run,
}

/// The arrays of a tree being built (by the parser or a [`Builder`](super::Builder)), without
/// the text.
#[derive(Default)]
pub(crate) struct Parts {
    pub nodes: Vec<Node>,
    pub lists: Vec<u32>,
    pub literals: Vec<LitNode>,
    pub comments: Vec<Sp>,
}

impl Parts {
    /// Room for a condition of `len` bytes: the portal's conditions hold a node every 30 bytes
    /// or so.
    pub fn for_text(len: usize) -> Parts {
        Parts {
            nodes: Vec::with_capacity(len / 24 + 4),
            lists: Vec::new(),
            literals: Vec::new(),
            comments: Vec::new(),
        }
    }

    /// Adds a node; its index.
    pub fn push(&mut self, kind: NodeKind, span: Sp) -> u32 {
        self.nodes.push(Node {
            kind,
            span,
            comments: Run::default(),
        });
        u32::try_from(self.nodes.len() - 1).unwrap_or(u32::MAX)
    }

    /// Adds an `AND` or `OR` over `operands`, spanning them.
    pub fn chain(&mut self, or: bool, operands: &[u32]) -> u32 {
        let span = match (operands.first(), operands.last()) {
            (Some(&a), Some(&b)) => self.span_of(a).cover(self.span_of(b)),
            _ => Sp::default(),
        };
        if self.lists.capacity() == 0 {
            // The first chain: room for every node as an operand once.
            self.lists.reserve(self.nodes.capacity());
        }
        let first = self.lists.len();
        self.lists.extend_from_slice(operands);
        let run = Run::between(first, self.lists.len());
        self.push(
            if or {
                NodeKind::Or(run)
            } else {
                NodeKind::And(run)
            },
            span,
        )
    }

    pub fn span_of(&self, node: u32) -> Sp {
        self.nodes
            .get(node as usize)
            .map(|n| n.span)
            .unwrap_or_default()
    }

    /// Prepends `comments` to the comments of `node`.
    pub fn attach(&mut self, node: u32, comments: Run) {
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.comments = comments.then(n.comments);
        }
    }

    pub fn finish(self, text: Box<str>, root: u32, trailing: Run, notes: Vec<LexicalNote>) -> Tree {
        Tree {
            text,
            nodes: self.nodes,
            lists: self.lists,
            literals: self.literals,
            comments: self.comments,
            notes,
            root,
            trailing,
        }
    }
}
