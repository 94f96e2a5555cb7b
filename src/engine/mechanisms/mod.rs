//! Density mechanisms of HNN (hnn-core's `.mod` files), as nocmodl compiles
//! them: currents with the numerical Jacobian `(i(v + 0.001) - i(v)) / 0.001`,
//! `cnexp` state updates, `TABLE` interpolation.
//!
//! Each mechanism is one file: its declaration (`INFO`, a
//! [`MechanismInfo`]: `.mod` name, parameters, states, ions) and its
//! kernels (a [`MechanismInstance`]). The registry below lists them; the
//! cell batch, the layout and the hnn-core JSON reader ask it
//! ([`find`], [`MECHANISMS`], [`batch_ions`]) and name no mechanism
//! themselves.
//!
//! - [`abi`]: the declaration types and the kernel trait.
//! - [`ca_ion`]: the calcium ion (`eion.cpp`).
//! - [`ar`]: ar.mod, the anomalous rectifier (h-like) current.
//! - [`ca`]: ca.mod, the high-voltage-activated calcium current.
//! - [`cad`]: cad.mod, submembrane calcium decay (writes `cai`).
//! - [`cat`]: cat.mod, the low-threshold T-type calcium current.
//! - [`hh2`]: hh2.mod, Hodgkin-Huxley sodium, potassium and leak.
//! - [`kca`]: kca.mod, the calcium-dependent potassium channel.
//! - [`km`]: km.mod, the muscarinic potassium channel.
//! - [`fast_gates`]: fast mode's tabulated update factors (NEURON's
//!   hh1.mod form) and cheaper untabulated updates.
//! - this file: the registry, the batch's ions ([`batch_ions`]: `ca_ion`
//!   wherever a mechanism declares `USEION ca`), and the kernels' shared
//!   building blocks (numerical Jacobian, `cnexp`, tabulated gates, scratch
//!   space).
//!
//! State arrays are `[instance * n_cells + cell]`: cells innermost, so the
//! inner loops run over the cells of a batch and vectorise.
//!
//! Adding a density mechanism `foo.mod`: a file `foo.rs` here with
//! `pub static INFO: MechanismInfo` and a type implementing
//! [`MechanismInstance`] (see `km.rs`), and `foo` in the `registry!` line at
//! its place in NEURON's type order; its golden data in `tests/data/`.
//! Nothing else names mechanisms: the layout takes its `RANGE` parameters
//! from `INFO`, the hnn-core JSON reader accepts `<param>_foo`, the batch
//! creates `ca_ion` if it declares `USEION ca` and runs it first if it
//! writes a concentration.

pub mod abi;
pub mod ca_ion;
mod cnexp;
pub mod fast_gates;

pub use abi::{DensityMechanism, MechanismInfo, MechanismInstance};
use ca_ion::Ions;

/// Declares each mechanism's module and lists its `INFO` in [`MECHANISMS`],
/// so that a new mechanism is one file plus one name in the list below.
macro_rules! registry {
    ($($name:ident),* $(,)?) => {
        $(pub mod $name;)*

        /// Every density mechanism, in NEURON's type order: nrnivmodl
        /// registers hnn-core's `.mod` files in alphabetical order. (The cell
        /// batch then moves concentration writers ahead, as NEURON's
        /// `nrn_writes_conc` does.)
        pub static MECHANISMS: &[&MechanismInfo] = &[$(&$name::INFO),*];
    };
}

// The registry: one name per `.mod` file, in NEURON's type order.
registry!(ar, ca, cad, cat, hh2, kca, km);

/// The mechanism with `.mod` SUFFIX `name`, if the engine has it.
pub fn find(name: &str) -> Option<&'static MechanismInfo> {
    MECHANISMS.iter().copied().find(|m| m.name == name)
}

