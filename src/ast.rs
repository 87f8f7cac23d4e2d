//! The syntax tree of a condition. Every node carries the [`Span`] of the text it came from;
//! strings are owned so that a [`Condition`] outlives its source text.
//!
//! `And` and `Or` hold flat lists, so a chain of a thousand clauses is one level deep. Explicit
//! parentheses are kept as [`ExprKind::Group`] nodes: they are part of how people write and read
//! conditions (the portal's guarded-clause layout is built from them), `fmt` keeps them, and
//! `check` uses them to tell `a AND b OR c` from `(a AND b) OR c`.

pub mod operator;

use serde::Serialize;
use std::cell::Cell;

pub use self::operator::{BaseOperator, Family, Quantifier};
use crate::span::Span;

/// A parsed condition: one expression plus what the authoring superset allowed around it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Condition {
    /// The whole expression.
    pub expr: Expr,
    /// Comments after the last token.
    pub trailing_comments: Vec<Comment>,
    /// Every use of the authoring superset, in source order: comments, non-ASCII spaces and
    /// keywords in non-canonical case. Azure accepts none of the first two; `check` reports them.
    pub notes: Vec<LexicalNote>,
}

/// A `#` or `//` line comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The comment as written, marker included, trailing whitespace removed.
    pub text: String,
    /// Where it was written.
    pub span: Span,
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

/// An expression node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// The text of the node, from its first token to its last (leading comments excluded).
    pub span: Span,
    /// Comments written before this node (before the `AND`/`OR` that introduces it, or before
    /// its first token).
    pub comments: Vec<Comment>,
}

/// The kinds of [`Expr`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExprKind {
    /// `a OR b OR …` (`||`), two or more operands.
    Or(Vec<Expr>),
    /// `a AND b AND …` (`&&`), two or more operands.
    And(Vec<Expr>),
    /// `NOT x` or `!x`.
    Not(Box<Expr>),
    /// `( x )`.
    Group(Box<Group>),
    /// `ActionMatches{'pattern'}`.
    ActionMatches(StringLiteral),
    /// `SubOperationMatches{'name'}`.
    SubOperationMatches(StringLiteral),
    /// `Exists @Source[attribute]`.
    Exists(AttributeRef),
    /// `left Operator right`.
    Compare(Box<Comparison>),
}

/// A parenthesised expression.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    /// What is inside the parentheses.
    pub expr: Expr,
    /// Comments after the inner expression, before `)`.
    pub trailing_comments: Vec<Comment>,
}

/// `left Operator right`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The left operand, usually an attribute.
    pub left: Operand,
    /// The operator, with its quantifier if any.
    pub operator: Operator,
    /// The right operand: a value, a set or another attribute.
    pub right: Operand,
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Operand {
    /// What the operand is.
    pub kind: OperandKind,
    /// Its text.
    pub span: Span,
}

/// The kinds of [`Operand`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperandKind {
    /// `@Source[name]`.
    Attribute(AttributeRef),
    /// A single value.
    Literal(Literal),
    /// `{v1, v2, …}`, one or more values.
    Set(Vec<Literal>),
}

impl Operand {
    /// Whether two operands are the same, spans aside.
    pub fn same_value(&self, other: &Operand) -> bool {
        match (&self.kind, &other.kind) {
            (OperandKind::Attribute(a), OperandKind::Attribute(b)) => {
                a.source == b.source && a.name == b.name
            }
            (OperandKind::Literal(a), OperandKind::Literal(b)) => a.kind == b.kind,
            (OperandKind::Set(a), OperandKind::Set(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.kind == y.kind)
            }
            _ => false,
        }
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
        Source::ALL
            .iter()
            .copied()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

/// `@Source[name]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttributeRef {
    /// Where the attribute comes from.
    pub source: Source,
    /// The text between the brackets, interpreted.
    pub name: AttributeName,
    /// The whole reference, `@` to `]`.
    pub span: Span,
}

/// The text between the brackets of an attribute reference.
///
/// Two suffixes give a name structure: `<$key_case_sensitive$>` selects the value of one key of
/// a dictionary attribute (blob index tags), `&$keys$&` selects the list of its keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeName {
    /// An ordinary name such as `Microsoft.Storage/storageAccounts/blobServices/containers:name`
    /// or `UtcNow`.
    Plain(String),
    /// `<attribute>:<key><$key_case_sensitive$>`, e.g. `…/blobs/tags:Project<$key_case_sensitive$>`.
    KeyValue {
        /// The dictionary attribute, e.g. `…/blobs/tags`.
        attribute: String,
        /// The key, matched case-sensitively.
        key: String,
    },
    /// `<attribute>&$keys$&`: the keys of a dictionary attribute.
    Keys {
        /// The dictionary attribute, e.g. `…/blobs/tags`.
        attribute: String,
    },
}

/// The suffix that marks a case-sensitive dictionary key.
pub const KEY_CASE_SENSITIVE_MARKER: &str = "<$key_case_sensitive$>";
/// The suffix that selects a dictionary's keys.
pub const KEYS_MARKER: &str = "&$keys$&";

impl std::fmt::Display for AttributeName {
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

impl std::fmt::Display for AttributeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "@{}[{}]", self.source.name(), self.name)
    }
}

/// A single value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Literal {
    /// The value.
    pub kind: LiteralKind,
    /// Its text.
    pub span: Span,
}

