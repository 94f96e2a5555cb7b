//! The parallel layer: how the simulations of a sweep are spread over MPI
//! ranks. Rank 0 hands out simulations dynamically, in chunks that shrink
//! toward the end of the sweep (guided self-scheduling), so that uneven
//! simulation costs balance; every rank computes, rank 0 included (between
//! its own simulations it serves the others' requests). Results go to rank
//! 0, which writes them to the one output file as they arrive. Simulations
//! are deterministic, so the file's data are the same for any number of
//! ranks (what differs: docs/output_format.md, "What is identical across
//! rank counts"). A signal to any rank interrupts the sweep: rank 0 hands
//! out nothing more, every rank abandons the simulations under way (they
//! stay pending for `--resume`), and rank 0 closes the file within
//! [`root::CLOSE_WITHIN`].
//!
//! - [`root`]: rank 0, the scheduling loop and the writing of results.
//! - [`worker`]: the other ranks: workers, and a group's other members.
//! - [`compute`]: what a rank computes of the work it is handed (a batch,
//!   or one simulation with its group).
//! - [`fit`]: a fit: the search on rank 0, each of its asks a round of
//!   simulations over the ranks, `--resume` by replaying the file.
//! - [`wire`]: the message tags and the byte format of results.
//! - [`rank_group`]: the ranks that share one simulation (`ranks_per_sim`).
//! - [`output_setup`]: the output file's path, layout, creation or resume,
//!   and `--dry-run`'s report.
//! - [`progress`]: the progress log on rank 0.
//!
//! Nothing here chooses an exit code: [`run_root`] returns how the sweep
//! ended ([`SweepEnd`], [`SweepError`]) and the command maps it.

use std::fmt;
use std::path::PathBuf;

use crate::output::OutputError;

pub mod compute;
pub mod fit;
pub mod output_setup;
pub mod progress;
pub mod rank_group;
pub mod root;
pub mod wire;
pub mod worker;

pub use root::run_root;
pub use worker::{run_member, run_worker};

/// What the command line asks of the output file.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// `--output`; else the config's `[output] path`.
    pub output: Option<PathBuf>,
    /// `--force`: overwrite an existing output file.
    pub force: bool,
    /// `--resume`: continue an existing output file.
    pub resume: bool,
    /// `--dry-run`: print the plan, run nothing, write nothing.
    pub dry_run: bool,
}

/// How the process learns that it must stop (SIGTERM, SIGINT): the command
/// installs the signal handlers and passes this down.
pub trait Interruption {
    /// From now on a signal is recorded for the sweep to stop cleanly
    /// (there is a file to close), instead of ending the process at once.
    fn defer(&self);
    /// The number of the signal received, 0 if none.
    fn received(&self) -> i32;
}

/// The name of signal number `sig` (0: none).
pub fn signal_name(sig: i32) -> Option<&'static str> {
    match sig {
        0 => None,
        s if s == libc::SIGTERM => Some("SIGTERM"),
        s if s == libc::SIGINT => Some("SIGINT"),
        _ => Some("a signal"),
    }
}

/// How a sweep that ran to its end ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepEnd {
    /// `--dry-run`: the plan was printed.
    DryRun,
    /// Every simulation ran; `failed` of them recorded a failure.
    Finished { failed: usize },
}

/// Why a sweep did not run to its end (rank 0's view).
#[derive(Debug)]
pub enum SweepError {
    /// The output path cannot be used as given; the message blames where
    /// it came from (`--output`, `output.path`, the default path).
    OutputPath(String),
    /// The output file cannot be created or resumed (I/O, a damaged file,
    /// another writer).
    Output(String),
    /// Writing a result failed: the sweep stopped at once.
    Write {
        error: OutputError,
        /// Simulations saved in the file.
        saved: usize,
        n_sims: usize,
        path: PathBuf,
    },
    /// Closing the file failed.
    Close { error: OutputError, path: PathBuf },
    /// A signal (or a write error's stop request) interrupted the sweep.
    Interrupted {
        /// What interrupted it, e.g. `SIGTERM on rank 3`.
        by: String,
        saved: usize,
        n_sims: usize,
        path: PathBuf,
    },
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutputPath(m) | Self::Output(m) => f.write_str(m),
            Self::Write {
                error,
                saved,
                n_sims,
                path,
            } => write!(
                f,
                "{error}; {saved} of {n_sims} simulations are saved in {}; once the cause is \
                 fixed, rerun the same command with --resume to complete it",
                path.display()
            ),
            Self::Close { error, path } => write!(f, "closing {}: {error}", path.display()),
            Self::Interrupted {
                by,
                saved,
                n_sims,
                path,
            } => write!(
                f,
                "interrupted by {by}: {saved} of {n_sims} simulations done and saved in {}; \
                 rerun the same command with --resume to complete it",
                path.display()
            ),
        }
    }
}

impl std::error::Error for SweepError {}
