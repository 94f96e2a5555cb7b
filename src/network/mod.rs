//! Network description: cell templates (sections, mechanisms, synapses),
//! populations, connections and drives that the model builders and the
//! hnn-core file readers produce and the engine compiles.
//!
//! - [`description`]: one network (populations, connections, drives, tonic
//!   biases), hnn-core's `Network`; the distance rule of a connection.
//! - [`cell_template`]: one cell type (sections, tree, mechanisms, synapses).
//! - [`cells_default`], [`params_default`]: hnn-core's four default cell
//!   types and their default parameters.
//! - [`models`]: the built-in models by name; [`jones_2009`], [`law_2021`],
//!   [`calcium`]: hnn-core's model functions; [`model_error`]: why a model
//!   cannot be built.
//! - [`hnn_params`]: HNN parameter files and the `params` entries the
//!   models read.
//! - [`drive_spec`]: what a drive is (dynamics, keyword arguments, gids).
//! - [`drives`]: attaching a drive (`_attach_drive`).
//! - [`electrode`]: extracellular electrode arrays (`add_electrode_array`).
//! - [`event_times`]: hnn-core's drive event times, per drive type.
//! - [`pruning`]: hnn-core's connection pruning (`_connection_probability`).
//! - [`hnn_json`]: hnn-core's network files (`write_configuration`).
//! - [`mechanism_catalogue`]: the engine's mechanisms as the readers see
//!   them (a trait the engine implements).
//! - [`from_config`]: the network of one simulation from its resolved config;
//!   [`build_error`]: why it cannot be built (a config key and a message).
//! - [`numpy_random`]: the old path of numpy's random streams and their
//!   hnn-core uses (re-exports, for `tests/numpy_random.rs`).

pub mod build_error;
pub mod calcium;
pub mod cell_template;
pub mod cells_default;
pub mod description;
pub mod drive_spec;
pub mod drives;
pub mod electrode;
pub mod event_times;
pub mod from_config;
pub mod hnn_json;
pub mod hnn_params;
pub mod jones_2009;
pub mod law_2021;
pub mod mechanism_catalogue;
pub mod model_error;
pub mod models;
pub mod params_default;
pub mod pruning;

pub use mechanism_catalogue::MechanismCatalogue;

/// numpy's random streams ([`crate::compat::numpy_mt19937`],
/// [`crate::compat::numpy_pcg64`], [`crate::compat::numpy_arange`]) and
/// hnn-core's uses of them ([`event_times`], [`pruning`]) at the path they
/// had when they shared one file.
pub mod numpy_random {
    pub use super::drive_spec::{DriveDynamics as DriveEventDynamics, PoissonRate};
    pub use super::event_times::*;
    pub use super::pruning::*;
    pub use crate::compat::numpy_arange::numpy_arange_f64;
    pub use crate::compat::numpy_mt19937::*;
    pub use crate::compat::numpy_pcg64::*;
}