/// The ions of a batch whose cells carry `mechanisms`: `ca_ion` on every
/// node of a mechanism with `USEION ca` (NEURON creates the ion wherever
/// such a mechanism is inserted), nodes in increasing order.
pub fn batch_ions(mechanisms: &[DensityMechanism], n_cells: usize, celsius: f64) -> Ions {
    for m in mechanisms {
        for u in m.info.ions {
            assert!(
                u.ion == "ca" || !u.writes_concentration(),
                "{} writes the concentration of {}: only ca_ion is dynamic",
                m.name(),
                u.ion
            );
        }
    }
    Ions::new(ca_ion_nodes(mechanisms), n_cells, celsius)
}

/// The nodes that carry `ca_ion` (NEURON inserts it with any mechanism that
/// says `USEION ca`), in increasing order: its instances' order.
pub fn ca_ion_nodes(mechanisms: &[DensityMechanism]) -> Vec<usize> {
    let mut ca_nodes: Vec<usize> = mechanisms
        .iter()
        .filter(|m| m.info.uses_ion("ca"))
        .flat_map(|m| m.nodes.iter().copied())
        .collect();
    ca_nodes.sort_unstable();
    ca_nodes.dedup();
    ca_nodes
}

use super::table::Table;
pub use cnexp::cnexp_row;

/// nocmodl's current evaluation: returns (conductance `_g`, current `_rhs`)
/// from a current function of v (mA/cm²).
#[inline(always)]
pub fn current_and_jacobian(v: f64, f: impl Fn(f64) -> f64) -> (f64, f64) {
    let g = f(v + 0.001);
    let rhs = f(v);
    ((g - rhs) / 0.001, rhs)
}

/// The rows of one mechanism instance at `node`: voltage, right-hand side
/// and diagonal of every cell, each exactly `nc` long (so the loops over
/// cells need no bounds checks and vectorise).
#[inline(always)]
pub fn node_rows<'a>(
    v: &'a [f64],
    rhs: &'a mut [f64],
    d: &'a mut [f64],
    node: usize,
    nc: usize,
) -> (&'a [f64], &'a mut [f64], &'a mut [f64]) {
    let r = node * nc..(node + 1) * nc;
    (&v[r.clone()], &mut rhs[r.clone()], &mut d[r])
}

/// The potassium current of km.mod and kca.mod, `ik = 1e-4 * tadj * gbar *
/// n * (v - ek)` (pS/µm² to S/cm²), with its numerical conductance.
#[allow(clippy::too_many_arguments)]
pub fn gated_potassium_current(
    nodes: &[usize],
    gbar: &[f64],
    n: &[f64],
    tadj: f64,
    v: &[f64],
    rhs: &mut [f64],
    d: &mut [f64],
    nc: usize,
) {
    for (i, &node) in nodes.iter().enumerate() {
        let (v, rhs, d) = node_rows(v, &mut *rhs, &mut *d, node, nc);
        let gbar = gbar[i];
        for c in 0..nc {
            let n = n[i * nc + c];
            let (g, ik) = current_and_jacobian(v[c], |v| {
                let gk = tadj * gbar * n;
                0.0 + (1e-4) * gk * (v - super::units::DEFAULT_EK_MV)
            });
            rhs[c] -= ik;
            d[c] += g;
        }
    }
}

/// [`gated_potassium_current`] in fast mode: the conductance analytically
/// (the current is linear in v, so nocmodl's difference quotient equals it
/// up to rounding), without the quotient's second evaluation and division.
#[allow(clippy::too_many_arguments)]
pub fn gated_potassium_current_fast(
    nodes: &[usize],
    gbar: &[f64],
    n: &[f64],
    tadj: f64,
    v: &[f64],
    rhs: &mut [f64],
    d: &mut [f64],
    nc: usize,
) {
    for (i, &node) in nodes.iter().enumerate() {
        let (v, rhs, d) = node_rows(v, &mut *rhs, &mut *d, node, nc);
        let g0 = 1e-4 * tadj * gbar[i];
        let n = &n[i * nc..(i + 1) * nc];
        for c in 0..nc {
            let g = g0 * n[c];
            rhs[c] -= g * (v[c] - super::units::DEFAULT_EK_MV);
            d[c] += g;
        }
    }
}

