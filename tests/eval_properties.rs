//! Evaluation properties over generated inputs:
//!
//! - each of the 64 quantified operators equals its definition, computed from single
//!   comparisons of the base operator (language-notes §3.4);
//! - on generated conditions and requests, evaluation never panics, an error always denies,
//!   formatting never changes a decision, `NOT NOT x` decides as `x`, and `NOT x` as the
//!   opposite of `x` unless evaluating `x` fails.

use azcond::ast::{BaseOperator, Family, Quantifier};
use azcond::eval::{Decision, EvalOptions};
use azcond::request::Request;
use azcond::Condition;
use proptest::prelude::*;
use serde_json::json;

fn value_of(family: Family) -> BoxedStrategy<String> {
    match family {
        Family::String => prop_oneof!["[ab]{0,2}", "[ab*?]{0,3}"]
            .prop_map(|s| format!("'{s}'"))
            .boxed(),
        Family::Numeric => (-2i64..3).prop_map(|n| n.to_string()).boxed(),
        Family::Bool => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        Family::DateTime => (0u32..3)
            .prop_map(|s| format!("'2024-01-01T00:00:0{s}.0Z'"))
            .boxed(),
        Family::Guid => (0u128..3)
            .prop_map(|g| uuid::Uuid::from_u128(g).to_string())
            .boxed(),
    }
}

