//! Property tests. A generator builds condition trees from every operator, quantifier, source
//! and literal kind, and renders each twice: canonically, and with a random layout (spacing,
//! line breaks, pasted NBSPs, comments, keyword case, `&&`/`AND`, `!`/`NOT`). Properties:
//!
//! - the random layout parses, and its single-line form is exactly the canonical rendering;
//! - pretty printing is a fixpoint, and the single-line form formats back to the same text;
//! - no input (token soup, arbitrary text, mutations of the corpus) makes the parser panic,
//!   and every error points inside the input.

mod common;

use azcond::ast::{BaseOperator, Quantifier};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    Guid(u128, bool, bool),
}

#[derive(Clone, Debug)]
enum Operand {
    Attr(usize, String),
    Value(Value),
    Set(Vec<Value>),
}

#[derive(Clone, Debug)]
enum Tree {
    Compare(Operand, Option<usize>, usize, Operand),
    Action(String),
    SubOp(String),
    Exists(usize, String),
    Not(Box<Tree>),
    Group(Box<Tree>),
    And(Vec<Tree>),
    Or(Vec<Tree>),
}

const SOURCES: [&str; 4] = ["Resource", "Request", "Principal", "Environment"];

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-zA-Z0-9 ./*?\\\\_:#-]{0,12}".prop_map(Value::Str),
        any::<i64>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Bool),
        (any::<u128>(), any::<bool>(), any::<bool>()).prop_map(|(g, h, u)| Value::Guid(g, h, u)),
    ]
}

fn attribute_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Microsoft.Storage/storageAccounts/blobServices/containers:name".to_string()),
        Just("UtcNow".to_string()),
        Just("Microsoft.Authorization/roleAssignments:RoleDefinitionId".to_string()),
        "[A-Za-z][A-Za-z0-9]{0,8}_[A-Za-z0-9]{1,8}"
            .prop_map(|a| format!("Microsoft.Directory/CustomSecurityAttributes/Id:{a}")),
        "[A-Za-z0-9_:=+./ -]{1,10}".prop_map(|k| format!(
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:{}<$key_case_sensitive$>",
            k.trim_start_matches(':').replace(':', "")
        )).prop_filter("key", |n| !n.contains("tags:<")),
        Just("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags&$keys$&".to_string()),
    ]
}

fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![
        3 => (0..4usize, attribute_name()).prop_map(|(s, n)| Operand::Attr(s, n)),
        2 => value().prop_map(Operand::Value),
        1 => prop::collection::vec(value(), 1..4).prop_map(Operand::Set),
    ]
}

fn leaf() -> impl Strategy<Value = Tree> {
    prop_oneof![
        6 => (operand(), prop::option::of(0..4usize), 0..BaseOperator::ALL.len(), operand())
            .prop_map(|(l, q, b, r)| Tree::Compare(l, q, b, r)),
        2 => "[A-Za-z./*]{1,20}".prop_map(Tree::Action),
        1 => "[A-Za-z.]{1,12}".prop_map(Tree::SubOp),
        1 => (0..4usize, attribute_name()).prop_map(|(s, n)| Tree::Exists(s, n)),
    ]
}

/// Trees the parser reads back as themselves: no bare `OR` under `AND`, no chain directly in a
/// chain of the same kind, no bare chain under `NOT`.
fn tree() -> impl Strategy<Value = Tree> {
    leaf().prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Tree::Not(Box::new(match t {
                Tree::And(_) | Tree::Or(_) => Tree::Group(Box::new(t)),
                t => t,
            }))),
            inner.clone().prop_map(|t| Tree::Group(Box::new(t))),
            prop::collection::vec(inner.clone(), 2..5).prop_map(|xs| Tree::And(
                xs.into_iter()
                    .map(|t| match t {
                        Tree::And(_) | Tree::Or(_) => Tree::Group(Box::new(t)),
                        t => t,
                    })
                    .collect()
            )),
            prop::collection::vec(inner, 2..5).prop_map(|xs| Tree::Or(
                xs.into_iter()
                    .map(|t| match t {
                        Tree::Or(_) => Tree::Group(Box::new(t)),
                        t => t,
                    })
                    .collect()
            )),
        ]
    })
}

/// Layout choices, read in turn; all zeros is the canonical single-line form.
struct Style {
    bytes: Vec<u8>,
    next: usize,
}

impl Style {
    fn canonical() -> Style {
        Style {
            bytes: vec![0],
            next: 0,
        }
    }
    fn pick(&mut self, n: usize) -> usize {
        let b = self
            .bytes
            .get(self.next % self.bytes.len().max(1))
            .copied()
            .unwrap_or(0);
        self.next += 1;
        b as usize % n
    }
    /// Whitespace where the canonical form has one space (`required`) or none.
    fn ws(&mut self, required: bool) -> &'static str {
        const SPACES: [&str; 7] = [
            " ",
            "  ",
            "\n ",
            "\t",
            "\u{a0}",
            " # note\n",
            "\r\n// other note\n",
        ];
        if required {
            SPACES[self.pick(SPACES.len())]
        } else {
            ["", " ", "\n", "\u{a0}"][self.pick(4)]
        }
    }
    fn keyword(&mut self, canonical: &str) -> String {
        match self.pick(3) {
            0 => canonical.to_string(),
            1 => canonical.to_lowercase(),
            _ => canonical.to_uppercase(),
        }
    }
}

fn render_value(v: &Value, s: &mut Style) -> String {
    match v {
        Value::Str(x) => format!("'{x}'"),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => s.keyword(if *b { "true" } else { "false" }),
        Value::Guid(g, hyphenated, upper) => {
            let id = uuid::Uuid::from_u128(*g);
            let text = if *hyphenated {
                id.hyphenated().to_string()
            } else {
                id.simple().to_string()
            };
            if *upper {
                text.to_uppercase()
            } else {
                text
            }
        }
    }
}

fn render_operand(o: &Operand, s: &mut Style) -> String {
    match o {
        Operand::Attr(src, name) => format!("@{}[{name}]", s.keyword(SOURCES[*src])),
        Operand::Value(v) => render_value(v, s),
        Operand::Set(items) => {
            let mut out = format!("{{{}", s.ws(false));
            for (k, v) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(s.ws(false));
                    out.push(',');
                    out.push_str(s.ws(true));
                }
                out.push_str(&render_value(v, s));
            }
            out.push_str(s.ws(false));
            out.push('}');
            out
        }
    }
}

fn render(t: &Tree, s: &mut Style) -> String {
    match t {
        Tree::Compare(l, q, b, r) => {
            let op = BaseOperator::ALL[*b].name();
            let op = match q {
                Some(q) => format!(
                    "{}:{}",
                    s.keyword(Quantifier::ALL[*q].name()),
                    s.keyword(op)
                ),
                None => s.keyword(op),
            };
            let l = render_operand(l, s);
            let r = render_operand(r, s);
            format!("{l}{}{op}{}{r}", s.ws(true), s.ws(true))
        }
        Tree::Action(p) => format!(
            "{}{}{{{}'{p}'{}}}",
            s.keyword("ActionMatches"),
            s.ws(false),
            s.ws(false),
            s.ws(false)
        ),
        Tree::SubOp(p) => format!("{}{{'{p}'}}", s.keyword("SubOperationMatches")),
        Tree::Exists(src, name) => format!(
            "{}{}@{}[{name}]",
            s.keyword("Exists"),
            s.ws(true),
            s.keyword(SOURCES[*src])
        ),
        Tree::Not(x) => {
            let inner = render(x, s);
            if matches!(**x, Tree::Group(_)) {
                match s.pick(2) {
                    0 => format!("!{}{inner}", s.ws(false)),
                    _ => format!("{}{}{inner}", s.keyword("NOT"), s.ws(false)),
                }
            } else {
                match s.pick(2) {
                    0 => format!("{}{}{inner}", s.keyword("NOT"), s.ws(true)),
                    _ => format!("!{}{inner}", s.ws(false)),
                }
            }
        }
        Tree::Group(x) => format!("({}{}{})", s.ws(false), render(x, s), s.ws(false)),
        Tree::And(xs) | Tree::Or(xs) => {
            let (word, symbol) = if matches!(t, Tree::And(_)) {
                ("AND", "&&")
            } else {
                ("OR", "||")
            };
            let mut out = String::new();
            for (k, x) in xs.iter().enumerate() {
                if k > 0 {
                    out.push_str(s.ws(true));
                    let connective = if s.pick(4) == 3 {
                        symbol.to_string()
                    } else {
                        s.keyword(word)
                    };
                    out.push_str(&connective);
                    out.push_str(s.ws(true));
                }
                out.push_str(&render(x, s));
            }
            out
        }
    }
}

fn canonical(t: &Tree) -> String {
    render(t, &mut Style::canonical())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_layout_reads_as_the_canonical_form(t in tree(), bytes in prop::collection::vec(any::<u8>(), 1..64)) {
        let text = render(&t, &mut Style { bytes, next: 0 });
        let condition = azcond::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(condition.to_single_line_string(), canonical(&t));
    }

    #[test]
    fn pretty_is_a_fixpoint_and_single_line_formats_back(t in tree(), bytes in prop::collection::vec(any::<u8>(), 1..64)) {
        let text = render(&t, &mut Style { bytes, next: 0 });
        let condition = azcond::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let pretty = condition.to_pretty_string();
        let again = azcond::parse(&pretty).map_err(|e| TestCaseError::fail(format!("{e}\n{pretty}")))?;
        prop_assert_eq!(&again.to_pretty_string(), &pretty);
        let single = azcond::parse(&condition.to_single_line_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(single.to_pretty_string(), common::without_comment_lines(&pretty));
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "!",
    "NOT",
    "AND",
    "OR",
    "&&",
    "||",
    "{",
    "}",
    ",",
    "'",
    "'x'",
    "\"x\"",
    "@Resource[",
    "@Request[a]",
    "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:a_b]",
    "]",
    "tags:k<$key_case_sensitive$>",
    "&$keys$&",
    "<$>",
    "ActionMatches{'a/*'}",
    "SubOperationMatches",
    "Exists",
    "StringEquals",
    "ForAnyOfAnyValues:GuidEquals",
    "ForAllOfAllValues:",
    "StringEndsWith",
    "12",
    "-3",
    "1.5",
    "true",
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "08d4c71acc634ce4a9c85dd251b4d619",
    "#c\n",
    "//",
    " ",
    "\n",
    "\u{a0}",
    "\u{2019}",
    "\u{0}",
    "é",
    "==",
];

fn check_no_panic(text: &str) -> Result<(), TestCaseError> {
    match azcond::parse(text) {
        Ok(c) => {
            let pretty = c.to_pretty_string();
            let again = azcond::parse(&pretty).map_err(|e| {
                TestCaseError::fail(format!("pretty form does not parse: {e}\n{pretty}"))
            })?;
            prop_assert_eq!(again.to_pretty_string(), pretty);
        }
        Err(e) => {
            prop_assert!(e.span().end <= text.len());
            prop_assert!(
                text.is_char_boundary(e.span().start) && text.is_char_boundary(e.span().end)
            );
            let rendered = azcond::Diagnostic::from(&e).render(text, "input");
            let location = format!("input:{}:{}", e.position().line, e.position().column);
            prop_assert!(rendered.contains(&location), "{}", rendered);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..40)) {
        check_no_panic(&tokens.concat())?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check_no_panic(&text)?;
    }

    #[test]
    fn mutated_corpus_conditions_never_panic(
        file in 0usize..1000,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, prop::sample::select(TOKENS)), 1..6),
    ) {
        let files = common::files(&common::corpus().join("valid"), ".cond");
        let mut text = std::fs::read_to_string(&files[file % files.len()]).unwrap();
        for (at, kind, token) in edits {
            let boundaries: Vec<usize> = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
            let i = boundaries[at.index(boundaries.len())];
            let j = boundaries[(at.index(boundaries.len()) + 7).min(boundaries.len() - 1)];
            match kind {
                0 => text.replace_range(i..j, ""),
                1 => text.insert_str(i, token),
                2 => text.replace_range(i..j, token),
                _ => text.truncate(i),
            }
        }
        check_no_panic(&text)?;
    }
}
