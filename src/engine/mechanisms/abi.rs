//! The mechanism interface: what a density mechanism declares about itself
//! ([`MechanismInfo`]: the `NEURON`, `PARAMETER` and `STATE` blocks of its
//! `.mod` file) and the kernels it runs over every instance in a batch of
//! cells ([`MechanismInstance`]: `INITIAL`, `BREAKPOINT`, `SOLVE`).
//!
//! Modelled on Arbor's mechanism ABI (`arbor/include/arbor/mechanism_abi.h`:
//! an `arb_mechanism_type` of metadata beside an `arb_mechanism_interface`
//! of `init_mechanism`/`compute_currents`/`advance_state` over all
//! instances). One virtual call per mechanism per phase; each kernel's loops
//! over cells are the mechanism's own monomorphic code, so they vectorise as
//! before.
//!
//! Parameters are found by name ([`DensityMechanism::range`]) when an
//! instance is built; the kernels only read the mechanism's own fields.

use std::fmt;

use super::ca_ion::Ions;
use super::Scratch;
use crate::config::Numerics;

/// Where a `.mod` parameter lives: per instance (`RANGE`: hnn-core sets it
/// per section as `<name>_<suffix>`) or one value for the whole mechanism
/// (`GLOBAL`, and any `PARAMETER` not declared `RANGE`: nocmodl makes it
/// global; hnn-core never changes them, so they are constants here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Range,
    Global,
}

/// A `PARAMETER` of a `.mod` file.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// NEURON's name without the suffix (`gnabar`).
    pub name: &'static str,
    /// The `.mod` file's unit, as written there (`S/cm2`, `pS/um2`, `ms`).
    pub unit: &'static str,
    /// The `.mod` file's default value, in `unit`.
    pub default: f64,
    pub scope: Scope,
}

impl Param {
    pub const fn range(name: &'static str, unit: &'static str, default: f64) -> Self {
        Param {
            name,
            unit,
            default,
            scope: Scope::Range,
        }
    }

    pub const fn global(name: &'static str, unit: &'static str, default: f64) -> Self {
        Param {
            name,
            unit,
            default,
            scope: Scope::Global,
        }
    }
}

/// A `STATE` variable of a `.mod` file.
#[derive(Debug, Clone, Copy)]
pub struct StateVar {
    pub name: &'static str,
    /// Unit as in the `.mod` file (`1` for a dimensionless gate).
    pub unit: &'static str,
}

/// One `USEION` statement: the ion and the ion variables the mechanism
/// reads and writes (`eca`, `ica`, `cai`, ...).
#[derive(Debug, Clone, Copy)]
pub struct IonUse {
    pub ion: &'static str,
    pub read: &'static [&'static str],
    pub write: &'static [&'static str],
}

impl IonUse {
    /// Writes `<ion>i` or `<ion>o`: NEURON then recomputes the reversal
    /// potential every step and orders the mechanism ahead of the others
    /// (`nrn_writes_conc`).
    pub fn writes_concentration(&self) -> bool {
        self.write.iter().any(|w| {
            w.strip_prefix(self.ion)
                .is_some_and(|rest| rest == "i" || rest == "o")
        })
    }
}

/// Builds the instances of a mechanism for one batch of cells.
pub type BuildFn = fn(&DensityMechanism, &BuildContext) -> Box<dyn MechanismInstance>;

/// Everything a density mechanism says about itself: the `NEURON`,
/// `PARAMETER` and `STATE` blocks of its `.mod` file, and how to build its
/// kernels.
pub struct MechanismInfo {
    /// The `.mod` `SUFFIX`.
    pub name: &'static str,
    /// The hnn-core 0.6.1 `.mod` file the kernels transcribe.
    pub mod_file: &'static str,
    /// Every `PARAMETER` the kernels use, in the `.mod` file's order.
    pub params: &'static [Param],
    pub states: &'static [StateVar],
    pub ions: &'static [IonUse],
    pub build: BuildFn,
}

impl MechanismInfo {
    /// The parameters hnn-core may set per section, in declaration order
    /// (the order of [`DensityMechanism::params`]).
    pub fn range_params(&self) -> impl Iterator<Item = &'static Param> {
        self.params.iter().filter(|p| p.scope == Scope::Range)
    }

    pub fn uses_ion(&self, ion: &str) -> bool {
        self.ions.iter().any(|u| u.ion == ion)
    }

    /// True for a concentration writer (`cad`), which NEURON runs ahead of
    /// the other mechanisms and of the point processes in every phase.
    pub fn writes_concentration(&self) -> bool {
        self.ions.iter().any(IonUse::writes_concentration)
    }
}

impl fmt::Debug for MechanismInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MechanismInfo")
            .field("name", &self.name)
            .field("mod_file", &self.mod_file)
            .finish_non_exhaustive()
    }
}

/// A density mechanism inserted in some segments of a cell type.
#[derive(Debug, Clone)]
pub struct DensityMechanism {
    pub info: &'static MechanismInfo,
    /// Nodes in increasing order (NEURON's `Memb_list` order).
    pub nodes: Vec<usize>,
    /// `params[k][instance]`, `k` in the order of
    /// [`MechanismInfo::range_params`].
    pub params: Vec<Vec<f64>>,
}

impl DensityMechanism {
    pub fn name(&self) -> &'static str {
        self.info.name
    }

    /// Per-instance values of `RANGE` parameter `name` (in the `.mod`
    /// file's unit). Looked up by name when a batch is built, never in the
    /// time loop. Panics when the mechanism declares no such parameter: a
    /// kernel asking for it is a programming error.
    pub fn range(&self, name: &str) -> Vec<f64> {
        let k = self
            .info
            .range_params()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("{} declares no RANGE parameter {name}", self.info.name));
        self.params[k].clone()
    }
}

/// What a mechanism's instances are built against.
pub struct BuildContext<'a> {
    pub n_cells: usize,
    /// Temperature, °C (NEURON `celsius`).
    pub celsius: f64,
    /// The step every `state` call will take, ms (fast mode tabulates its
    /// update factors for it).
    pub dt_ms: f64,
    /// Exact (nocmodl's arithmetic) or fast (`fast_gates`).
    pub numerics: Numerics,
    /// The batch's ions, already laid out (ion instance indices are fixed).
    pub ions: &'a Ions,
}

/// The kernels of one mechanism over all its instances in a batch, state
/// stored `[instance * nc + cell]`. `v` is the batch's voltage
/// `[node * nc + cell]` in mV; `rhs` and `d` are the matrix right-hand side
/// (mA/cm²) and diagonal (S/cm²), same layout.
pub trait MechanismInstance: Send {
    fn info(&self) -> &'static MechanismInfo;

    /// The `INITIAL` block at the initial voltages.
    fn init(&mut self, v: &[f64], ions: &mut Ions, nc: usize);

    /// The `BREAKPOINT` currents with nocmodl's numerical conductance:
    /// `rhs -= i`, `d += g`, ion currents added to the ion's total.
    /// A mechanism without a current (`cad`) does nothing.
    fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], ions: &mut Ions, nc: usize);

    /// `SOLVE ... METHOD cnexp` over `dt` (ms) at the new voltage.
    fn state(&mut self, v: &[f64], ions: &mut Ions, nc: usize, dt: f64, scratch: &mut Scratch);

    /// Gating states (instance × cell) that `cnexp` advances every step,
    /// for `bench-batch`'s cost per gate; concentrations (`cad`) count 0.
    fn n_gate_states(&self) -> usize;
}
