//! Network description: cell templates (sections, mechanisms, synapses) that
//! model builders produce and the engine compiles.

pub mod cell_template;
pub mod cells_default;
pub mod description;
pub mod drives;
pub mod from_config;
pub mod hnn_json;
pub mod jones_2009;
pub mod numpy_random;
pub mod params_default;
