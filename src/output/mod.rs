//! The sweep's output: one HDF5 file per sweep (SPEC §3), written
//! incrementally by rank 0 as simulations finish, in any order, so that a
//! killed run loses nothing it had finished.
//!
//! # Use
//!
//! ```no_run
//! # use hnn_mpi::output::{OutputFile, OutputSpec, SimResult};
//! # fn run(spec: OutputSpec, results: Vec<SimResult>) -> Result<(), hnn_mpi::output::OutputError> {
//! let mut out = OutputFile::create("results/sweep.h5", &spec, false)?;
//! for r in &results {
//!     out.write(r)?; // any order; returns once the simulation is durable
//! }
//! out.close()?; // builds the spike CSR
//! # Ok(()) }
//! ```
//!
//! [`OutputFile::resume`] reopens an interrupted (or finished) file and
//! returns `/status` (0 pending, 1 done, 2 failed): the caller runs what it
//! needs (status 0; also 2 to retry failures) and writes them.
//! [`open_for_reading`] opens a file that is being written, or whose writer
//! was killed, for reading.
//!
//! # Layout (`format = "hnn-mpi/1"`)
//!
//! | path | type, shape | notes |
//! | --- | --- | --- |
//! | `/` attributes | | `format`, `version`, `git_commit`, `config`, `definition_hash`, `created` (RFC 3339 UTC), `hostname` (UTF-8 variable-length strings); `n_sims`, `n_trials`, `n_times`, `mpi_ranks` (i64); `tstop`, `dt` (f64, ms); then `extra_attrs` (strings) |
//! | `/times` | f64 `[n_times]` | `units = "ms"` |
//! | `/params/<name>` | f64 `[n_sims]` | written at creation (the whole plan is known) |
//! | `/dipole/{agg,L2,L5}` | f64 `[n_sims, n_trials, n_times]` | NaN until written (and for failures). Chunks `(1, k, n_times)` holding `k` trials (≤ 1 MiB), byte-shuffle + deflate level 4; maximum shape unlimited in the first two dimensions (see Crash safety); attributes `units = "nAm"`, `smoothed = "no"`, `scaled = "no"`, `description`. Only when dipoles are saved. |
//! | `/summary/<stat>` | f64 `[n_sims, n_trials]` | NaN until written (and for failures); `units`: `"nAm"` for `dipole_*`, `"Hz"` for `rate_*`, `""` otherwise ([`stat_units`]) |
//! | `/spikes/times`, `/spikes/gids` | f64, i64 `[n_spikes]` | CSR values: the spikes of (sim 0, trial 0), (0, 1), …, (1, 0), …, each in the order the simulation gave them; `times` has `units = "ms"`. Chunks of 65536, shuffle + deflate 4. Only when spikes are saved. |
//! | `/spikes/offsets` | i64 `[n_sims*n_trials+1]` | spikes of (sim `i`, trial `t`) are `times[offsets[i*n_trials+t] : offsets[i*n_trials+t+1]]`. Built by `close`; until then (and from the next write after a resume) `offsets[-1] == -1` |
//! | `/spikes/_pending/{times,gids}` | f64, i64 `[m, 1]` | the work area: each simulation's spikes as written, in arrival order, each from a fresh chunk (of 4096 by default); `/spikes/_pending/index` i64 `[n_sims*n_trials, 2]` = (start, count), -1 when not written. The CSR is built from it; it is kept (see below). |
//! | `/vsec/<name>` | f32 `[n_sims, n_trials, n_traces, n_times]` | recorded voltages, mV (`units = "mV"`), `<name>` = `soma` (`save = ["vsec_soma"]`) or `all` (`"vsec_all"`): the middle (`sec(0.5)`) of the soma / every section of every cell at every sample of `/times`, as hnn-core's `record_vsec`. NaN until written (and for failures). Chunks `(1, 1, k, n_times)` (≤ 1 MiB), shuffle + deflate 4; maximum shape unlimited in the first two dimensions, as `/dipole`. Only when saved. |
//! | `/vsec/<name>_gids`, `/vsec/<name>_sections` | i64, variable-length UTF-8 string `[n_traces]` | trace `k` is section `sections[k]` of cell `gids[k]`: cells in gid order, sections in the cell type's order; written at creation |
//! | `/cells/gid_ranges` | compound `{name: str, start: i64, stop: i64}` `[n_types]` | one record per cell type (and drive), gids `start <= gid < stop` |
//! | `/status` | u8 `[n_sims]` | 0 pending, 1 done, 2 failed |
//! | `/errors` | fixed-length UTF-8 string, [`ERROR_LEN`] (512) bytes, NUL-padded, `[n_sims]` | failure message of simulation `i` (cut to 512 bytes), empty otherwise. h5py returns `bytes`: `f["errors"][i].decode()` or `f["errors"].asstr()[i]` |
//!
//! `/cells/gid_ranges` is one compound dataset, so the one path of SPEC §3
//! holds the names with their ranges (h5py: a structured array with fields
//! `name`, `start`, `stop`; MATLAB `h5read`: a struct of arrays).
//!
//! # Crash safety
//!
//! [`OutputFile::write`] writes a simulation's data, flushes, then sets its
//! `/status` entry and flushes again: a status of 1 on disk implies that the
//! simulation's data are complete. For the file itself to survive a
//! `kill -9` at any moment — also in the middle of a write — it is written
//! so that nothing already on disk is ever left half-updated:
//!
//! - **SWMR-write mode.** Every object is created with the file; after that
//!   the file is in HDF5's single-writer/multiple-reader mode, in which the
//!   library orders its metadata writes so that the file on disk is
//!   consistent at every moment. Only dataset contents and extents change.
//! - **Paged file space (4096-byte pages).** A process killed inside a
//!   `write` system call may leave it done page by page; metadata blocks
//!   smaller than a page never straddle one, and the chunk indexes written
//!   during the run are version-2 B-trees of 512-byte nodes (HDF5 picks
//!   them for datasets with two unlimited dimensions: hence the dipoles'
//!   maximum shape and the `[m, 1]` work area).
//! - **Nothing rewritten.** Each simulation's dipoles (and voltages, one
//!   trial per chunk row) are their own chunks,
//!   its spikes start a fresh chunk of the work area, and `/status`,
//!   `/summary`, `/errors` and the work-area index are contiguous, allocated
//!   at creation and written in place.
//! - **The CSR is rebuildable.** `close` builds it from the work area, which
//!   is therefore kept, and writes `offsets[-1]` last.
//!
//! Creation happens under a temporary name (`.NAME.creating-PID`, renamed
//! once complete and in SWMR mode; a kill before leaves that file behind).
//! A file left by a killed writer still says "open for writing" (and may
//! end short of its last page): plain HDF5 opens refuse it. `resume`
//! recovers it as `h5clear -s --increment=0` would; [`open_for_reading`]
//! (or h5py with `swmr=True`, or `h5clear -s FILE`) reads it. While a run
//! writes the file, readers need SWMR mode too (h5py: `h5py.File(path, "r",
//! libver="latest", swmr=True)`).
//!
//! The simulation being written when the writer was killed may hold partial
//! data with status 0. `write` orders its steps so that `resume` recognises
//! this: a success writes its `/summary` rows first, a failure its message
//! first, and a retried failure clears its old message only after its
//! status says done; `resume` then resets such data to NaN (and stale
//! messages to empty), so that, again, exactly the simulations with status
//! 1 have data.
//!
//! A stress test kills a writer at random points (mostly inside writes)
//! tens of thousands of times; every simulation reported written survives.
//! Not covered: a machine crash or power loss (data the operating system
//! had not yet written; the file is not `fsync`ed), and a file system
//! without file locking (`HDF5_USE_FILE_LOCKING=FALSE`), where `resume`
//! cannot tell a killed writer from a running one.
//!
//! # One writer, refusals, damage
//!
//! - **One writer per file.** `create` and `resume` take an exclusive
//!   advisory lock (`flock`) on a sidecar `.NAME.lock` next to the file
//!   (holding the writer's pid) and keep it until `close` (or drop);
//!   another writer is refused with [`OutputError::Locked`]. The kernel
//!   drops the lock when the process dies, so a killed writer's file stays
//!   resumable; a leftover sidecar is harmless. Readers take no lock.
//! - **Only regular files** (symlinks followed) are created over, replaced
//!   or resumed ([`OutputError::NotRegular`]); a symlink to a regular file
//!   is kept and the file it names is written.
//! - **A refusal touches nothing.** `resume` decides every refusal (format,
//!   definition, layout, truncation) on a read-only open, before it opens
//!   the file for writing.
//! - **Done means readable.** Before continuing a file, `resume` refuses
//!   it ([`OutputError::Damaged`]) when it is cut short (a dataset
//!   allocated at creation lies past its end) or its structure cannot be
//!   read, and reads back every simulation `/status` calls done (each of
//!   its dipole, voltage and work-area chunks must exist, lie within the
//!   file and decode): unreadable ones are reset to pending (NaN, status 0)
//!   and run again; an unreadable spike CSR is rebuilt from the work area.
//!   This happens before SWMR mode, in which HDF5 retries a damaged
//!   metadata block for minutes instead of failing. Not detected: damage
//!   to the uncompressed contiguous datasets (`/summary`, `/status`,
//!   `/errors`), which carry no checksum.
//!
//! # What is identical across rank counts
//!
//! A sweep's file is the same whatever the number of ranks, except: the
//! root attributes `mpi_ranks` and `created` (and `hostname`, `git_commit`
//! when run elsewhere or by another build), and the spike work area
//! `/spikes/_pending`, whose order is the order in which results arrived.
//! Every other dataset and attribute is identical bit for bit (`h5diff
//! --exclude-path /spikes/_pending` reports only those two attributes;
//! tests/mpi_sweep.rs).
//!
//! # Costs of these choices
//!
//! - The file needs HDF5 ≥ 1.10 to read (superblock version 3): h5py
//!   (any recent wheel) reads it, as does MATLAB when built on HDF5 ≥ 1.10.
//! - The spike work area stays in the file: spikes take about twice their
//!   compressed size. Deleting it from a finished file (h5py:
//!   `del f["spikes/_pending"]`) and then `h5repack` reclaims the space;
//!   the file can then no longer be resumed.
//! - Paged space costs up to a page per allocation; negligible for sweeps of
//!   any size, noticeable (≈ 150 KiB) for tiny files.
//! - Unwritten `/errors` space is a hole in the file (sparse), as the
//!   dataset is allocated, not written, at creation.

