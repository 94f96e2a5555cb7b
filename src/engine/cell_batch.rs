//! All cells of one type, integrated together with NEURON's fixed-step
//! backward-Euler method (`secondorder = 0`). State is structure-of-arrays,
//! `[node * n_cells + cell]`, so every loop runs across cells innermost.
//!
//! One step, as `nrn_fixed_step` orders it (src/nrnoc/fadvance.cpp):
//! 1. [`CellBatch::setup_and_solve`] at the mid-step time: zero rhs/d,
//!    membrane currents with their numerical conductances (the registry's
//!    mechanisms in NEURON's order, concentration writers first, each one
//!    virtual call over all its instances; the point processes where
//!    NEURON runs its built-in ones), axial currents, capacitance,
//!    Hines solve, `v += Δv`;
//! 2. [`CellBatch::update_states`]: every `SOLVE ... METHOD cnexp` at the new v;
//! 3. [`CellBatch::dipoles`]: the `AFTER SOLVE` dipole sums.

use std::sync::Arc;

use super::hines;
use super::iclamp::IClamp;
use super::layout::CellLayout;
use super::mechanisms::abi::BuildContext;
use super::mechanisms::ca_ion::Ions;
use super::mechanisms::{batch_ions, MechanismInstance, Scratch, MECHANISMS};
use super::synapses::abi::PointBuildContext;
use super::synapses::PointProcessBank;
use crate::config::Numerics;

pub struct CellBatch {
    pub layout: Arc<CellLayout>,
    pub n_cells: usize,
    /// Membrane potential, mV.
    pub v: Vec<f64>,
    rhs: Vec<f64>,
    d: Vec<f64>,
    pub ions: Ions,
    /// The density mechanisms inserted in this cell type, in NEURON's
    /// order (`memb_order_`): concentration writers first, then the rest in
    /// registry (type) order.
    mechanisms: Vec<Box<dyn MechanismInstance>>,
    /// `mechanisms[..n_conc_writers]` are the concentration writers, which
    /// NEURON runs ahead of the point processes (Exp2Syn, IClamp).
    n_conc_writers: usize,
    /// One bank per point-process type present (the layout's
    /// `point_processes`, in registry order).
    synapses: Vec<Box<dyn PointProcessBank>>,
    pub iclamps: Vec<IClamp>,
    /// `0.001 / dt`: capacitance to conductance (NEURON `cfac`).
    cfac: f64,
    scratch: Scratch,
    /// Fast mode: each dipole site's `ztan / ri` (µm/MΩ), so that the dipole
    /// sum multiplies instead of dividing; empty in exact mode.
    dipole_factors: Vec<f64>,
    /// Fast mode: the diagonal's constant part (capacitance `cfac * cm`
    /// and the axial terms), `[node * n_cells + cell]`, with which each
    /// step starts instead of zero; empty in exact mode, which adds the
    /// terms after the currents in NEURON's order.
    d_base: Vec<f64>,
}

impl CellBatch {
    /// `n_cells` cells of `layout` at `celsius` °C, stepped by `dt_ms`, in
    /// exact mode (NEURON's arithmetic).
    pub fn new(layout: Arc<CellLayout>, n_cells: usize, celsius: f64, dt_ms: f64) -> Self {
        Self::with_numerics(layout, n_cells, celsius, dt_ms, Numerics::Exact)
    }

