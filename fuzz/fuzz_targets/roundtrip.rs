//! A syntax tree built from arbitrary data prints to text that parses back to the same tree
//! (spans aside), in both the pretty and the single-line form.
#![no_main]

use arbitrary::Arbitrary;
use azcond::ast::{
    AttributeName, AttributeRef, BaseOperator, Comparison, Condition, Expr, ExprKind, GuidLiteral,
    Group, Literal, LiteralKind, Operand, OperandKind, Operator, Quantifier, Source, StringLiteral,
};
use azcond::Span;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Tree {
    Or(Vec<Tree>),
    And(Vec<Tree>),
    Not(Box<Tree>),
    Group(Box<Tree>),
    Action(String),
    SubOperation(String),
    Exists(u8, Name),
    Compare(Side, Option<u8>, u8, Side),
}

#[derive(Arbitrary, Debug)]
enum Name {
    Plain(String),
    KeyValue(String, String),
    Keys(String),
}

#[derive(Arbitrary, Debug)]
enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    Guid(u128, bool),
}

#[derive(Arbitrary, Debug)]
enum Side {
    Attribute(u8, Name),
    Value(Value),
    Set(Vec<Value>),
}

/// What a string literal may hold: no `'`, no line break, no control character.
fn string(s: &str) -> String {
    s.chars().filter(|c| *c != '\'' && !c.is_control()).collect()
}

/// What an attribute name may hold.
fn name_text(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !matches!(c, ']' | '<' | '>' | '$' | '&' | ':') && !c.is_control())
        .collect();
    if t.is_empty() { "x".into() } else { t }
}

fn attribute(source: u8, name: &Name) -> AttributeRef {
    let name = match name {
        Name::Plain(n) => AttributeName::Plain(name_text(n)),
        Name::KeyValue(a, k) => AttributeName::KeyValue { attribute: name_text(a), key: name_text(k) },
        Name::Keys(a) => AttributeName::Keys { attribute: name_text(a) },
    };
    AttributeRef { source: Source::ALL[usize::from(source) % 4], name, span: Span::default() }
}

fn literal(v: &Value) -> Literal {
    let kind = match v {
        Value::Str(s) => LiteralKind::String(string(s)),
        Value::Int(n) => LiteralKind::Integer(*n),
        Value::Bool(b) => LiteralKind::Bool(*b),
        Value::Guid(g, hyphenated) => {
            let value = azcond_uuid(*g);
            let text = if *hyphenated { value.hyphenated().to_string() } else { value.simple().to_string() };
            LiteralKind::Guid(GuidLiteral { value, text })
        }
    };
    Literal { kind, span: Span::default() }
}

fn azcond_uuid(g: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(g)
}

fn operand(side: &Side) -> Operand {
    let kind = match side {
        Side::Attribute(s, n) => OperandKind::Attribute(attribute(*s, n)),
        Side::Value(v) => OperandKind::Literal(literal(v)),
        Side::Set(items) if !items.is_empty() => OperandKind::Set(items.iter().take(64).map(literal).collect()),
        Side::Set(_) => OperandKind::Literal(literal(&Value::Bool(true))),
    };
    Operand { kind, span: Span::default() }
}

/// Builds a tree the parser reads back as itself: chains of two or more, no bare `OR` under
/// `AND`, no chain directly inside a chain of its kind or under `NOT`; nesting within the
/// parser's limit.
fn build(t: &Tree, depth: usize) -> Expr {
    let leaf = || Expr::new(ExprKind::ActionMatches(StringLiteral { value: "a".into(), span: Span::default() }), Span::default());
    let group = |e: Expr| Expr::new(ExprKind::Group(Box::new(Group { expr: e, trailing_comments: Vec::new() })), Span::default());
    if depth > 60 {
        return leaf();
    }
    let kind = match t {
        Tree::Or(xs) | Tree::And(xs) => {
            let is_or = matches!(t, Tree::Or(_));
            let mut items: Vec<Expr> = xs
                .iter()
                .take(8)
                .map(|x| {
                    let e = build(x, depth + 1);
                    let wrap = match e.kind {
                        ExprKind::Or(_) => true,
                        ExprKind::And(_) => !is_or,
                        _ => false,
                    };
                    if wrap { group(e) } else { e }
                })
                .collect();
            while items.len() < 2 {
                items.push(leaf());
            }
            if is_or { ExprKind::Or(items) } else { ExprKind::And(items) }
        }
        Tree::Not(x) => {
            let e = build(x, depth + 1);
            let e = if matches!(e.kind, ExprKind::And(_) | ExprKind::Or(_)) { group(e) } else { e };
            ExprKind::Not(Box::new(e))
        }
        Tree::Group(x) => return group(build(x, depth + 1)),
        Tree::Action(s) => ExprKind::ActionMatches(StringLiteral { value: string(s), span: Span::default() }),
        Tree::SubOperation(s) => ExprKind::SubOperationMatches(StringLiteral { value: string(s), span: Span::default() }),
        Tree::Exists(s, n) => ExprKind::Exists(attribute(*s, n)),
        Tree::Compare(l, q, b, r) => ExprKind::Compare(Box::new(Comparison {
            left: operand(l),
            operator: Operator {
                quantifier: q.map(|q| Quantifier::ALL[usize::from(q) % 4]),
                base: BaseOperator::ALL[usize::from(*b) % BaseOperator::ALL.len()],
                span: Span::default(),
            },
            right: operand(r),
        })),
    };
    Expr::new(kind, Span::default())
}

fuzz_target!(|tree: Tree| {
    let built = Condition { expr: build(&tree, 0), trailing_comments: Vec::new(), notes: Vec::new() };
    for text in [built.to_single_line_string(), built.to_pretty_string()] {
        let parsed = azcond::parse(&text).unwrap_or_else(|e| panic!("printed tree does not parse: {e}\n{text}"));
        assert!(parsed.same_tree(&built), "the tree changed through\n{text}");
    }
});
