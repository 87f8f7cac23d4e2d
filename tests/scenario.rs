//! `azcond test`: scenario files run like tests.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn azcond(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        common::corpus().join("authoring/access-levels.cond"),
        dir.join("access-levels.cond"),
    )
    .unwrap();
    dir
}

const TAGS: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags";
const CSA: &str = "Microsoft.Directory/CustomSecurityAttributes/Id:organization_accesslevel";

fn case(name: &str, tag: &str, reader: &str, now: &str, expect: &str) -> String {
    format!(
        "  - name: {name}\n    request:\n      resource: {{ \"{TAGS}\": {{ access_level: {tag} }} }}\n      principal: {{ \"{CSA}\": {reader} }}\n      environment: {{ UtcNow: \"{now}\" }}\n    expect: {expect}\n"
    )
}

fn scenario(cases: &str) -> String {
    format!("condition_file: access-levels.cond\ndefaults:\n  action: Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\ncases:\n{cases}")
}

#[test]
fn the_bundled_scenarios_pass() {
    let o = azcond(&["test", common::corpus().join("scenarios").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let last = out(&o).trim_end().lines().last().unwrap().to_string();
    assert_eq!(last, "90 passed, 0 failed");
}

#[test]
fn a_wrong_expectation_fails_and_shows_why() {
    let dir = scratch("scenario-wrong");
    let file = dir.join("wrong.test.yaml");
    std::fs::write(
        &file,
        scenario(&case(
            "high reader before the window",
            "high",
            "high",
            "2025-01-01T10:00:00.0Z",
            "allow",
        )),
    )
    .unwrap();
    let o = azcond(&["test", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert!(text.contains("FAIL "), "{text}");
    assert!(
        text.contains("wrong.test.yaml:5: high reader before the window"),
        "{text}"
    );
    assert!(text.contains("expected allow, got deny"), "{text}");
    assert!(
        text.contains(
            "false @Environment[UtcNow] DateTimeGreaterThan '2025-06-09T12:00:00.0Z'  @39:4"
        ),
        "{text}"
    );
    assert!(text.trim_end().ends_with("0 passed, 1 failed"), "{text}");
}

#[test]
fn twenty_five_cases_as_written_and_as_pasted() {
    let dir = scratch("scenario-25");
    std::fs::copy(
        common::corpus().join("authoring/access-levels-pasted.cond"),
        dir.join("pasted.cond"),
    )
    .unwrap();
    let levels = ["low", "medium", "high"];
    let mut cases = String::new();
    let mut n = 0;
    for tag in levels {
        for reader in levels {
            let rank = |l: &str| levels.iter().position(|x| *x == l).unwrap();
            let inside = rank(reader) >= rank(tag);
            let outside = inside && tag != "high";
            for (when, now, ok) in [
                ("inside", "2030-01-01T10:00:00Z", inside),
                ("before", "2025-06-01T00:00:00Z", outside),
            ] {
                let expect = if ok { "allow" } else { "deny" };
                cases.push_str(&case(
                    &format!("{tag} blob {reader} reader {when}"),
                    tag,
                    reader,
                    now,
                    expect,
                ));
                n += 1;
            }
        }
    }
    for (now, expect) in [
        ("2025-06-09T12:00:00.0000000Z", "deny"),
        ("2025-06-09T12:00:00.0000001Z", "allow"),
        ("2045-06-09T20:59:59.9999999Z", "allow"),
        ("2045-06-09T21:00:00.0000000Z", "deny"),
    ] {
        cases.push_str(&case(
            &format!("high high at {now}"),
            "high",
            "high",
            now,
            expect,
        ));
        n += 1;
    }
    cases.push_str("  - name: untagged\n    request: {}\n    expect: allow\n  - name: listing\n    request: { subOperation: Blob.List }\n    expect: allow\n  - name: writing\n    request: { action: Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write }\n    expect: allow\n");
    n += 3;
    assert_eq!(n, 25);
    let written = dir.join("written.test.yaml");
    std::fs::write(&written, scenario(&cases)).unwrap();
    let pasted = dir.join("pasted.test.yaml");
    std::fs::write(
        &pasted,
        scenario(&cases).replace("access-levels.cond", "pasted.cond"),
    )
    .unwrap();
    for file in [&written, &pasted] {
        let o = azcond(&["test", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
        assert!(
            out(&o).trim_end().ends_with("25 passed, 0 failed"),
            "{}",
            out(&o)
        );
    }
}

#[test]
fn bad_scenario_files_name_the_file_case_and_field() {
    let dir = scratch("scenario-bad");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let cases = [
        (write("unknown-key.test.yaml", "condition: ActionMatches{'x'}\ncases:\n  - name: a\n    request: {action: x}\n    expected: allow\n"), "unknown-key.test.yaml:5: unknown field `expected`"),
        (write("no-file.test.yaml", "condition_file: nowhere.cond\ncases: []\n"), "no-file.test.yaml: condition_file: cannot read `"),
        (write("bad-request.test.yaml", "condition: ActionMatches{'x'}\ncases:\n  - name: typo\n    request: {action: x, principle: {}}\n    expect: allow\n"), "bad-request.test.yaml:3: case `typo`: request: unknown field `principle`"),
        (write("no-action.test.json", "{\"condition\": \"ActionMatches{'x'}\", \"cases\": [{\"name\": \"a\", \"request\": {}, \"expect\": \"deny\"}]}"), "no-action.test.json:1: case `a`: request: missing field `action`"),
        (write("both.test.yaml", "condition: ActionMatches{'x'}\ncondition_file: access-levels.cond\ncases: []\n"), "not both"),
        (write("broken.test.yaml", "condition: ActionMatches{'x'\ncases:\n  - name: a\n    request: {action: x}\n    expect: allow\n"), "the condition does not parse"),
        (write("bad-expect.test.yaml", "condition: ActionMatches{'x'}\ncases:\n  - name: a\n    request: {action: x}\n    expect: maybe\n"), "bad-expect.test.yaml:5: unknown variant `maybe`"),
    ];
    for (path, expected) in cases {
        let o = azcond(&["test", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", path.display());
        assert!(
            err(&o).contains(expected),
            "{}: {}",
            path.display(),
            err(&o)
        );
    }
}

#[test]
fn now_pins_utc_now_for_cases_that_do_not_set_it() {
    let dir = scratch("scenario-now");
    let file = dir.join("now.test.yaml");
    let text = format!(
        "condition_file: access-levels.cond\ndefaults:\n  action: Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\n  resource: {{ \"{TAGS}\": {{ access_level: high }} }}\n  principal: {{ \"{CSA}\": high }}\ncases:\n  - name: high reader\n    request: {{}}\n    expect: allow\n"
    );
    std::fs::write(&file, text).unwrap();
    assert_eq!(
        azcond(&[
            "test",
            "--now",
            "2030-01-01T00:00:00Z",
            file.to_str().unwrap()
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        azcond(&[
            "test",
            "--now",
            "2020-01-01T00:00:00Z",
            file.to_str().unwrap()
        ])
        .status
        .code(),
        Some(1)
    );
}

#[test]
fn coverage_reports_untested_outcomes_and_threshold_fails_under_it() {
    let dir = scratch("scenario-coverage");
    let file = dir.join("one.test.yaml");
    std::fs::write(
        &file,
        scenario(&case(
            "one case",
            "low",
            "low",
            "2030-01-01T00:00:00Z",
            "allow",
        )),
    )
    .unwrap();
    let o = azcond(&["test", "--coverage", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let text = out(&o);
    assert!(text.contains("coverage:"), "{text}");
    assert!(text.contains("never false"), "{text}");
    assert!(text.contains("never run"), "{text}");
    assert_eq!(
        azcond(&["test", "--threshold", "90", file.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        azcond(&["test", "--threshold", "5", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        azcond(&["test", "--threshold", "150", file.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn json_and_junit_reports() {
    let dir = scratch("scenario-formats");
    let file = dir.join("two.test.yaml");
    let cases = format!(
        "{}{}",
        case("passes", "low", "low", "2030-01-01T00:00:00Z", "allow"),
        case(
            "fails <here>",
            "high",
            "low",
            "2030-01-01T00:00:00Z",
            "allow"
        )
    );
    std::fs::write(&file, scenario(&cases)).unwrap();
    let o = azcond(&[
        "test",
        "--format",
        "json",
        "--coverage",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (json["passed"].as_u64(), json["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let second = &json["files"][0]["cases"][1];
    assert_eq!(
        (second["expected"].as_str(), second["actual"].as_str()),
        (Some("allow"), Some("deny"))
    );
    assert_eq!(second["line"], 11);
    assert!(json["files"][0]["coverage"]["nodes"].is_array());

    let o = azcond(&["test", "--format", "junit", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let xml = out(&o);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"azcond\" tests=\"2\" failures=\"1\" errors=\"0\">"), "{xml}");
    assert!(xml.contains("name=\"fails &lt;here&gt;\""), "{xml}");
    assert!(
        xml.contains("<failure message=\"expected allow, got deny\">"),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 2);
}

#[test]
fn expect_error_matches_evaluation_errors() {
    let dir = scratch("scenario-error");
    let file = dir.join("err.test.yaml");
    std::fs::write(&file, "condition: \"@Request[a] GuidEquals 28c35fea-2099-4cf5-8ad9-473547bc9423\"\ncases:\n  - name: not a GUID\n    request: { action: x, request: { a: someone } }\n    expect: error\n  - name: said deny but it is an error\n    request: { action: x, request: { a: someone } }\n    expect: deny\n").unwrap();
    let o = azcond(&["test", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert!(text.contains("expected deny, got error"), "{text}");
    assert!(text.contains("error[invalid-value]"), "{text}");
    assert!(text.trim_end().ends_with("1 passed, 1 failed"), "{text}");
}