fn decide(text: &str) -> bool {
    let c: Condition = text.parse().unwrap_or_else(|e| panic!("{e}: {text}"));
    c.evaluate(&Request::new("x"))
        .unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn quantified_case() -> impl Strategy<Value = (Quantifier, BaseOperator, Vec<String>, Vec<String>)>
{
    quantified_case_of(1..4)
}

/// Lists long enough (more than 256 pairs) that equality and ordering are decided from an index
/// of the right side instead of pair by pair.
fn long_quantified_case(
) -> impl Strategy<Value = (Quantifier, BaseOperator, Vec<String>, Vec<String>)> {
    quantified_case_of(17..25)
}

fn quantified_case_of(
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = (Quantifier, BaseOperator, Vec<String>, Vec<String>)> {
    let quantifiable: Vec<BaseOperator> = BaseOperator::ALL
        .iter()
        .copied()
        .filter(|o| o.quantifiable())
        .collect();
    (
        prop::sample::select(Quantifier::ALL.to_vec()),
        prop::sample::select(quantifiable),
    )
        .prop_flat_map(move |(q, op)| {
            let v = value_of(op.family());
            (
                Just(q),
                Just(op),
                prop::collection::vec(v.clone(), len.clone()),
                prop::collection::vec(v, len.clone()),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn quantified_operators_are_pairwise((q, op, left, right) in quantified_case()) {
        check_pairwise(q, op, &left, &right)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn quantified_operators_over_long_lists_are_pairwise((q, op, left, right) in long_quantified_case()) {
        check_pairwise(q, op, &left, &right)?;
    }
}

fn check_pairwise(
    q: Quantifier,
    op: BaseOperator,
    left: &[String],
    right: &[String],
) -> Result<(), TestCaseError> {
    let text = format!(
        "{{{}}} {}:{} {{{}}}",
        left.join(", "),
        q.name(),
        op.name(),
        right.join(", ")
    );
    let pair = |l: &String, r: &String| decide(&format!("{l} {} {r}", op.name()));
    let expected = match q {
        Quantifier::ForAnyOfAnyValues => left.iter().any(|l| right.iter().any(|r| pair(l, r))),
        Quantifier::ForAllOfAnyValues => left.iter().all(|l| right.iter().any(|r| pair(l, r))),
        Quantifier::ForAnyOfAllValues => left.iter().any(|l| right.iter().all(|r| pair(l, r))),
        Quantifier::ForAllOfAllValues => left.iter().all(|l| right.iter().all(|r| pair(l, r))),
    };
    prop_assert_eq!(decide(&text), expected, "{}", text);
    Ok(())
}

// ---- generated conditions against generated requests ----

const ATTRS: &[(&str, &str)] = &[
    ("Resource", "a"),
    (
        "Resource",
        "Microsoft.Storage/x/blobs/tags:k<$key_case_sensitive$>",
    ),
    ("Resource", "Microsoft.Storage/x/blobs/tags&$keys$&"),
    ("Request", "b"),
    ("Principal", "c"),
    ("Environment", "UtcNow"),
];

fn leaf() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        "[a-c]{0,2}".prop_map(|s| format!("'{s}'")),
        Just("'2024-01-01T00:00:00Z'".to_string()),
        Just("'00000000-0000-0000-0000-000000000001'".to_string()),
        (-1i64..2).prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        Just("00000000000000000000000000000001".to_string()),
        Just("{'a', 'b'}".to_string()),
    ];
    let attr = prop::sample::select(ATTRS.to_vec()).prop_map(|(s, n)| format!("@{s}[{n}]"));
    let operand = prop_oneof![3 => attr.clone(), 2 => value];
    let op = (
        prop::option::of(prop::sample::select(Quantifier::ALL.to_vec())),
        prop::sample::select(BaseOperator::ALL.to_vec()),
    )
        .prop_map(|(q, b)| match q {
            Some(q) => format!("{}:{}", q.name(), b.name()),
            None => b.name().to_string(),
        });
    prop_oneof![
        6 => (operand.clone(), op, operand).prop_map(|(l, o, r)| format!("{l} {o} {r}")),
        1 => "[a-z*]{1,3}".prop_map(|p| format!("ActionMatches{{'{p}'}}")),
        1 => "[a-z]{1,2}".prop_map(|p| format!("SubOperationMatches{{'{p}'}}")),
        1 => attr.prop_map(|a| format!("Exists {a}")),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    leaf().prop_recursive(5, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|x| format!("NOT ({x})")),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|xs| format!("({})", xs.join(") AND ("))),
            prop::collection::vec(inner, 2..4).prop_map(|xs| format!("({})", xs.join(") OR ("))),
        ]
    })
}

fn scalar() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        "[a-c]{0,2}".prop_map(serde_json::Value::from),
        Just(json!("2024-01-01T00:00:00Z")),
        Just(json!("00000000-0000-0000-0000-000000000001")),
        (-1i64..2).prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    let maybe = |s: BoxedStrategy<serde_json::Value>| prop::option::of(s);
    (
        "[a-z*]{1,3}",
        prop::option::of("[a-z]{1,2}"),
        maybe(
            prop_oneof![
                scalar(),
                prop::collection::vec(scalar(), 0..3).prop_map(serde_json::Value::from)
            ]
            .boxed(),
        ),
        maybe(
            prop::collection::btree_map("[kK]", scalar(), 0..2)
                .prop_map(|m| json!(m))
                .boxed(),
        ),
        maybe(scalar().boxed()),
        maybe(
            prop::collection::vec(scalar(), 0..3)
                .prop_map(serde_json::Value::from)
                .boxed(),
        ),
        maybe(scalar().boxed()),
    )
        .prop_map(|(action, sub, a, tags, b, c, now)| {
            let mut resource = serde_json::Map::new();
            if let Some(a) = a {
                resource.insert("a".into(), a);
            }
            if let Some(t) = tags {
                resource.insert("Microsoft.Storage/x/blobs/tags".into(), t);
            }
            let mut r = json!({ "action": action, "resource": resource });
            if let Some(s) = sub {
                r["subOperation"] = json!(s);
            }
            if let Some(b) = b {
                r["request"] = json!({ "b": b });
            }
            if let Some(c) = c {
                r["principal"] = json!({ "c": c });
            }
            if let Some(n) = now {
                r["environment"] = json!({ "UtcNow": n });
            }
            serde_json::from_value(r).expect("generated requests are well formed")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn evaluation_fails_closed_and_formatting_keeps_decisions(text in condition(), req in request()) {
        let c: Condition = text.parse().map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        let options = EvalOptions { now: azcond::eval::parse_utc("2024-01-01T00:00:00Z").ok(), ..EvalOptions::default() };
        let ev = c.evaluate_with(&req, &options);
        if !ev.errors.is_empty() {
            prop_assert_eq!(ev.decision, Decision::Deny);
        }
        // The simple API skips the trace; it must decide exactly as the traced evaluation does.
        let traced = c.evaluate_with(&req, &EvalOptions::default());
        match c.evaluate(&req) {
            Ok(granted) => {
                prop_assert!(traced.errors.is_empty());
                prop_assert_eq!(granted, traced.decision == Decision::Allow);
            }
            // Kind and place; the message may quote `UtcNow`, read from the clock by each call.
            Err(e) => prop_assert_eq!(Some((e.kind, e.span)), traced.errors.first().map(|t| (t.kind, t.span))),
        }
        // The prepared fast path decides as the traced evaluation does, also when subtrees
        // repeat (each repeated one is decided once and remembered).
        let same = |d: Result<bool, azcond::EvalError>| match d {
            Ok(granted) => ev.errors.is_empty() && granted == (ev.decision == Decision::Allow),
            Err(e) => ev.errors.first().map(|t| t.kind) == Some(e.kind),
        };
        prop_assert!(same(c.prepare().decide(&req, &options)), "prepared: {}", text);
        let repeated: Condition = format!("(({text}) AND ({text})) OR (NOT ({text}) AND ({text}))")
            .parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert!(same(repeated.prepare().decide(&req, &options)), "repeated: {}", text);
        // Its repeated leaves share compiled comparisons; an error still names the place of the
        // occurrence evaluated, as the traced walk of the same condition does.
        if let Err(e) = repeated.prepare().decide(&req, &options) {
            let walked = repeated.evaluate_with(&req, &options);
            prop_assert_eq!(Some((e.kind, e.span)), walked.errors.first().map(|t| (t.kind, t.span)), "repeated: {}", text);
        }
        let formatted: Condition = c.to_pretty_string().parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(formatted.evaluate_with(&req, &options).decision, ev.decision);

        let double: Condition = format!("NOT NOT ({text})").parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(double.evaluate_with(&req, &options).decision, ev.decision);
        let negated: Condition = format!("NOT ({text})").parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let expected = match (ev.errors.is_empty(), ev.decision) {
            (false, _) => Decision::Deny,
            (true, Decision::Allow) => Decision::Deny,
            (true, Decision::Deny) => Decision::Allow,
        };
        prop_assert_eq!(negated.evaluate_with(&req, &options).decision, expected);
    }
}

/// StringLike by its definition: `*` any run of characters, `?` exactly one, `\*` and `\?` the
/// characters themselves, anything else itself; backtracking, so obviously right and slow.
fn like_reference(pattern: &[char], value: &[char], fold: bool) -> bool {
    let same = |a: char, b: char| {
        if fold {
            a.to_uppercase().eq(b.to_uppercase())
        } else {
            a == b
        }
    };
    match pattern {
        [] => value.is_empty(),
        ['*', rest @ ..] => (0..=value.len()).any(|i| like_reference(rest, &value[i..], fold)),
        ['?', rest @ ..] => !value.is_empty() && like_reference(rest, &value[1..], fold),
        ['\\', c @ ('*' | '?'), rest @ ..] => {
            value.first() == Some(c) && like_reference(rest, &value[1..], fold)
        }
        [c, rest @ ..] => {
            value.first().is_some_and(|v| same(*c, *v)) && like_reference(rest, &value[1..], fold)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The linear-time matcher (KMP segments, no backtracking, no allocation) agrees with the
    /// definition, ASCII and not, in both case rules, with the pattern as a literal (compiled
    /// when prepared) and as an attribute (compiled when evaluated).
    #[test]
    fn string_like_matches_its_definition(
        pattern in "[abAé*?\\\\]{0,7}",
        value in "[abAÉé*?\\\\]{0,9}",
        ignore_case in any::<bool>(),
    ) {
        let op = if ignore_case { "StringLikeIgnoreCase" } else { "StringLike" };
        let p: Vec<char> = pattern.chars().collect();
        let v: Vec<char> = value.chars().collect();
        // Simple folding is per character; none of these characters folds to several.
        let expected = like_reference(&p, &v, ignore_case);
        let request: Request = serde_json::from_value(json!({
            "action": "x", "request": {"v": value, "p": pattern}
        })).unwrap();
        let literal: Condition = format!("@Request[v] {op} '{pattern}'").parse().unwrap();
        prop_assert_eq!(literal.prepare().evaluate(&request).unwrap(), expected, "literal {}", pattern);
        let attribute: Condition = format!("@Request[v] {op} @Request[p]").parse().unwrap();
        prop_assert_eq!(attribute.evaluate(&request).unwrap(), expected, "attribute {}", pattern);
    }
}
