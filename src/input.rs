//! Reading input files: the one reader behind every command and the scenario loader.
//!
//! It refuses more than a limit before anything is read whole, reads only regular files (and a
//! named pipe, where the caller allows one: a path given on purpose), decodes UTF-8 with or
//! without a byte-order mark and UTF-16 with one, and, for paths that come from inside a file
//! (a scenario's `condition_file`), refuses any that resolve outside a root directory before
//! opening them, so that no byte of an outside file reaches any output.

use std::io::Read;
use std::path::{Path, PathBuf};

/// A text read from a file or standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The name to show: the path as given, or `<stdin>`.
    pub name: String,
    /// Where it came from, `None` for standard input.
    pub path: Option<PathBuf>,
    /// The text, decoded. A byte-order mark is kept as `U+FEFF` at the start: it is part of a
    /// condition read from a file (Azure rejects it), and [`Input::strip_bom`] removes it from
    /// documents, whose encoding it only announces.
    pub text: String,
    /// How the bytes were encoded.
    pub encoding: Encoding,
}

/// How an input's bytes were encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (what many Windows editors write).
    Utf8Bom,
    /// UTF-16, little-endian, with a byte-order mark (Windows PowerShell 5.1's `>`).
    Utf16Le,
    /// UTF-16, big-endian, with a byte-order mark.
    Utf16Be,
}

impl Input {
    /// Removes a leading byte-order mark: for JSON, YAML and Terraform documents, whose parsers
    /// would otherwise refuse it, and whose positions it would shift.
    pub fn strip_bom(&mut self) {
        if self.text.starts_with('\u{feff}') {
            self.text.drain(..'\u{feff}'.len_utf8());
        }
    }
}

/// Why an input could not be read. The messages name the path and never quote the content.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The operating system refused.
    #[error("cannot read `{name}`: {error}")]
    Io {
        /// The path as shown.
        name: String,
        /// What the system said.
        error: std::io::Error,
    },
    /// A directory where a file was expected.
    #[error("`{name}` is a directory")]
    Directory {
        /// The path as shown.
        name: String,
    },
    /// More bytes than the limit.
    #[error("`{name}` is {}larger than the limit of {limit} bytes", size.map(|s| format!("{s} bytes, ")).unwrap_or_default())]
    TooLarge {
        /// The path as shown.
        name: String,
        /// Its size, when the file system says.
        size: Option<u64>,
        /// The limit.
        limit: usize,
    },
    /// A device, socket or pipe where a regular file is needed.
    #[error("`{name}` is {kind}, not a regular file; azcond reads regular files, `-` (standard input) and named pipes given on the command line")]
    NotRegular {
        /// The path as shown.
        name: String,
        /// `a character device`, `a socket`, ….
        kind: &'static str,
    },
    /// Bytes that are not UTF-8 (nor UTF-16 with a byte-order mark).
    #[error("`{name}` is not valid UTF-8: invalid byte at offset {offset} (line {line})")]
    NotUtf8 {
        /// The path as shown.
        name: String,
        /// Offset of the first bad byte.
        offset: usize,
        /// Its line.
        line: usize,
    },
    /// Text in UTF-16 without a byte-order mark, which cannot be told apart reliably.
    #[error("`{name}` looks like UTF-16 without a byte-order mark; save it as UTF-8")]
    Utf16WithoutBom {
        /// The path as shown.
        name: String,
    },
    /// UTF-16 with a byte-order mark that does not decode.
    #[error("`{name}` starts with a UTF-16 byte-order mark but is not valid UTF-16 (at byte {offset}); save it as UTF-8")]
    BadUtf16 {
        /// The path as shown.
        name: String,
        /// Offset of the first bad unit.
        offset: usize,
    },
    /// A path, named inside a file, that resolves outside the root it must stay in.
    #[error("`{name}` resolves outside `{}`, so it is not read; name a file inside it{}", root.display(), if hint.is_empty() { String::new() } else { format!(" ({hint})") })]
    Outside {
        /// The path as written.
        name: String,
        /// The root.
        root: PathBuf,
        /// How to widen the root, if the caller offers a way.
        hint: &'static str,
    },
}

impl ReadError {
    /// Whether the input is larger than the limit.
    pub fn is_too_large(&self) -> bool {
        matches!(self, ReadError::TooLarge { .. })
    }
}

/// What a path may be, besides a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allow {
    /// Regular files only: what a directory walk or a path inside a file names.
    RegularFiles,
    /// Also a named pipe: a path given on the command line on purpose (`<(…)` in bash).
    NamedPipes,
}

