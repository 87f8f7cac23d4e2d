//! `check` on JSON documents and Terraform files: exactly the broken conditions, each with its
//! JSON path or Terraform address and its line and column in the file; SARIF; `--catalog`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn azcond(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .output()
        .unwrap()
}

fn doc(name: &str) -> String {
    common::corpus()
        .join("documents")
        .join(name)
        .display()
        .to_string()
}

/// (line, column, severity, code, json_path) of a finding.
type Row = (u64, u64, String, String, String);

/// Every finding of one file, the number of conditions checked, and the exit status.
fn findings(file: &str) -> (Vec<Row>, u64, Option<i32>) {
    let o = azcond(&["check", "--format", "json", &doc(file)]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
                f["json_path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (
        list,
        json["conditions_checked"].as_u64().unwrap(),
        o.status.code(),
    )
}

fn f(line: u64, col: u64, sev: &str, code: &str, path: &str) -> Row {
    (line, col, sev.into(), code.into(), path.into())
}

#[test]
fn arm_template_with_nested_deployments() {
    let (list, checked, status) = findings("arm-nested.json");
    assert_eq!(
        list,
        [
            f(38, 214, "error", "stripped-key-marker", "$.resources[1].properties.template.resources[0].properties.condition"),
            f(58, 45, "error", "condition-version", "$.resources[1].properties.template.resources[1].properties.template.resources[0].properties.condition"),
            f(76, 22, "info", "not-checkable", "$.resources[2].properties.condition"),
        ]
    );
    assert_eq!(checked, 3);
    assert_eq!(status, Some(1));
}

#[test]
fn az_role_assignment_list_output() {
    let (list, checked, status) = findings("az-role-assignment-list.json");
    assert_eq!(
        list,
        [
            f(31, 106, "error", "double-quotes", "$[3].condition"),
            f(39, 86, "error", "operator-type", "$[4].condition")
        ]
    );
    assert_eq!(checked, 4, "the null condition is no condition");
    assert_eq!(status, Some(1));
}

#[test]
fn terraform_plan_reports_each_condition_once() {
    let (list, checked, _) = findings("terraform-plan.json");
    assert_eq!(
        list,
        [
            f(
                57,
                215,
                "error",
                "unclosed-paren",
                "$.resource_changes[1].change.after.condition"
            ),
            f(
                72,
                32,
                "error",
                "condition-version",
                "$.resource_changes[2].change.after.condition"
            ),
        ]
    );
    assert_eq!(checked, 3);
}

#[test]
fn role_definition_permissions() {
    let (list, checked, status) = findings("role-definition.json");
    assert_eq!(
        list,
        [f(
            16,
            97,
            "warning",
            "attribute-not-applicable",
            "$.properties.permissions[1].condition"
        )]
    );
    assert_eq!(checked, 2);
    assert_eq!(status, Some(0), "warnings alone pass");
}

#[test]
fn terraform_files_quoted_heredoc_and_templated() {
    let (list, checked, _) = findings("role-assignments.tf");
    assert_eq!(
        list,
        [
            f(
                24,
                197,
                "error",
                "unknown-operator",
                "azurerm_role_assignment.quoted.condition"
            ),
            f(
                32,
                26,
                "info",
                "not-checkable",
                "azurerm_role_assignment.templated.condition"
            ),
            f(
                44,
                97,
                "error",
                "double-quotes",
                "azurerm_role_assignment.heredoc_broken.condition"
            ),
        ]
    );
    assert_eq!(checked, 3);
}

#[test]
fn sarif_is_valid_2_1_0_with_located_results() {
    let o = azcond(&["check", "--format", "sarif", &doc("arm-nested.json")]);
    assert_eq!(o.status.code(), Some(1));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "azcond");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "stripped-key-marker"));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let first = &results[0];
    assert_eq!(first["ruleId"], "stripped-key-marker");
    assert_eq!(first["level"], "error");
    let index = first["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "stripped-key-marker");
    let loc = &first["locations"][0];
    assert!(loc["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("corpus/documents/arm-nested.json"));
    assert_eq!(loc["physicalLocation"]["region"]["startLine"], 38);
    assert_eq!(loc["physicalLocation"]["region"]["startColumn"], 214);
    assert_eq!(
        loc["logicalLocations"][0]["fullyQualifiedName"],
        "$.resources[1].properties.template.resources[0].properties.condition"
    );
    assert_eq!(results[2]["level"], "note");
}

#[test]
fn user_catalog_declares_attributes() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("user-catalog");
    let _ = std::fs::create_dir_all(&dir);
    let cond = dir.join("level.cond");
    std::fs::write(&cond, "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level] NumericGreaterThan 3").unwrap();
    let out = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();
    let without = azcond(&["check", cond.to_str().unwrap()]);
    assert_eq!(
        without.status.code(),
        Some(1),
        "undeclared, it is a string: {}",
        out(&without)
    );
    assert!(out(&without).contains("error[operator-type]"));
    let catalog = dir.join("catalog.yaml");
    std::fs::write(&catalog, "attributes:\n  - name: Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level\n    sources: [Principal]\n    type: Integer\n").unwrap();
    let with = azcond(&[
        "check",
        "--catalog",
        catalog.to_str().unwrap(),
        cond.to_str().unwrap(),
    ]);
    assert_eq!(with.status.code(), Some(0), "{}", out(&with));
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"attributes": [{"name": "x", "sources": ["Resource"], "type": "Float"}]}"#,
    )
    .unwrap();
    let o = azcond(&[
        "check",
        "--catalog",
        bad.to_str().unwrap(),
        cond.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--catalog:"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn unreadable_json_is_an_error_named_or_found_pointing_where_the_parser_stopped() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("unreadable");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.json");
    std::fs::write(&file, "{\n  \"condition\": ,\n}").unwrap();
    for path in [&file, &dir] {
        let o = azcond(&["check", "--format", "json", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", path.display());
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let f = &json["findings"][0];
        assert_eq!(f["code"], "unreadable-file");
        assert_eq!(f["severity"], "error");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(2), Some(16))
        );
    }
    let tf = dir.join("broken.tf");
    std::fs::write(&tf, "resource \"a\" \"b\" {\n  condition = \n}\n").unwrap();
    let o = azcond(&["check", "--format", "json", tf.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &json["findings"][0];
    assert_eq!(f["code"], "unreadable-file");
    assert_eq!(f["line"].as_u64(), Some(2), "{f}");
}

#[test]
fn every_code_check_reports_is_a_described_rule() {
    let o = azcond(&[
        "check",
        "--format",
        "sarif",
        common::corpus().to_str().unwrap(),
    ]);
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let run = &s["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 150);
    let mut missing: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .filter(|code| !rules.contains(code))
        .collect();
    missing.dedup();
    assert!(missing.is_empty(), "codes without a rule: {missing:?}");
    for r in results {
        let index = r["ruleIndex"]
            .as_u64()
            .expect("every result has its rule index") as usize;
        assert_eq!(rules[index], r["ruleId"].as_str().unwrap());
    }
}

#[test]
fn bicep_files_variables_multi_line_strings_and_avm_parameters() {
    let (list, checked, status) = findings("role-assignments.bicep");
    assert_eq!(
        list,
        [
            f(6, 115, "error", "unknown-attribute", "logsReader.properties.condition"),
            f(41, 126, "error", "double-quotes", "taggedReader.properties.condition"),
            f(56, 20, "info", "not-checkable", "account.params.roleAssignments[0].condition"),
            f(62, 20, "info", "not-checkable", "account.params.roleAssignments[1].condition"),
            f(67, 20, "info", "not-checkable", "account.params.roleAssignments[2].condition"),
        ],
        "the variable's string is checked where it is set; replace(), a user-defined function and ${{}} are not guessed"
    );
    assert_eq!(checked, 2);
    assert_eq!(status, Some(1));
    let human = String::from_utf8_lossy(&azcond(&["check", &doc("role-assignments.bicep")]).stdout)
        .into_owned();
    assert!(
        human.contains("which Bicep evaluates at deployment"),
        "{human}"
    );
    assert!(
        human.contains("built with `${…}`, which Bicep fills in"),
        "{human}"
    );
}
