//! One writer per output file: an advisory lock (`flock(LOCK_EX |
//! LOCK_NB)`) on a sidecar file `.NAME.lock` next to the output file, held
//! from the moment a run decides to create or resume the file until it
//! closes it. The kernel drops the lock when the process dies (also on
//! `kill -9`), so a killed writer's file stays resumable; readers never
//! take it, so h5py and `h5dump` keep working while a run writes.
//!
//! Why a sidecar rather than the HDF5 file itself: HDF5 takes (and, in
//! SWMR-write mode, drops) its own `flock` on the file, and a `flock` on a
//! second descriptor of the same file conflicts with it even within one
//! process; `--force` also replaces the file by a rename, which would move
//! the lock to a dead inode.
//!
//! The sidecar holds the writer's pid (for the refusal message) and is
//! removed when the lock is released. A sidecar left by a killed writer is
//! harmless: nobody holds its lock. Acquiring checks, after locking, that
//! the path still names the locked inode (a releasing writer may have
//! removed it in between) and retries otherwise.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use super::error::OutputError;
use super::paths::resolved;

/// An exclusive writer lock on an output file; released on drop.
#[derive(Debug)]
pub(super) struct WriterLock {
    file: File,
    lock_path: PathBuf,
}

/// The sidecar of `target`: `.NAME.lock` in its directory. `target` should
/// be the resolved path (symlinks followed), so that two names of one file
/// share one lock.
fn lock_path_of(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    dir.join(format!(".{name}.lock"))
}

impl WriterLock {
    /// Locks `path` (shown in messages as given) for writing, or fails with
    /// [`OutputError::Locked`] when another process holds the lock.
    pub(super) fn acquire(path: &Path) -> Result<Self, OutputError> {
        let lock_path = lock_path_of(&resolved(path));
        let io = |context: &str, source: std::io::Error| OutputError::Io {
            path: lock_path.clone(),
            context: context.to_string(),
            source,
        };
        // A few rounds at most: each retry means a writer released in
        // between, which a second one cannot do again.
        for _ in 0..8 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&lock_path)
                .map_err(|e| io("creating the writer lock file", e))?;
            // SAFETY: flock on a descriptor we own.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc != 0 {
                let err = std::io::Error::last_os_error();
                if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(OutputError::Locked {
                        path: path.to_path_buf(),
                        pid: text.trim().parse().ok(),
                    });
                }
                return Err(io("locking the writer lock file", err));
            }
            let same = match (file.metadata(), std::fs::metadata(&lock_path)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            };
            if !same {
                continue;
            }
            let pid = std::process::id().to_string();
            let written = file
                .set_len(0)
                .and_then(|_| file.rewind())
                .and_then(|_| file.write_all(pid.as_bytes()));
            written.map_err(|e| io("writing the writer lock file", e))?;
            return Ok(WriterLock { file, lock_path });
        }
        Err(io(
            "locking the writer lock file",
            std::io::Error::other("it keeps being replaced by other processes"),
        ))
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Remove the sidecar while still holding the lock, and only if it
        // is still ours; the lock itself goes with the descriptor.
        if let (Ok(a), Ok(b)) = (self.file.metadata(), std::fs::metadata(&self.lock_path)) {
            if a.dev() == b.dev() && a.ino() == b.ino() {
                let _ = std::fs::remove_file(&self.lock_path);
            }
        }
    }
}
