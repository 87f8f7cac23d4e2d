//! A syntax tree built from arbitrary data prints to text that parses back to the same tree
//! (spans aside), in both the pretty and the single-line form.
#![no_main]

use arbitrary::Arbitrary;
use azcond::ast::{
    AttributeName, BaseOperator, Builder, GuidLiteral, LiteralKind, NodeId, Quantifier,
    Source, Value as Operand,
};
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

/// The source of an attribute and the parts of its name, made valid.
fn attribute(source: u8, name: &Name) -> (Source, Vec<String>) {
    let parts = match name {
        Name::Plain(n) => vec![name_text(n)],
        Name::KeyValue(a, k) => vec![name_text(a), name_text(k)],
        Name::Keys(a) => vec![name_text(a), String::new()],
    };
    (Source::ALL[usize::from(source) % 4], parts)
}

fn name_of<'t>(name: &Name, parts: &'t [String]) -> AttributeName<'t> {
    match (name, parts) {
        (Name::Plain(_), [n]) => AttributeName::Plain(n),
        (Name::KeyValue(..), [a, k]) => AttributeName::KeyValue { attribute: a, key: k },
        (_, [a, ..]) => AttributeName::Keys { attribute: a },
        _ => AttributeName::Plain("x"),
    }
}

/// A value's text (strings made valid, GUIDs printed in the form chosen).
fn value_text(v: &Value) -> String {
    match v {
        Value::Str(s) => string(s),
        Value::Guid(g, true) => uuid::Uuid::from_u128(*g).hyphenated().to_string(),
        Value::Guid(g, false) => uuid::Uuid::from_u128(*g).simple().to_string(),
        Value::Int(_) | Value::Bool(_) => String::new(),
    }
}

fn literal<'t>(v: &Value, text: &'t str) -> LiteralKind<'t> {
    match v {
        Value::Str(_) => LiteralKind::String(text),
        Value::Int(n) => LiteralKind::Integer(*n),
        Value::Bool(b) => LiteralKind::Bool(*b),
        Value::Guid(g, _) => LiteralKind::Guid(GuidLiteral { value: uuid::Uuid::from_u128(*g), text }),
    }
}

/// Adds `side` to the builder as an operand of a comparison.
fn with_operand<R>(side: &Side, f: impl FnOnce(Operand<'_>) -> R) -> R {
    match side {
        Side::Attribute(s, n) => {
            let (source, parts) = attribute(*s, n);
            f(Operand::Attribute(source, name_of(n, &parts)))
        }
        Side::Value(v) => {
            let text = value_text(v);
            f(Operand::Literal(literal(v, &text)))
        }
        Side::Set(items) if !items.is_empty() => {
            let items: Vec<&Value> = items.iter().take(64).collect();
            let texts: Vec<String> = items.iter().map(|v| value_text(v)).collect();
            let kinds: Vec<LiteralKind<'_>> = items.iter().zip(&texts).map(|(v, t)| literal(v, t)).collect();
            f(Operand::Set(&kinds))
        }
        Side::Set(_) => f(Operand::Literal(LiteralKind::Bool(true))),
    }
}

/// What a built node is, as far as the printer's parentheses care.
#[derive(Clone, Copy, PartialEq)]
enum Made {
    Or,
    And,
    Other,
}

/// Builds a tree the parser reads back as itself: chains of two or more, no bare `OR` under
/// `AND`, no chain directly inside a chain of its kind or under `NOT`; nesting within the
/// parser's limit.
fn build(b: &mut Builder, t: &Tree, depth: usize) -> (NodeId, Made) {
    let leaf = |b: &mut Builder| (b.action_matches("a"), Made::Other);
    if depth > 60 {
        return leaf(b);
    }
    match t {
        Tree::Or(xs) | Tree::And(xs) => {
            let is_or = matches!(t, Tree::Or(_));
            let mut items: Vec<NodeId> = xs
                .iter()
                .take(8)
                .map(|x| {
                    let (e, made) = build(b, x, depth + 1);
                    let wrap = match made {
                        Made::Or => true,
                        Made::And => !is_or,
                        Made::Other => false,
                    };
                    if wrap { b.group(e) } else { e }
                })
                .collect();
            while items.len() < 2 {
                items.push(leaf(b).0);
            }
            if is_or { (b.or(&items), Made::Or) } else { (b.and(&items), Made::And) }
        }
        Tree::Not(x) => {
            let (e, made) = build(b, x, depth + 1);
            let e = if made == Made::Other { e } else { b.group(e) };
            (b.not(e), Made::Other)
        }
        Tree::Group(x) => {
            let (e, _) = build(b, x, depth + 1);
            (b.group(e), Made::Other)
        }
        Tree::Action(s) => (b.action_matches(&string(s)), Made::Other),
        Tree::SubOperation(s) => (b.sub_operation_matches(&string(s)), Made::Other),
        Tree::Exists(s, n) => {
            let (source, parts) = attribute(*s, n);
            (b.exists(source, name_of(n, &parts)), Made::Other)
        }
        Tree::Compare(l, q, base, r) => {
            let quantifier = q.map(|q| Quantifier::ALL[usize::from(q) % 4]);
            let base = BaseOperator::ALL[usize::from(*base) % BaseOperator::ALL.len()];
            let id = with_operand(l, |left| with_operand(r, |right| b.compare(left, quantifier, base, right)));
            (id, Made::Other)
        }
    }
}

fuzz_target!(|tree: Tree| {
    let mut b = Builder::new();
    let (root, _) = build(&mut b, &tree, 0);
    let built = b.finish(root);
    for text in [built.to_single_line_string(), built.to_pretty_string()] {
        let parsed = azcond::parse(&text).unwrap_or_else(|e| panic!("printed tree does not parse: {e}\n{text}"));
        assert!(parsed.same_tree(&built), "the tree changed through\n{text}");
    }
});
