//! The sweep's output: one HDF5 file per sweep, written incrementally by
//! rank 0 as simulations finish, in any order, so that a killed run loses
//! nothing it had finished. The file's layout, write order, crash safety
//! and resume rules are docs/output_format.md; this module is its writer.
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
//! # Files
//!
//! What the file holds and what a simulation gives it:
//! - `spec.rs`: [`OutputSpec`], [`VsecSpec`], [`IsecSpec`], [`LfpSpec`]: what the file will hold, and their checks.
//! - `result.rs`: [`SimResult`], one finished or failed simulation.
//! - `layout.rs`: fixed names, codes and sizes: `format`, `/status` codes, `/errors` entries, gid-range records, chunk limits, `/summary` units.
//! - `error.rs`: [`OutputError`], every refusal and failure with its message.
//!
//! The file open for writing, [`OutputFile`], one file per step of its life:
//! - `file.rs`: the struct, its dataset handles (opened and checked against the spec), accessors.
//! - `create.rs`: [`OutputFile::create`]: every object at once, under a temporary name; [`OutputOptions`].
//! - `resume.rs`: [`OutputFile::resume`]: refusals on a read-only open, then reopening for writing.
//! - `repair.rs`: what resume repairs: done simulations read back (unreadable ones reset to pending), a damaged spike CSR, interrupted writes.
//! - `write.rs`: [`OutputFile::write`]: one simulation's data, then its status.
//! - `traces.rs`: the section recordings `/vsec`, `/isec`, `/ca`: one description for creating, opening, writing and repairing them.
//! - `close.rs`: [`OutputFile::close`]: the spike CSR built, the lock released.
//! - `spikes.rs`: `/spikes`: the work area written per simulation and the CSR built from it.
//! - `fit.rs`: `/fit`: a fit's objectives and generations, its points in `/params` row by row, how it ended.
//! - `lfp.rs`: `/lfp`: the electrode arrays' potentials: created, written, read back.
//!
//! Beneath them:
//! - `swmr.rs`: SWMR mode and the opens the `hdf5` crate lacks (recovery of a killed writer's file, [`open_for_reading`]).
//! - `chunks.rs`: where a chunk lies in the file (for read-back checks).
//! - `lock.rs`: one writer per file, a `flock` on the sidecar `.NAME.lock`.
//! - `paths.rs`: only regular files are written; symlinks resolved; the file's size.
//! - `hdf5_util.rs`: HDF5 errors with context, attributes, strings, compression.
//! - `provenance.rs`: the `created` time (RFC 3339 UTC) and `hostname`.

mod chunks;
mod close;
mod create;
mod error;
mod file;
mod fit;
mod hdf5_util;
mod layout;
mod lfp;
mod lock;
mod paths;
mod provenance;
mod repair;
mod result;
mod resume;
mod spec;
mod spikes;
mod swmr;
mod traces;
mod write;

pub use create::OutputOptions;
pub use error::OutputError;
pub use file::OutputFile;
pub use fit::{FitRows, FitSummary};
pub use layout::{
    stat_units, GidRangeRecord, ERROR_LEN, FORMAT, NUMERICS_ATTR, STATUS_DONE, STATUS_FAILED,
    STATUS_PENDING,
};
pub use provenance::{hostname, rfc3339_utc};
pub use result::SimResult;
pub use spec::{FitSpec, IsecSpec, LfpSpec, OutputSpec, VsecSpec};
pub use swmr::open_for_reading;
