//! [`OutputError`]: every way creating, resuming, writing or closing the
//! file can fail, with the messages the command line prints.

use std::fmt;
use std::path::PathBuf;

use super::layout::FORMAT;

/// Errors of the output file.
#[derive(Debug)]
pub enum OutputError {
    /// `create` without `force` on an existing file.
    Exists(PathBuf),
    /// The output file's directory does not exist.
    MissingDirectory { path: PathBuf, dir: PathBuf },
    /// `resume` on a file that does not exist.
    NotFound(PathBuf),
    /// Not an hnn-mpi/1 file.
    NotOurs { path: PathBuf, reason: String },
    /// `resume`: the file was written from another network/sweep definition.
    DefinitionMismatch {
        path: PathBuf,
        file_hash: String,
        new_hash: String,
    },
    /// `resume`: the file's layout differs from the spec's.
    LayoutMismatch { path: PathBuf, what: String },
    /// The spec is inconsistent.
    InvalidSpec(String),
    /// The result does not fit the file (lengths, simulation index).
    InvalidResult { sim: usize, reason: String },
    /// The simulation already has status 1.
    AlreadyDone { path: PathBuf, sim: usize },
    /// The HDF5 library failed.
    Hdf5 {
        path: PathBuf,
        context: String,
        source: hdf5::Error,
    },
    /// Another process holds the file's writer lock (see `lock`).
    Locked { path: PathBuf, pid: Option<u32> },
    /// The path names something other than a regular file (a FIFO, a
    /// device, a socket, a directory), after following symlinks.
    NotRegular { path: PathBuf, kind: &'static str },
    /// `resume`: the file is damaged beyond what resume repairs (its
    /// structure is unreadable, or it is cut short); `what` says where.
    Damaged { path: PathBuf, what: String },
    /// A file-system operation failed.
    Io {
        path: PathBuf,
        context: String,
        source: std::io::Error,
    },
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use OutputError::*;
        match self {
            Exists(p) => write!(
                f,
                "output file {} already exists; use --force to overwrite it or --resume to continue it",
                p.display()
            ),
            MissingDirectory { path, dir } => write!(
                f,
                "cannot create output file {}: directory {} does not exist",
                path.display(),
                dir.display()
            ),
            NotFound(p) => write!(f, "cannot resume: output file {} does not exist", p.display()),
            NotOurs { path, reason } => write!(
                f,
                "{} is not an {FORMAT} output file ({reason}); refusing to resume it",
                path.display()
            ),
            DefinitionMismatch {
                path,
                file_hash,
                new_hash,
            } => write!(
                f,
                "cannot resume {}: it was written from a different network/sweep definition \
                 (file's definition hash {file_hash}, this configuration's {new_hash}); \
                 use --force to overwrite it or choose another output path",
                path.display()
            ),
            LayoutMismatch { path, what } => write!(
                f,
                "cannot resume {}: the file does not match this configuration: {what}",
                path.display()
            ),
            InvalidSpec(m) => write!(f, "invalid output specification: {m}"),
            InvalidResult { sim, reason } => {
                write!(f, "result of simulation {sim} does not fit the output file: {reason}")
            }
            AlreadyDone { path, sim } => write!(
                f,
                "simulation {sim} is already written (status 1) in {}",
                path.display()
            ),
            Hdf5 {
                path,
                context,
                source,
            } => {
                write!(f, "HDF5 error on {} while {context}: {source}", path.display())?;
                let msg = source.to_string().to_lowercase();
                if msg.contains("lock") {
                    write!(
                        f,
                        " (is another process writing this file? On file systems without \
                         file locking, set HDF5_USE_FILE_LOCKING=FALSE)"
                    )?;
                }
                Ok(())
            }
            Locked { path, pid } => {
                write!(f, "{} is being written by another process", path.display())?;
                if let Some(pid) = pid {
                    write!(f, " (pid {pid})")?;
                }
                write!(
                    f,
                    "; wait for it to finish, or stop it and rerun with --resume"
                )
            }
            NotRegular { path, kind } => write!(
                f,
                "{} is {kind}, not a regular file; refusing to replace or write it",
                path.display()
            ),
            Damaged { path, what } => write!(
                f,
                "cannot resume {}: the file is damaged ({what}); \
                 rerun with --force to start it again (its data are lost)",
                path.display()
            ),
            Io {
                path,
                context,
                source,
            } => write!(f, "I/O error on {} while {context}: {source}", path.display()),
        }
    }
}

impl std::error::Error for OutputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OutputError::Hdf5 { source, .. } => Some(source),
            OutputError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