mod hdf5_file;
mod lock;
mod spikes;
mod swmr;

pub use hdf5_file::{GidRangeRecord, OutputFile, OutputOptions, ERROR_LEN};
pub use swmr::open_for_reading;

use std::fmt;
use std::path::PathBuf;

/// Value of the root attribute `format`.
pub const FORMAT: &str = "hnn-mpi/1";
/// `/status`: not yet simulated.
pub const STATUS_PENDING: u8 = 0;
/// `/status`: simulated, its data complete.
pub const STATUS_DONE: u8 = 1;
/// `/status`: failed; the message is in `/errors`.
pub const STATUS_FAILED: u8 = 2;

/// What the file will hold; known before the first simulation runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutputSpec {
    /// The TOML text (root attribute `config`).
    pub config_text: String,
    /// Hash of the network/sweep definition (root attribute
    /// `definition_hash`); `resume` refuses a file whose hash differs.
    pub definition_hash: String,
    /// Root attribute `git_commit`; see [`OutputSpec::build_git_commit`].
    pub git_commit: String,
    pub n_sims: usize,
    pub n_trials: usize,
    pub n_times: usize,
    /// ms
    pub tstop: f64,
    /// ms
    pub dt: f64,
    pub mpi_ranks: usize,
    /// `/times` (ms), `n_times` values.
    pub times: Vec<f64>,
    /// `/params/<name>`.
    pub param_names: Vec<String>,
    /// `[param][sim]`.
    pub param_values: Vec<Vec<f64>>,
    /// `/summary/<stat>`.
    pub stat_names: Vec<String>,
    pub save_dipole: bool,
    pub save_spikes: bool,
    /// `/cells/gid_ranges`: (name, start, stop), gids `start..stop`.
    pub gid_ranges: Vec<(String, usize, usize)>,
    /// Recorded voltages (`save = ["vsec_soma"]`, `["vsec_all"]`): one
    /// `/vsec/<name>` dataset each.
    pub vsec: Vec<VsecSpec>,
    /// More root attributes (strings).
    pub extra_attrs: Vec<(String, String)>,
}

