//! The GitHub Action (`.github/actions/check`) and the pre-commit hooks
//! (`.pre-commit-hooks.yaml`): their definitions are what GitHub and pre-commit read, and their
//! scripts do what the README says. The pre-commit test installs the hook with pre-commit itself
//! (`pre-commit try-repo`), which builds azcond: it is `#[ignore]`d here and run by `.ci/run`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &Path) -> serde_json::Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ci").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const BROKEN: &str =
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:nmae] StringEquals 'logs'";

#[test]
fn the_action_is_a_composite_action_whose_inputs_reach_its_script() {
    let action = yaml(&repo().join(".github/actions/check/action.yml"));
    assert_eq!(action["runs"]["using"], "composite");
    for input in ["paths", "args", "sarif"] {
        assert!(
            action["inputs"][input]["description"].is_string(),
            "{input}"
        );
    }
    let steps = action["runs"]["steps"].as_array().unwrap();
    assert!(steps[0]["run"]
        .as_str()
        .unwrap()
        .contains("cargo install --locked --path"));
    assert_eq!(steps[1]["env"]["AZCOND_PATHS"], "${{ inputs.paths }}");
    assert!(steps[1]["run"].as_str().unwrap().contains("check.sh"));
}

#[test]
fn the_action_script_writes_sarif_and_annotations_and_fails_on_errors() {
    let dir = scratch("action");
    std::fs::write(dir.join("bad.cond"), BROKEN).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_azcond"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = dir.join("github-output");
    let o = Command::new(repo().join(".github/actions/check/check.sh"))
        .current_dir(&dir)
        .env("PATH", path)
        .env("AZCOND_PATHS", ".")
        .env("AZCOND_ARGS", "--deny-warnings")
        .env("AZCOND_SARIF", "azcond.sarif")
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let annotations = String::from_utf8_lossy(&o.stdout);
    assert!(
        annotations.starts_with("::error file=./bad.cond,line=1,col=1,"),
        "{annotations}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("azcond.sarif")).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "unknown-attribute"
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "sarif=azcond.sarif\n"
    );
}

#[test]
fn the_hooks_are_rust_hooks_for_check_and_fmt() {
    let hooks = yaml(&repo().join(".pre-commit-hooks.yaml"));
    let hooks = hooks.as_array().unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["azcond-check", "azcond-fmt"]);
    assert!(hooks.iter().all(|h| h["language"] == "rust"));
    assert_eq!(hooks[0]["entry"], "azcond check --allow-empty");
}

/// `pre-commit try-repo` installs the hooks from this repository (building azcond) and runs them
/// on a small repository: a broken condition fails `azcond-check`; a condition Azure accepts but
/// written in lower case passes it and fails `azcond-fmt`.
#[test]
#[ignore = "needs pre-commit (pip install pre-commit) and builds azcond; .ci/run runs it"]
fn pre_commit_runs_the_hooks_from_this_repository() {
    let dir = scratch("pre-commit");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["config", "user.email", "ci@example.com"]);
    git(&["config", "user.name", "ci"]);
    std::fs::write(dir.join("good.cond"), "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'\n").unwrap();
    std::fs::write(dir.join("bad.cond"), format!("{BROKEN}\n")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "conditions"]);
    let run = |hook: &str| {
        Command::new("pre-commit")
            .args(["try-repo", repo().to_str().unwrap(), hook, "--all-files"])
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let o = run("azcond-check");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        !o.status.success(),
        "the broken condition fails the hook: {out}"
    );
    assert!(out.contains("unknown-attribute"), "{out}");
    std::fs::remove_file(dir.join("bad.cond")).unwrap();
    // Azure accepts lower-case operators (a warning), which are not the canonical form.
    std::fs::write(dir.join("lower.cond"), "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] stringequals 'logs'\n").unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-qm", "fixed"]);
    let o = run("azcond-check");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let o = run("azcond-fmt");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("lower.cond:1: not in canonical form"), "{out}");
}
