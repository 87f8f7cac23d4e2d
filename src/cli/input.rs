//! Reading conditions from files, directories and standard input, with the size limit applied
//! before anything is read whole, and clear errors for what cannot be read.

use std::io::Read;
use std::path::{Path, PathBuf};

use azcond::parse::DEFAULT_MAX_LEN;

/// A text read from a file or standard input.
pub struct Input {
    /// The name to show: the path as given, or `<stdin>`.
    pub name: String,
    /// Where it came from, `None` for standard input.
    pub path: Option<PathBuf>,
    /// The text.
    pub text: String,
}

/// Reads `path` (`-` for standard input) as UTF-8, refusing more than `max_len` bytes.
pub fn read(path: &str, max_len: usize) -> Result<Input, String> {
    let (name, file_path, bytes) = if path == "-" {
        let bytes = read_limited(std::io::stdin().lock(), max_len)
            .map_err(|e| format!("cannot read standard input: {e}"))?
            .ok_or_else(|| format!("standard input is larger than the limit of {max_len} bytes"))?;
        ("<stdin>".to_string(), None, bytes)
    } else {
        let p = Path::new(path);
        let meta = std::fs::metadata(p).map_err(|e| format!("cannot read `{path}`: {e}"))?;
        if meta.is_dir() {
            return Err(format!("`{path}` is a directory"));
        }
        if meta.len() > max_len as u64 {
            return Err(format!(
                "`{path}` is {} bytes, larger than the limit of {max_len} bytes",
                meta.len()
            ));
        }
        let file = std::fs::File::open(p).map_err(|e| format!("cannot read `{path}`: {e}"))?;
        let bytes = read_limited(file, max_len)
            .map_err(|e| format!("cannot read `{path}`: {e}"))?
            .ok_or_else(|| format!("`{path}` is larger than the limit of {max_len} bytes"))?;
        (path.to_string(), Some(p.to_path_buf()), bytes)
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = e.as_bytes().get(..offset).unwrap_or_default();
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        format!("`{name}` is not valid UTF-8: invalid byte at offset {offset} (line {line})")
    })?;
    Ok(Input {
        name,
        path: file_path,
        text,
    })
}

/// Reads at most `max_len` bytes; `None` if there is more.
fn read_limited(reader: impl Read, max_len: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(max_len as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= max_len).then_some(bytes))
}

/// The default input-size limit of the command line: one condition, a request, a scenario file.
pub const MAX_LEN: usize = DEFAULT_MAX_LEN;

/// The limit for JSON and Terraform documents, which hold many conditions (an `az role
/// assignment list` dump or a Terraform plan of a large estate); each condition inside is still
/// held to [`MAX_LEN`] by the parser.
pub const MAX_DOCUMENT_LEN: usize = 64 * 1024 * 1024;

/// Expands the paths given on the command line: files as they are, directories into the files
/// below them whose names end with one of `extensions`, sorted. No paths means standard input.
pub fn expand(paths: &[String], extensions: &[&str]) -> Result<Vec<String>, String> {
    if paths.is_empty() {
        return Ok(vec!["-".to_string()]);
    }
    let mut out = Vec::new();
    for path in paths {
        let p = Path::new(path);
        if path != "-" && p.is_dir() {
            out.extend(files_below(p, extensions)?);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Directories a search does not enter: version control, build output, dependencies.
const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform"];

/// The files below `dir` whose names end with one of `extensions`, sorted.
pub fn files_below(dir: &Path, extensions: &[&str]) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    walk(dir, extensions, &mut found)?;
    found.sort();
    Ok(found.into_iter().map(|f| f.display().to_string()).collect())
}

fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if file_type.is_dir() {
            let skipped = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| SKIPPED_DIRS.contains(&n));
            if !skipped {
                walk(&path, extensions, out)?;
            }
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| extensions.iter().any(|ext| n.ends_with(ext)))
        {
            out.push(path);
        }
    }
    Ok(())
}
