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
//!
//! With [`CellBatch::enable_imem`], step 1 also keeps what NEURON's
//! `cvode.use_fast_imem(1)` keeps (`_nrn_sav_rhs`, `_nrn_sav_d`) and ends
//! with every node's total membrane current, `i_membrane_`
//! ([`CellBatch::imem_na`]); nothing else changes.

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
    /// Per bank, the current `i` (nA) of each synapse at the last matrix
    /// set-up (`[instance * n_cells + cell]`); empty unless synaptic
    /// currents are recorded ([`Self::record_synaptic_currents`]).
    syn_i_na: Vec<Vec<f64>>,
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
    /// The total membrane currents, when recorded.
    imem: Option<FastImem>,
}

/// NEURON's `_nrn_Fast_Imem` (treeset.cpp `nrn_rhs`, `nrn_lhs`;
/// fadvance.cpp `nrn_calc_fast_imem`), `[node * n_cells + cell]`.
struct FastImem {
    /// After the membrane currents: the electrode (IClamp) currents minus
    /// rhs, i.e. minus the membrane currents (mA/cm²); after the solve,
    /// the total membrane current `i_membrane_` (nA).
    sav_rhs: Vec<f64>,
    /// The diagonal before the axial terms: the membrane conductances and
    /// `cm / dt` (S/cm²).
    sav_d: Vec<f64>,
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
        let mut ions = batch_ions(&layout.mechanisms, n_cells, celsius);
        if numerics == Numerics::Fast {
            ions.use_fast_nernst();
        }
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
            syn_i_na: Vec::new(),
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
            imem: None,
        }
    }

    /// Compute every node's total membrane current each step, as NEURON
    /// does under `cvode.use_fast_imem(1)` ([`Self::imem_na`]).
    pub fn enable_imem(&mut self) {
        let nn = self.layout.n_nodes * self.n_cells;
        self.imem = Some(FastImem {
            sav_rhs: vec![0.0; nn],
            sav_d: vec![0.0; nn],
        });
    }

    /// `i_membrane_` of every node after the last step, nA,
    /// `[node * n_cells + cell]` (capacitive current included; the
    /// currents of IClamps, electrode currents, excluded); `None` unless
    /// [`Self::enable_imem`] was called.
    pub fn imem_na(&self) -> Option<&[f64]> {
        self.imem.as_ref().map(|m| &m.sav_rhs[..])
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
        // finitialize's own current evaluation at v0 gives `i` its t = 0
        // value (0, signed as v0 - e).
        self.store_synaptic_currents();
    }

    /// Keep each synapse's current `i` (nA) at every matrix set-up, and at
    /// `finitialize`, for [`Self::synaptic_current_na`]: hnn-core's
    /// `record_isec`. Off by default (no per-step cost).
    pub fn record_synaptic_currents(&mut self) {
        let nc = self.n_cells;
        self.syn_i_na = self
            .layout
            .point_processes
            .iter()
            .map(|sites| vec![0.0; sites.nodes.len() * nc])
            .collect();
    }

    /// The current `i` (nA) of instance `instance` of bank `bank` in `cell`
    /// as the last matrix set-up computed it (NEURON's BREAKPOINT at the
    /// mid-step, which `Vector.record` samples after the step). Only while
    /// [`Self::record_synaptic_currents`] is on.
    #[inline]
    pub fn synaptic_current_na(&self, bank: usize, instance: usize, cell: usize) -> f64 {
        self.syn_i_na[bank][instance * self.n_cells + cell]
    }

    /// Each bank's `i` at the present voltages, when recorded.
    fn store_synaptic_currents(&mut self) {
        for (bank, out) in self.synapses.iter().zip(&mut self.syn_i_na) {
            bank.currents_na(&self.v, self.n_cells, out);
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
        // `i` as BREAKPOINT left it (recorded only; v is unchanged here).
        for (bank, out) in self.synapses.iter().zip(&mut self.syn_i_na) {
            bank.currents_na(v, nc, out);
        }
        for m in others {
            m.current(v, rhs, d, ions, nc);
        }
        if let Some(imem) = &mut self.imem {
            // nrn_rhs: electrode currents (nocmodl adds each IClamp's to
            // _nrn_sav_rhs as it adds it to rhs), then `p[i] -= rhs[i]`.
            imem.sav_rhs.fill(0.0);
            for clamp in &self.iclamps {
                clamp.current(t_mid_ms, &mut imem.sav_rhs, nc);
            }
            for (p, r) in imem.sav_rhs.iter_mut().zip(rhs.iter()) {
                *p -= *r;
            }
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
            if let Some(imem) = &mut self.imem {
                // nrn_lhs's sav_d is the diagonal before the axial terms;
                // the fast diagonal started from capacitance and axial
                // terms, so take that base off and put the capacitance back.
                for i in 0..lay.n_nodes {
                    let cap = if lay.cm[i] != 0.0 {
                        self.cfac * lay.cm[i]
                    } else {
                        0.0
                    };
                    let span = i * nc..(i + 1) * nc;
                    let base = &self.d_base[span.clone()];
                    for ((s, &x), &b) in imem.sav_d[span.clone()].iter_mut().zip(&d[span]).zip(base)
                    {
                        *s = (x - b) + cap;
                    }
                }
            }
            hines::solve_fast(&lay.parent, &lay.a, &lay.b, d, rhs, nc);
            for (v, dv) in self.v.iter_mut().zip(self.rhs.iter()) {
                *v += *dv;
            }
            self.finish_imem();
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
        if let Some(imem) = &mut self.imem {
            // nrn_lhs: `p[i] = d[i] - p[i]` after the capacitance, where p
            // holds the electrode conductances (IClamp's is 0): d itself.
            imem.sav_d.copy_from_slice(d);
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
        self.finish_imem();
    }

    /// `nrn_calc_fast_imem` at the end of `update()`, when recorded.
    fn finish_imem(&mut self) {
        let nc = self.n_cells;
        let lay = &*self.layout;
        if let Some(imem) = &mut self.imem {
            // nrn_calc_fast_imem, at the end of update():
            // (sav_d * Δv + sav_rhs) * area * 0.01.
            for i in 0..lay.n_nodes {
                let area = lay.area_um2[i];
                let span = i * nc..(i + 1) * nc;
                let dv = &self.rhs[span.clone()];
                let sd = &imem.sav_d[span.clone()];
                for ((p, &x), &g) in imem.sav_rhs[span].iter_mut().zip(dv).zip(sd) {
                    *p = (g * x + *p) * area * 0.01;
                }
            }
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
