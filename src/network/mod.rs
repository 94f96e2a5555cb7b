//! Network description: cell templates (sections, mechanisms, synapses) that
//! model builders produce and the engine compiles.

pub mod calcium;
pub mod cell_template;
pub mod cells_default;
pub mod description;
pub mod drives;
pub mod from_config;
pub mod hnn_json;
pub mod hnn_params;
pub mod jones_2009;
pub mod law_2021;
pub mod models;
pub mod numpy_random;
pub mod params_default;