    /// [`Self::new`] in either numerics mode (docs/engine.md, "Fast mode").
    pub fn with_numerics(
        layout: Arc<CellLayout>,
        n_cells: usize,
        celsius: f64,
        dt_ms: f64,
        numerics: Numerics,
    ) -> Self {
        let nn = layout.n_nodes * n_cells;
        // ca_ion exists wherever a mechanism uses calcium.
        let ions = batch_ions(&layout.mechanisms, n_cells, celsius);
        let ctx = BuildContext {
            n_cells,
            celsius,
            dt_ms,
            numerics,
            ions: &ions,
        };
        // NEURON's nrn_writes_conc moves each concentration writer ahead of
        // the other mechanisms: a stable partition of the registry order.
        let inserted = || {
            MECHANISMS
                .iter()
                .filter_map(|info| layout.mechanism(info.name))
        };
        let writers = inserted().filter(|m| m.info.writes_concentration());
        let others = inserted().filter(|m| !m.info.writes_concentration());
        let n_conc_writers = writers.clone().count();
        let mechanisms: Vec<Box<dyn MechanismInstance>> = writers
            .chain(others)
            .map(|m| (m.info.build)(m, &ctx))
            .collect();
        CellBatch {
            n_cells,
            v: vec![0.0; nn],
            rhs: vec![0.0; nn],
            d: vec![0.0; nn],
            mechanisms,
            n_conc_writers,
            synapses: layout
                .point_processes
                .iter()
                .map(|sites| {
                    let ctx = PointBuildContext {
                        n_cells,
                        area_um2: &layout.area_um2,
                        numerics,
                    };
                    (sites.info.build)(sites, &ctx)
                })
                .collect(),
            iclamps: Vec::new(),
            dipole_factors: match numerics {
                Numerics::Exact => Vec::new(),
                Numerics::Fast => layout
                    .dipole
                    .iter()
                    .map(|s| s.ztan_um / s.ri_mohm)
                    .collect(),
            },
            d_base: match numerics {
                Numerics::Exact => Vec::new(),
                Numerics::Fast => diagonal_base(&layout, n_cells, 0.001 / dt_ms),
            },
            cfac: 0.001 / dt_ms,
            scratch: Scratch::new(
                n_cells
                    * layout
                        .mechanisms
                        .iter()
                        .map(|m| m.nodes.len())
                        .max()
                        .unwrap_or(0),
            ),
            ions,
            layout,
        }
    }

    /// `finitialize()` without a voltage: each node starts at its section's
    /// v0; ions, then concentration writers (cad), then the point processes,
    /// then the other mechanisms in NEURON's type order run their INITIAL
    /// blocks.
    pub fn initialize(&mut self) {
        let nc = self.n_cells;
        for (node, &v0) in self.layout.v0_mv.iter().enumerate() {
            self.v[node * nc..(node + 1) * nc].fill(v0);
        }
        self.ions.init();
        let (writers, others) = self.mechanisms.split_at_mut(self.n_conc_writers);
        for m in writers {
            m.init(&self.v, &mut self.ions, nc);
        }
        for bank in &mut self.synapses {
            bank.init(&self.v, nc);
        }
        for m in others {
            m.init(&self.v, &mut self.ions, nc);
        }
    }

    /// `setup_tree_matrix`, `nrn_solve` and `update` at mid-step time `t_mid_ms`.
    pub fn setup_and_solve(&mut self, t_mid_ms: f64) {
        let nc = self.n_cells;
        let lay = &*self.layout;
        self.rhs.fill(0.0);
        let fast = !self.d_base.is_empty();
        if fast {
            self.d.copy_from_slice(&self.d_base);
        } else {
            self.d.fill(0.0);
        }
        let (v, rhs, d) = (&self.v, &mut self.rhs, &mut self.d);
        let ions = &mut self.ions;
        ions.begin_currents();
        let (writers, others) = self.mechanisms.split_at(self.n_conc_writers);
        for m in writers {
            m.current(v, rhs, d, ions, nc);
        }
        for clamp in &self.iclamps {
            clamp.current(t_mid_ms, rhs, nc);
        }
        for bank in &self.synapses {
            bank.current(v, rhs, d, nc);
        }
        for m in others {
            m.current(v, rhs, d, ions, nc);
        }
        // Axial currents (nrn_rhs), then capacitance and axial terms of the
        // diagonal (nrn_lhs).
        // Parents precede children (p < i), so the two rows split apart and
        // the loops over cells vectorise.
        for i in 1..lay.n_nodes {
            let p = lay.parent[i];
            let (a, b) = (lay.a[i], lay.b[i]);
            let (lo, hi) = rhs.split_at_mut(i * nc);
            let (rhs_p, rhs_i) = (&mut lo[p * nc..(p + 1) * nc], &mut hi[..nc]);
            let (v_p, v_i) = (&v[p * nc..(p + 1) * nc], &v[i * nc..(i + 1) * nc]);
            for c in 0..nc {
                let dv = v_p[c] - v_i[c];
                rhs_i[c] -= b * dv;
                rhs_p[c] += a * dv;
            }
        }
        if fast {
            hines::solve(&lay.parent, &lay.a, &lay.b, d, rhs, nc);
            for (v, dv) in self.v.iter_mut().zip(self.rhs.iter()) {
                *v += *dv;
            }
            return;
        }
        for i in 0..lay.n_nodes {
            let cm = lay.cm[i];
            if cm != 0.0 {
                for x in &mut d[i * nc..(i + 1) * nc] {
                    *x += self.cfac * cm;
                }
            }
        }
        for i in 1..lay.n_nodes {
            let p = lay.parent[i];
            let (a, b) = (lay.a[i], lay.b[i]);
            let (lo, hi) = d.split_at_mut(i * nc);
            for x in &mut hi[..nc] {
                *x -= b;
            }
            for x in &mut lo[p * nc..(p + 1) * nc] {
                *x -= a;
            }
        }
        hines::solve(&lay.parent, &lay.a, &lay.b, d, rhs, nc);
        for (v, dv) in self.v.iter_mut().zip(self.rhs.iter()) {
            *v += *dv;
        }
    }

