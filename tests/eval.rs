//! Evaluation semantics: the documented vectors (language-notes §3 and §8.3), each operator
//! family, quantifiers and empty lists, missing attributes, GUID and date-time forms, the
//! delegation pattern, fail-closed errors, and the request JSON.

use azcond::eval::{
    parse_utc, Decision, EvalErrorKind, EvalOptions, Evaluation, MissingAttributes,
};
use azcond::request::Request;
use azcond::span::Span;
use azcond::Condition;
use serde_json::{json, Value};

const BLOBS: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs";
const READ: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";

fn request(v: Value) -> Request {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("bad test request: {e}"))
}

fn run(cond: &str, req: Value, options: EvalOptions) -> Evaluation {
    let c: Condition = cond
        .parse()
        .unwrap_or_else(|e| panic!("bad test condition: {e}"));
    c.evaluate_with(&request(req), &options)
}

/// The decision with default options, asserting there was no error.
fn allows(cond: &str, req: Value) -> bool {
    let ev = run(cond, req, EvalOptions::default());
    assert!(ev.errors.is_empty(), "unexpected error: {:?}", ev.errors);
    ev.decision == Decision::Allow
}

/// A request for `action` with one resource attribute.
fn with_resource(action: &str, name: &str, value: Value) -> Value {
    json!({ "action": action, "resource": { name: value } })
}

fn literal(cond: &str) -> bool {
    allows(cond, json!({ "action": "x" }))
}

// ---- §3.4 quantifier table (E2) ----

#[test]
fn documented_quantifier_vectors() {
    assert!(literal(
        "{'red', 'blue'} ForAnyOfAnyValues:StringEquals {'blue', 'green'}"
    ));
    assert!(!literal(
        "{'red', 'blue'} ForAnyOfAnyValues:StringEquals {'orange', 'green'}"
    ));
    assert!(literal(
        "{'red', 'blue'} ForAllOfAnyValues:StringEquals {'orange', 'red', 'blue'}"
    ));
    assert!(!literal(
        "{'red', 'blue'} ForAllOfAnyValues:StringEquals {'red', 'green'}"
    ));
    assert!(literal(
        "{10, 20} ForAnyOfAllValues:NumericLessThan {15, 18}"
    ));
    assert!(!literal(
        "{10, 20} ForAllOfAllValues:NumericLessThan {5, 15, 18}"
    ));
    assert!(literal(
        "{10, 20} ForAllOfAllValues:NumericLessThan {25, 30}"
    ));
    assert!(!literal(
        "{10, 20} ForAllOfAllValues:NumericLessThan {15, 25, 30}"
    ));
}

#[test]
fn encryption_scope_is_one_of_a_set() {
    let cond = "@Resource[Microsoft.Storage/storageAccounts/encryptionScopes:name] ForAnyOfAnyValues:StringEquals {'validScope1', 'validScope2'}";
    let name = "Microsoft.Storage/storageAccounts/encryptionScopes:name";
    assert!(allows(
        cond,
        with_resource(READ, name, json!("validScope2"))
    ));
    assert!(!allows(cond, with_resource(READ, name, json!("other"))));
}

#[test]
fn quantifiers_over_an_empty_list() {
    let keys = format!("@Request[{BLOBS}/tags&$keys$&]");
    let empty = json!({ "action": "x", "request": { format!("{BLOBS}/tags"): {} } });
    for (q, expected) in [
        ("ForAnyOfAnyValues", false),
        ("ForAnyOfAllValues", false),
        ("ForAllOfAnyValues", true),
        ("ForAllOfAllValues", true),
    ] {
        let cond = format!("{keys} {q}:StringEquals {{'Project'}}");
        assert_eq!(allows(&cond, empty.clone()), expected, "{q}");
    }
}

