//! `azcond test --generate` in the library: cases whose expectations are the evaluator's and
//! which reach every outcome of every clause that some request can reach.

use std::path::Path;

use azcond::eval::{EvalOptions, MissingAttributes};
use azcond::scenario::{coverage, CaseResult, Outcome};
use azcond::semantic::{generate, Generated, Limits};
use azcond::{Condition, Request};

fn parse(text: &str) -> Condition {
    azcond::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Runs the generated cases as `azcond test` does: (failures, outcomes seen, outcomes in all).
fn run(condition: &Condition, g: &Generated, options: &EvalOptions) -> (Vec<String>, usize, usize) {
    let mut failures = Vec::new();
    let mut results = Vec::new();
    for case in &g.cases {
        let request: Request = serde_json::from_value(case.request.clone()).unwrap();
        let evaluation = condition.evaluate_with(&request, options);
        let actual = Outcome::of(&evaluation);
        if actual != case.expect {
            failures.push(format!(
                "case `{}` expects {} and gets {}",
                case.name,
                case.expect.name(),
                actual.name()
            ));
        }
        results.push(CaseResult {
            actual,
            passed: actual == case.expect,
            evaluation,
        });
    }
    let c = coverage(condition, &results);
    (failures, c.seen(), c.total())
}

#[test]
fn every_corpus_condition_gets_cases_that_pass_and_cover_all_it_can() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut problems = Vec::new();
    let mut files = 0;
    for dir in ["valid", "authoring"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "cond"))
            .collect();
        paths.sort();
        for path in paths {
            let Ok(condition) = azcond::parse(&std::fs::read_to_string(&path).unwrap()) else {
                continue;
            };
            files += 1;
            for missing in [MissingAttributes::False, MissingAttributes::Error] {
                let options = EvalOptions { missing, now: None };
                let g = match generate(&condition, &options, &Limits::default()) {
                    Ok(g) => g,
                    Err(e) => {
                        problems.push(format!("{} ({missing:?}): {e}", path.display()));
                        continue;
                    }
                };
                let (failures, seen, total) = run(&condition, &g, &options);
                for f in failures {
                    problems.push(format!("{} ({missing:?}): {f}", path.display()));
                }
                // What the cases miss is exactly what the engine says no request reaches.
                if seen + g.unreachable.len() != total {
                    problems.push(format!(
                        "{} ({missing:?}): {seen} of {total} outcomes seen, {} called unreachable",
                        path.display(),
                        g.unreachable.len()
                    ));
                }
                let mut names: Vec<&str> = g.cases.iter().map(|c| c.name.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                if names.len() != g.cases.len() {
                    problems.push(format!("{}: two cases share a name", path.display()));
                }
            }
        }
    }
    assert!(files > 50, "only {files} corpus conditions read");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_condition_without_dead_clauses_is_covered_in_full() {
    let c = parse(
        "(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) \
         OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade')",
    );
    let options = EvalOptions::default();
    let g = generate(&c, &options, &Limits::default()).unwrap();
    assert!(g.unreachable.is_empty(), "{:?}", g.unreachable);
    let (failures, seen, total) = run(&c, &g, &options);
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(seen, total);
    // Both decisions, the tag both ways and absent.
    assert!(g.cases.iter().any(|c| c.expect == Outcome::Allow));
    assert!(g.cases.iter().any(|c| c.expect == Outcome::Deny));
    let exercised: Vec<&String> = g.cases.iter().flat_map(|c| &c.exercises).collect();
    for goal in [
        "@Resource[…/tags:Project] is 'Cascade'",
        "@Resource[…/tags:Project] is 'cASCADE'",
        "@Resource[…/tags:Project] absent",
    ] {
        assert!(
            exercised.iter().any(|e| e.as_str() == goal),
            "no case for {goal}: {exercised:?}"
        );
    }
}

