//! A CI gate never passes on what it did not check: every file `check` is given or finds is
//! checked or named as skipped; documents with a byte-order mark or in UTF-16 are read;
//! Terraform plans are judged on what will be; nothing found is a failure; scenario files
//! cannot pass for the wrong reason; Windows line endings survive `fmt`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn azcond(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn azcond_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("gate")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", out(o)))
}

/// (line, code, json_path, address) of every finding.
fn rows(report: &serde_json::Value) -> Vec<(u64, String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_string(),
                f["json_path"].as_str().unwrap_or("").to_string(),
                f["address"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

const GOOD: &str = "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'))";
const BROKEN: &str =
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:nmae] StringEquals 'logs'";

fn document(condition: &str) -> String {
    format!(
        "{{\n  \"condition\": {},\n  \"conditionVersion\": \"2.0\"\n}}\n",
        serde_json::to_string(condition).unwrap()
    )
}

#[test]
fn a_terraform_plan_is_judged_on_what_will_be_under_resource_addresses() {
    let plan = common::corpus().join("documents/terraform-plan-changes.json");
    let o = azcond(&["check", "--format", "json", plan.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let report = json(&o);
    let found: Vec<(String, String, String)> = rows(&report)
        .into_iter()
        .map(|(_, code, path, address)| (code, path, address))
        .collect();
    let row = |c: &str, p: &str, a: &str| (c.to_string(), p.to_string(), a.to_string());
    assert_eq!(
        found,
        [
            row(
                "unknown-attribute",
                "$.resource_changes[0].change.after.condition",
                "module.rbac.azurerm_role_assignment.this[\"etl\"]"
            ),
            row(
                "condition-version",
                "$.resource_changes[4].change.after.condition",
                "azurerm_role_assignment.replaced"
            ),
            row(
                "not-checkable",
                "$.resource_changes[5].change.after.condition",
                "azurerm_role_assignment.templated"
            ),
            row(
                "unclosed-paren",
                "$.resource_changes[6].change.after.body.properties.condition",
                "azapi_resource.ra"
            ),
        ],
        "the update that fixes a condition, the delete and the no-op are not judged; planned_values and prior_state are not read"
    );
    let human = out(&azcond(&["check", plan.to_str().unwrap()]));
    assert!(
        human.contains(":54:121 in module.rbac.azurerm_role_assignment.this[\"etl\"]"),
        "{human}"
    );
    let sarif = json(&azcond(&[
        "check",
        "--format",
        "sarif",
        plan.to_str().unwrap(),
    ]));
    let logical = &sarif["runs"][0]["results"][0]["locations"][0]["logicalLocations"];
    assert_eq!(
        logical[0]["fullyQualifiedName"],
        "module.rbac.azurerm_role_assignment.this[\"etl\"]"
    );
    assert_eq!(logical[0]["kind"], "resource");
}

#[test]
fn an_azapi_body_in_a_tf_file_is_read() {
    let dir = scratch("azapi");
    let tf = dir.join("main.tf");
    std::fs::write(
        &tf,
        format!(
            "resource \"azapi_resource\" \"ra\" {{\n  type = \"Microsoft.Authorization/roleAssignments@2022-04-01\"\n  body = jsonencode({{\n    properties = {{\n      conditionVersion = \"2.0\"\n      condition = \"{}\"\n    }}\n  }})\n}}\n",
            BROKEN
        ),
    )
    .unwrap();
    let report = json(&azcond(&[
        "check",
        "--format",
        "json",
        tf.to_str().unwrap(),
    ]));
    assert_eq!(
        rows(&report),
        [(
            6,
            "unknown-attribute".to_string(),
            "azapi_resource.ra.body.properties.condition".to_string(),
            "azapi_resource.ra".to_string()
        )]
    );
}

#[test]
fn a_byte_order_mark_or_utf16_does_not_hide_a_broken_condition() {
    let dir = scratch("encodings");
    let text = document(BROKEN);
    std::fs::write(dir.join("plain.json"), &text).unwrap();
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend(text.as_bytes());
    std::fs::write(dir.join("bom.json"), bom).unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    std::fs::write(dir.join("utf16.json"), utf16).unwrap();
    let report = json(&azcond(&[
        "check",
        "--format",
        "json",
        dir.to_str().unwrap(),
    ]));
    let positions: Vec<(String, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                Path::new(f["file"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        positions,
        [
            ("bom.json".to_string(), 2, 17),
            ("plain.json".to_string(), 2, 17),
            ("utf16.json".to_string(), 2, 17)
        ],
        "the same finding at the same place, whatever the encoding"
    );

    let mut no_mark = Vec::new();
    for u in text.encode_utf16() {
        no_mark.extend(u.to_le_bytes());
    }
    let file = dir.join("no-mark.cond");
    std::fs::write(&file, no_mark).unwrap();
    let o = azcond(&["check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("save it as UTF-8"), "{}", err(&o));
}

#[test]
fn a_condition_file_with_a_byte_order_mark_is_reported_as_azure_would_see_it() {
    let dir = scratch("cond-bom");
    let file = dir.join("a.cond");
    std::fs::write(&file, format!("\u{feff}{GOOD}")).unwrap();
    let o = azcond(&["check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert!(
        text.contains("error[invisible-character]: invisible character U+FEFF (byte order mark)"),
        "{text}"
    );
    assert!(text.contains("a.cond:1:1"), "{text}");
    assert!(
        text.contains("save the file as UTF-8 without a byte-order mark"),
        "{text}"
    );
}

#[test]
fn every_file_found_is_checked_or_named_as_skipped() {
    let dir = scratch("walk");
    std::fs::create_dir_all(dir.join("a/b")).unwrap();
    std::fs::write(dir.join("a/ok.cond"), GOOD).unwrap();
    std::fs::write(dir.join("a/b/aso.yaml"), format!(
        "apiVersion: authorization.azure.com/v1api20220401\nkind: RoleAssignment\nspec:\n  condition: \"{BROKEN}\"\n  conditionVersion: \"2.0\"\n"
    )).unwrap();
    std::fs::write(
        dir.join("main.bicep"),
        format!(
            "resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  properties: {{\n    condition: '{}'\n    conditionVersion: '2.0'\n  }}\n}}\n",
            BROKEN.replace('\'', "\\'")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("deploy.ps1"),
        "New-AzRoleAssignment -Condition $c -ConditionVersion '2.0'\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "ActionMatches{'x'}").unwrap();
    std::os::unix::fs::symlink("..", dir.join("a/b/up")).unwrap();
    let secret = std::env::temp_dir().join(format!("azcond-gate-secret-{}", std::process::id()));
    std::fs::write(&secret, "TOP-SECRET-VALUE").unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("a/outside.cond")).unwrap();
    std::os::unix::fs::symlink("ok.cond", dir.join("a/again.cond")).unwrap();
    let status = Command::new("mkfifo")
        .arg(dir.join("a/pipe.cond"))
        .status()
        .unwrap();
    assert!(status.success());

    let o = azcond(&["check", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let report = json(&o);
    let codes: Vec<String> = rows(&report).into_iter().map(|r| r.1).collect();
    assert_eq!(
        codes,
        ["unknown-attribute", "not-read", "unknown-attribute"],
        "YAML and Bicep read, the script named"
    );
    assert_eq!(
        report["files_checked"], 4,
        "ok.cond once, aso.yaml, deploy.ps1, main.bicep"
    );
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["file"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let names: Vec<&str> = skipped.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["up", "outside.cond", "pipe.cond"], "{skipped:?}");
    assert!(skipped[0].1.contains("loops"));
    assert!(skipped[1].1.contains("outside"));
    assert!(skipped[2].1.contains("named pipe"));

    let human = out(&azcond(&["check", dir.to_str().unwrap()]));
    assert!(human.contains("skipped 3 files:"), "{human}");
    assert!(
        !human.contains("TOP-SECRET"),
        "no byte of the outside file is shown"
    );
    let _ = std::fs::remove_file(&secret);
}

#[test]
fn a_file_named_that_azcond_cannot_read_is_exit_2_saying_what_it_reads() {
    let dir = scratch("named");
    let txt = dir.join("policy.txt");
    std::fs::write(&txt, GOOD).unwrap();
    let o = azcond(&["check", txt.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("cannot tell what"), "{}", err(&o));
    assert!(err(&o).contains("`.cond`"), "{}", err(&o));
    assert_eq!(
        azcond(&["check", "--type", "cond", txt.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let script = dir.join("deploy.ps1");
    std::fs::write(&script, "New-AzRoleAssignment\n").unwrap();
    let o = azcond(&["check", script.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("does not read PowerShell scripts"),
        "{}",
        err(&o)
    );
}

#[test]
fn finding_nothing_to_check_fails_unless_allowed() {
    let dir = scratch("empty");
    std::fs::write(dir.join("README.md"), "nothing here").unwrap();
    std::fs::write(dir.join("package.json"), "{\"name\": \"x\"}").unwrap();
    let o = azcond(&["check", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("found no conditions to check"),
        "{}",
        err(&o)
    );
    let o = azcond(&["check", "--allow-empty", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        out(&o).contains("checked 0 conditions in 1 file"),
        "{}",
        out(&o)
    );
}

#[test]
fn a_file_found_that_cannot_be_read_is_an_error() {
    let dir = scratch("unreadable-found");
    std::fs::write(dir.join("ok.cond"), GOOD).unwrap();
    std::fs::write(dir.join("bad.cond"), b"ActionMatches{'\xff'}").unwrap();
    let o = azcond(&["check", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("bad.cond` is not valid UTF-8"),
        "{}",
        err(&o)
    );
}

#[test]
fn an_oversized_condition_file_is_the_too_large_finding() {
    let dir = scratch("too-large");
    let file = dir.join("big.cond");
    std::fs::File::create(&file)
        .unwrap()
        .set_len(2 << 20)
        .unwrap();
    let o = azcond(&["check", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(rows(&json(&o))[0].1, "too-large");
}

#[test]
fn standard_input_holding_json_is_read_as_a_document() {
    let text = document(BROKEN);
    let o = azcond_stdin(&["check", "--format", "json"], text.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(rows(&json(&o))[0].2, "$.condition");
    let o = azcond_stdin(&["check", "-"], GOOD.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn a_key_given_twice_in_a_document_is_a_located_error() {
    let dir = scratch("duplicate");
    let file = dir.join("ra.json");
    std::fs::write(
        &file,
        format!(
            "{{\n  \"condition\": {},\n  \"conditionVersion\": \"2.0\",\n  \"condition\": \"true\"\n}}\n",
            serde_json::to_string(GOOD).unwrap()
        ),
    )
    .unwrap();
    let report = json(&azcond(&[
        "check",
        "--format",
        "json",
        file.to_str().unwrap(),
    ]));
    assert_eq!(rows(&report)[0].0, 4);
    assert_eq!(rows(&report)[0].1, "duplicate-key");
}

#[test]
fn a_request_attribute_the_condition_never_reads_is_a_warning() {
    let dir = scratch("typo");
    std::fs::copy(
        common::corpus().join("authoring/access-levels.cond"),
        dir.join("access-levels.cond"),
    )
    .unwrap();
    let file = dir.join("typo.test.yaml");
    std::fs::write(&file, "condition_file: access-levels.cond\ndefaults:\n  action: Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\ncases:\n  - name: a medium reader cannot read a high blob\n    request:\n      resource: { \"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags\": { acess_level: high } }\n      principal: { \"Microsoft.Directory/CustomSecurityAttributes/Id:organization_accesslevl\": medium }\n    expect: deny\n").unwrap();
    let o = azcond(&["test", file.to_str().unwrap()]);
    let e = err(&o);
    assert!(
        e.contains("warning: ") && e.contains("typo.test.yaml:5"),
        "{e}"
    );
    assert!(e.contains("did you mean `@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:organization_accesslevel]`"), "{e}");
    assert!(e.contains("did you mean `@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:access_level<$key_case_sensitive$>]`"), "{e}");
    let report = json(&azcond(&[
        "test",
        "--format",
        "json",
        file.to_str().unwrap(),
    ]));
    assert_eq!(report["warnings"].as_array().unwrap().len(), 2);
}

#[test]
fn a_scenario_that_fails_to_load_is_a_junit_error_and_counted() {
    let dir = scratch("junit-errors");
    std::fs::write(dir.join("ok.test.yaml"), "condition: ActionMatches{'x'}\ncases:\n  - name: x\n    request: {action: x}\n    expect: allow\n").unwrap();
    std::fs::write(dir.join("broken.test.yaml"), "condition: ActionMatches{'x'}\ncases:\n  - name: x\n    request: {action: x, action: y}\n    expect: allow\n").unwrap();
    let o = azcond(&["test", "--format", "junit", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let xml = out(&o);
    assert!(
        xml.contains("tests=\"2\" failures=\"0\" errors=\"1\""),
        "{xml}"
    );
    assert!(xml.contains("<error message="), "{xml}");
    let human = out(&azcond(&["test", dir.to_str().unwrap()]));
    assert!(
        human
            .trim_end()
            .ends_with("1 passed, 0 failed, 1 scenario file not loaded"),
        "{human}"
    );
}

#[test]
fn a_symlink_loop_under_scenarios_runs_each_file_once() {
    let dir = scratch("scenario-loop");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::write(dir.join("a/one.test.yaml"), "condition: ActionMatches{'x'}\ncases:\n  - name: x\n    request: {action: x}\n    expect: allow\n").unwrap();
    std::os::unix::fs::symlink("..", dir.join("a/loop")).unwrap();
    std::os::unix::fs::symlink("a", dir.join("alias")).unwrap();
    let o = azcond(&["test", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).trim_end().ends_with("1 passed, 0 failed"),
        "{}",
        out(&o)
    );
}

#[test]
fn fmt_keeps_crlf_and_shows_a_unified_diff() {
    let dir = scratch("crlf");
    let file = dir.join("a.cond");
    let canonical = "# why\r\n(\r\n @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'\r\n)\r\n";
    std::fs::write(&file, canonical).unwrap();
    assert_eq!(
        azcond(&["fmt", "--check", file.to_str().unwrap()])
            .status
            .code(),
        Some(0),
        "CRLF is not a difference"
    );
    std::fs::write(&file, canonical.replace("StringEquals", "stringequals")).unwrap();
    let o = azcond(&["fmt", "--check", "--diff", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let diff = out(&o);
    assert!(diff.contains("-- "), "{diff}");
    assert!(diff.contains("@@ -1,4 +1,4 @@"), "{diff}");
    assert!(diff.contains("+ @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'"), "{diff}");
    assert_eq!(
        azcond(&["fmt", "--write", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), canonical);
}

#[test]
fn carets_line_up_under_wide_characters() {
    let dir = scratch("wide");
    let file = dir.join("a.cond");
    std::fs::write(&file, "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals '日本' AND x").unwrap();
    let text = out(&azcond(&["check", file.to_str().unwrap()]));
    let lines: Vec<&str> = text.lines().collect();
    let (source, carets) = lines
        .windows(2)
        .find(|w| w[1].contains('^'))
        .map(|w| (w[0], w[1]))
        .unwrap();
    let width = |s: &str| {
        s.chars()
            .map(|c| {
                if ('\u{3000}'..='\u{9fff}').contains(&c) {
                    2
                } else {
                    1
                }
            })
            .sum::<usize>()
    };
    let caret_at = width(carets.split('^').next().unwrap());
    let x_at = width(source.split(" AND x").next().unwrap()) + " AND ".len();
    assert_eq!(caret_at, x_at, "{source}\n{carets}");
}

#[test]
fn sarif_and_github_annotations() {
    let dir = scratch("formats");
    let file = dir.join("a b#c.cond");
    std::fs::write(&file, BROKEN).unwrap();
    let cwd_relative = Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(["check", "--format", "sarif", "a b#c.cond"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&cwd_relative.stdout).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a%20b%23c.cond"
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert!(run["tool"]["driver"]["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(
            rule["fullDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "{rule}"
        );
        assert!(
            rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{rule}"
        );
    }
    let absolute = json(&azcond(&[
        "check",
        "--format",
        "sarif",
        file.to_str().unwrap(),
    ]));
    let uri = absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/a%20b%23c.cond"),
        "{uri}"
    );
    let failed = json(&azcond(&[
        "check",
        "--format",
        "sarif",
        file.to_str().unwrap(),
        dir.join("missing.cond").to_str().unwrap(),
    ]));
    assert_eq!(
        failed["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );

    let o = azcond(&["check", "--format", "github", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let first = out(&o).lines().next().unwrap().to_string();
    assert!(
        first.starts_with("::error file=")
            && first.contains(",line=1,col=1,")
            && first.contains("title=azcond unknown-attribute::"),
        "{first}"
    );
    assert!(
        first.contains("%0Ahelp: "),
        "the help stays in the same command: {first}"
    );
}

#[test]
fn explain_prints_a_rules_documentation() {
    let o = azcond(&["check", "--explain", "list-not-excluded"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("Blob.List"), "{}", out(&o));
    let o = azcond(&["check", "--explain", "list-not-exclude"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("did you mean `list-not-excluded`"),
        "{}",
        err(&o)
    );
}
