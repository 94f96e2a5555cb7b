//! hnn-mpi: an MPI-parallel batch simulator for the HNN neocortical column model.
//!
//! Layers, top to bottom:
//! - [`cli`], [`app`]: the command line (SPEC §1) and the program's run.
//! - [`network`]: the network description (cell templates, connectivity,
//!   drives) that model builders produce.
//! - [`engine`]: the numerical engine (compartments, Hines solver, mechanisms,
//!   synapses, events, dipole), reproducing NEURON's fixed-step method.
//! - [`analysis`]: dipole post-processing (hnn-core's renormalisation,
//!   smoothing) and summary statistics.

pub mod analysis;
pub mod app;
pub mod cli;
pub mod compat;
pub mod config;
pub mod driver;
pub mod engine;
pub mod estimate;
pub mod fuzzing;
pub mod network;
pub mod output;
pub mod parallel;
pub mod signals;
pub mod sim_group;
pub mod sweep_run;
pub mod transport;
