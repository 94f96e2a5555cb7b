//! One sweep simulation, MPI-free: what every rank computes for a
//! simulation index, the same on any rank.
//!
//! - [`plan`]: [`SweepPlan`], the config, its points, recordings, batch
//!   size and resource estimate, built once before anything is written.
//! - [`estimate`]: memory, output size and work of a run, checked against
//!   the machine before anything large is allocated.
//! - [`memory`]: the memory one simulation may use here; byte counts.
//! - [`run`]: one simulation, or a batch of small networks integrated
//!   together, from its point to its record.
//! - [`accumulate`]: a simulation's trials into the record the file stores.
//! - [`fit`]: [`fit::FitPlan`], a fit's plan: its points as the search
//!   asks them, the map from the unit cube, the objective.
//! - [`failure`]: why one simulation failed (recorded in its result).
//! - [`recordings`]: which voltage, synaptic-current and calcium traces
//!   and sample times are recorded.
//! - [`result_size`]: the largest result one simulation may have (one MPI
//!   message).
//! - [`fault`]: test-only fault injection (`HNN_MPI_FAULT_PANIC`).

pub mod accumulate;
pub mod estimate;
pub mod failure;
pub mod fault;
pub mod fit;
pub mod memory;
pub mod plan;
pub mod recordings;
pub mod result_size;
pub mod run;

pub use fault::FAULT_PANIC_VAR;
pub use plan::{SweepPlan, BATCH_CELLS};
pub use recordings::{
    ca_index, ca_modes, isec_index, isec_modes, sample_times, union_mode, vsec_index, vsec_modes,
};