/// Temperature factor `q10^((celsius - temp - tshift) / 10)` of the
/// Mainen-style channels (km.mod, ca.mod, kca.mod).
pub fn tadj(q10: f64, celsius: f64, temp: f64, tshift: f64) -> f64 {
    q10.powf((celsius - temp - tshift) / 10.0)
}

/// Scratch space for the vectorised state updates: room for one value per
/// (instance, cell) of the largest mechanism.
pub struct Scratch {
    /// Voltages gathered per (instance, cell).
    pub v: Vec<f64>,
    /// Table outputs, `[k * n + i]`.
    pub tab: Vec<f64>,
    arg: Vec<f64>,
    e: Vec<f64>,
    /// Table intervals and fractions (`Table::locate`).
    j: Vec<u32>,
    theta: Vec<f64>,
}

impl Scratch {
    pub fn new(capacity: usize) -> Self {
        Scratch {
            v: vec![0.0; capacity],
            tab: vec![0.0; 8 * capacity],
            arg: vec![0.0; capacity],
            e: vec![0.0; capacity],
            j: vec![0; capacity],
            theta: vec![0.0; capacity],
        }
    }

    /// The scratch without a gather: (table rows, exp arguments, exp
    /// results), for kernels that read their inputs in place.
    pub fn rows(&mut self) -> (&mut [f64], &mut [f64], &mut [f64]) {
        (&mut self.tab, &mut self.arg, &mut self.e)
    }

    /// Gather `v` at `nodes` for every cell, `[instance * nc + cell]`,
    /// and split the scratch into (voltages, table rows, exp arguments,
    /// exp results).
    pub fn gather(
        &mut self,
        v: &[f64],
        nodes: &[usize],
        nc: usize,
    ) -> (&[f64], &mut [f64], &mut [f64], &mut [f64]) {
        let n = nodes.len() * nc;
        for (i, &node) in nodes.iter().enumerate() {
            self.v[i * nc..(i + 1) * nc].copy_from_slice(&v[node * nc..(node + 1) * nc]);
        }
        (&self.v[..n], &mut self.tab, &mut self.arg, &mut self.e)
    }
}

/// Below this many cells per batch, [`table_gates`] gathers several
/// instances into one chunk: per-instance rows would be too short.
const MIN_ROW_CELLS: usize = 32;

/// Elements per gathered chunk in [`table_gates`] (K table rows of this many
/// values stay in L1).
const GATE_CHUNK: usize = 256;

/// The `SOLVE states METHOD cnexp` of a tabulated channel: the table at
/// each (instance, cell)'s voltage, then every gate `(state, inf row, tau
/// row)` advanced by [`cnexp_row`]. With many cells, one instance at a
/// time: its cells' voltages are contiguous in `v` (no gather copy) and its
/// K table rows stay in L1. With few cells, the voltages of all instances
/// are gathered and processed in chunks.
pub fn table_gates<const K: usize>(
    table: &Table<K>,
    v: &[f64],
    nodes: &[usize],
    nc: usize,
    dt: f64,
    scratch: &mut Scratch,
    gates: &mut [(&mut [f64], usize, usize)],
) {
    let Scratch {
        v: vs,
        tab,
        arg,
        e,
        j,
        theta,
    } = scratch;
    if nc >= MIN_ROW_CELLS {
        for (i, &node) in nodes.iter().enumerate() {
            let v_row = &v[node * nc..(node + 1) * nc];
            gates_at(table, v_row, i * nc, dt, gates, tab, arg, e, j, theta);
        }
        return;
    }
    let n = nodes.len() * nc;
    for (i, &node) in nodes.iter().enumerate() {
        vs[i * nc..(i + 1) * nc].copy_from_slice(&v[node * nc..(node + 1) * nc]);
    }
    let vg = &vs[..n];
    for start in (0..vg.len()).step_by(GATE_CHUNK) {
        let end = (start + GATE_CHUNK).min(vg.len());
        gates_at(
            table,
            &vg[start..end],
            start,
            dt,
            gates,
            tab,
            arg,
            e,
            j,
            theta,
        );
    }
}

