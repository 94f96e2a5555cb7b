//! The output path on the file system: only regular files (symlinks
//! followed) are created over, replaced or resumed
//! (docs/output_format.md §10).

use std::path::{Path, PathBuf};

use super::error::OutputError;

/// What `meta` is when it is not a regular file ("a FIFO", ...).
fn non_regular_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// Whether `path` exists (symlinks followed); an error for anything but a
/// regular file.
pub(super) fn existing_regular_file(path: &Path) -> Result<bool, OutputError> {
    match std::fs::metadata(path) {
        Ok(m) => match non_regular_kind(&m) {
            Some(kind) => Err(OutputError::NotRegular {
                path: path.to_path_buf(),
                kind,
            }),
            None => Ok(true),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(OutputError::Io {
            path: path.to_path_buf(),
            context: "examining the output file".into(),
            source,
        }),
    }
}

/// The file's size in bytes.
pub(super) fn file_len(path: &Path) -> Result<u64, OutputError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|source| OutputError::Io {
            path: path.to_path_buf(),
            context: "reading the file's size".into(),
            source,
        })
}

/// `path` with symlinks followed: of the file if it exists, else of its
/// directory (joined with the file name).
pub(super) fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir)
                .map(|d| d.join(name))
                .unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}