#[test]
fn not_operators_are_pairwise() {
    // E5: literal semantics make ForAnyOfAnyValues:GuidNotEquals true for any role when the
    // set has two distinct values.
    let set = "{8e3af657-a8ff-443c-a75c-2fe8c4bcb635, f58310d9-a9f6-439a-9e8d-f62e7b41a168, 18d7d88d-d35e-4fb5-a5c3-7773c20a72d9}";
    let attr = "Microsoft.Authorization/roleAssignments:RoleDefinitionId";
    let req = |role: &str| json!({ "action": "Microsoft.Authorization/roleAssignments/write", "request": { attr: role } });
    let all_values = format!("@Request[{attr}] ForAnyOfAllValues:GuidNotEquals {set}");
    let any_values = format!("@Request[{attr}] ForAnyOfAnyValues:GuidNotEquals {set}");
    assert!(allows(
        &all_values,
        req("acdd72a7-3385-48ef-bd42-f606fba81ae7")
    ));
    assert!(!allows(
        &all_values,
        req("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    ));
    assert!(allows(
        &any_values,
        req("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    ));
}

#[test]
fn plain_operator_with_a_multi_valued_operand_is_false() {
    let name = format!("{BLOBS}/tags&$keys$&");
    let cond = format!("@Resource[{name}] StringEquals 'Project'");
    let tags = json!({ "action": "x", "resource": { format!("{BLOBS}/tags"): { "Project": "a", "Mode": "b" } } });
    assert!(!allows(&cond, tags));
    assert!(!literal("{'a', 'b'} StringEquals 'a'"));
    assert!(
        literal("{'a'} StringEquals 'a'"),
        "a one-value set is that value"
    );
}

// ---- ActionMatches and SubOperationMatches (E1) ----

#[test]
fn action_matches_documented_vectors() {
    let write = json!({ "action": "Microsoft.Authorization/roleAssignments/write" });
    assert!(allows(
        "ActionMatches{'Microsoft.Authorization/roleAssignments/*'}",
        write.clone()
    ));
    assert!(!allows(
        "ActionMatches{'Microsoft.Authorization/roleDefinitions/*'}",
        write
    ));
    assert!(allows(
        &format!("ActionMatches{{'{READ}'}}"),
        json!({ "action": READ })
    ));
}

#[test]
fn action_matches_ignores_case_and_is_anchored() {
    assert!(allows(
        &format!("ActionMatches{{'{}'}}", READ.to_uppercase()),
        json!({ "action": READ })
    ));
    assert!(!allows(
        "ActionMatches{'Microsoft.Storage/*/read'}",
        json!({ "action": format!("{READ}x") })
    ));
    assert!(allows(
        "ActionMatches{'Microsoft.Storage/*/read'}",
        json!({ "action": READ })
    ));
}

#[test]
fn sub_operation_matches_any_carried_suboperation_ignoring_case() {
    let cond = "SubOperationMatches{'Blob.List'}";
    assert!(allows(
        cond,
        json!({ "action": READ, "subOperation": "blob.list" })
    ));
    assert!(allows(
        cond,
        json!({ "action": READ, "subOperation": ["Other", "Blob.List"] })
    ));
    assert!(!allows(cond, json!({ "action": READ })));
}

#[test]
fn legacy_request_suboperation_attribute_reads_the_suboperations() {
    let cond = format!("!(ActionMatches{{'{READ}'}} AND @Request[subOperation] ForAnyOfAnyValues:StringEqualsIgnoreCase {{'Blob.Read.WithTagConditions'}})");
    assert!(allows(&cond, json!({ "action": READ })));
    assert!(!allows(
        &cond,
        json!({ "action": READ, "subOperation": "Blob.Read.WithTagConditions" })
    ));
}

// ---- operator families ----

fn string_op(op: &str, left: &str, right: &str) -> bool {
    let cond = format!("@Resource[Microsoft.KeyVault/vaults/secrets:name] {op} '{right}'");
    allows(
        &cond,
        with_resource("x", "Microsoft.KeyVault/vaults/secrets:name", json!(left)),
    )
}

#[test]
fn string_operators() {
    let table = [
        ("StringEquals", "abc", "abc", true),
        ("StringEquals", "abc", "ABC", false),
        ("StringEqualsIgnoreCase", "abc", "ABC", true),
        ("StringNotEquals", "abc", "ABC", true),
        ("StringNotEquals", "abc", "abc", false),
        ("StringNotEqualsIgnoreCase", "abc", "ABC", false),
        ("StringStartsWith", "test-app-secret1", "test-app", true),
        ("StringStartsWith", "Test-App-Secret1", "test-app", false),
        (
            "StringStartsWithIgnoreCase",
            "backendsvc/containers",
            "backend",
            true,
        ),
        (
            "StringStartsWithIgnoreCase",
            "backendsvc/containers",
            "backend/",
            false,
        ),
        ("StringNotStartsWith", "abc", "ab", false),
        ("StringNotStartsWithIgnoreCase", "abc", "AB", false),
        ("StringLike", "abcd", "a*c?", true),
        ("StringLike", "abcd", "A*C?", false),
        ("StringLike", "abcd", "a*c", false),
        ("StringLikeIgnoreCase", "abcd", "A*C?", true),
        ("StringNotLike", "abcd", "a*c", true),
        ("StringNotLikeIgnoreCase", "abcd", "A*", false),
        ("StringLike", "a*", "a\\*", true),
        ("StringLike", "ab", "a\\*", false),
        ("StringEquals", "", "", true),
    ];
    for (op, left, right, expected) in table {
        assert_eq!(
            string_op(op, left, right),
            expected,
            "'{left}' {op} '{right}'"
        );
    }
}

#[test]
fn numeric_operators() {
    let attr = "Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level";
    let cases = [
        ("NumericEquals", 5, 5, true),
        ("NumericNotEquals", 5, 5, false),
        ("NumericGreaterThan", 6, 5, true),
        ("NumericGreaterThan", 5, 5, false),
        ("NumericGreaterThanEquals", 5, 5, true),
        ("NumericLessThan", -1, 0, true),
        ("NumericLessThanEquals", 6, 5, false),
    ];
    for (op, left, right, expected) in cases {
        let cond = format!("@Principal[{attr}] {op} {right}");
        let req = json!({ "action": "x", "principal": { attr: left } });
        assert_eq!(allows(&cond, req), expected, "{left} {op} {right}");
    }
}

#[test]
fn bool_operators() {
    let attr = "Microsoft.Storage/storageAccounts:isHnsEnabled";
    assert!(allows(
        &format!("@Resource[{attr}] BoolEquals true"),
        with_resource("x", attr, json!(true))
    ));
    assert!(!allows(
        &format!("@Resource[{attr}] BoolEquals true"),
        with_resource("x", attr, json!(false))
    ));
    assert!(allows(
        &format!("@Resource[{attr}] BoolNotEquals true"),
        with_resource("x", attr, json!(false))
    ));
    assert!(allows(
        &format!("@Resource[{attr}] BoolEquals true"),
        with_resource("x", attr, json!("True"))
    ));
}

#[test]
fn datetime_operators_at_one_tick() {
    let version = format!("{BLOBS}:versionId");
    let req = |v: &str| json!({ "action": "x", "request": { version.clone(): v } });
    let at = "'2022-06-01T23:38:32.8883645Z'";
    let cmp = |op: &str, v: &str| allows(&format!("@Request[{version}] {op} {at}"), req(v));
    assert!(cmp("DateTimeEquals", "2022-06-01T23:38:32.8883645Z"));
    assert!(!cmp("DateTimeEquals", "2022-06-01T23:38:32.8883646Z"));
    assert!(cmp("DateTimeNotEquals", "2022-06-01T23:38:32.8883646Z"));
    assert!(cmp("DateTimeGreaterThan", "2022-06-01T23:38:32.8883646Z"));
    assert!(!cmp("DateTimeGreaterThan", "2022-06-01T23:38:32.8883645Z"));
    assert!(cmp(
        "DateTimeGreaterThanEquals",
        "2022-06-01T23:38:32.8883645Z"
    ));
    assert!(cmp("DateTimeLessThan", "2022-06-01T23:38:32.8883644Z"));
    assert!(cmp(
        "DateTimeLessThanEquals",
        "2022-06-01T23:38:32.8883645Z"
    ));
    assert!(!cmp(
        "DateTimeLessThanEquals",
        "2022-06-01T23:38:32.8883646Z"
    ));
    // Fewer fraction digits are the same instant.
    assert!(allows(
        &format!("@Request[{version}] DateTimeEquals '2022-06-01T00:00:00.0Z'"),
        req("2022-06-01T00:00:00.0000000Z")
    ));
}

#[test]
fn leaves_alike_at_both_ends_are_not_taken_for_one() {
    // Compiling finds repeated leaves by a hash of each text's length and first and last
    // eight bytes; two names that differ only in the middle share that hash, and must still
    // be decided apart (with a repeated leaf too, so that the memo is in play).
    let tag = |k: &str| format!("@Resource[{BLOBS}/tags:{k}<$key_case_sensitive$>]");
    // Twenty bytes each: the same first eight and last eight.
    let (a, b) = ("project_1111_tagname", "project_2222_tagname");
    let cond = format!(
        "({} StringEquals 'x' AND {} StringEquals 'x') OR ({} StringEquals 'x' AND {} StringEquals 'x')",
        tag(a),
        tag(a),
        tag(b),
        tag(b)
    );
    let req =
        |k: &str| json!({ "action": READ, "resource": { format!("{BLOBS}/tags"): { k: "x" } } });
    assert!(allows(&cond, req(b)));
    assert!(allows(&cond, req(a)));
    assert!(!allows(&cond, req("project_3333_tagname")));
    let prepared: Condition = cond.parse().unwrap();
    let prepared = prepared.prepare();
    assert!(prepared.evaluate(&request(req(b))).unwrap());
    assert!(!prepared
        .evaluate(&request(req("project_3333_tagname")))
        .unwrap());
}

#[test]
fn an_error_in_a_repeated_comparison_points_at_the_occurrence_evaluated() {
    // Comparisons written alike are compiled once; the first occurrence here is skipped, so
    // the error, and the missing list, must name the second one's place, not the first's.
    let leaf = "@Resource[n] NumericEquals 5";
    let cond = format!("ActionMatches{{'other'}} AND {leaf} OR {leaf}");
    let second = cond.rfind(leaf).unwrap();
    let operand = Span::new(second, second + "@Resource[n]".len());
    let c: Condition = cond.parse().unwrap();
    let prepared = c.prepare();
    let not_a_number = request(json!({ "action": READ, "resource": { "n": "abc" } }));
    let ev = c.evaluate_with(&not_a_number, &EvalOptions::default());
    assert_eq!(ev.decision, Decision::Deny);
    assert_eq!(ev.errors[0].kind, EvalErrorKind::InvalidValue);
    assert_eq!(ev.errors[0].span, operand);
    let fast = prepared.evaluate(&not_a_number).unwrap_err();
    assert_eq!(fast.span, operand);
    let options = EvalOptions {
        missing: MissingAttributes::Error,
        ..EvalOptions::default()
    };
    let missing = request(json!({ "action": READ }));
    let ev = c.evaluate_with(&missing, &options);
    assert_eq!(ev.errors[0].kind, EvalErrorKind::MissingAttribute);
    assert_eq!(ev.errors[0].span, operand);
    assert_eq!(ev.missing[0].span, operand);
    assert_eq!(
        prepared.decide(&missing, &options).unwrap_err().span,
        operand
    );
}

#[test]
fn a_request_date_time_is_read_once_but_stays_its_text() {
    // The request reads a date-time-shaped string when it is built; string operators still
    // see the text as given, date-time operators the instant, and messages quote the text.
    let req = || json!({ "action": "x", "request": { "t": "2030-01-01T10:00:00.0Z" } });
    assert!(allows(
        "@Request[t] DateTimeEquals '2030-01-01T10:00:00Z'",
        req()
    ));
    assert!(allows(
        "@Request[t] StringEquals '2030-01-01T10:00:00.0Z'",
        req()
    ));
    assert!(!allows(
        "@Request[t] StringEquals '2030-01-01T10:00:00Z'",
        req()
    ));
    assert!(allows("@Request[t] StringStartsWith '2030-01'", req()));
    let ev = run("@Request[t] NumericEquals 5", req(), EvalOptions::default());
    assert_eq!(ev.decision, Decision::Deny);
    let message = &ev.errors.first().expect("an integer error").message;
    assert!(message.contains("'2030-01-01T10:00:00.0Z'"), "{message}");
    // A string that is not a date-time is an error to a date-time operator, read or not.
    let ev = run(
        "@Request[t] DateTimeEquals '2030-01-01T10:00:00Z'",
        json!({ "action": "x", "request": { "t": "2030-01-01" } }),
        EvalOptions::default(),
    );
    assert_eq!(ev.decision, Decision::Deny);
    assert!(!ev.errors.is_empty());
}

#[test]
fn utc_now_at_one_tick() {
    // E8: the clock pinned to the boundary and one tick after it.
    let cond = "@Environment[UtcNow] DateTimeGreaterThan '2023-05-01T13:00:00.0Z'";
    let at = |t: &str| {
        run(
            cond,
            json!({ "action": "x" }),
            EvalOptions {
                now: Some(parse_utc(t).unwrap()),
                ..EvalOptions::default()
            },
        )
        .decision
    };
    assert_eq!(at("2023-05-01T13:00:00.0000000Z"), Decision::Deny);
    assert_eq!(at("2023-05-01T13:00:00.0000001Z"), Decision::Allow);
    // A time in the request wins over the clock.
    let ev = run(
        cond,
        json!({ "action": "x", "environment": { "UtcNow": "2023-05-01T13:00:00.0000001Z" } }),
        EvalOptions {
            now: Some(parse_utc("2000-01-01T00:00:00Z").unwrap()),
            ..EvalOptions::default()
        },
    );
    assert_eq!(ev.decision, Decision::Allow);
}

#[test]
fn guid_operators_compare_values_in_any_form() {
    let attr = "Microsoft.Authorization/roleAssignments:PrincipalId";
    let cond = format!("@Request[{attr}] GuidEquals 28c35fea-2099-4cf5-8ad9-473547bc9423");
    for written in [
        "28c35fea-2099-4cf5-8ad9-473547bc9423",
        "28C35FEA-2099-4CF5-8AD9-473547BC9423",
        "28c35fea20994cf58ad9473547bc9423",
    ] {
        let req = json!({ "action": "x", "request": { attr: written } });
        assert!(allows(&cond, req), "{written}");
    }
    let other =
        json!({ "action": "x", "request": { attr: "86951b8b-723a-407b-a74a-1bca3f0c95d0" } });
    assert!(!allows(&cond, other.clone()));
    assert!(allows(&cond.replace("GuidEquals", "GuidNotEquals"), other));
    // A quoted GUID is still compared as a GUID.
    let quoted = format!("@Request[{attr}] GuidEquals '28C35FEA20994CF58AD9473547BC9423'");
    assert!(allows(
        &quoted,
        json!({ "action": "x", "request": { attr: "28c35fea-2099-4cf5-8ad9-473547bc9423" } })
    ));
}

// ---- attributes and dictionaries ----

#[test]
fn attribute_names_ignore_case_but_tag_keys_do_not() {
    let cond =
        format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'");
    let tags = |k: &str| json!({ "action": READ, "resource": { format!("{}/TAGS", BLOBS.to_lowercase()): { k: "Cascade" } } });
    assert!(allows(&cond, tags("Project")));
    assert!(!allows(&cond, tags("project")));
}

#[test]
fn tag_dictionary_flat_form_is_the_same() {
    let cond = format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade' AND @Resource[{BLOBS}/tags&$keys$&] ForAllOfAnyValues:StringEquals {{'Project', 'Program'}}");
    let flat = json!({ "action": READ, "resource": {
        format!("{BLOBS}/tags:Project<$key_case_sensitive$>"): "Cascade",
        format!("{BLOBS}/tags:Program<$key_case_sensitive$>"): "Alpine",
    }});
    assert!(allows(&cond, flat));
    let keys_given = json!({ "action": READ, "resource": {
        format!("{BLOBS}/tags:Project<$key_case_sensitive$>"): "Cascade",
        format!("{BLOBS}/tags&$keys$&"): ["Project", "Mode"],
    }});
    assert!(!allows(&cond, keys_given));
}

#[test]
fn tag_key_governance_e11() {
    let cond = format!(
        "@Request[{BLOBS}/tags&$keys$&] ForAllOfAnyValues:StringEquals {{'Project', 'Program'}}"
    );
    let with = |tags: Value| json!({ "action": format!("{BLOBS}/tags/write"), "request": { format!("{BLOBS}/tags"): tags } });
    assert!(allows(
        &cond,
        with(json!({ "Project": "a", "Program": "b" }))
    ));
    assert!(!allows(&cond, with(json!({ "Mode": "a" }))));
    assert!(allows(&cond, with(json!({}))));
}

#[test]
fn exists_sees_presence() {
    let snapshot = format!("{BLOBS}:snapshot");
    let cond = format!("Exists @Request[{snapshot}]");
    assert!(allows(
        &cond,
        json!({ "action": READ, "request": { snapshot.clone(): "2022-06-01T00:00:00Z" } })
    ));
    assert!(!allows(&cond, json!({ "action": READ })));
    assert!(allows(&format!("NOT {cond}"), json!({ "action": READ })));
    assert!(
        allows("Exists @Environment[UtcNow]", json!({ "action": READ })),
        "the clock supplies UtcNow"
    );
}

// ---- missing attributes ----

#[test]
fn missing_attribute_makes_every_comparison_false_under_model_a() {
    let name = format!("{BLOBS}/tags:Project<$key_case_sensitive$>");
    for op in [
        "StringEquals",
        "StringNotEquals",
        "ForAnyOfAnyValues:StringNotEquals",
        "ForAllOfAllValues:StringEquals",
    ] {
        let cond = format!("@Resource[{name}] {op} {{'Cascade'}}");
        let ev = run(&cond, json!({ "action": READ }), EvalOptions::default());
        assert_eq!(ev.decision, Decision::Deny, "{op}");
        assert!(ev.errors.is_empty());
        assert_eq!(ev.missing.len(), 1);
        assert_eq!(ev.missing[0].to_string(), format!("@Resource[{name}]"));
    }
    let negated = format!("NOT @Resource[{name}] StringEquals 'Cascade'");
    assert_eq!(
        run(&negated, json!({ "action": READ }), EvalOptions::default()).decision,
        Decision::Allow
    );
}

#[test]
fn missing_attribute_is_an_error_under_model_b() {
    let name = format!("{BLOBS}/tags:Project<$key_case_sensitive$>");
    let negated = format!("NOT @Resource[{name}] StringEquals 'Cascade'");
    let options = EvalOptions {
        missing: MissingAttributes::Error,
        ..EvalOptions::default()
    };
    let ev = run(&negated, json!({ "action": READ }), options);
    assert_eq!(ev.decision, Decision::Deny);
    assert_eq!(ev.errors[0].kind, EvalErrorKind::MissingAttribute);
    assert_eq!(ev.missing.len(), 1);
}

#[test]
fn short_circuit_skips_what_is_not_needed() {
    let cond = format!("ActionMatches{{'{READ}'}} OR @Resource[x] GuidEquals 'not-a-guid'");
    let ev = run(
        &cond,
        json!({ "action": READ, "resource": { "x": "also-not" } }),
        EvalOptions::default(),
    );
    assert_eq!(ev.decision, Decision::Allow);
    assert!(ev.trace.iter().all(|s| !s.node.contains("GuidEquals")));
}

// ---- fail closed ----

#[test]
fn an_error_denies_even_under_not() {
    let attr = "Microsoft.Authorization/roleAssignments:RoleDefinitionId";
    for (op, cond) in [
        (
            "GuidEquals",
            format!("@Request[{attr}] GuidEquals b24988ac-6180-42a0-ab88-20f7382dd24c"),
        ),
        (
            "GuidEquals",
            format!("NOT @Request[{attr}] GuidEquals b24988ac-6180-42a0-ab88-20f7382dd24c"),
        ),
        (
            "GuidNotEquals",
            format!("NOT NOT @Request[{attr}] GuidNotEquals b24988ac-6180-42a0-ab88-20f7382dd24c"),
        ),
    ] {
        let ev = run(
            &cond,
            json!({ "action": "x", "request": { attr: "Reader" } }),
            EvalOptions::default(),
        );
        assert_eq!(ev.decision, Decision::Deny, "{cond}");
        let e = &ev.errors[0];
        assert_eq!(e.kind, EvalErrorKind::InvalidValue);
        assert!(
            e.message.contains("'Reader'")
                && e.message.contains(attr)
                && e.message.contains(&format!("`{op}`")),
            "{}",
            e.message
        );
        let c: Condition = cond.parse().unwrap();
        assert!(c
            .evaluate(&request(
                json!({ "action": "x", "request": { attr: "Reader" } })
            ))
            .is_err());
    }
}

#[test]
fn type_clashes_and_bad_literals_deny_with_an_error() {
    let cases = [
        (
            "@Resource[a] StringEquals 'x'",
            json!({ "action": "x", "resource": { "a": 5 } }),
        ),
        (
            "@Resource[a] NumericEquals 5",
            json!({ "action": "x", "resource": { "a": "five" } }),
        ),
        (
            "@Resource[a] DateTimeLessThan '2022-13-01T00:00:00Z'",
            json!({ "action": "x", "resource": { "a": "2022-01-01T00:00:00Z" } }),
        ),
        (
            "@Resource[a] BoolEquals true",
            json!({ "action": "x", "resource": { "a": "yes" } }),
        ),
        (
            "@Resource[a] StringEquals 'x'",
            json!({ "action": "x", "resource": { "Microsoft.Storage/x/blobs/tags": { "k": "v" }, "a": { "k": "v" } } }),
        ),
    ];
    for (cond, req) in cases {
        let c: Condition = cond.parse().unwrap();
        match serde_json::from_value::<Request>(req) {
            Ok(r) => {
                let ev = c.evaluate_with(&r, &EvalOptions::default());
                assert_eq!(ev.decision, Decision::Deny, "{cond}");
                assert_eq!(ev.errors.len(), 1, "{cond}");
            }
            Err(e) => assert!(e.to_string().contains("only `…/blobs/tags`"), "{e}"),
        }
    }
}

// ---- documented scenarios ----

#[test]
fn private_link_truth_table_e3() {
    let cond = format!("((!(ActionMatches{{'{READ}'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR ((@Resource[{BLOBS}/tags:sensitivity<$key_case_sensitive$>] StringEquals 'high' AND @Environment[isPrivateLink] BoolEquals true) OR @Resource[{BLOBS}/tags:sensitivity<$key_case_sensitive$>] StringNotEquals 'high'))");
    let req = |s: &str, link: bool| json!({ "action": READ, "resource": { format!("{BLOBS}/tags"): { "sensitivity": s } }, "environment": { "isPrivateLink": link } });
    assert!(allows(&cond, req("high", true)));
    assert!(!allows(&cond, req("high", false)));
    assert!(allows(&cond, req("low", true)));
    assert!(allows(&cond, req("low", false)));
    assert!(!allows(
        &cond,
        json!({ "action": READ, "environment": { "isPrivateLink": true } })
    ));
    assert!(
        allows(
            &cond,
            json!({ "action": READ, "subOperation": "Blob.List" })
        ),
        "listing is not restricted"
    );
}

const DELEGATION: &str = "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912}))";

#[test]
fn delegation_constrain_roles_e4() {
    let role = "Microsoft.Authorization/roleAssignments:RoleDefinitionId";
    let write = |r: &str| json!({ "action": "Microsoft.Authorization/roleAssignments/write", "request": { role: r } });
    let delete = |r: &str| json!({ "action": "Microsoft.Authorization/roleAssignments/delete", "resource": { role: r } });
    assert!(allows(
        DELEGATION,
        write("5e467623-bb1f-42f4-a55d-6e525e11384b")
    ));
    assert!(!allows(
        DELEGATION,
        write("b24988ac-6180-42a0-ab88-20f7382dd24c")
    ));
    assert!(allows(
        DELEGATION,
        delete("a795c7a0-d4a2-40c1-ae25-d81f01202912")
    ));
    assert!(!allows(
        DELEGATION,
        delete("b24988ac-6180-42a0-ab88-20f7382dd24c")
    ));
    assert!(allows(
        DELEGATION,
        json!({ "action": "Microsoft.Resources/subscriptions/resourceGroups/read" })
    ));
    assert!(allows(
        DELEGATION,
        write("5E467623BB1F42F4A55D6E525E11384B")
    ));
    // The write path has no @Resource attributes: the delete clause must not break it.
    let ev = run(
        DELEGATION,
        write("5e467623-bb1f-42f4-a55d-6e525e11384b"),
        EvalOptions {
            missing: MissingAttributes::Error,
            ..EvalOptions::default()
        },
    );
    assert_eq!(ev.decision, Decision::Allow, "{:?}", ev.errors);
}

#[test]
fn tag_and_path_e9() {
    let cond = format!("((!(ActionMatches{{'{READ}'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR (@Resource[{BLOBS}/tags:Program<$key_case_sensitive$>] StringEquals 'Alpine')) AND ((!(ActionMatches{{'{READ}'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR (@Resource[{BLOBS}:path] StringLike 'logs*'))");
    let req = |path: &str, program: &str| json!({ "action": READ, "resource": { format!("{BLOBS}:path"): path, format!("{BLOBS}/tags"): { "Program": program } } });
    assert!(allows(&cond, req("logs/AlpineFile.txt", "Alpine")));
    assert!(!allows(&cond, req("AlpineFile.txt", "Alpine")));
    assert!(!allows(&cond, req("logsAlpine.txt", "Baker")));
}

#[test]
fn versions_e10() {
    let cond = format!("@Request[{BLOBS}:versionId] DateTimeEquals '2022-06-01T23:38:32.8883645Z' OR @Resource[{BLOBS}:isCurrentVersion] BoolEquals true");
    assert!(allows(
        &cond,
        json!({ "action": READ, "resource": { format!("{BLOBS}:isCurrentVersion"): true } })
    ));
    assert!(allows(
        &cond,
        json!({ "action": READ, "request": { format!("{BLOBS}:versionId"): "2022-06-01T23:38:32.8883645Z" }, "resource": { format!("{BLOBS}:isCurrentVersion"): false } })
    ));
    assert!(!allows(
        &cond,
        json!({ "action": READ, "request": { format!("{BLOBS}:versionId"): "2022-06-01T23:38:32.0000000Z" }, "resource": { format!("{BLOBS}:isCurrentVersion"): false } })
    ));
}

#[test]
fn principal_attribute_compared_with_a_tag() {
    let cond = format!("@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Project] StringEquals @Resource[{BLOBS}/tags:Project<$key_case_sensitive$>]");
    let req = |p: &str, t: &str| json!({ "action": READ, "principal": { "Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Project": p }, "resource": { format!("{BLOBS}/tags"): { "Project": t } } });
    assert!(allows(&cond, req("Baker", "Baker")));
    assert!(!allows(&cond, req("Baker", "Cascade")));
    // Multi-valued principal attribute, quantified the other way round (BEX).
    let multi = format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>] ForAnyOfAnyValues:StringEquals @Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Project]");
    let req = json!({ "action": READ, "principal": { "Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Project": ["Alpine", "Baker"] }, "resource": { format!("{BLOBS}/tags"): { "Project": "Baker" } } });
    assert!(allows(&multi, req));
}

// ---- the seed access-level example ----

fn seed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpus/authoring/access-levels.cond"
    ))
    .unwrap()
}

fn seed_read(level: Option<&str>, reader: Option<&str>, now: &str) -> Decision {
    let mut req = json!({ "action": READ, "environment": { "UtcNow": now } });
    if let Some(level) = level {
        req["resource"] = json!({ format!("{BLOBS}/tags"): { "access_level": level } });
    }
    if let Some(reader) = reader {
        req["principal"] = json!({ "Microsoft.Directory/CustomSecurityAttributes/Id:organization_accesslevel": reader });
    }
    run(&seed(), req, EvalOptions::default()).decision
}

#[test]
fn seed_example_behaves_as_its_author_describes() {
    use Decision::{Allow, Deny};
    let inside = "2030-01-01T10:00:00.0Z";
    let before = "2025-06-09T12:00:00.0Z";
    // Untagged blobs: everyone, even readers without the attribute.
    assert_eq!(seed_read(None, None, inside), Allow);
    assert_eq!(seed_read(None, Some("low"), inside), Allow);
    let table = [
        // (tag, reader, inside the window, outside it)
        ("low", "low", Allow, Allow),
        ("low", "medium", Allow, Allow),
        ("low", "high", Allow, Allow),
        ("medium", "low", Deny, Deny),
        ("medium", "medium", Allow, Allow),
        ("medium", "high", Allow, Allow),
        ("high", "low", Deny, Deny),
        ("high", "medium", Deny, Deny),
        ("high", "high", Allow, Deny),
    ];
    for (tag, reader, in_window, out_of_window) in table {
        assert_eq!(
            seed_read(Some(tag), Some(reader), inside),
            in_window,
            "{tag} read by {reader} inside"
        );
        assert_eq!(
            seed_read(Some(tag), Some(reader), before),
            out_of_window,
            "{tag} read by {reader} at the window's start"
        );
    }
    // Tagged blobs and a reader without the attribute.
    assert_eq!(seed_read(Some("low"), None, inside), Deny);
    // Tag values and keys are case-sensitive.
    assert_eq!(seed_read(Some("High"), Some("high"), inside), Deny);
    let other_case = json!({ "action": READ, "resource": { format!("{BLOBS}/tags"): { "Access_Level": "high" } }, "environment": { "UtcNow": inside } });
    assert_eq!(
        run(&seed(), other_case, EvalOptions::default()).decision,
        Allow,
        "another key is not access_level: untagged"
    );
}

#[test]
fn seed_example_window_edges_to_the_tick() {
    use Decision::{Allow, Deny};
    assert_eq!(
        seed_read(Some("high"), Some("high"), "2025-06-09T12:00:00.0000000Z"),
        Deny
    );
    assert_eq!(
        seed_read(Some("high"), Some("high"), "2025-06-09T12:00:00.0000001Z"),
        Allow
    );
    assert_eq!(
        seed_read(Some("high"), Some("high"), "2045-06-09T20:59:59.9999999Z"),
        Allow
    );
    assert_eq!(
        seed_read(Some("high"), Some("high"), "2045-06-09T21:00:00.0000000Z"),
        Deny
    );
}

#[test]
fn seed_example_does_not_restrict_listing_or_writing() {
    for req in [
        json!({ "action": READ, "subOperation": "Blob.List" }),
        json!({ "action": format!("{BLOBS}/write"), "resource": { format!("{BLOBS}/tags"): { "access_level": "high" } } }),
    ] {
        assert_eq!(
            run(&seed(), req, EvalOptions::default()).decision,
            Decision::Allow
        );
    }
}

#[test]
fn seed_example_pasted_decides_the_same() {
    let pasted = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpus/authoring/access-levels-pasted.cond"
    ))
    .unwrap();
    let req = json!({ "action": READ, "resource": { format!("{BLOBS}/tags"): { "access_level": "medium" } }, "principal": { "Microsoft.Directory/CustomSecurityAttributes/Id:organization_accesslevel": "medium" } });
    assert_eq!(
        run(&pasted, req.clone(), EvalOptions::default()).decision,
        Decision::Allow
    );
    assert_eq!(
        run(&seed(), req, EvalOptions::default()).decision,
        Decision::Allow
    );
}

