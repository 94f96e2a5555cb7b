//! Analysis of simulated signals: hnn-core's dipole post-processing and
//! smoothing, summary statistics.

pub mod dipole;
pub mod stats;
