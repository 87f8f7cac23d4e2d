//! The per-repository configuration (`azcond.toml`), inline suppressions and baselines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("config")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// azcond run in `dir`, where it finds `dir/azcond.toml`.
fn azcond_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const MIXED: &str = "ActionMatches{'a'} and ActionMatches{'b'} OR ActionMatches{'c'}";
const BROKEN: &str =
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:nmae] StringEquals 'logs'";

#[test]
fn rule_severities_change_what_fails_the_run() {
    let dir = scratch("severities");
    std::fs::write(dir.join("a.cond"), MIXED).unwrap();
    assert_eq!(
        azcond_in(&dir, &["check", "a.cond"]).status.code(),
        Some(0),
        "warnings only"
    );
    std::fs::write(
        dir.join("azcond.toml"),
        "[rules]\nnon-canonical-casing = \"error\"\nambiguous-precedence = \"off\"\n",
    )
    .unwrap();
    let o = azcond_in(&dir, &["check", "a.cond"]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert!(text.contains("error[non-canonical-casing]"), "{text}");
    assert!(!text.contains("ambiguous-precedence"), "{text}");
    // Found from a folder below, too.
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    assert_eq!(
        azcond_in(&dir.join("sub"), &["check", "../a.cond"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn an_unknown_code_or_key_is_an_error_naming_the_line() {
    let dir = scratch("unknown-code");
    std::fs::write(dir.join("a.cond"), MIXED).unwrap();
    std::fs::write(
        dir.join("azcond.toml"),
        "# rules\n[rules]\nambiguous-precedence = \"off\"\nunknown-atribute = \"error\"\n",
    )
    .unwrap();
    let o = azcond_in(&dir, &["check", "a.cond"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("azcond.toml:4: no rule has the code `unknown-atribute`; did you mean `unknown-attribute`?"), "{}", err(&o));
    let other = dir.join("other.toml");
    std::fs::write(&other, "[rule]\n").unwrap();
    let o = azcond_in(
        &dir,
        &["check", "--config", other.to_str().unwrap(), "a.cond"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("other.toml:1: unknown field `rule`"),
        "{}",
        err(&o)
    );
}

#[test]
fn excluded_paths_and_catalog_entries() {
    let dir = scratch("exclude");
    std::fs::create_dir_all(dir.join("legacy")).unwrap();
    std::fs::write(dir.join("legacy/old.cond"), BROKEN).unwrap();
    std::fs::write(dir.join("level.cond"), "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level] NumericGreaterThan 3").unwrap();
    let o = azcond_in(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("old.cond") && out(&o).contains("operator-type"),
        "{}",
        out(&o)
    );
    std::fs::write(dir.join("azcond.toml"), "[paths]\nexclude = [\"legacy/\"]\n\n[[catalog.attributes]]\nname = \"Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level\"\nsources = [\"Principal\"]\ntype = \"Integer\"\n").unwrap();
    let o = azcond_in(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("checked 1 condition"), "{}", out(&o));
}

#[test]
fn the_missing_attribute_model_default() {
    let dir = scratch("missing");
    std::fs::write(dir.join("s.test.yaml"), "condition: \"@Resource[x] StringNotEquals 'a'\"\ncases:\n  - name: x absent\n    request: {action: read}\n    expect: deny\n").unwrap();
    assert_eq!(
        azcond_in(&dir, &["test", "s.test.yaml"]).status.code(),
        Some(0)
    );
    std::fs::write(
        dir.join("azcond.toml"),
        "[evaluation]\nmissing = \"error\"\n",
    )
    .unwrap();
    let o = azcond_in(&dir, &["test", "s.test.yaml"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "now an error, not a deny: {}",
        out(&o)
    );
    assert_eq!(
        azcond_in(&dir, &["test", "--missing", "false", "s.test.yaml"])
            .status
            .code(),
        Some(0),
        "the flag wins"
    );
}

#[test]
fn inline_suppressions_need_a_reason_and_are_counted() {
    let dir = scratch("suppress");
    let tf = format!(
        "resource \"azurerm_role_assignment\" \"a\" {{\n  # azcond-ignore unknown-attribute: the attribute is in private preview here\n  condition = \"{BROKEN}\"\n}}\n\nresource \"azurerm_role_assignment\" \"b\" {{\n  # azcond-ignore unknown-attribute\n  condition = \"{BROKEN}\"\n}}\n"
    );
    std::fs::write(dir.join("main.tf"), tf).unwrap();
    let bicep = format!(
        "resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  properties: {{\n    // azcond-ignore unknown-attribute: as above\n    condition: '{}'\n    conditionVersion: '2.0'\n  }}\n}}\n",
        BROKEN.replace('\'', "\\'")
    );
    std::fs::write(dir.join("main.bicep"), bicep).unwrap();
    let o = azcond_in(&dir, &["check", "--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<(&str, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [("suppression", 7), ("unknown-attribute", 8)],
        "the one without a reason holds nothing"
    );
    assert_eq!(report["suppressed"], 2);
    assert!(out(&azcond_in(&dir, &["check", "."])).contains("(2 suppressed)"));
}

#[test]
fn a_baseline_hides_what_was_recorded_and_only_that() {
    let dir = scratch("baseline");
    std::fs::write(dir.join("a.cond"), BROKEN).unwrap();
    let recorded = azcond_in(&dir, &["check", "--format", "json", "a.cond"]);
    std::fs::write(dir.join("baseline.json"), &recorded.stdout).unwrap();
    let o = azcond_in(&dir, &["check", "--baseline", "baseline.json", "a.cond"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("0 errors, 0 warnings (1 suppressed)"),
        "{}",
        out(&o)
    );
    std::fs::write(
        dir.join("a.cond"),
        format!("{BROKEN} AND @Resource[x] StringEquals 'y'"),
    )
    .unwrap();
    let o = azcond_in(&dir, &["check", "--baseline", "baseline.json", "a.cond"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a new finding still fails: {}",
        out(&o)
    );
    std::fs::write(dir.join("bad.json"), "{}").unwrap();
    let o = azcond_in(&dir, &["check", "--baseline", "bad.json", "a.cond"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--baseline `bad.json`"), "{}", err(&o));
}