#[test]
fn a_multi_valued_attribute_gets_an_empty_list_and_each_value() {
    let c = parse(
        "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags&$keys$&] \
         ForAllOfAnyValues:StringEquals {'Project', 'Program'}",
    );
    let options = EvalOptions::default();
    let g = generate(&c, &options, &Limits::default()).unwrap();
    let exercised: Vec<&String> = g.cases.iter().flat_map(|c| &c.exercises).collect();
    assert!(
        exercised.iter().any(|e| e.ends_with("is an empty list")),
        "{exercised:?}"
    );
    assert!(
        exercised.iter().any(|e| e.ends_with("holds 'Program'")),
        "{exercised:?}"
    );
    let (failures, seen, total) = run(&c, &g, &options);
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(seen, total);
}

/// The catalog's single-valued attributes are given one value, whatever quantifier reads them.
#[test]
fn a_single_valued_attribute_read_with_a_quantifier_gets_one_value() {
    let c = parse(
        "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] \
         ForAnyOfAnyValues:GuidEquals {ba92f5b4-2d11-453d-a403-e96b0029c9fe, 2a2b9908-6ea1-4ae2-8e65-a410df84e7d1}",
    );
    let g = generate(&c, &EvalOptions::default(), &Limits::default()).unwrap();
    for case in &g.cases {
        let value =
            &case.request["request"]["Microsoft.Authorization/roleAssignments:RoleDefinitionId"];
        assert!(value.is_null() || value.is_string(), "{}", case.request);
    }
    assert!(g
        .cases
        .iter()
        .flat_map(|c| &c.exercises)
        .any(|e| e.ends_with("is 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'")));
}

#[test]
fn under_model_b_a_missing_attribute_is_an_expected_error() {
    let c = parse(
        "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'",
    );
    let options = EvalOptions {
        missing: MissingAttributes::Error,
        now: None,
    };
    let g = generate(&c, &options, &Limits::default()).unwrap();
    let absent = g
        .cases
        .iter()
        .find(|c| c.exercises.iter().any(|e| e.ends_with("absent")))
        .expect("a case with the container name absent");
    assert_eq!(absent.expect, Outcome::Error);
    let (failures, _, _) = run(&c, &g, &options);
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn a_clause_outcome_no_request_reaches_is_named_not_left_uncovered_in_silence() {
    // The portal's OR of blocks, each repeating the guard: the second block runs only when the
    // first was false, so its guard is never true there.
    let c = parse(
        "(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}) \
         OR @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'a') \
         OR (!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}) \
         OR @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'b')",
    );
    let g = generate(&c, &EvalOptions::default(), &Limits::default()).unwrap();
    assert!(
        g.unreachable
            .iter()
            .any(|u| u.starts_with("`!(ActionMatches{'…/read'})` (1:")
                && u.contains("is never true")),
        "{:?}",
        g.unreachable
    );
    let (failures, seen, total) = run(&c, &g, &EvalOptions::default());
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(seen + g.unreachable.len(), total);
}

/// Found by the semantic fuzz target: a literal set the operator cannot read fails even when
/// the list it is compared with is empty.
#[test]
fn an_unreadable_literal_set_fails_on_an_empty_list_too() {
    let c = parse(
        "@Request[Microsoft.Azcond/unknown:ids] ForAnyOfAnyValues:GuidEquals {6e467623-bb1f-42f4-a55d-6e525e11384b, 202912}",
    );
    let options = EvalOptions::default();
    let g = generate(&c, &options, &Limits::default()).unwrap();
    let empty = g
        .cases
        .iter()
        .find(|c| c.exercises.iter().any(|e| e.ends_with("is an empty list")))
        .expect("a case with an empty list");
    assert_eq!(empty.expect, Outcome::Error);
    let (failures, _, _) = run(&c, &g, &options);
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn a_clause_no_request_reaches_is_named_for_both_its_outcomes() {
    let c = parse(
        "ActionMatches{'a'} AND NOT ActionMatches{'a'} AND \
         @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'x'",
    );
    let options = EvalOptions::default();
    let g = generate(&c, &options, &Limits::default()).unwrap();
    let never: Vec<&String> = g
        .unreachable
        .iter()
        .filter(|u| u.contains("is never evaluated"))
        .collect();
    assert_eq!(never.len(), 2, "{:?}", g.unreachable);
    let (failures, seen, total) = run(&c, &g, &options);
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(seen + g.unreachable.len(), total, "{:?}", g.unreachable);
}