// ---- the request JSON ----

fn request_error(v: Value) -> String {
    match serde_json::from_value::<Request>(v) {
        Ok(r) => panic!("should be rejected: {r:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn request_rejects_unknown_fields_and_bad_values() {
    assert!(request_error(json!({ "action": "x", "resources": {} }))
        .contains("unknown field `resources`"));
    assert!(request_error(json!({ "resource": {} })).contains("missing field `action`"));
    assert!(
        request_error(json!({ "action": "x", "resource": { "a": null } }))
            .contains("attribute `a` is null")
    );
    assert!(
        request_error(json!({ "action": "x", "resource": { "a": 1.5 } }))
            .contains("not a 64-bit integer")
    );
    assert!(
        request_error(json!({ "action": "x", "resource": { "a": 1, "A": 2 } }))
            .contains("given twice")
    );
    assert!(
        request_error(json!({ "action": "x", "resource": { "a": [[1]] } }))
            .contains("must be strings, integers or booleans")
    );
    assert!(
        request_error(json!({ "action": "x", "resource": { "a": { "k": "v" } } }))
            .contains("only `…/blobs/tags`")
    );
    assert!(request_error(json!({ "action": "x", "subOperation": 5 }))
        .contains("`subOperation` must be"));
    assert!(
        request_error(json!({ "action": "x", "resource": { "t/blobs/tags:P<$>": "v" } }))
            .contains("attribute `t/blobs/tags:P<$>`")
    );
}

#[test]
fn container_metadata_is_a_dictionary_with_case_insensitive_keys() {
    let cond = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/metadata:stage] StringEquals 'import-external'";
    let req = |k: &str| json!({ "action": READ, "resource": { "Microsoft.Storage/storageAccounts/blobServices/containers/metadata": { k: "import-external" } } });
    assert!(allows(cond, req("stage")));
    assert!(allows(cond, req("Stage")));
    assert!(!allows(cond, req("phase")));
}

#[test]
fn a_request_list_over_the_set_limit_is_refused_naming_the_attribute() {
    let many: Vec<i64> = (0..4097).collect();
    let e = request_error(json!({ "action": "x", "principal": { "p": many } }));
    assert!(e.contains("attribute `p`") && e.contains("4096"), "{e}");
    let at_limit: Vec<i64> = (0..4096).collect();
    request(json!({ "action": "x", "principal": { "p": at_limit } }));
    let subs: Vec<String> = (0..4097).map(|i| i.to_string()).collect();
    assert!(request_error(json!({ "action": "x", "subOperation": subs })).contains("4096"));
}

#[test]
fn two_long_lists_compare_for_equality_and_order_by_set() {
    // 4096 × 4096 values: pair by pair, 16 million comparisons; from an index, 8192 steps.
    let left: Vec<i64> = (0..4096).collect();
    let right: Vec<i64> = (4096..8192).collect();
    let req = json!({ "action": "x", "principal": { "l": left }, "request": { "r": right } });
    let decide = |op: &str| allows(&format!("@Principal[l] {op} @Request[r]"), req.clone());
    assert!(decide("ForAllOfAllValues:NumericNotEquals"));
    assert!(!decide("ForAnyOfAnyValues:NumericEquals"));
    assert!(decide("ForAllOfAllValues:NumericLessThan"));
    assert!(!decide("ForAnyOfAnyValues:NumericGreaterThanEquals"));
    assert!(decide("ForAnyOfAllValues:NumericLessThan"));
}

#[test]
fn pairwise_like_over_two_long_lists_stops_at_the_budget_and_denies() {
    let left: Vec<String> = (0..2000).map(|i| format!("v{i}")).collect();
    let right: Vec<String> = (0..2000).map(|i| format!("p{i}*")).collect();
    let ev = run(
        "NOT (@Principal[l] ForAnyOfAnyValues:StringLike @Request[r])",
        json!({ "action": "x", "principal": { "l": left }, "request": { "r": right } }),
        EvalOptions::default(),
    );
    assert_eq!(
        ev.decision,
        Decision::Deny,
        "an error never allows, under NOT too"
    );
    assert_eq!(ev.errors[0].kind, EvalErrorKind::TooManyComparisons);
    assert!(
        ev.errors[0].message.contains("2000 values with 2000"),
        "{}",
        ev.errors[0].message
    );
}

#[test]
fn json_minus_zero_is_the_integer_zero() {
    assert!(allows(
        "@Resource[n] NumericEquals 0",
        json!({ "action": "x", "resource": { "n": serde_json::from_str::<Value>("-0").unwrap() } })
    ));
    assert!(
        request_error(json!({ "action": "x", "resource": { "n": 1.5 } }))
            .contains("not a 64-bit integer")
    );
}
