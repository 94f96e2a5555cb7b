//! Numerical engine: NEURON's fixed-step method for HNN cells, reproduced
//! operation by operation (src/nrnoc/fadvance.cpp, treeset.cpp, solve.cpp
//! of NEURON 8.2; the `.mod` files of hnn-core 0.6.1). docs/engine.md
//! describes the step order and what keeps the numbers bit-identical.
//!
//! - [`layout`]: a cell template compiled into nodes: areas, axial
//!   coefficients, mechanism instances, synapse and dipole sites
//!   (treeset.cpp).
//! - [`hines`]: the tree solver (solve.cpp).
//! - [`mechanisms`]: hh2, km, ca, cad, kca, cat, ar (each declares itself
//!   and holds its kernels), their registry, and the calcium ion.
//! - [`synapses`]: the point processes that receive events (Exp2Syn; each
//!   declares itself and holds its kernels) and their registry.
//! - [`iclamp`]: the IClamp current step (also at its old path
//!   `engine::synapse::IClamp`).
//! - [`cell_batch`]: all cells of one type, structure-of-arrays: one step's
//!   matrix set-up, solve and state updates, the dipole.
//! - [`events`]: the NetCon event queue.
//! - [`simulator`]: one fixed step over every batch (`nrn_fixed_step`).
//! - [`time_grid`]: the half-step clock and the recorded sample times.
//! - [`network_sim`]: one trial of a network (or a batch of networks, or a
//!   group of ranks): build, the time loop, spikes, recording, results.
//! - [`table`]: `TABLE` interpolation as nocmodl generates it.
//! - [`units`]: legacy unit constants, `hoc_Exp`, Nernst.

pub mod cell_batch;
pub mod events;
pub mod extracellular;
pub mod hines;
pub mod iclamp;
pub mod layout;
pub mod mechanisms;
pub mod network_sim;
pub mod simulator;
pub mod synapses;
pub mod table;
pub mod time_grid;
pub mod units;

/// The old path of [`iclamp::IClamp`], which tests and benches import.
pub mod synapse {
    pub use super::iclamp::IClamp;
}
