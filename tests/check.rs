//! `check` rules that need no catalog, through the library and the command line.

mod common;

use std::process::Command;

use azcond::check::{check, AZURE_MAX_LEN};
use azcond::Severity;

const GUARDED: &str = "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'))";

fn codes(src: &str) -> Vec<(String, Severity, String)> {
    check(src)
        .findings
        .into_iter()
        .map(|f| {
            let text = f.span.slice(src).unwrap_or("").to_string();
            (f.code, f.severity, text)
        })
        .collect()
}

#[test]
fn documented_pattern_has_no_finding() {
    assert!(codes(GUARDED).is_empty());
}

#[test]
fn syntax_error_is_one_error_finding_with_the_parse_code() {
    let c = codes("ActionMatches{'a'} AND");
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].0.as_str(), c[0].1), ("syntax", Severity::Error));
}

#[test]
fn comments_are_errors() {
    let src = format!("# why\n{GUARDED} // and more");
    let c = codes(&src);
    assert_eq!(
        c,
        [
            ("comment".into(), Severity::Error, "# why".into()),
            ("comment".into(), Severity::Error, "// and more".into())
        ]
    );
}

#[test]
fn invisible_characters_are_errors_naming_the_character() {
    let src = GUARDED.replacen(" OR ", "\u{a0}\u{a0}OR\u{200b}", 1);
    let report = check(&src);
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "2 invisible characters U+00A0 (no-break space); Azure rejects the condition",
            "invisible character U+200B (zero width space); Azure rejects the condition"
        ]
    );
    assert!(report.has_errors());
}

#[test]
fn over_8_kb_is_an_error() {
    let long = vec![GUARDED; AZURE_MAX_LEN / GUARDED.len() + 1].join(" AND ");
    assert!(codes(&long)
        .iter()
        .any(|(c, s, _)| c == "too-long" && *s == Severity::Error));
    let short = vec![GUARDED; AZURE_MAX_LEN / GUARDED.len() / 2].join(" AND ");
    // The same clause repeated: every repetition but the first is redundant, and nothing else.
    let found = codes(&short);
    assert!(!found.is_empty());
    assert!(found
        .iter()
        .all(|(c, s, _)| c == "redundant-clause" && *s == Severity::Info));
}

#[test]
fn mixed_and_or_without_parentheses_is_a_warning_on_the_and_chain() {
    let src = "ActionMatches{'a'} AND ActionMatches{'b'} OR ActionMatches{'c'}";
    assert_eq!(
        codes(src),
        [
            (
                "ambiguous-precedence".into(),
                Severity::Warning,
                "ActionMatches{'a'} AND ActionMatches{'b'}".into()
            ),
            // No action is both `a` and `b`.
            (
                "redundant-clause".into(),
                Severity::Info,
                "ActionMatches{'a'} AND ActionMatches{'b'}".into()
            )
        ]
    );
    assert!(codes(
        "(ActionMatches{'a'} AND SubOperationMatches{'Blob.List'}) OR ActionMatches{'c'}"
    )
    .is_empty());
    assert!(!check(src).has_errors());
}

#[test]
fn non_canonical_casing_is_a_warning() {
    let src = GUARDED.replace("StringEquals", "stringequals");
    assert_eq!(
        codes(&src),
        [(
            "non-canonical-casing".into(),
            Severity::Warning,
            "stringequals".into()
        )]
    );
}

#[test]
fn the_documented_corpus_has_no_errors_and_only_the_expected_warnings() {
    let mut findings = Vec::new();
    for path in common::files(&common::corpus().join("valid"), ".cond") {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        for f in check(&text).findings {
            findings.push(format!("{name} {} {}", f.severity.name(), f.code));
        }
    }
    // Real conditions from public repositories whose guards cover actions their attributes do
    // not apply to: each is a genuine finding.
    let expected = [
        // The `&$keys$&` test is implied by the comparison of the key's value beside it.
        "013.cond info redundant-clause",
        // Microsoft's private-link examples: `name == c AND endpoint == e OR name != c` needs
        // no `name == c`, since every request of the guarded blob actions names its container.
        "040.cond info redundant-clause",
        "049.cond info redundant-clause",
        "055.cond info redundant-clause",
        "160.cond warning attribute-not-applicable",
        "160.cond warning attribute-not-applicable",
        "208.cond warning list-not-excluded",
        "214.cond warning list-not-excluded",
        "217.cond warning list-not-excluded",
        "241.cond warning unknown-action",
    ];
    assert_eq!(findings, expected);
}

#[test]
fn undocumented_attributes_are_errors() {
    let mut codes = Vec::new();
    for path in common::files(&common::corpus().join("undocumented"), ".cond") {
        let text = std::fs::read_to_string(&path).unwrap();
        let report = check(&text);
        assert!(report.has_errors(), "{}", path.display());
        codes.extend(report.findings.into_iter().map(|f| f.code));
    }
    assert_eq!(
        codes,
        [
            "unknown-attribute",
            "attribute-source",
            "unknown-attribute",
            "unknown-attribute"
        ]
    );
}

fn azcond(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cli_check_exits_1_on_errors_and_prints_located_findings() {
    let file = common::corpus().join("authoring/access-levels.cond");
    let o = azcond(&["check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("error[comment]"), "{out}");
    assert!(out.contains("access-levels.cond:1:1"), "{out}");
    assert!(
        out.trim_end()
            .ends_with("checked 1 condition: 20 errors, 0 warnings"),
        "{out}"
    );
}

#[test]
fn cli_check_exits_0_on_a_clean_directory() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-clean");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("nested/a.cond"), GUARDED).unwrap();
    std::fs::write(dir.join("ignored.txt"), "not a condition").unwrap();
    let o = azcond(&["check", dir.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("checked 1 condition: 0 errors, 0 warnings")
    );
}

#[test]
fn cli_check_deny_warnings_turns_warnings_into_errors() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-warn");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("w.cond");
    std::fs::write(&file, "ActionMatches{'a'} and ActionMatches{'b'}").unwrap();
    assert_eq!(
        azcond(&["check", file.to_str().unwrap()]).status.code(),
        Some(0)
    );
    assert_eq!(
        azcond(&["check", "--deny-warnings", file.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn cli_check_json_follows_the_documented_schema() {
    let file = common::corpus().join("invalid/unclosed-paren.cond");
    let o = azcond(&["check", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["conditions_checked"], 1);
    let f = &json["findings"][0];
    assert_eq!(f["code"], "unclosed-paren");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(7), Some(96))
    );
    assert!(f["file"].as_str().unwrap().ends_with("unclosed-paren.cond"));
    assert!(f["json_path"].is_null());
    for key in ["message", "end_line", "end_column", "help"] {
        assert!(f.get(key).is_some(), "{key}");
    }
}