/// The table at voltages `v` (one per (instance, cell) pair from `offset`
/// on), then each gate's cnexp over the same pairs: the interval and
/// fraction of each voltage computed once for all gates
/// ([`Table::locate`]), each gate's `inf` and `tau` from them
/// ([`Table::gate_rows`]), then its [`cnexp_row`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn gates_at<const K: usize>(
    table: &Table<K>,
    v: &[f64],
    offset: usize,
    dt: f64,
    gates: &mut [(&mut [f64], usize, usize)],
    tab: &mut [f64],
    arg: &mut [f64],
    e: &mut [f64],
    j: &mut [u32],
    theta: &mut [f64],
) {
    let m = v.len();
    let at = table.locate(v, j, theta);
    let (inf, tau) = tab[..2 * m].split_at_mut(m);
    for (x, k_inf, k_tau) in gates.iter_mut() {
        let x = &mut x[offset..offset + m];
        // Inside the table, the interpolation runs in the divider's
        // shadow, fused into the cnexp loop (the same values as gate_rows).
        if at.all_inside && cnexp::table_row_fast(x, table, &at, (*k_inf, *k_tau), dt, e) {
            continue;
        }
        table.gate_rows(v, &at, (*k_inf, *k_tau), inf, tau);
        cnexp_row(x, inf, tau, dt, arg, e);
    }
}

/// The registry as the network readers see it: a network file's mechanisms
/// and RANGE parameter names are checked against it as they are read.
pub struct Catalogue;

impl crate::network::MechanismCatalogue for Catalogue {
    fn range_parameters(&self, mechanism: &str) -> Option<Vec<&str>> {
        find(mechanism).map(|info| info.range_params().map(|p| p.name).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::abi::Scope;
    use super::*;

    /// NEURON's type order is nrnivmodl's alphabetical order of the `.mod`
    /// files; every SUFFIX appears once.
    #[test]
    fn registry_in_type_order() {
        let names: Vec<&str> = MECHANISMS.iter().map(|m| m.name).collect();
        assert_eq!(names, ["ar", "ca", "cad", "cat", "hh2", "kca", "km"]);
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }

    /// The section parameters hnn-core sets (`<name>_<suffix>`) and their
    /// `.mod` defaults, as the engine had them listed before the registry.
    #[test]
    fn range_parameters_and_defaults() {
        let range = |name: &str| -> Vec<(&str, f64)> {
            find(name)
                .unwrap()
                .range_params()
                .map(|p| (p.name, p.default))
                .collect()
        };
        assert_eq!(
            range("hh2"),
            [
                ("gnabar", 0.12),
                ("gkbar", 0.036),
                ("gl", 0.0003),
                ("el", -54.3)
            ]
        );
        assert_eq!(range("km"), [("gbar", 10.0)]);
        assert_eq!(range("ca"), [("gbar", 0.1)]);
        assert_eq!(range("kca"), [("gbar", 10.0)]);
        assert_eq!(range("cad"), [("taur", 200.0)]);
        assert_eq!(range("cat"), [("gbar", 0.0)]);
        assert_eq!(range("ar"), [("gbar", 0.0)]);
        assert!(find("NMDA_gao").is_none());
        assert!(find("km")
            .unwrap()
            .params
            .iter()
            .any(|p| p.scope == Scope::Global));
    }

    /// Only cad writes a concentration; ca, cad and kca use ca_ion.
    #[test]
    fn ions() {
        let writers: Vec<&str> = MECHANISMS
            .iter()
            .filter(|m| m.writes_concentration())
            .map(|m| m.name)
            .collect();
        assert_eq!(writers, ["cad"]);
        let ca_users: Vec<&str> = MECHANISMS
            .iter()
            .filter(|m| m.uses_ion("ca"))
            .map(|m| m.name)
            .collect();
        assert_eq!(ca_users, ["ca", "cad", "kca"]);
    }
}