/// Reads standard input as text, refusing more than `limit` bytes.
pub fn read_stdin(limit: usize) -> Result<Input, ReadError> {
    let name = "<stdin>".to_string();
    let bytes = read_limited(std::io::stdin().lock(), limit).map_err(|error| ReadError::Io {
        name: name.clone(),
        error,
    })?;
    let Some(bytes) = bytes else {
        return Err(ReadError::TooLarge {
            name,
            size: None,
            limit,
        });
    };
    let (text, encoding) = decode(bytes, &name)?;
    Ok(Input {
        name,
        path: None,
        text,
        encoding,
    })
}

/// Reads the file at `path` (shown as `name`) as text, refusing more than `limit` bytes before
/// reading it whole, and anything but a regular file (or a named pipe, if `allow` says so).
pub fn read_file(path: &Path, name: &str, limit: usize, allow: Allow) -> Result<Input, ReadError> {
    let io = |error| ReadError::Io {
        name: name.to_string(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let kind = file_kind(&meta);
    match kind {
        FileKind::Regular => {
            if meta.len() > limit as u64 {
                return Err(ReadError::TooLarge {
                    name: name.to_string(),
                    size: Some(meta.len()),
                    limit,
                });
            }
        }
        FileKind::Directory => {
            return Err(ReadError::Directory {
                name: name.to_string(),
            })
        }
        FileKind::NamedPipe if allow == Allow::NamedPipes => {}
        other => {
            return Err(ReadError::NotRegular {
                name: name.to_string(),
                kind: other.described(),
            })
        }
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let bytes = read_limited(file, limit)
        .map_err(io)?
        .ok_or_else(|| ReadError::TooLarge {
            name: name.to_string(),
            size: None,
            limit,
        })?;
    let (text, encoding) = decode(bytes, name)?;
    Ok(Input {
        name: name.to_string(),
        path: Some(path.to_path_buf()),
        text,
        encoding,
    })
}

/// Reads `relative`, a path written inside a file in `base`, refusing it unless it resolves
/// (symbolic links followed) inside `root`, before anything of it is opened. `hint` says how
/// to widen the root, for the error. Only regular files are read.
pub fn read_within(
    root: &Path,
    base: &Path,
    relative: &str,
    limit: usize,
    hint: &'static str,
) -> Result<Input, ReadError> {
    let joined = base.join(relative);
    let shown = joined.display().to_string();
    let outside = || ReadError::Outside {
        name: relative.to_string(),
        root: root.to_path_buf(),
        hint,
    };
    let root = std::fs::canonicalize(root).map_err(|error| ReadError::Io {
        name: root.display().to_string(),
        error,
    })?;
    // A path that does not resolve is refused as outside when its words already leave the
    // root; otherwise the system's "not found" says what is wrong without reading anything.
    let resolved = match std::fs::canonicalize(&joined) {
        Ok(p) => p,
        Err(error) => {
            let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
            if !lexically_within(&base.join(relative), &root) {
                return Err(outside());
            }
            return Err(ReadError::Io { name: shown, error });
        }
    };
    if !resolved.starts_with(&root) {
        return Err(outside());
    }
    read_file(&resolved, &shown, limit, Allow::RegularFiles)
}

/// Whether `path`, with `.` and `..` applied as words, stays inside `root`.
fn lexically_within(path: &Path, root: &Path) -> bool {
    let mut kept: Vec<std::path::Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                if kept.pop().is_none() {
                    return false;
                }
            }
            std::path::Component::CurDir => {}
            other => kept.push(other),
        }
    }
    kept.iter().collect::<PathBuf>().starts_with(root)
}

/// What kind of file system object a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A named pipe (FIFO).
    NamedPipe,
    /// A socket.
    Socket,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// Anything else.
    Other,
}

impl FileKind {
    /// `a named pipe`, `a socket`, ….
    pub fn described(self) -> &'static str {
        match self {
            FileKind::Regular => "a regular file",
            FileKind::Directory => "a directory",
            FileKind::NamedPipe => "a named pipe",
            FileKind::Socket => "a socket",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Other => "not a regular file",
        }
    }
}

/// The kind of a file, from its metadata.
pub fn file_kind(meta: &std::fs::Metadata) -> FileKind {
    let t = meta.file_type();
    if t.is_file() {
        return FileKind::Regular;
    }
    if t.is_dir() {
        return FileKind::Directory;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return FileKind::NamedPipe;
        }
        if t.is_socket() {
            return FileKind::Socket;
        }
        if t.is_char_device() {
            return FileKind::CharDevice;
        }
        if t.is_block_device() {
            return FileKind::BlockDevice;
        }
    }
    FileKind::Other
}

/// Reads at most `limit` bytes; `None` if there is more.
pub fn read_limited(reader: impl Read, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}

