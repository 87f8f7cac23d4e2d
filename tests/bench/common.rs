//! Inputs shared by the benchmarks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Every condition of `corpus/valid`, `corpus/undocumented` and `corpus/authoring`.
pub fn conditions() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["valid", "undocumented", "authoring"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "cond"))
            .collect();
        files.sort();
        out.extend(files.iter().map(|f| std::fs::read_to_string(f).unwrap()));
    }
    out
}

pub fn seed() -> String {
    std::fs::read_to_string(corpus().join("authoring/access-levels.cond")).unwrap()
}

/// A condition of about `bytes` bytes: guarded clauses joined by AND, each comparing the
/// `Project` tag with a value of its own (so that none is decided from another's memo; the
/// guard is the same in every clause, as in conditions the portal writes), each true for a
/// blob tagged `Project: Cascade`.
pub fn sized(bytes: usize) -> String {
    let clause = |i: usize| {
        format!("((!(ActionMatches{{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringNotEquals 'Archive-{i:06}'))")
    };
    let n = (bytes / (clause(0).len() + 5)).max(1);
    (0..n).map(clause).collect::<Vec<_>>().join(" AND ")
}