impl OutputSpec {
    /// The commit the binary was built from (`HNN_MPI_GIT_COMMIT`, set by
    /// build.rs from `git rev-parse`, or by the builder); else `"unknown"`.
    pub fn build_git_commit() -> String {
        option_env!("HNN_MPI_GIT_COMMIT")
            .unwrap_or("unknown")
            .to_string()
    }

    /// Checks the spec's internal consistency (lengths, names).
    pub fn validate(&self) -> Result<(), OutputError> {
        let bad = |m: String| Err(OutputError::InvalidSpec(m));
        if self.n_sims == 0 {
            return bad("n_sims must be at least 1".into());
        }
        if self.n_trials == 0 {
            return bad("n_trials must be at least 1".into());
        }
        if self.times.len() != self.n_times {
            return bad(format!(
                "times has {} values, n_times is {}",
                self.times.len(),
                self.n_times
            ));
        }
        if self.param_names.len() != self.param_values.len() {
            return bad(format!(
                "{} parameter names but {} value lists",
                self.param_names.len(),
                self.param_values.len()
            ));
        }
        for (name, values) in self.param_names.iter().zip(&self.param_values) {
            if values.len() != self.n_sims {
                return bad(format!(
                    "parameter `{name}` has {} values, n_sims is {}",
                    values.len(),
                    self.n_sims
                ));
            }
        }
        check_names("parameter", &self.param_names)?;
        check_names("statistic", &self.stat_names)?;
        for (name, start, stop) in &self.gid_ranges {
            if start > stop {
                return bad(format!(
                    "gid range of `{name}` has start {start} > stop {stop}"
                ));
            }
            if name.contains('\0') {
                return bad(format!("cell type name {name:?} contains a NUL character"));
            }
        }
        for (name, value) in &self.extra_attrs {
            if RESERVED_ATTRS.contains(&name.as_str()) {
                return bad(format!(
                    "extra attribute `{name}` would replace a standard one"
                ));
            }
            if name.is_empty() || name.contains('\0') || value.contains('\0') {
                return bad(format!(
                    "extra attribute {name:?} has an empty name or a NUL character"
                ));
            }
        }
        let mut extra: Vec<&str> = self.extra_attrs.iter().map(|(n, _)| n.as_str()).collect();
        extra.sort_unstable();
        if let Some(w) = extra.windows(2).find(|w| w[0] == w[1]) {
            return bad(format!("extra attribute `{}` given twice", w[0]));
        }
        for v in &self.vsec {
            if v.gids.len() != v.sections.len() {
                return bad(format!(
                    "vsec `{}` has {} gids but {} section names",
                    v.name,
                    v.gids.len(),
                    v.sections.len()
                ));
            }
        }
        check_names(
            "voltage recording",
            &self.vsec.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
        )?;
        if self.config_text.contains('\0') || self.definition_hash.contains('\0') {
            return bad("config text or definition hash contains a NUL character".into());
        }
        Ok(())
    }
}

