//! What the network readers need to know of the engine's mechanisms: which
//! mechanisms exist and the names of their RANGE parameters. An hnn-core
//! network file names both (`mechs` of every section), and the reader
//! refuses, at the field that names it, one the engine cannot simulate.
//!
//! The engine reads the network, never the reverse: the reader takes the
//! catalogue as an argument, and the engine implements it for its registry
//! (`engine::mechanisms::Catalogue`).

/// The mechanisms a network may use, by their `.mod` SUFFIX.
pub trait MechanismCatalogue {
    /// The RANGE parameters of `mechanism` that a section sets, as the
    /// `.mod` file's PARAMETER block names them without the suffix (`gkbar`
    /// for hnn-core's `gkbar_hh2`), in declaration order; `None` if the
    /// engine has no such mechanism.
    fn range_parameters(&self, mechanism: &str) -> Option<Vec<&str>>;
}
