//! Corpus-driven tests: every condition under `corpus/valid` and `corpus/authoring` parses and
//! formats stably; every one under `corpus/invalid` is rejected with the error recorded beside
//! it in a `.err` file.
//! Each test reports all failing files at once.
//!
//! To re-record the `.err` files after changing a message: `AZCOND_BLESS=1 cargo test --test corpus`,
//! then read the diff.

mod common;

use azcond::ast::LexicalNoteKind;
use azcond::Diagnostic;
use common::{corpus, files, report, without_comment_lines};

/// The conditions that must parse: real ones (documented or not) and the authoring examples.
fn parseable() -> Vec<std::path::PathBuf> {
    let mut all = files(&corpus().join("valid"), ".cond");
    all.extend(files(&corpus().join("undocumented"), ".cond"));
    all.extend(files(&corpus().join("authoring"), ".cond"));
    all
}

#[test]
fn every_valid_condition_parses() {
    let mut failures = Vec::new();
    let all = parseable();
    assert!(
        all.len() >= 86,
        "corpus has only {} parseable files",
        all.len()
    );
    for path in &all {
        let text = std::fs::read_to_string(path).unwrap();
        if let Err(e) = azcond::parse(&text) {
            failures.push(Diagnostic::from(&e).render(&text, &path.display().to_string()));
        }
    }
    report("valid conditions", &failures);
}

#[test]
fn fmt_is_idempotent_and_single_line_formats_back() {
    let mut failures = Vec::new();
    for path in parseable() {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(condition) = azcond::parse(&text) else {
            continue; // reported by every_valid_condition_parses
        };
        let pretty = condition.to_pretty_string();
        match azcond::parse(&pretty) {
            Ok(again) if again.to_pretty_string() == pretty => {}
            Ok(again) => failures.push(format!(
                "{name}: fmt is not idempotent\n--- once\n{pretty}\n--- twice\n{}",
                again.to_pretty_string()
            )),
            Err(e) => failures.push(format!("{name}: pretty form does not parse: {e}\n{pretty}")),
        }
        let single = condition.to_single_line_string();
        if single.contains('\n') {
            failures.push(format!("{name}: single-line form has a line break"));
        }
        match azcond::parse(&single) {
            Ok(back) => {
                let expected = without_comment_lines(&pretty);
                if back.to_pretty_string() != expected {
                    failures.push(format!(
                        "{name}: single-line form formats differently\n--- pretty\n{expected}\n--- from single line\n{}",
                        back.to_pretty_string()
                    ));
                }
                if back.to_single_line_string() != single {
                    failures.push(format!("{name}: single-line form is not stable"));
                }
            }
            Err(e) => failures.push(format!(
                "{name}: single-line form does not parse: {e}\n{single}"
            )),
        }
    }
    report("format round trips", &failures);
}

#[test]
fn every_invalid_condition_fails_with_its_recorded_error() {
    let bless = std::env::var_os("AZCOND_BLESS").is_some_and(|v| !v.is_empty());
    let dir = corpus().join("invalid");
    let all = files(&dir, ".cond");
    assert!(
        all.len() >= 25,
        "corpus/invalid has only {} files",
        all.len()
    );
    let mut failures = Vec::new();
    for path in &all {
        let file_name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let expected_path = path.with_extension("err");
        let rendered = match azcond::parse(&text) {
            Ok(c) => {
                failures.push(format!("{file_name}: parsed, but should fail; got\n{c:#}"));
                continue;
            }
            Err(e) => Diagnostic::from(&e).render(&text, &format!("invalid/{file_name}")),
        };
        if bless {
            std::fs::write(&expected_path, &rendered).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == rendered => {}
            Ok(expected) => failures.push(format!(
                "{file_name}: error differs\n--- expected ({})\n{expected}--- actual\n{rendered}",
                expected_path.display()
            )),
            Err(_) => failures.push(format!(
                "{file_name}: no {} (run with AZCOND_BLESS=1 to record)\n{rendered}",
                expected_path.display()
            )),
        }
    }
    report("invalid conditions", &failures);
}

#[test]
fn every_recorded_error_has_its_condition() {
    let dir = corpus().join("invalid");
    let orphans: Vec<String> = files(&dir, ".err")
        .into_iter()
        .filter(|p| !p.with_extension("cond").exists())
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        orphans.is_empty(),
        "error files without a condition: {orphans:?}"
    );
}

#[test]
fn seed_example_pasted_with_nbsp_reads_as_written() {
    let dir = corpus().join("authoring");
    let written = std::fs::read_to_string(dir.join("access-levels.cond")).unwrap();
    let pasted = std::fs::read_to_string(dir.join("access-levels-pasted.cond")).unwrap();
    assert!(
        pasted.contains('\u{a0}'),
        "the pasted copy must carry NBSPs"
    );
    let written = azcond::parse(&written).unwrap();
    let pasted = azcond::parse(&pasted).unwrap();
    assert_eq!(written.to_pretty_string(), pasted.to_pretty_string());
    let nbsp = pasted
        .notes()
        .iter()
        .filter(|n| n.kind == LexicalNoteKind::UnusualWhitespace('\u{a0}'))
        .count();
    assert!(nbsp > 100, "only {nbsp} NBSPs recorded");
    assert!(!written
        .notes()
        .iter()
        .any(|n| matches!(n.kind, LexicalNoteKind::UnusualWhitespace(_))));
}

#[test]
fn seed_example_keeps_its_comments_when_formatted() {
    let text = std::fs::read_to_string(corpus().join("authoring/access-levels.cond")).unwrap();
    let condition = azcond::parse(&text).unwrap();
    let pretty = condition.to_pretty_string();
    let comments_in = text
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .count();
    let comments_out = pretty
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .count();
    assert_eq!(comments_in, comments_out);
    assert!(pretty.starts_with("# Condition that allows users within scope"));
    assert!(!condition.to_single_line_string().contains('#'));
}
