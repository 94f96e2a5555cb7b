//! hnn-mpi: an MPI-parallel batch simulator for the HNN neocortical column
//! model, reproducing hnn-core 0.6.1 on NEURON 8.2.
//!
//! Layers, top to bottom (a module imports only from its own layer and the
//! layers below it; `scripts/check_layers.py` checks this):
//! - [`command`]: the command line, process start-up, signals, exit codes.
//! - [`parallel`]: how simulations are spread over MPI ranks: rank 0's
//!   scheduling loop, workers, the wire format, rank groups, output set-up,
//!   progress.
//! - [`sweep`]: one sweep simulation, MPI-free: the plan, batching of small
//!   networks, accumulation into the record the file stores, estimates.
//! - [`output`] (the HDF5 file) and [`analysis`] (dipole post-processing,
//!   summary statistics), beside the simulation; [`search`] (the fit's
//!   derivative-free searches, ask and tell), beside them.
//! - [`engine`]: NEURON's fixed-step method: compartments, Hines solve,
//!   mechanisms, synapses, events, the time loop.
//! - [`network`]: the network description: cells, models, drives,
//!   hnn-core's file formats.
//! - [`config`]: the TOML configuration, its rules and errors.
//! - [`compat`]: bit-compatibility with glibc, numpy and SVML.
//!
//! [`fuzzing`] runs one input through the reading pipeline for the fuzzers.
//! The contract these implement is in `docs/` (configuration, output
//! format, command line, engine).

pub mod analysis;
pub mod command;
pub mod compat;
pub mod config;
pub mod engine;
pub mod fuzzing;
pub mod network;
pub mod output;
pub mod parallel;
pub mod search;
pub mod sweep;
