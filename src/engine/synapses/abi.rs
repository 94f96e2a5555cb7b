//! The point-process interface: what a synapse declares about itself
//! ([`PointProcessInfo`]: the `NEURON`, `PARAMETER` and `STATE` blocks of its
//! `.mod` file) and the kernels it runs over every instance of its type in a
//! batch of cells ([`PointProcessBank`]: `INITIAL`, `BREAKPOINT`, `SOLVE`,
//! `NET_RECEIVE`).
//!
//! The density mechanisms' interface (`engine/mechanisms/abi.rs`) with the
//! two things a `POINT_PROCESS` adds: its current is in nA at one node (so
//! it is scaled by `1e2 / area` into the node's mA/cm²), and events reach
//! it through `NET_RECEIVE`. Parameters are found by name
//! ([`PointProcessSites::param`]) when a bank is built; the kernels only
//! read the bank's own fields.

use std::fmt;

pub use crate::engine::mechanisms::abi::{Param, StateVar};

/// Builds the bank of one point-process type for a batch of cells.
pub type BuildFn = fn(&PointProcessSites, &PointBuildContext) -> Box<dyn PointProcessBank>;

/// Everything a point process says about itself.
pub struct PointProcessInfo {
    /// The `.mod` `POINT_PROCESS` name (`Exp2Syn`).
    pub name: &'static str,
    /// The `.mod` file the kernels transcribe.
    pub mod_file: &'static str,
    /// Every `PARAMETER` the kernels use, in the `.mod` file's order.
    pub params: &'static [Param],
    pub states: &'static [StateVar],
    pub build: BuildFn,
}

impl PointProcessInfo {
    /// The parameters set per instance (`RANGE`), in declaration order (the
    /// order of [`PointProcessSites::params`]).
    pub fn range_params(&self) -> impl Iterator<Item = &'static Param> {
        self.params
            .iter()
            .filter(|p| p.scope == crate::engine::mechanisms::abi::Scope::Range)
    }
}

impl fmt::Debug for PointProcessInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PointProcessInfo")
            .field("name", &self.name)
            .field("mod_file", &self.mod_file)
            .finish_non_exhaustive()
    }
}

/// Every instance of one point-process type on a cell type, in site order
/// (the layout's synapse order, which is NEURON's creation order).
#[derive(Debug, Clone)]
pub struct PointProcessSites {
    pub info: &'static PointProcessInfo,
    /// The node of each instance.
    pub nodes: Vec<usize>,
    /// `params[k][instance]`, `k` in the order of
    /// [`PointProcessInfo::range_params`], in the `.mod` file's units.
    pub params: Vec<Vec<f64>>,
}

impl PointProcessSites {
    /// Per-instance values of `RANGE` parameter `name`. Looked up by name
    /// when a bank is built, never in the time loop. Panics when the point
    /// process declares no such parameter: a kernel asking for it is a
    /// programming error.
    pub fn param(&self, name: &str) -> Vec<f64> {
        let k = self
            .info
            .range_params()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("{} declares no RANGE parameter {name}", self.info.name));
        self.params[k].clone()
    }
}

/// What a bank is built against.
pub struct PointBuildContext<'a> {
    pub n_cells: usize,
    /// Node areas of the cell type, µm² (point currents in nA become
    /// densities in mA/cm² through `1e2 / area`).
    pub area_um2: &'a [f64],
    /// Exact (nocmodl's arithmetic) or fast (docs/engine.md, "Fast mode").
    pub numerics: crate::config::Numerics,
}

/// The kernels of one point-process type over all its instances in a batch,
/// state stored `[instance * nc + cell]`. `v` is the batch's voltage
/// `[node * nc + cell]` in mV; `rhs` and `d` are the matrix right-hand side
/// (mA/cm²) and diagonal (S/cm²), same layout.
pub trait PointProcessBank: Send {
    fn info(&self) -> &'static PointProcessInfo;

    /// The `INITIAL` block at the initial voltages.
    fn init(&mut self, v: &[f64], nc: usize);

    /// The `BREAKPOINT` current with nocmodl's numerical conductance, scaled
    /// to the node: `rhs -= i * 1e2/area`, `d += g * 1e2/area`.
    fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], nc: usize);

    /// The current `i` (nA, the `.mod` file's `RANGE i`) of every instance
    /// as [`Self::current`] at `v` leaves it in NEURON (its last
    /// evaluation is at `v`, not `v + 0.001`): `out[instance * nc + cell]`.
    /// Called only when synaptic currents are recorded (hnn-core's
    /// `record_isec`), beside `current`, never instead of it.
    fn currents_na(&self, v: &[f64], nc: usize, out: &mut [f64]);

    /// `SOLVE ... METHOD cnexp` over `dt` (ms) at the new voltage.
    fn state(&mut self, v: &[f64], nc: usize, dt: f64);

    /// `NET_RECEIVE` on `instance` of `cell`: an event of NetCon weight
    /// `weight_us` (µS).
    fn net_receive(&mut self, instance: usize, cell: usize, nc: usize, weight_us: f64);
}
