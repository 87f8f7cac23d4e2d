//! Directory walks, the same for every command (`check`, `fmt`, `test`): the `ignore` crate's
//! walker, which honours `.gitignore` and finds symbolic-link loops, with azcond's rules on top.
//!
//! - Only regular files are read. A named pipe, socket or device is listed as skipped with its
//!   kind: opening one could wait forever.
//! - A symbolic link is followed only to a target inside the walk's root (the repository the
//!   directory is in, or the directory itself outside any repository), and each file is read
//!   once, however many links lead to it. A link out of the root, a broken link and a loop are
//!   listed as skipped.
//! - Version control, build output and dependency folders are not entered.
//! - A file or folder that cannot be read is an error, never passed over.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use azcond::input::{file_kind, repository_root, FileKind};

/// Directories a walk does not enter: version control, build output, dependencies.
const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform"];

/// A file a walk found and did not read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The path as found.
    pub path: PathBuf,
    /// Why it was not read.
    pub reason: String,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Regular files the caller wants, in path order, each once.
    pub files: Vec<PathBuf>,
    /// Entries not read, with the reason.
    pub skipped: Vec<Skipped>,
    /// Files and folders that could not be read.
    pub errors: Vec<String>,
}

/// Walks `dir` for the regular files `wanted` accepts (by name), leaving out what `exclude`
/// (the configuration's `paths.exclude`) matches.
pub fn walk(
    dir: &Path,
    wanted: &dyn Fn(&Path) -> bool,
    exclude: Option<&ignore::gitignore::Gitignore>,
) -> Walk {
    let mut out = Walk::default();
    let root = match repository_root(dir) {
        Ok(root) => root,
        Err(e) => {
            out.errors
                .push(format!("cannot read `{}`: {e}", dir.display()));
            return out;
        }
    };
    let pruned: Arc<Mutex<Vec<Skipped>>> = Arc::default();
    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .follow_links(true)
        .hidden(false)
        .git_global(false)
        .parents(true)
        .sort_by_file_name(|a, b| a.cmp(b));
    {
        let pruned = Arc::clone(&pruned);
        let root = root.clone();
        let exclude = exclude.cloned();
        builder.filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if let Some(exclude) = &exclude {
                if excluded(exclude, entry.path(), is_dir) {
                    return false;
                }
            }
            if is_dir && entry.depth() > 0 {
                let name = entry.file_name().to_str().unwrap_or("");
                if SKIPPED_DIRS.contains(&name) {
                    return false;
                }
            }
            if !entry.path_is_symlink() {
                return true;
            }
            let reason = match std::fs::canonicalize(entry.path()) {
                Ok(target) if target.starts_with(&root) => return true,
                Ok(target) => format!(
                    "a symbolic link to `{}`, outside `{}`; walks do not leave the repository",
                    target.display(),
                    root.display()
                ),
                Err(_) => "a broken symbolic link".to_string(),
            };
            if let Ok(mut list) = pruned.lock() {
                list.push(Skipped {
                    path: entry.path().to_path_buf(),
                    reason,
                });
            }
            false
        });
    }
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for result in builder.build() {
        let entry = match result {
            Ok(entry) => entry,
            Err(e) => {
                match loop_of(&e) {
                    Some(child) => out.skipped.push(Skipped {
                        path: child,
                        reason: "a symbolic link that loops back to a folder above it".into(),
                    }),
                    None if is_soft(&e) => {}
                    None => out.errors.push(e.to_string()),
                }
                continue;
            }
        };
        let path = entry.path();
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            continue;
        }
        if !wanted(path) {
            continue;
        }
        let kind = match std::fs::metadata(path) {
            Ok(meta) => file_kind(&meta),
            Err(e) => {
                out.errors
                    .push(format!("cannot read `{}`: {e}", path.display()));
                continue;
            }
        };
        if kind != FileKind::Regular {
            out.skipped.push(Skipped {
                path: path.to_path_buf(),
                reason: format!(
                    "{}; walks read regular files only (name it to read a pipe on purpose)",
                    kind.described()
                ),
            });
            continue;
        }
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if seen.insert(canonical) {
            out.files.push(path.to_path_buf());
        }
    }
    if let Ok(mut list) = pruned.lock() {
        out.skipped.append(&mut list);
    }
    out.files.sort();
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Whether `exclude` (gitignore-style globs from the configuration's folder) matches `path`.
pub fn excluded(exclude: &ignore::gitignore::Gitignore, path: &Path, is_dir: bool) -> bool {
    let Ok(absolute) = std::path::absolute(path) else {
        return false;
    };
    absolute.starts_with(exclude.path())
        && exclude
            .matched_path_or_any_parents(&absolute, is_dir)
            .is_ignore()
}

/// The link of a symbolic-link loop the walker found.
fn loop_of(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => loop_of(err),
        _ => None,
    }
}

/// Problems with an ignore file itself (a bad glob in `.gitignore`), which do not keep any file
/// from being found.
fn is_soft(e: &ignore::Error) -> bool {
    match e {
        ignore::Error::Partial(_)
        | ignore::Error::Glob { .. }
        | ignore::Error::UnrecognizedFileType(_)
        | ignore::Error::InvalidDefinition => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_soft(err),
        _ => false,
    }
}
