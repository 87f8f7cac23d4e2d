//! The semantic engine: `diff` answers as the evaluator decides, with witnesses it confirms.

use azcond::eval::{EvalOptions, MissingAttributes};
use azcond::semantic::{diff, Verdict};
use azcond::{Condition, Request};
use proptest::prelude::*;
use serde_json::json;

fn parse(text: &str) -> Condition {
    azcond::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn compare(old: &str, new: &str) -> azcond::semantic::Diff {
    diff(&parse(old), &parse(new), &EvalOptions::default()).unwrap()
}

fn seed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpus/authoring/access-levels.cond"
    ))
    .unwrap()
}

/// Every witness is a request the evaluator decides as claimed.
fn assert_witnesses(old: &str, new: &str, d: &azcond::semantic::Diff) {
    let (old, new) = (parse(old), parse(new));
    let options = EvalOptions::default();
    for w in &d.grants_more {
        let r: Request = serde_json::from_value(w.request.clone()).unwrap();
        assert_eq!(new.decide(&r, &options).ok(), Some(true), "{}", w.request);
        assert_ne!(old.decide(&r, &options).ok(), Some(true), "{}", w.request);
    }
    for w in &d.grants_less {
        let r: Request = serde_json::from_value(w.request.clone()).unwrap();
        assert_eq!(old.decide(&r, &options).ok(), Some(true), "{}", w.request);
        assert_ne!(new.decide(&r, &options).ok(), Some(true), "{}", w.request);
    }
}

#[test]
fn a_condition_is_equivalent_to_itself_and_to_its_reformatting() {
    let seed = seed();
    let d = compare(&seed, &seed);
    assert_eq!(d.verdict, Verdict::Equivalent, "{d:?}");
    let single = parse(&seed).to_single_line_string();
    assert_eq!(compare(&seed, &single).verdict, Verdict::Equivalent);
}

#[test]
fn ignoring_case_broadens_with_a_witness_in_another_case() {
    let old = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'";
    let new = old.replace("StringEquals", "StringEqualsIgnoreCase");
    let d = compare(old, &new);
    assert_eq!(d.verdict, Verdict::Broader, "{d:?}");
    assert_witnesses(old, &new, &d);
    let tags = &d.grants_more[0].request["resource"]
        ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags"];
    assert_eq!(
        tags["Project"].as_str().map(str::to_lowercase).as_deref(),
        Some("cascade")
    );
    assert_ne!(tags["Project"], "Cascade");
}

#[test]
fn integer_bounds_that_name_the_same_set_are_equivalent() {
    let d = compare(
        "@Request[n] NumericGreaterThan 5",
        "@Request[n] NumericGreaterThanEquals 6",
    );
    assert_eq!(d.verdict, Verdict::Equivalent, "{d:?}");
    let d = compare(
        "@Request[n] NumericGreaterThan 5",
        "@Request[n] NumericGreaterThanEquals 5",
    );
    assert_eq!(d.verdict, Verdict::Broader, "{d:?}");
    assert_eq!(d.grants_more[0].request["request"]["n"], 5);
}

#[test]
fn all_of_an_empty_list_holds_where_any_does_not() {
    let old = "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:p_x] ForAnyOfAnyValues:StringEquals {'a', 'b'}";
    let new = old.replace("ForAnyOfAnyValues", "ForAllOfAnyValues");
    let d = compare(old, &new);
    assert_eq!(d.verdict, Verdict::Incomparable, "{d:?}");
    assert_witnesses(old, &new, &d);
    // ForAll holds on an empty list; ForAny needs one of the values.
    let more = &d.grants_more[0].request["principal"]
        ["Microsoft.Directory/CustomSecurityAttributes/Id:p_x"];
    assert!(
        more.as_array()
            .is_some_and(|l| l.iter().all(|v| v == "a" || v == "b")),
        "{more}"
    );
}

#[test]
fn the_missing_attribute_model_changes_the_answer() {
    let old = "NOT @Resource[x] StringEquals 'a'";
    let new = "@Resource[x] StringNotEquals 'a'";
    // Model A: absent, the comparison is false, so NOT makes OLD true and NEW false.
    let d = compare(old, new);
    assert_eq!(d.verdict, Verdict::Narrower, "{d:?}");
    assert_eq!(d.grants_less[0].absent, vec!["@Resource[x]".to_string()]);
    // Model B: absent is an error either way, and both deny.
    let b = EvalOptions {
        missing: MissingAttributes::Error,
        ..EvalOptions::default()
    };
    let d = diff(&parse(old), &parse(new), &b).unwrap();
    assert_eq!(d.verdict, Verdict::Equivalent, "{d:?}");
}

