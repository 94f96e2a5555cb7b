//! Synapses: NEURON `POINT_PROCESS` mechanisms that receive NetCon events.
//! Each is one file: its declaration (`INFO`, a [`PointProcessInfo`]: `.mod`
//! name, parameters, states) and its kernels over every instance of its type
//! in a batch of cells (a [`PointProcessBank`]). The registry below lists
//! them; the layout, the cell batch and the network readers ask it
//! ([`find`], [`POINT_PROCESSES`]) and name no synapse themselves.
//!
//! - [`abi`]: the declaration types and the bank trait.
//! - [`exp2syn`]: exp2syn.mod, hnn-core's AMPA, NMDA, GABA_A and GABA_B.
//! - this file: the registry.
//!
//! Where they run: NEURON orders mechanisms by type, and its built-in point
//! processes (IClamp, then Exp2Syn) come after the concentration writers
//! (moved first by `nrn_writes_conc`) and before hnn-core's loaded `.mod`
//! files. The cell batch runs every bank there, in registry order
//! (docs/engine.md, §4 One time step).
//!
//! Adding a point process `foo.mod` (hnn-core's `NMDA_gao`, say): a file
//! `foo.rs` here with `pub static INFO: PointProcessInfo` (its
//! `POINT_PROCESS` name, `PARAMETER`s with units and defaults, `STATE`s) and
//! a type implementing [`PointProcessBank`] (see `exp2syn.rs`: parameters
//! taken by name with [`abi::PointProcessSites::param`] when the bank is
//! built), and `foo` in the `point_registry!` line at its place in NEURON's
//! type order; its golden data in `tests/data/`. The layout then gives a
//! cell template's synapse of mechanism `Foo` its `RANGE` parameters by name
//! (the `.mod` default where the template sets none), the batch builds its
//! bank, and events reach its `NET_RECEIVE`. A loaded `.mod` file sits among
//! hnn-core's density mechanisms in NEURON's type order, not beside the
//! built-in Exp2Syn: check its golden trace before trusting the position.

pub mod abi;

pub use abi::{PointProcessBank, PointProcessInfo, PointProcessSites};

/// Declares each point process's module and lists its `INFO` in
/// [`POINT_PROCESSES`], so that a new one is one file plus one name below.
macro_rules! point_registry {
    ($($name:ident),* $(,)?) => {
        $(pub mod $name;)*

        /// Every point process that receives events, in NEURON's type order.
        pub static POINT_PROCESSES: &[&PointProcessInfo] = &[$(&$name::INFO),*];
    };
}

// The registry: one name per `.mod` file, in NEURON's type order.
point_registry!(exp2syn);

/// The point process with `.mod` name `name` (`Exp2Syn`), if the engine has it.
pub fn find(name: &str) -> Option<&'static PointProcessInfo> {
    POINT_PROCESSES.iter().copied().find(|p| p.name == name)
}

/// Index of `info` in [`POINT_PROCESSES`] (the order banks run in).
pub fn registry_index(info: &PointProcessInfo) -> usize {
    POINT_PROCESSES
        .iter()
        .position(|p| std::ptr::eq(*p, info))
        .expect("point process not in the registry")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exp2Syn's parameters and defaults as exp2syn.mod declares them.
    #[test]
    fn exp2syn_declaration() {
        let info = find("Exp2Syn").unwrap();
        let params: Vec<(&str, &str, f64)> = info
            .range_params()
            .map(|p| (p.name, p.unit, p.default))
            .collect();
        assert_eq!(
            params,
            [("tau1", "ms", 0.1), ("tau2", "ms", 10.0), ("e", "mV", 0.0)]
        );
        let states: Vec<&str> = info.states.iter().map(|s| s.name).collect();
        assert_eq!(states, ["A", "B"]);
        assert_eq!(registry_index(info), 0);
        assert!(find("NMDA_gao").is_none());
    }
}
