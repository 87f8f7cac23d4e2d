//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository's `corpus/` directory.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The files directly in `dir` ending with `ext`, sorted.
pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    out.sort();
    out
}

/// Panics listing every failure, so one run shows all of them.
pub fn report(what: &str, failures: &[String]) {
    if !failures.is_empty() {
        panic!(
            "{} {what} failed:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

/// Drops comment lines from a pretty-printed condition (the pretty printer puts each comment
/// on its own line).
pub fn without_comment_lines(pretty: &str) -> String {
    pretty
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with('#') || t.starts_with("//"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