#[test]
fn changing_one_literal_of_the_seed_is_found() {
    let seed = seed();
    let changed = seed.replacen("'medium'", "'Medium'", 1);
    assert_ne!(seed, changed);
    let d = compare(&seed, &changed);
    assert_ne!(d.verdict, Verdict::Equivalent, "{d:?}");
    assert_witnesses(&seed, &changed, &d);
}

// Conditions over attributes of one type each, and requests whose values have those types:
// the requests the engine's model stands for.

const TAGS: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags";

fn typed_leaf() -> impl Strategy<Value = String> {
    let s = prop::sample::select(vec!["'a'", "'b'", "'A'", "'ab'"]);
    let set = prop::sample::select(vec!["{'a', 'b'}", "{'a'}", "{'B', 'c'}"]);
    let string_op = prop::sample::select(vec![
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringStartsWith",
        "StringLike",
    ]);
    let quantified = prop::sample::select(vec![
        "ForAnyOfAnyValues:StringEquals",
        "ForAllOfAnyValues:StringEquals",
        "ForAnyOfAllValues:StringNotEquals",
        "ForAllOfAllValues:StringNotEqualsIgnoreCase",
    ]);
    let num_op = prop::sample::select(vec![
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericGreaterThanEquals",
    ]);
    prop_oneof![
        (string_op, s.clone()).prop_map(|(o, v)| format!("@Resource[a] {o} {v}")),
        (string_op_key(), s.clone())
            .prop_map(|(o, v)| format!("@Resource[{TAGS}:k<$key_case_sensitive$>] {o} {v}")),
        (num_op, -1i64..3).prop_map(|(o, n)| format!("@Request[n] {o} {n}")),
        (quantified.clone(), set.clone()).prop_map(|(o, v)| format!("@Principal[c] {o} {v}")),
        (quantified, set).prop_map(|(o, _)| format!("@Principal[c] {o} @Resource[a]")),
        Just(format!(
            "@Resource[{TAGS}&$keys$&] ForAnyOfAnyValues:StringEquals {{'k'}}"
        )),
        prop::sample::select(vec!["DateTimeGreaterThan", "DateTimeLessThanEquals"])
            .prop_map(|o| format!("@Environment[UtcNow] {o} '2025-01-01T00:00:00.0Z'")),
        prop::sample::select(vec!["'read'", "'write'"])
            .prop_map(|a| format!("ActionMatches{{{a}}}")),
        Just("SubOperationMatches{'list'}".to_string()),
        prop::sample::select(vec!["@Resource[a]", "@Request[n]", "@Principal[c]"])
            .prop_map(|a| format!("Exists {a}")),
    ]
}

fn string_op_key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
    ])
}

fn typed_condition() -> impl Strategy<Value = String> {
    typed_leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|x| format!("NOT ({x})")),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|xs| format!("({})", xs.join(") AND ("))),
            prop::collection::vec(inner, 2..4).prop_map(|xs| format!("({})", xs.join(") OR ("))),
        ]
    })
}

