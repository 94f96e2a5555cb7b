//! The largest result one simulation may have: a rank sends its dipoles
//! and recorded traces (all trials) to rank 0 in one MPI message, whose
//! element count is a C `int`. Checked with the run estimate
//! ([`super::estimate`]), before anything runs.

use super::memory::Bytes;
use crate::config::{Config, ConfigError};

/// Largest record of one simulation (dipoles and recorded traces, bytes):
/// a rank sends it to rank 0 in one MPI message, whose count is a C `int`.
pub const MAX_RESULT_BYTES: f64 = i32::MAX as f64;

/// Refuse a simulation whose record (`bytes`: its trials' dipoles and
/// recorded traces) exceeds [`MAX_RESULT_BYTES`], before the run.
pub(super) fn check(
    config: &Config,
    bytes: f64,
    n_trials: usize,
    n_times: f64,
    (n_traces, n_contacts): (f64, f64),
) -> Result<(), ConfigError> {
    if bytes <= MAX_RESULT_BYTES {
        return Ok(());
    }
    let key = if n_traces > 0.0 {
        "output.save"
    } else if n_contacts > 0.0 {
        "network.electrode_arrays"
    } else {
        "simulation.n_trials"
    };
    Err(config.error_at(
        key,
        format!(
            "one simulation's results are about {} ({n_trials} trial(s) x {n_times:.0} samples \
             of 3 dipoles, {n_traces:.0} recorded traces and {n_contacts:.0} electrode \
             contacts), more than a rank can send to rank 0 in one message; at most {}: \
             record fewer traces (isec_all is the largest), fewer trials or a shorter tstop",
            Bytes(bytes),
            Bytes(MAX_RESULT_BYTES)
        ),
    ))
}
