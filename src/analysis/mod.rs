//! Analysis of simulated signals: hnn-core's dipole post-processing and
//! smoothing, summary statistics, the objective functions of hnn-core's
//! optimizer and the Fourier tools they use.

pub mod dipole;
pub mod objective;
pub mod spectrum;
pub mod stats;