fn typed_request() -> impl Strategy<Value = Request> {
    let s = || prop::sample::select(vec!["a", "b", "A", "ab", "c", "B", ""]);
    (
        prop::sample::select(vec!["read", "write", "delete"]),
        prop::option::of(Just("list")),
        prop::option::of(s()),
        prop::option::of(prop::option::of(s())),
        prop::option::of(-2i64..4),
        prop::option::of(prop::collection::vec(s(), 0..3)),
        prop::sample::select(vec![
            "2024-12-31T23:59:59.9999999Z",
            "2025-01-01T00:00:00.0Z",
            "2026-01-01T00:00:00Z",
        ]),
    )
        .prop_map(|(action, sub, a, tags, n, c, now)| {
            let mut r = json!({ "action": action, "environment": { "UtcNow": now } });
            if let Some(sub) = sub {
                r["subOperation"] = json!(sub);
            }
            let mut resource = serde_json::Map::new();
            if let Some(a) = a {
                resource.insert("a".into(), json!(a));
            }
            if let Some(tags) = tags {
                let mut t = serde_json::Map::new();
                if let Some(v) = tags {
                    t.insert("k".into(), json!(v));
                }
                resource.insert(TAGS.into(), json!(t));
            }
            r["resource"] = json!(resource);
            if let Some(n) = n {
                r["request"] = json!({ "n": n });
            }
            if let Some(c) = c {
                r["principal"] = json!({ "c": c });
            }
            serde_json::from_value(r).expect("generated requests are well formed")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// No request tells two conditions apart that the engine calls equal, in either model of
    /// missing attributes; and every witness it gives is confirmed (diff errs otherwise).
    #[test]
    fn the_engine_misses_no_request_the_evaluator_tells_apart(
        old in typed_condition(),
        new in typed_condition(),
        requests in prop::collection::vec(typed_request(), 24),
        error_model in any::<bool>(),
    ) {
        let options = EvalOptions {
            missing: if error_model { MissingAttributes::Error } else { MissingAttributes::False },
            ..EvalOptions::default()
        };
        let (o, n) = (parse(&old), parse(&new));
        let d = diff(&o, &n, &options).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(d.caveats.is_empty() || old.contains("Like") || new.contains("Like") || old.contains("StartsWith") || new.contains("StartsWith"), "{:?}", d.caveats);
        if d.caveats.is_empty() {
            for r in &requests {
                let (a, b) = (o.decide(r, &options).unwrap_or(false), n.decide(r, &options).unwrap_or(false));
                if b && !a {
                    prop_assert!(!d.grants_more.is_empty(), "NEW allows and OLD denies {r:?}, but {d:?}");
                }
                if a && !b {
                    prop_assert!(!d.grants_less.is_empty(), "OLD allows and NEW denies {r:?}, but {d:?}");
                }
            }
        }
        let same = diff(&o, &o, &options).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(same.verdict, Verdict::Equivalent);
    }
}

#[test]
fn a_question_beyond_the_limits_is_refused_by_name_not_answered() {
    let seed = parse(&seed());
    let limits = azcond::semantic::Limits {
        max_nodes: 50,
        ..azcond::semantic::Limits::default()
    };
    let e =
        azcond::semantic::diff_with(&seed, &seed, &EvalOptions::default(), &limits).unwrap_err();
    assert!(
        matches!(e, azcond::semantic::SemanticError::TooComplex(_)),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("more than 50 decision-diagram nodes"),
        "{e}"
    );
}

/// Found by the `semantic` fuzz target: the keys of an attribute named like a dictionary but
/// not one the request takes as an object were written as a key's value, so the witness did
/// not hold them.
#[test]
fn keys_of_an_attribute_that_is_not_an_object_are_written_flat() {
    let old = "@Request[Microsoft.S[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tagstags:&$keys$&] ForAnyOfAnyValues:StringEquals {'Project'}";
    let new = "@Request[Microsoft.Storage/sts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'";
    let d = compare(old, new);
    assert_eq!(d.verdict, Verdict::Incomparable, "{d:?}");
    assert_witnesses(old, new, &d);
}

#[test]
fn a_value_that_must_match_a_prefix_and_a_pattern_at_once_is_found() {
    let name = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]";
    let old = format!("{name} StringStartsWithIgnoreCase 'ab' AND {name} StringLike '*yz'");
    let new = format!("{name} StringEquals 'x'");
    let d = compare(&old, &new);
    assert!(d.caveats.is_empty(), "{:?}", d.caveats);
    assert_eq!(d.verdict, Verdict::Incomparable);
    let lost = &d.grants_less[0].request["resource"]
        [name.trim_start_matches("@Resource[").trim_end_matches(']')];
    let lost = lost.as_str().unwrap();
    assert!(
        lost.to_lowercase().starts_with("ab") && lost.ends_with("yz"),
        "{lost}"
    );
    assert_witnesses(&old, &new, &d);
}

#[test]
fn actions_two_wildcards_both_match_are_found() {
    let old = "ActionMatches{'Microsoft.Storage/*/read'} AND ActionMatches{'*/blobs/*'}";
    let new = "ActionMatches{'Microsoft.Storage/storageAccounts/read'}";
    let d = compare(old, new);
    assert!(d.caveats.is_empty(), "{:?}", d.caveats);
    // Old allows an action under both patterns, which new does not.
    assert!(!d.grants_less.is_empty(), "{d:#?}");
    assert_witnesses(old, new, &d);
}
