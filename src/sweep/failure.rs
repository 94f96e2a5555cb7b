//! Why one simulation of a sweep failed. A failure is recorded in its
//! result (`/status` 2, the message in `/errors`) and the sweep goes on.

use std::fmt;

use crate::analysis::dipole::SmoothError;
use crate::config::ConfigError;

#[derive(Debug)]
pub enum SimFailure {
    /// The point's config or network cannot be built (a value out of range
    /// at this point only).
    Build(ConfigError),
    /// A voltage trace that is not where the output file's layout (from the
    /// first simulation's network) puts it.
    TraceLayout {
        gid: usize,
        section: String,
        dataset: String,
    },
    /// Another number of voltage traces than the output file's layout.
    TraceCount {
        n: usize,
        dataset: String,
        expected: usize,
    },
    /// Electrode arrays other than the output file's `/lfp` layout (from
    /// the first simulation's network).
    LfpLayout,
    /// A non-finite dipole: the network diverged.
    Diverged { trial: usize, t_ms: f64 },
    /// hnn-core's smoothing refused the window at this point.
    Smoothing(SmoothError),
    /// A `rate` statistic of a cell type this point's network lacks.
    NoCellType(String),
}

impl fmt::Display for SimFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Build(e) => write!(f, "{e}"),
            Self::TraceLayout {
                gid,
                section,
                dataset,
            } => write!(
                f,
                "the recorded voltages (cell {gid} {section}) do not match the output file's \
                 /vsec/{dataset} layout (from the first simulation's network)"
            ),
            Self::TraceCount {
                n,
                dataset,
                expected,
            } => write!(
                f,
                "{n} voltage traces, the output file's /vsec/{dataset} has {expected}"
            ),
            Self::LfpLayout => write!(
                f,
                "the electrode arrays of this network do not match the output file's /lfp \
                 layout (from the first simulation's network)"
            ),
            Self::Diverged { trial, t_ms } => write!(
                f,
                "trial {trial}: non-finite dipole at t = {t_ms} ms (the network diverged)"
            ),
            Self::Smoothing(e) => write!(f, "{e}"),
            Self::NoCellType(t) => write!(f, "no cell type {t}"),
        }
    }
}

impl std::error::Error for SimFailure {}