/// One voltage recording of the file: `/vsec/<name>` f32 `[n_sims,
/// n_trials, n_traces, n_times]` (mV), with `/vsec/<name>_gids` and
/// `/vsec/<name>_sections` naming each trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VsecSpec {
    /// `soma` or `all`.
    pub name: String,
    /// Cell gid of each trace.
    pub gids: Vec<usize>,
    /// Section of each trace.
    pub sections: Vec<String>,
}

impl VsecSpec {
    pub fn n_traces(&self) -> usize {
        self.gids.len()
    }
}

/// Root attributes the writer sets itself.
pub(crate) const RESERVED_ATTRS: &[&str] = &[
    "format",
    "version",
    "git_commit",
    "config",
    "definition_hash",
    "n_sims",
    "n_trials",
    "n_times",
    "tstop",
    "dt",
    "mpi_ranks",
    "created",
    "hostname",
];

fn check_names(what: &str, names: &[String]) -> Result<(), OutputError> {
    for name in names {
        if name.is_empty() || name == "." || name.contains('/') || name.contains('\0') {
            return Err(OutputError::InvalidSpec(format!(
                "{what} name {name:?} cannot be an HDF5 dataset name (empty, \".\", or contains '/' or NUL)"
            )));
        }
    }
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(OutputError::InvalidSpec(format!(
            "{what} `{}` given twice",
            w[0]
        )));
    }
    Ok(())
}

