//! `check --format sarif` validates against the SARIF 2.1.0 schema (tests/data), on the whole
//! corpus (every kind of finding and document) and on a failed run.

mod common;

use std::process::Command;

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn sarif(args: &[&str]) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(["check", "--format", "sarif"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&o.stdout).unwrap()
}

fn assert_valid(report: &serde_json::Value) {
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(20)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_report_of_the_whole_corpus_is_valid_sarif() {
    let report = sarif(&[common::corpus().to_str().unwrap()]);
    assert!(report["runs"][0]["results"].as_array().unwrap().len() > 150);
    assert_valid(&report);
}

#[test]
fn a_failed_run_with_skipped_files_is_valid_sarif() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif-failed");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a b.cond"), "ActionMatches{'x'} AND").unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.join("out.cond")).unwrap();
    let report = sarif(&[
        dir.to_str().unwrap(),
        dir.join("missing.cond").to_str().unwrap(),
    ]);
    let run = &report["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_valid(&report);
}

#[test]
fn the_validator_rejects_what_is_not_sarif() {
    let mut report = sarif(&[common::corpus()
        .join("invalid/empty.cond")
        .to_str()
        .unwrap()]);
    report["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(validator().iter_errors(&report).next().is_some());
}