/// The kinds of [`Literal`]. DateTime values are written as strings and typed by the operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiteralKind {
    /// `'text'`, without the quotes; no escapes (backslashes are kept for `…Like` patterns).
    String(String),
    /// A decimal integer.
    Integer(i64),
    /// `true` or `false`.
    Bool(bool),
    /// A bare GUID, `8-4-4-4-12` or 32 hexadecimal digits.
    Guid(GuidLiteral),
}

/// A bare GUID: its value, and its text as written so that `fmt` does not rewrite it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GuidLiteral {
    /// The 128-bit value.
    pub value: uuid::Uuid,
    /// The text as written (either form, either case).
    pub text: String,
}

/// A quoted string: the argument of `ActionMatches` and `SubOperationMatches`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StringLiteral {
    /// The text between the quotes.
    pub value: String,
    /// The literal, quotes included.
    pub span: Span,
}

impl Condition {
    /// Whether two conditions have the same tree, comments included, spans and lexical notes
    /// aside: what printing and parsing again must preserve.
    pub fn same_tree(&self, other: &Condition) -> bool {
        self.trailing_comments.len() == other.trailing_comments.len()
            && self
                .trailing_comments
                .iter()
                .zip(&other.trailing_comments)
                .all(|(a, b)| a.text == b.text)
            && self.expr.same_tree(&other.expr)
    }
}

impl Expr {
    /// Whether two expressions have the same tree, comments included, spans aside. Iterative:
    /// trees built by hand may be nested arbitrarily deep.
    pub fn same_tree(&self, other: &Expr) -> bool {
        let texts = |a: &[Comment], b: &[Comment]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.text == y.text)
        };
        let mut stack = vec![(self, other)];
        while let Some((a, b)) = stack.pop() {
            if !texts(&a.comments, &b.comments) {
                return false;
            }
            match (&a.kind, &b.kind) {
                (ExprKind::Or(xs), ExprKind::Or(ys)) | (ExprKind::And(xs), ExprKind::And(ys)) => {
                    if xs.len() != ys.len() {
                        return false;
                    }
                    stack.extend(xs.iter().zip(ys));
                }
                (ExprKind::Not(x), ExprKind::Not(y)) => stack.push((x, y)),
                (ExprKind::Group(x), ExprKind::Group(y)) => {
                    if !texts(&x.trailing_comments, &y.trailing_comments) {
                        return false;
                    }
                    stack.push((&x.expr, &y.expr));
                }
                (ExprKind::ActionMatches(x), ExprKind::ActionMatches(y))
                | (ExprKind::SubOperationMatches(x), ExprKind::SubOperationMatches(y)) => {
                    if x.value != y.value {
                        return false;
                    }
                }
                (ExprKind::Exists(x), ExprKind::Exists(y)) => {
                    if x.source != y.source || x.name != y.name {
                        return false;
                    }
                }
                (ExprKind::Compare(x), ExprKind::Compare(y)) => {
                    let same_op = x.operator.quantifier == y.operator.quantifier
                        && x.operator.base == y.operator.base;
                    if !same_op || !x.left.same_value(&y.left) || !x.right.same_value(&y.right) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        true
    }

    /// A node without comments.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr {
            kind,
            span,
            comments: Vec::new(),
        }
    }
}

/// Dropping a tree recurses as the default drop would, but only so deep: below
/// `DROP_RECURSION` levels a node takes its subtree apart with an explicit stack, since a tree
/// built by hand can be nested arbitrarily deep. Parsed conditions are shallow, so their drop
/// allocates nothing.
impl Drop for Expr {
    fn drop(&mut self) {
        let leaf = matches!(
            self.kind,
            ExprKind::ActionMatches(_)
                | ExprKind::SubOperationMatches(_)
                | ExprKind::Exists(_)
                | ExprKind::Compare(_)
        );
        if leaf {
            return;
        }
        let depth = DROP_DEPTH.with(Cell::get);
        if depth < DROP_RECURSION {
            // The children drop here, one level deeper, instead of after this function.
            let kind = std::mem::replace(&mut self.kind, ExprKind::And(Vec::new()));
            DROP_DEPTH.with(|d| d.set(depth + 1));
            drop(kind);
            DROP_DEPTH.with(|d| d.set(depth));
            return;
        }
        let mut stack = Vec::new();
        take_children(&mut self.kind, &mut stack);
        while let Some(mut e) = stack.pop() {
            take_children(&mut e.kind, &mut stack);
        }
    }
}

/// How many levels of a tree [`Expr`]'s drop takes apart by recursion.
const DROP_RECURSION: usize = 64;

thread_local! {
    /// How many drops of [`Expr`] are under way on this thread, nested.
    static DROP_DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Moves the children of a node onto `stack`, leaving it childless.
fn take_children(kind: &mut ExprKind, stack: &mut Vec<Expr>) {
    let placeholder = || Expr::new(ExprKind::And(Vec::new()), Span::default());
    match kind {
        ExprKind::Or(xs) | ExprKind::And(xs) => stack.append(xs),
        ExprKind::Not(x) => stack.push(std::mem::replace(&mut **x, placeholder())),
        ExprKind::Group(g) => stack.push(std::mem::replace(&mut g.expr, placeholder())),
        ExprKind::ActionMatches(_)
        | ExprKind::SubOperationMatches(_)
        | ExprKind::Exists(_)
        | ExprKind::Compare(_) => {}
    }
}