/// Decodes bytes as UTF-8 (a byte-order mark kept as `U+FEFF`) or, after a UTF-16 byte-order
/// mark, as UTF-16 (the mark decoded to `U+FEFF` likewise).
pub fn decode(bytes: Vec<u8>, name: &str) -> Result<(String, Encoding), ReadError> {
    let utf16 = |big_endian: bool| -> Result<String, ReadError> {
        let units = bytes.chunks(2).map(|pair| match (pair, big_endian) {
            ([a, b], false) => Some(u16::from_le_bytes([*a, *b])),
            ([a, b], true) => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        });
        let mut text = String::with_capacity(bytes.len());
        let mut pending: Vec<u16> = Vec::with_capacity(bytes.len() / 2);
        for (i, unit) in units.enumerate() {
            match unit {
                Some(u) => pending.push(u),
                None => {
                    return Err(ReadError::BadUtf16 {
                        name: name.to_string(),
                        offset: 2 * i,
                    })
                }
            }
        }
        for (i, c) in char::decode_utf16(pending.iter().copied()).enumerate() {
            match c {
                Ok(c) => text.push(c),
                Err(_) => {
                    return Err(ReadError::BadUtf16 {
                        name: name.to_string(),
                        offset: 2 * i,
                    })
                }
            }
        }
        Ok(text)
    };
    match bytes.get(..2) {
        Some([0xff, 0xfe]) => return Ok((utf16(false)?, Encoding::Utf16Le)),
        Some([0xfe, 0xff]) => return Ok((utf16(true)?, Encoding::Utf16Be)),
        _ => {}
    }
    let encoding = if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        Encoding::Utf8Bom
    } else {
        Encoding::Utf8
    };
    if looks_like_utf16(&bytes) {
        return Err(ReadError::Utf16WithoutBom {
            name: name.to_string(),
        });
    }
    String::from_utf8(bytes)
        .map(|text| (text, encoding))
        .map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let valid = e.as_bytes().get(..offset).unwrap_or_default();
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            ReadError::NotUtf8 {
                name: name.to_string(),
                offset,
                line,
            }
        })
}

/// Whether bytes look like UTF-16 text written without a byte-order mark: ASCII text in UTF-16
/// has a zero in every other byte.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let sample = bytes.get(..bytes.len().min(512)).unwrap_or_default();
    let zeros = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let half = sample.len() / 2;
    half >= 2 && (zeros(0) * 4 >= half * 3 || zeros(1) * 4 >= half * 3)
}

/// The repository a path belongs to: the nearest directory at or above it holding `.git`, or,
/// outside any repository, the directory itself (a file's own directory). Canonical.
pub fn repository_root(path: &Path) -> std::io::Result<PathBuf> {
    let path = std::fs::canonicalize(path)?;
    let start = if path.is_dir() {
        path.clone()
    } else {
        path.parent()
            .map_or_else(|| path.clone(), Path::to_path_buf)
    };
    Ok(start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map_or(start.clone(), Path::to_path_buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_keeps_its_byte_order_mark_as_a_character() {
        let (text, enc) = decode(b"\xef\xbb\xbf{}".to_vec(), "x").unwrap();
        assert_eq!(text, "\u{feff}{}");
        assert_eq!(enc, Encoding::Utf8Bom);
    }

    #[test]
    fn utf16_with_a_mark_is_decoded() {
        let mut le = vec![0xff, 0xfe];
        for u in "{\"a\":\"é😀\"}".encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        let (text, enc) = decode(le, "x").unwrap();
        assert_eq!(text, "\u{feff}{\"a\":\"é😀\"}");
        assert_eq!(enc, Encoding::Utf16Le);
        let mut be = vec![0xfe, 0xff];
        for u in "ab".encode_utf16() {
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode(be, "x").unwrap().0, "\u{feff}ab");
        // An odd byte count, or a lone surrogate, is refused.
        assert!(decode(vec![0xff, 0xfe, 0x41], "x").is_err());
        assert!(decode(vec![0xff, 0xfe, 0x00, 0xd8], "x").is_err());
    }

    #[test]
    fn utf16_without_a_mark_is_named_as_such() {
        let mut bytes = Vec::new();
        for u in "(ActionMatches{'x'})\u{e9}".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let e = decode(bytes, "x.cond").unwrap_err().to_string();
        assert!(e.contains("looks like UTF-16"), "{e}");
    }

    #[test]
    fn lexical_containment() {
        let root = Path::new("/repo");
        assert!(lexically_within(Path::new("/repo/a/../b.cond"), root));
        assert!(!lexically_within(Path::new("/repo/../etc/hostname"), root));
        assert!(!lexically_within(Path::new("/repo/a/../../x"), root));
    }
}
