//! hnn-mpi: an MPI-parallel batch simulator for the HNN neocortical column model.
//!
//! Layers, top to bottom:
//! - [`cli`]: the command line (SPEC §1).
//! - [`network`]: the network description (cell templates, morphologies, synapses).
//! - [`engine`]: the numerical engine (compartments, Hines solver, mechanisms,
//!   synapses, events, dipole), reproducing NEURON's fixed-step method.

pub mod app;
pub mod cli;
pub mod engine;
pub mod network;
