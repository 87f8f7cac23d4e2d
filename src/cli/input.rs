//! The paths a command is given: files as named (`-` is standard input), directories walked
//! (see `walk.rs`), each read through the library's one reader (`azcond::input`).

use std::path::{Path, PathBuf};

use azcond::input::{read_file, read_stdin, Allow, ReadError};
use azcond::parse::DEFAULT_MAX_LEN;

pub use azcond::input::Input;

use super::walk::{self, Skipped};

/// The default input-size limit of the command line: one condition, a request, a scenario file.
pub const MAX_LEN: usize = DEFAULT_MAX_LEN;

/// The limit for JSON, Terraform and YAML documents, which hold many conditions (an `az role
/// assignment list` dump or a Terraform plan of a large estate); each condition inside is still
/// held to [`MAX_LEN`] by the parser.
pub const MAX_DOCUMENT_LEN: usize = 64 * 1024 * 1024;

/// Where a command takes its one condition from: `-c TEXT`, or a file (`-` for standard input).
#[derive(clap::Args, Debug)]
pub struct ConditionSource {
    /// The condition text (instead of a file).
    #[arg(
        short = 'c',
        long = "condition",
        value_name = "TEXT",
        conflicts_with = "file"
    )]
    pub condition: Option<String>,
    /// The condition file, or `-` for standard input.
    #[arg(required_unless_present = "condition")]
    pub file: Option<String>,
}

impl ConditionSource {
    /// The condition's name for messages (`<condition>` for `-c`) and its text. A file's
    /// byte-order mark is dropped: these commands ask what the condition means, which the mark
    /// does not change (`check` is the one that reports it), and positions then match an
    /// editor's.
    pub fn read(&self) -> Result<(String, String), String> {
        match (&self.condition, &self.file) {
            (Some(text), _) => Ok(("<condition>".to_string(), text.clone())),
            (None, Some(path)) => read(path, MAX_LEN)
                .map(|mut i| {
                    i.strip_bom();
                    (i.name, i.text)
                })
                .map_err(|e| e.to_string()),
            (None, None) => Err("give a condition file or `-c TEXT`".into()),
        }
    }
}

/// Reads `path` (`-` for standard input), refusing more than `limit` bytes. A path named on the
/// command line may be a named pipe (`<(…)` in bash); devices and sockets are refused.
pub fn read(path: &str, limit: usize) -> Result<Input, ReadError> {
    if path == "-" {
        read_stdin(limit)
    } else {
        read_file(Path::new(path), path, limit, Allow::NamedPipes)
    }
}

/// A path to read: named on the command line, or found by walking a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The path; `None` for standard input.
    pub path: Option<PathBuf>,
    /// The name to show (a name that is not UTF-8 shown with `�` for its bad bytes).
    pub name: String,
    /// Named on the command line rather than found.
    pub explicit: bool,
}

impl Target {
    /// Reads it, refusing more than `limit` bytes; a path found by a walk must be a regular file.
    pub fn read(&self, limit: usize) -> Result<Input, ReadError> {
        match &self.path {
            None => read_stdin(limit),
            Some(p) => {
                let allow = if self.explicit {
                    Allow::NamedPipes
                } else {
                    Allow::RegularFiles
                };
                read_file(p, &self.name, limit, allow)
            }
        }
    }
}

/// What the command line's paths came to.
#[derive(Debug, Default)]
pub struct Expanded {
    /// What to read, in order: each path given, a directory's files in path order.
    pub targets: Vec<Target>,
    /// What walks found and did not read.
    pub skipped: Vec<Skipped>,
    /// What walks could not read.
    pub errors: Vec<String>,
}

/// Expands the command line's paths: files as they are, directories into the files below them
/// that `wanted` accepts. No paths means `default` (standard input, or the current directory).
pub fn expand(
    paths: &[String],
    default: &str,
    wanted: &dyn Fn(&Path) -> bool,
    exclude: Option<&ignore::gitignore::Gitignore>,
) -> Expanded {
    let given: Vec<String> = if paths.is_empty() {
        vec![default.to_string()]
    } else {
        paths.to_vec()
    };
    let mut out = Expanded::default();
    for path in given {
        if path != "-" && Path::new(&path).is_dir() {
            let found = walk::walk(Path::new(&path), wanted, exclude);
            out.targets.extend(found.files.into_iter().map(|f| Target {
                name: f.display().to_string(),
                path: Some(f),
                explicit: false,
            }));
            out.skipped.extend(found.skipped);
            out.errors.extend(found.errors);
        } else {
            out.targets.push(Target {
                path: (path != "-").then(|| PathBuf::from(&path)),
                name: if path == "-" { "<stdin>".into() } else { path },
                explicit: true,
            });
        }
    }
    out
}