/// One finished simulation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SimResult {
    pub sim: usize,
    /// Per trial: aggregate, L2, L5 dipole (nAm), `n_times` values each.
    /// Required when the file saves dipoles (ignored otherwise).
    pub dipoles: Option<Vec<[Vec<f64>; 3]>>,
    /// `[stat][trial]`, in the order of `OutputSpec::stat_names`.
    pub summary: Vec<Vec<f64>>,
    /// Per trial: spike times (ms) and gids. Required (one entry per trial)
    /// when the file saves spikes (ignored otherwise).
    pub spikes: Vec<(Vec<f64>, Vec<i64>)>,
    /// Recorded voltages, mV: `vsec[k][trial]` holds the traces of the
    /// spec's `vsec[k]`, trace after trace (`n_traces * n_times` values).
    /// Required when the file saves them (ignored otherwise).
    pub vsec: Vec<Vec<Vec<f32>>>,
    /// `Some(message)`: the simulation failed (status 2, message in
    /// `/errors`); the other fields are then ignored.
    pub error: Option<String>,
}

impl SimResult {
    /// A failed simulation.
    pub fn failed(sim: usize, message: impl Into<String>) -> Self {
        SimResult {
            sim,
            error: Some(message.into()),
            ..Default::default()
        }
    }
}

/// Units attribute of `/summary/<stat>`: `"nAm"` for `dipole_*`, `"Hz"` for
/// `rate_*`, `""` otherwise.
pub fn stat_units(stat: &str) -> &'static str {
    if stat.starts_with("dipole_") {
        "nAm"
    } else if stat.starts_with("rate_") {
        "Hz"
    } else {
        ""
    }
}

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

/// RFC 3339 UTC time, seconds precision (`2025-11-26T00:08:00Z`).
pub fn rfc3339_utc(t: std::time::SystemTime) -> String {
    let secs = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to the proleptic Gregorian (year, month, day)
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The machine's host name (Linux `/proc/sys/kernel/hostname`, then
/// `/etc/hostname`, then `$HOSTNAME`), or `"unknown"`.
pub fn hostname() -> String {
    for file in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(s) = std::fs::read_to_string(file) {
            let s = s.trim();
            if !s.is_empty() {
                return s.to_string();
            }
        }
    }
    std::env::var("HOSTNAME")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        // 2000-02-29 (leap day of a century leap year) 12:34:56
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH + Duration::from_secs(951_827_696)),
            "2000-02-29T12:34:56Z"
        );
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH + Duration::from_secs(1_764_115_680)),
            "2025-11-26T00:08:00Z"
        );
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH + Duration::from_secs(4_102_444_799)),
            "2099-12-31T23:59:59Z"
        );
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH - Duration::from_secs(1)),
            "1969-12-31T23:59:59Z"
        );
    }

    #[test]
    fn stat_units_by_prefix() {
        assert_eq!(stat_units("dipole_min"), "nAm");
        assert_eq!(stat_units("dipole_rmse"), "nAm");
        assert_eq!(stat_units("rate_L5_pyramidal"), "Hz");
        assert_eq!(stat_units("other"), "");
    }

    #[test]
    fn hostname_is_not_empty() {
        assert!(!hostname().is_empty());
    }

    fn spec() -> OutputSpec {
        OutputSpec {
            n_sims: 2,
            n_trials: 1,
            n_times: 3,
            times: vec![0.0, 0.5, 1.0],
            param_names: vec!["w".into()],
            param_values: vec![vec![1.0, 2.0]],
            stat_names: vec!["dipole_min".into()],
            ..Default::default()
        }
    }

    #[test]
    fn validate_catches_inconsistencies() {
        assert!(spec().validate().is_ok());
        let mut s = spec();
        s.times.pop();
        assert!(s.validate().unwrap_err().to_string().contains("n_times"));
        let mut s = spec();
        s.param_values[0].push(3.0);
        assert!(s.validate().unwrap_err().to_string().contains("`w`"));
        let mut s = spec();
        s.stat_names.push("a/b".into());
        assert!(s.validate().is_err());
        let mut s = spec();
        s.stat_names.push("dipole_min".into());
        assert!(s.validate().unwrap_err().to_string().contains("twice"));
        let mut s = spec();
        s.extra_attrs.push(("format".into(), "x".into()));
        assert!(s.validate().is_err());
        let mut s = spec();
        s.n_sims = 0;
        assert!(s.validate().is_err());
        let mut s = spec();
        s.gid_ranges.push(("L2_basket".into(), 5, 3));
        assert!(s.validate().is_err());
    }
}
