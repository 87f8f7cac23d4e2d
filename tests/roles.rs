//! Role-aware checks: Microsoft's built-in roles check with no error; findings in role
//! definitions name the role and permission; assignments are judged against the role they
//! assign (defined in the document, given with `--roles`, or built in); role ids are named.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn azcond(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn codes(report: &serde_json::Value) -> Vec<(String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_condition_microsoft_ships_in_a_built_in_role_checks_without_error() {
    let dir = common::corpus().join("builtin-roles");
    let o = azcond(&["check", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let report = json(&o);
    assert_eq!(report["conditions_checked"], 31);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["severity"] != "error"));
    // Undocumented attributes are infos naming where they were seen; every finding names its
    // role and permission.
    let undocumented: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["code"] == "undocumented")
        .collect();
    assert_eq!(undocumented.len(), 8, "{undocumented:#?}");
    assert!(undocumented.iter().all(|f| f["severity"] == "info"));
    assert!(findings
        .iter()
        .all(|f| f["role"].is_string() && f["permission"].is_u64()));
    let oracle = findings
        .iter()
        .find(|f| f["code"] == "condition-version")
        .unwrap();
    assert_eq!(oracle["role"], "Oracle Database DbSystems Administrator");
    assert_eq!(oracle["severity"], "warning");
}

#[test]
fn the_corpus_of_built_in_role_conditions_names_the_role_in_human_output() {
    let file = common::corpus().join("builtin-roles/conditions.json");
    let out =
        String::from_utf8_lossy(&azcond(&["check", file.to_str().unwrap()]).stdout).into_owned();
    assert!(
        out.contains("of role `Privileged Monitoring Data Reader`, permission 0"),
        "{out}"
    );
    assert!(
        out.contains("used by Microsoft's built-in roles, not documented"),
        "{out}"
    );
}

#[test]
fn assignments_are_judged_against_the_role_they_assign() {
    let file = common::corpus().join("documents/role-checks.json");
    let o = azcond(&["check", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "warnings only");
    assert_eq!(
        codes(&json(&o)),
        [
            ("unguarded-data-action".to_string(), 42),
            ("guard-not-granted".to_string(), 53),
            ("action-not-conditionable".to_string(), 64),
            ("unknown-role-id".to_string(), 86),
        ],
        "the custom role defined in the template, Storage Blob Data Reader, Reader; the contributor guarding both actions has nothing"
    );
    let human =
        String::from_utf8_lossy(&azcond(&["check", file.to_str().unwrap()]).stdout).into_owned();
    for help in ["guard `Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action` as well", "remove the clause", "pass its definition with `--roles FILE`"] {
        assert!(human.contains(help), "{help}: {human}");
    }
}

#[test]
fn roles_files_supply_custom_definitions() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("roles-file");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let tf = dir.join("main.tf");
    std::fs::write(&tf, "resource \"azurerm_role_assignment\" \"w\" {\n  role_definition_id = \"/subscriptions/0/providers/Microsoft.Authorization/roleDefinitions/11111111-2222-3333-4444-555555555555\"\n  condition_version = \"2.0\"\n  condition = \"((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'x'))\"\n}\n").unwrap();
    let roles = dir.join("roles.json");
    std::fs::write(&roles, r#"[{"roleName": "Uploader", "name": "11111111-2222-3333-4444-555555555555", "roleType": "CustomRole",
        "permissions": [{"actions": [], "notActions": [], "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"], "notDataActions": []}]}]"#).unwrap();
    let without = json(&azcond(&[
        "check",
        "--format",
        "json",
        tf.to_str().unwrap(),
    ]));
    assert!(
        codes(&without).is_empty(),
        "an unknown role is not guessed at"
    );
    let with = json(&azcond(&[
        "check",
        "--format",
        "json",
        "--roles",
        roles.to_str().unwrap(),
        tf.to_str().unwrap(),
    ]));
    let found = codes(&with);
    assert_eq!(
        found.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        ["unguarded-data-action", "unguarded-data-action"],
        "blobs/* also grants write and runAsSuperUser: {found:?}"
    );
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\n  \"roles\": [1, 2,]\n}").unwrap();
    let o = azcond(&[
        "check",
        "--roles",
        bad.to_str().unwrap(),
        tf.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("--roles") && e.contains("line 2"), "{e}");
}

#[test]
fn role_ids_are_shown_with_their_names() {
    let cond = common::corpus().join("valid/001.cond");
    let o = azcond(&["parse", cond.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("b24988ac-6180-42a0-ab88-20f7382dd24c (Contributor)"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("role-names");
    std::fs::create_dir_all(&dir).unwrap();
    let request = dir.join("write.json");
    std::fs::write(&request, r#"{"action": "Microsoft.Authorization/roleAssignments/write", "request": {"Microsoft.Authorization/roleAssignments:RoleDefinitionId": "acdd72a7-3385-48ef-bd42-f606fba81ae7", "Microsoft.Authorization/roleAssignments:PrincipalType": "User"}}"#).unwrap();
    let o = azcond(&[
        "eval",
        cond.to_str().unwrap(),
        "--request",
        request.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("left: 'acdd72a7-3385-48ef-bd42-f606fba81ae7' (Reader)"),
        "{out}"
    );
}
