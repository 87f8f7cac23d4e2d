//! `azcond explain` in the library: per action, what a condition requires, simplified only
//! where the simplification decides every request of that action as the whole does; and the
//! catalog's always-supplied attributes, which the engine never supposes absent.

use std::path::Path;

use azcond::eval::{EvalOptions, MissingAttributes};
use azcond::semantic::{diff, explain, findings, generate, FindingKind, Grant, Limits, Verdict};
use azcond::{Condition, Request};

const READ: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
const WRITE: &str = "Microsoft.Authorization/roleAssignments/write";

fn parse(text: &str) -> Condition {
    azcond::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn the_readme_condition_restricts_reading_but_not_listing_or_other_actions() {
    let c = parse(&format!(
        "((!(ActionMatches{{'{READ}'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR \
         (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'))"
    ));
    let x = explain(&c, &EvalOptions::default(), &Limits::default()).unwrap();
    let read: Vec<_> = x.rules.iter().filter(|r| r.actions == [READ]).collect();
    assert_eq!(read.len(), 2, "{x:#?}");
    let listing = read
        .iter()
        .find(|r| r.suboperations == ["Blob.List"])
        .expect("a rule for listing");
    assert_eq!(listing.grant, Grant::Always);
    let reading = read
        .iter()
        .find(|r| r.grant == Grant::When)
        .expect("a rule for reading");
    assert!(reading
        .suboperations
        .contains(&"no suboperation".to_string()));
    assert_eq!(
        reading.requires.as_deref(),
        Some("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'")
    );
    assert_eq!(
        reading.words,
        ["- the blob index tag `Project` is 'Cascade'"]
    );
    let other = x
        .rules
        .iter()
        .find(|r| r.actions == ["any other action"])
        .expect("a rule for other actions");
    assert_eq!(other.grant, Grant::Always);
}

#[test]
fn role_ids_are_named_and_a_contradiction_never_grants() {
    let c = parse(&format!(
        "(!(ActionMatches{{'{WRITE}'}})) OR \
         (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{b24988ac-6180-42a0-ab88-20f7382dd24c}})"
    ));
    let x = explain(&c, &EvalOptions::default(), &Limits::default()).unwrap();
    let write = x.rules.iter().find(|r| r.actions == [WRITE]).unwrap();
    assert_eq!(
        write.words,
        ["- the role being assigned is b24988ac-6180-42a0-ab88-20f7382dd24c (Contributor)"]
    );
    let never = parse(&format!(
        "ActionMatches{{'{WRITE}'}} AND NOT ActionMatches{{'{WRITE}'}}"
    ));
    let x = explain(&never, &EvalOptions::default(), &Limits::default()).unwrap();
    assert!(x.rules.iter().all(|r| r.grant == Grant::Never), "{x:#?}");
}

#[test]
fn a_negated_comparison_holds_for_an_absent_attribute_under_model_a_only() {
    let c = parse(
        "NOT @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'",
    );
    let a = explain(&c, &EvalOptions::default(), &Limits::default()).unwrap();
    assert_eq!(
        a.rules.first().map(|r| r.words.clone()),
        Some(vec![
            "- the container name is not 'logs', or the container name is absent".to_string()
        ])
    );
    let b = explain(
        &c,
        &EvalOptions {
            missing: MissingAttributes::Error,
            now: None,
        },
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        b.rules.first().map(|r| r.words.clone()),
        Some(vec!["- the container name is not 'logs'".to_string()])
    );
}

/// The simplified form of each rule decides the requests of its action as the whole condition
/// does: checked on the generated cases of every corpus condition.
#[test]
fn every_simplification_of_a_corpus_condition_decides_as_the_whole() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let options = EvalOptions::default();
    let mut problems = Vec::new();
    let mut compared = 0;
    for dir in ["valid", "authoring"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "cond") {
                continue;
            }
            let Ok(c) = azcond::parse(&std::fs::read_to_string(&path).unwrap()) else {
                continue;
            };
            let x = match explain(&c, &options, &Limits::default()) {
                Ok(x) => x,
                Err(e) => {
                    problems.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            let cases = generate(&c, &options, &Limits::default()).unwrap().cases;
            for rule in x.rules.iter().filter(|r| r.grant == Grant::When) {
                let simple = parse(rule.requires.as_deref().unwrap());
                for case in &cases {
                    let request: Request = serde_json::from_value(case.request.clone()).unwrap();
                    let action_in = rule
                        .actions
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(&request.action));
                    let sub = request
                        .sub_operations
                        .first()
                        .cloned()
                        .map(|s| {
                            if s == "Azcond.Other" {
                                "any other suboperation".to_string()
                            } else {
                                s
                            }
                        })
                        .unwrap_or_else(|| "no suboperation".into());
                    if !action_in
                        || !(rule.suboperations.is_empty() || rule.suboperations.contains(&sub))
                    {
                        continue;
                    }
                    compared += 1;
                    let whole = c.decide(&request, &options).ok();
                    let part = simple.decide(&request, &options).ok();
                    if whole != part {
                        problems.push(format!(
                            "{}: `{}` decides {part:?} where the condition decides {whole:?} for {}",
                            path.display(),
                            simple,
                            case.request
                        ));
                    }
                }
            }
        }
    }
    assert!(compared > 100, "only {compared} requests compared");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_attribute_azure_always_supplies_is_never_supposed_absent() {
    let guard = format!("(!(ActionMatches{{'{WRITE}'}}))");
    let role = "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]";
    let old = parse(&format!(
        "{guard} OR {role} ForAnyOfAnyValues:GuidEquals {{b24988ac-6180-42a0-ab88-20f7382dd24c}}"
    ));
    // Allowing the absent role changes nothing: a role assignment always names its role.
    let new = parse(&format!(
        "{guard} OR ({role} ForAnyOfAnyValues:GuidEquals {{b24988ac-6180-42a0-ab88-20f7382dd24c}} OR NOT Exists {role})"
    ));
    let d = diff(&old, &new, &EvalOptions::default()).unwrap();
    assert_eq!(d.verdict, Verdict::Equivalent, "{d:#?}");
    // The principal type is optional in the API: allowing it absent grants more.
    let kind = "@Request[Microsoft.Authorization/roleAssignments:PrincipalType]";
    let old = parse(&format!("{guard} OR {kind} StringEquals 'Group'"));
    let new = parse(&format!(
        "{guard} OR ({kind} StringEquals 'Group' OR NOT Exists {kind})"
    ));
    let d = diff(&old, &new, &EvalOptions::default()).unwrap();
    assert_eq!(d.verdict, Verdict::Broader, "{d:#?}");
    assert!(d
        .grants_more
        .iter()
        .all(|w| w.absent.iter().any(|a| a.contains("PrincipalType"))));
    // A role that is one of two or not one of them: true for every role assignment.
    let either = parse(&format!(
        "{guard} OR ({role} ForAnyOfAnyValues:GuidEquals {{b24988ac-6180-42a0-ab88-20f7382dd24c}} \
         OR {role} ForAnyOfAnyValues:GuidNotEquals {{b24988ac-6180-42a0-ab88-20f7382dd24c}})"
    ));
    let f = findings(&either, &EvalOptions::default(), &Limits::default()).unwrap();
    assert!(
        f.iter()
            .any(|f| f.kind == FindingKind::AlwaysTrue && f.message.contains("every request:")),
        "{f:#?}"
    );
}

#[test]
fn a_wildcard_is_named_once_for_the_actions_it_matches() {
    let c = parse(
        "(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*'})) \
         OR @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'",
    );
    let x = explain(&c, &EvalOptions::default(), &Limits::default()).unwrap();
    assert_eq!(
        x.rules.first().map(|r| r.actions.clone()),
        Some(vec![
            "actions matching 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*'"
                .to_string()
        ]),
        "{x:#?}"
    );
}
