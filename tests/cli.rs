//! The command line as a user runs it: output, exit statuses and errors for bad input.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ONE_LINE: &str = "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'))";
const PRETTY: &str = "(\n (\n  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})\n )\n OR\n (\n  @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'\n )\n)\n";

fn azcond(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        // The command may refuse input before reading all of it.
        let _ = pipe.write_all(bytes);
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory under the target directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn fmt_reads_standard_input_and_prints_the_portal_layout() {
    let o = azcond(&["fmt"], Some(ONE_LINE.as_bytes()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), PRETTY);
}

#[test]
fn fmt_single_line_gives_one_line() {
    let o = azcond(&["fmt", "--single-line", "-"], Some(PRETTY.as_bytes()));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), format!("{ONE_LINE}\n"));
}

#[test]
fn fmt_check_reports_files_that_differ_with_exit_1() {
    let dir = scratch("fmt-check");
    std::fs::write(dir.join("canonical.cond"), PRETTY).unwrap();
    std::fs::write(dir.join("messy.cond"), ONE_LINE).unwrap();
    let o = azcond(&["fmt", "--check", dir.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("messy.cond:1: not in canonical form"), "{out}");
    assert!(!out.contains("canonical.cond"), "{out}");

    let o = azcond(
        &[
            "fmt",
            "--check",
            dir.join("canonical.cond").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn fmt_write_rewrites_in_place() {
    let dir = scratch("fmt-write");
    let file = dir.join("a.cond");
    std::fs::write(&file, ONE_LINE).unwrap();
    let o = azcond(&["fmt", "--write", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), PRETTY);
}

#[test]
fn fmt_of_a_broken_condition_exits_2_with_a_located_error() {
    let o = azcond(&["fmt"], Some(b"(ActionMatches{'a'}\n"));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error[unclosed-paren]"), "{err}");
    assert!(err.contains("--> <stdin>:1:20"), "{err}");
    assert!(err.contains("this `(` is never closed"), "{err}");
}

#[test]
fn fmt_goes_on_after_a_broken_file_and_exits_2() {
    let dir = scratch("fmt-broken");
    std::fs::write(dir.join("a.cond"), "ActionMatches{'a'} AND").unwrap();
    std::fs::write(dir.join("b.cond"), ONE_LINE).unwrap();
    let o = azcond(&["fmt", dir.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("==> "), "several files get headers");
    assert!(stdout(&o).contains(PRETTY));
}

#[test]
fn parse_prints_an_outline_with_positions() {
    let o = azcond(&["parse", "-"], Some(PRETTY.as_bytes()));
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.starts_with("Group  @1:1\n  Or  @2:2\n    Group  @2:2\n"),
        "{out}"
    );
    assert!(out.contains("ActionMatches 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'  @3:5"), "{out}");
    assert!(out.contains("Compare StringEquals  @7:3"), "{out}");
    assert!(out.contains("right value 'logs'"), "{out}");
}

#[test]
fn parse_json_is_the_tree_with_byte_spans() {
    let o = azcond(
        &["parse", "--format", "json", "-"],
        Some(ONE_LINE.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["expr"]["span"]["start"], 0);
    assert_eq!(json["expr"]["span"]["end"], ONE_LINE.len());
    let or = &json["expr"]["kind"]["group"]["expr"]["kind"]["or"];
    assert_eq!(or.as_array().map(Vec::len), Some(2));
}

#[test]
fn parse_error_exits_2() {
    let o = azcond(&["parse", "-"], Some(b"@Resource[x] StringEqual 'a'"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `StringEquals`?"));
}

#[test]
fn invalid_utf8_is_named_with_its_offset() {
    let o = azcond(&["parse", "-"], Some(b"ActionMatches{'a\xff'}"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not valid UTF-8: invalid byte at offset 16 (line 1)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn oversized_standard_input_is_refused() {
    let big = vec![b' '; 2 * 1024 * 1024];
    let o = azcond(&["fmt"], Some(&big));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("larger than the limit of 1048576 bytes"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn oversized_file_is_refused_before_reading() {
    let dir = scratch("oversized");
    let file = dir.join("big.cond");
    std::fs::write(&file, vec![b' '; 1024 * 1024 + 1]).unwrap();
    let o = azcond(&["parse", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("1048577 bytes, larger than the limit"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn missing_file_and_bad_usage_exit_2() {
    let o = azcond(&["parse", "/nonexistent/x.cond"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read `/nonexistent/x.cond`"));
    assert_eq!(azcond(&["fmt", "--bogus"], None).status.code(), Some(2));
    assert_eq!(azcond(&["frobnicate"], None).status.code(), Some(2));
}

#[test]
fn help_exits_0() {
    let o = azcond(&["--help"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("fmt"));
}

#[test]
fn the_seed_example_formats_the_same_as_written_and_as_pasted() {
    let dir = common::corpus().join("authoring");
    let a = azcond(
        &["fmt", dir.join("access-levels.cond").to_str().unwrap()],
        None,
    );
    let b = azcond(
        &[
            "fmt",
            dir.join("access-levels-pasted.cond").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(stdout(&a), stdout(&b));
    assert!(!stdout(&b).contains('\u{a0}'));
}

const SEED: &str = "corpus/authoring/access-levels.cond";

fn write_request(name: &str, json: &str) -> PathBuf {
    let dir = scratch(name);
    let file = dir.join("request.json");
    std::fs::write(&file, json).unwrap();
    file
}

fn seed_path() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(SEED)
        .display()
        .to_string()
}

const HIGH_BLOB: &str = r#"{
  "action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
  "resource": { "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags": { "access_level": "high" } },
  "principal": { "Microsoft.Directory/CustomSecurityAttributes/Id:organization_accesslevel": "high" }
}"#;

#[test]
fn eval_allows_with_exit_0_and_denies_with_exit_1() {
    let req = write_request("eval-seed", HIGH_BLOB);
    let inside = azcond(
        &[
            "eval",
            &seed_path(),
            "--request",
            req.to_str().unwrap(),
            "--now",
            "2030-01-01T10:00:00Z",
        ],
        None,
    );
    assert_eq!(inside.status.code(), Some(0), "{}", stderr(&inside));
    assert!(
        stdout(&inside).starts_with("allow\ntrace:\n"),
        "{}",
        stdout(&inside)
    );
    let before = azcond(
        &[
            "eval",
            &seed_path(),
            "--request",
            req.to_str().unwrap(),
            "--now",
            "2025-06-09T12:00:00Z",
        ],
        None,
    );
    assert_eq!(before.status.code(), Some(1));
    let out = stdout(&before);
    assert!(out.starts_with("deny\n"), "{out}");
    assert!(
        out.contains(
            "false @Environment[UtcNow] DateTimeGreaterThan '2025-06-09T12:00:00.0Z'  @39:4"
        ),
        "{out}"
    );
    assert!(out.contains("left: 2025-06-09T12:00:00.0000000Z"), "{out}");
}

#[test]
fn eval_json_has_decision_errors_missing_and_trace() {
    let req = write_request(
        "eval-json",
        r#"{"action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"}"#,
    );
    let o = azcond(&["eval", "-c", "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'", "--request", req.to_str().unwrap(), "--format", "json"], None);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["decision"], "deny");
    assert_eq!(json["errors"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        json["missing"][0]["name"],
        "Microsoft.Storage/storageAccounts/blobServices/containers:name"
    );
    assert_eq!(json["missing"][0]["source"], "Resource");
    assert_eq!(
        (
            json["missing"][0]["line"].as_u64(),
            json["missing"][0]["column"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(json["trace"][0]["result"], false);
}

#[test]
fn eval_missing_error_model_and_evaluation_errors_deny_with_a_location() {
    let req = write_request(
        "eval-error",
        r#"{"action": "x", "request": {"Microsoft.Authorization/roleAssignments:PrincipalId": "someone"}}"#,
    );
    let o = azcond(&["eval", "-c", "NOT @Request[Microsoft.Authorization/roleAssignments:PrincipalId] GuidEquals 28c35fea-2099-4cf5-8ad9-473547bc9423", "--request", req.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with("deny (evaluation error)\nerror[invalid-value]: value 'someone'"),
        "{out}"
    );
    assert!(out.contains("--> <condition>:1:5"), "{out}");

    let empty = write_request("eval-missing", r#"{"action": "x"}"#);
    let cond = "NOT @Request[Microsoft.Authorization/roleAssignments:PrincipalId] GuidEquals 28c35fea-2099-4cf5-8ad9-473547bc9423";
    let a = azcond(
        &["eval", "-c", cond, "--request", empty.to_str().unwrap()],
        None,
    );
    assert_eq!(
        a.status.code(),
        Some(0),
        "model A: missing makes the comparison false, NOT makes it true"
    );
    let b = azcond(
        &[
            "eval",
            "-c",
            cond,
            "--request",
            empty.to_str().unwrap(),
            "--missing",
            "error",
        ],
        None,
    );
    assert_eq!(b.status.code(), Some(1));
    assert!(stdout(&b).contains("error[missing-attribute]"));
}

#[test]
fn eval_bad_request_or_condition_exits_2() {
    let typo = write_request("eval-typo", r#"{"action": "x", "principle": {}}"#);
    let o = azcond(
        &[
            "eval",
            "-c",
            "ActionMatches{'x'}",
            "--request",
            typo.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown field `principle`"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("line 1 column"), "{}", stderr(&o));

    let ok = write_request("eval-ok", r#"{"action": "x"}"#);
    let o = azcond(
        &[
            "eval",
            "-c",
            "ActionMatches{'x'",
            "--request",
            ok.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error[syntax]"));
    let o = azcond(
        &[
            "eval",
            "-c",
            "ActionMatches{'x'}",
            "--request",
            ok.to_str().unwrap(),
            "--now",
            "tomorrow",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--now: `tomorrow` is not a date-time"),
        "{}",
        stderr(&o)
    );
    let o = azcond(&["eval", "-c", "ActionMatches{'x'}"], None);
    assert_eq!(o.status.code(), Some(2), "--request is required");
}

#[test]
fn eval_reads_the_request_from_standard_input() {
    let o = azcond(
        &[
            "eval",
            "-c",
            "ActionMatches{'Microsoft.Storage/*'}",
            "--request",
            "-",
        ],
        Some(br#"{"action": "microsoft.storage/storageAccounts/read"}"#),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Many files are checked in parallel: findings come out in path order all the same, each once,
/// and no progress bar is drawn when standard error is not a terminal.
#[test]
fn check_of_many_files_keeps_path_order_and_draws_no_bar_off_a_terminal() {
    let dir = scratch("many");
    let good = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'";
    let bad = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEqual 'logs'";
    for i in 0..600 {
        let text = if i % 100 == 7 { bad } else { good };
        std::fs::write(dir.join(format!("{i:04}.cond")), text).unwrap();
    }
    let out = azcond(&["check", dir.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    let reported: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> "))
        .collect();
    let expected: Vec<String> = (0..6)
        .map(|k| {
            format!(
                "{}:1:",
                dir.join(format!("{:04}.cond", k * 100 + 7)).display()
            )
        })
        .collect();
    assert_eq!(reported.len(), 6, "{text}");
    for (r, e) in reported.iter().zip(&expected) {
        assert!(r.starts_with(e.as_str()), "{r} / {e}");
    }
    assert!(text.contains("checked 600 conditions: 6 errors"), "{text}");
}

#[test]
fn parse_without_a_path_reads_standard_input() {
    let o = azcond(&["parse"], Some(b"ActionMatches{'x'}"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("ActionMatches 'x'  @1:1"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn colour_follows_the_flag_no_color_and_clicolor_force() {
    let file = common::corpus().join("invalid/unclosed-paren.cond");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_azcond"));
        c.args(args)
            .arg(&file)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let esc = |s: &str| s.contains('\u{1b}');
    assert!(!esc(&run(&["check"], &[])), "not a terminal: no colour");
    assert!(esc(&run(&["--color", "always", "check"], &[])));
    assert!(esc(&run(&["check"], &[("CLICOLOR_FORCE", "1")])));
    assert!(
        !esc(&run(
            &["check"],
            &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
        )),
        "NO_COLOR wins"
    );
    assert!(!esc(&run(
        &["--color", "never", "check"],
        &[("CLICOLOR_FORCE", "1")]
    )));
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = azcond(&["completions", shell], None);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = stdout(&o);
        assert!(
            script.contains("azcond") && script.contains("check"),
            "{shell}: {script}"
        );
    }
    assert_eq!(
        azcond(&["completions", "tcsh"], None).status.code(),
        Some(2)
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(["check", common::corpus().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe, as `| head -1` does.
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let _ = std::io::Read::read(&mut out, &mut first);
    drop(out);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{:?} {err}",
        o.status
    );
}

const TAG_RULE: &str = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'";

#[test]
fn diff_of_a_reformatted_condition_is_equivalent_and_exits_0() {
    let dir = scratch("diff-equivalent");
    let (old, new) = (dir.join("old.cond"), dir.join("new.cond"));
    std::fs::write(&old, ONE_LINE).unwrap();
    std::fs::write(&new, PRETTY).unwrap();
    let o = azcond(
        &["diff", old.to_str().unwrap(), new.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("equivalent:"), "{}", stdout(&o));
}

#[test]
fn diff_that_widens_access_exits_1_with_a_confirmed_witness_in_json() {
    let new = TAG_RULE.replace("StringEquals", "StringEqualsIgnoreCase");
    let o = azcond(
        &["diff", "-c", TAG_RULE, "-c", &new, "--format", "json"],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(out["verdict"], "broader");
    assert_eq!(out["grants_less"], serde_json::json!([]));
    let witness = &out["grants_more"][0];
    // The witness is a request `eval` reads: NEW allows it and OLD denies it.
    let dir = scratch("diff-broader");
    let request = dir.join("request.json");
    std::fs::write(&request, witness.to_string()).unwrap();
    let r = request.to_str().unwrap();
    assert_eq!(
        azcond(&["eval", "-c", &new, "--request", r], None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        azcond(&["eval", "-c", TAG_RULE, "--request", r], None)
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn diff_that_narrows_access_exits_0_and_says_what_it_no_longer_grants() {
    let new = format!("{TAG_RULE} AND @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'");
    let o = azcond(&["diff", "-c", TAG_RULE, "-c", &new], None);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("narrower:"), "{out}");
    assert!(
        out.contains("denied by <condition 2>, granted by <condition 1>:"),
        "{out}"
    );
    assert!(
        out.contains(
            "absent: @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]"
        ),
        "{out}"
    );
}

#[test]
fn diff_reports_bad_input_with_exit_2() {
    let o = azcond(&["diff", "-c", TAG_RULE], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("give the old and the new condition"),
        "{}",
        stderr(&o)
    );
    let o = azcond(
        &["diff", "-c", TAG_RULE, "-c", "@Resource[x] StringEquals"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("<condition 2>:1:"), "{}", stderr(&o));
    let o = azcond(&["diff", "no-such-old.cond", "no-such-new.cond"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-old.cond"), "{}", stderr(&o));
}

#[test]
fn diff_of_a_terraform_plan_pairs_each_assignment_before_and_after() {
    let o = azcond(
        &[
            "diff",
            "corpus/documents/terraform-plan-changes.json",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let outcome = |address: &str| {
        let pair = out["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["address"] == address)
            .unwrap();
        (
            pair["outcome"].as_str().unwrap().to_string(),
            pair["verdict"].as_str().map(str::to_string),
        )
    };
    let compared = |v: &str| ("compared".to_string(), Some(v.to_string()));
    // A replacement that only reformats the condition grants the same.
    assert_eq!(
        outcome("azurerm_role_assignment.replaced"),
        compared("equivalent")
    );
    assert_eq!(
        outcome("azurerm_role_assignment.fixed"),
        compared("incomparable")
    );
    assert_eq!(
        outcome("azurerm_role_assignment.deleted"),
        ("removed".into(), None)
    );
    assert_eq!(
        outcome("module.rbac.azurerm_role_assignment.this[\"etl\"]"),
        ("added".into(), None)
    );
}

#[test]
fn diff_of_two_documents_pairs_assignments_by_path_and_lists_the_unmatched() {
    let dir = scratch("diff-documents");
    let arm = |condition: &str, extra: bool| {
        let mut resources = vec![serde_json::json!({
            "type": "Microsoft.Authorization/roleAssignments",
            "name": "reader",
            "properties": { "conditionVersion": "2.0", "condition": condition }
        })];
        if extra {
            resources.push(serde_json::json!({
                "type": "Microsoft.Authorization/roleAssignments",
                "name": "writer",
                "properties": { "conditionVersion": "2.0", "condition": TAG_RULE }
            }));
        }
        serde_json::json!({ "resources": resources }).to_string()
    };
    let (old, new, more) = (
        dir.join("old.json"),
        dir.join("new.json"),
        dir.join("more.json"),
    );
    std::fs::write(&old, arm(TAG_RULE, false)).unwrap();
    std::fs::write(&new, arm(&TAG_RULE.replace("'Cascade'", "'Baker'"), false)).unwrap();
    std::fs::write(&more, arm(TAG_RULE, true)).unwrap();
    let o = azcond(
        &["diff", old.to_str().unwrap(), new.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("$.resources[0].properties.condition: incomparable"),
        "{}",
        stdout(&o)
    );
    let o = azcond(
        &["diff", old.to_str().unwrap(), more.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("$.resources[1].properties.condition: only in"),
        "{}",
        stdout(&o)
    );
    let o = azcond(
        &["diff", old.to_str().unwrap(), "tests/readme/project.cond"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("compare a condition with a condition"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn test_generate_writes_a_scenario_file_that_passes_with_full_coverage() {
    let dir = scratch("generate-full");
    std::fs::create_dir_all(dir.join("conditions")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(dir.join("conditions/logs.cond"), ONE_LINE).unwrap();
    let out = dir.join("tests/logs.test.yaml");
    let o = azcond(
        &[
            "test",
            "--generate",
            dir.join("conditions/logs.cond").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = std::fs::read_to_string(&out).unwrap();
    // The condition is found from where the scenario file sits, and every expectation is
    // marked for review.
    assert!(
        written.contains("condition_file: \"../conditions/logs.cond\""),
        "{written}"
    );
    let cases = written.matches("  - name: ").count();
    assert!(cases >= 3, "{written}");
    assert_eq!(
        written.matches("# computed by azcond: review").count(),
        cases
    );
    let o = azcond(
        &[
            "test",
            "--coverage",
            "--root",
            dir.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("total: 100.0%"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(&format!("{cases} passed, 0 failed")),
        "{}",
        stdout(&o)
    );
    // A second run does not replace the reviewed file.
    let again = azcond(
        &[
            "test",
            "--generate",
            dir.join("conditions/logs.cond").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn test_generate_from_standard_input_inlines_the_condition_and_names_dead_outcomes() {
    let text = "(!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}) OR @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'a') OR (!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}) OR @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'b')";
    let o = azcond(&["test", "--generate", "-"], Some(text.as_bytes()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let printed = stdout(&o);
    assert!(
        printed.contains("\ncondition: \"(!(ActionMatches"),
        "{printed}"
    );
    assert!(
        printed.contains("# Not reachable by any request: `!(ActionMatches{'…/read'})`"),
        "{printed}"
    );
    // What it prints runs as it is.
    let run = azcond(&["test", "-"], Some(printed.as_bytes()));
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}{}",
        stdout(&run),
        stderr(&run)
    );
}

#[test]
fn test_generate_reports_a_condition_that_does_not_parse_with_its_position() {
    let dir = scratch("generate-bad");
    let file = dir.join("bad.cond");
    std::fs::write(&file, "@Resource[x] StringEquals\n").unwrap();
    let o = azcond(&["test", "--generate", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.cond:1:"), "{}", stderr(&o));
    let o = azcond(
        &[
            "test",
            "--generate",
            dir.join("none.cond").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("none.cond"), "{}", stderr(&o));
    let o = azcond(
        &["test", "--generate", file.to_str().unwrap(), "--coverage"],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "--generate runs no scenarios");
}

#[test]
fn explain_says_per_action_what_the_condition_requires() {
    let o = azcond(&["explain", "-c", ONE_LINE], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read: allowed when the container name is 'logs'\n\
         \n\
         any other action: always allowed (the condition restricts nothing)\n"
    );
    let o = azcond(
        &["explain", "--format", "json", "-"],
        Some(ONE_LINE.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rules = json["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["grant"], "when");
    assert_eq!(
        rules[0]["requires"],
        "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'"
    );
    assert_eq!(rules[1]["grant"], "always");
}

#[test]
fn explain_reports_bad_input_with_exit_2() {
    let o = azcond(&["explain", "-c", "@Resource[x] StringEquals"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("<condition>:1:"), "{}", stderr(&o));
    let o = azcond(&["explain", "no-such-file.cond"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-file.cond"), "{}", stderr(&o));
}

#[test]
fn eval_and_explain_read_a_file_with_a_byte_order_mark_at_the_editor_s_positions() {
    let dir = scratch("bom-condition");
    let cond = dir.join("bom.cond");
    let name = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]";
    std::fs::write(&cond, format!("\u{feff}{name} StringEquals 'a'\n")).unwrap();
    let request = dir.join("request.json");
    std::fs::write(
        &request,
        r#"{"action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"}"#,
    )
    .unwrap();
    let (cond, request) = (cond.to_str().unwrap(), request.to_str().unwrap());
    let o = azcond(&["eval", cond, "-r", request], None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("bom.cond:1:1)"), "{}", stdout(&o));
    // A parse error is located as the editor shows the line, the mark not counted.
    std::fs::write(dir.join("bom.cond"), format!("\u{feff}{name} StringEquals")).unwrap();
    let o = azcond(&["explain", cond], None);
    assert_eq!(o.status.code(), Some(2));
    let at = format!("bom.cond:1:{}", name.len() + " StringEquals".len() + 1);
    assert!(stderr(&o).contains(&at), "{}", stderr(&o));
}
