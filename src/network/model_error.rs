//! Why a built-in model cannot be built ([`super::models::build_model`]):
//! the one error a user can cause (the mesh), and the structure that
//! `law_2021_model`'s changes expect of the Jones 2009 network.

use std::fmt;

/// What stops a built-in model from being built. Only [`ModelError::MeshShape`]
/// can come from input (and `[network] mesh_shape` is checked before, in the
/// config); the others say that [`super::jones_2009::jones_2009`] no longer
/// builds what [`super::law_2021::apply_law_2021`] changes, which no input
/// reaches.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelError {
    /// A mesh side below 1.
    MeshShape {
        n_x: usize,
        n_y: usize,
    },
    /// A pyramidal template without the synapse of this receptor.
    MissingSynapse {
        receptor: &'static str,
    },
    /// Connection `index` is not the one hnn-core's code indexes.
    ConnectionOrder {
        index: usize,
        /// `src -> target receptor` as built.
        found: String,
        /// `src -> target receptor` as jones_2009 orders it.
        expected: String,
    },
    MissingPopulation {
        cell_type: &'static str,
    },
    MissingSection {
        cell_type: &'static str,
        section: &'static str,
    },
    MissingWeight {
        name: &'static str,
    },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::MeshShape { n_x, n_y } => write!(
                f,
                "mesh_shape must be two positive integers, got [{n_x}, {n_y}]"
            ),
            ModelError::MissingSynapse { receptor } => {
                write!(f, "pyramidal template without a {receptor} synapse")
            }
            ModelError::ConnectionOrder {
                index,
                found,
                expected,
            } => write!(
                f,
                "connection {index} is {found}, not jones_2009's {expected}"
            ),
            ModelError::MissingPopulation { cell_type } => {
                write!(f, "no {cell_type} population")
            }
            ModelError::MissingSection { cell_type, section } => {
                write!(f, "{cell_type} has no section {section}")
            }
            ModelError::MissingWeight { name } => write!(f, "missing connection weight {name}"),
        }
    }
}

impl std::error::Error for ModelError {}
