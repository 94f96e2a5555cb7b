//! Numerical engine: NEURON's fixed-step method for HNN cells, reproduced
//! operation by operation (src/nrnoc/fadvance.cpp, treeset.cpp, solve.cpp
//! of NEURON 8.2; the `.mod` files of hnn-core 0.6.1).
//!
//! - [`layout`]: compartments, areas, axial coefficients (treeset.cpp).
//! - [`hines`]: the tree solver.
//! - [`mechanisms`]: hh2, km, ca, cad, kca, cat, ar (each declares itself
//!   and holds its kernels), their registry, and the calcium ion.
//! - [`synapse`]: Exp2Syn and IClamp.
//! - [`cell_batch`]: all cells of one type, structure-of-arrays.
//! - [`events`]: NetCon event delivery.
//! - [`simulator`]: the time loop.

pub mod cell_batch;
pub mod events;
pub mod hines;
pub mod layout;
pub mod mechanisms;
pub mod network_sim;
pub mod simulator;
pub mod synapse;
pub mod table;
pub mod units;