    /// `nonvint`: the state updates, concentration writers first.
    pub fn update_states(&mut self, dt_ms: f64) {
        let nc = self.n_cells;
        let (writers, others) = self.mechanisms.split_at_mut(self.n_conc_writers);
        for m in writers {
            m.state(&self.v, &mut self.ions, nc, dt_ms, &mut self.scratch);
        }
        for bank in &mut self.synapses {
            bank.state(&self.v, nc, dt_ms);
        }
        for m in others {
            m.state(&self.v, &mut self.ions, nc, dt_ms, &mut self.scratch);
        }
    }

    /// `NET_RECEIVE` of synapse `site` (an index into the layout's
    /// `synapses`) of `cell`: an event of NetCon weight `weight_us` (µS).
    #[inline]
    pub fn net_receive(&mut self, site: usize, cell: usize, weight_us: f64) {
        let s = &self.layout.synapses[site];
        self.synapses[s.bank].net_receive(s.instance, cell, self.n_cells, weight_us);
    }

    /// Each cell's current dipole, fAm (hnn-core's `dipole`/`Dipole`
    /// `AFTER SOLVE` sums into `Qtotal`), written to `out[cell]`.
    pub fn dipoles(&self, out: &mut [f64]) {
        let nc = self.n_cells;
        out[..nc].fill(0.0);
        if !self.dipole_factors.is_empty() {
            for (site, &f) in self.layout.dipole.iter().zip(&self.dipole_factors) {
                let v_parent = &self.v[site.pv_node * nc..(site.pv_node + 1) * nc];
                let v_node = &self.v[site.node * nc..(site.node + 1) * nc];
                for ((q, &vp), &vn) in out[..nc].iter_mut().zip(v_parent).zip(v_node) {
                    *q += (vp - vn) * f;
                }
            }
            return;
        }
        for site in &self.layout.dipole {
            // Slices of exactly nc, so the loop over cells vectorises.
            let v_parent = &self.v[site.pv_node * nc..(site.pv_node + 1) * nc];
            let v_node = &self.v[site.node * nc..(site.node + 1) * nc];
            for ((q, &vp), &vn) in out[..nc].iter_mut().zip(v_parent).zip(v_node) {
                let ia = (vp - vn) / site.ri_mohm;
                *q += ia * site.ztan_um;
            }
        }
    }

    /// Gating states every step advances by `cnexp` (all cells of the
    /// batch): the part of the state update whose cost the exact
    /// expression fixes (`bench-batch` measures it).
    pub fn n_gate_states(&self) -> usize {
        self.mechanisms.iter().map(|m| m.n_gate_states()).sum()
    }

    /// Voltage of `node` in `cell`, mV.
    #[inline]
    pub fn voltage(&self, node: usize, cell: usize) -> f64 {
        self.v[node * self.n_cells + cell]
    }
}

/// Fast mode's starting diagonal: per node `cfac * cm - b` (its own axial
/// term) `- a` of each child (the parent's), the terms exact mode adds
/// after the currents, summed once.
fn diagonal_base(lay: &CellLayout, nc: usize, cfac: f64) -> Vec<f64> {
    let mut node = vec![0.0; lay.n_nodes];
    for (i, x) in node.iter_mut().enumerate() {
        if lay.cm[i] != 0.0 {
            *x += cfac * lay.cm[i];
        }
    }
    for i in 1..lay.n_nodes {
        node[i] -= lay.b[i];
        node[lay.parent[i]] -= lay.a[i];
    }
    node.iter()
        .flat_map(|&x| std::iter::repeat_n(x, nc))
        .collect()
}
