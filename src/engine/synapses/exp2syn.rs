//! `Exp2Syn` (NEURON's src/nrnoc/exp2syn.mod): the two-exponential synapse
//! hnn-core creates for every receptor (AMPA, NMDA, GABA_A, GABA_B;
//! `Cell.syn_create`, hnn_core/cell.py). Conductance `g = B - A` (µS), `A`
//! and `B` decaying with `tau1` and `tau2`; an event of weight `w` adds
//! `w * factor` to both, so that the peak conductance is `w`.

use super::abi::{
    Param, PointBuildContext, PointProcessBank, PointProcessInfo, PointProcessSites, StateVar,
};
use crate::engine::mechanisms::{current_and_jacobian, node_rows};
use crate::engine::units::hoc_exp;

pub static INFO: PointProcessInfo = PointProcessInfo {
    name: "Exp2Syn",
    mod_file: "exp2syn.mod (NEURON src/nrnoc)",
    params: &[
        Param::range("tau1", "ms", 0.1),
        Param::range("tau2", "ms", 10.0),
        Param::range("e", "mV", 0.0),
    ],
    states: &[
        StateVar {
            name: "A",
            unit: "uS",
        },
        StateVar {
            name: "B",
            unit: "uS",
        },
    ],
    build,
};

fn build(sites: &PointProcessSites, ctx: &PointBuildContext) -> Box<dyn PointProcessBank> {
    Box::new(Exp2SynBank::new(sites, ctx))
}

/// Every `Exp2Syn` of every cell of a batch, `[site * n_cells + cell]`.
pub struct Exp2SynBank {
    nodes: Vec<usize>,
    /// Reversal potential, mV.
    e: Vec<f64>,
    /// Rise and decay time constants, ms (tau1 as INITIAL adjusts it).
    tau1: Vec<f64>,
    tau2: Vec<f64>,
    /// Peak normalisation: a weight w gives a peak conductance w µS.
    factor: Vec<f64>,
    /// `1e2 / area`: point currents (nA) to densities (mA/cm²).
    scale: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    /// Per site, the cnexp factors of A and B (`1 - exp(-dt/tau)` and the
    /// target `-0/(-1/tau)`), as the generated C computes them each step;
    /// they depend only on dt and the time constants, so they are computed
    /// once per dt (same bits).
    decay: Vec<[f64; 4]>,
    /// The dt of `decay` (NaN: not computed since INITIAL).
    decay_dt: f64,
    /// Fast mode: the conductance analytically (the current is linear in
    /// v), without nocmodl's difference quotient.
    fast: bool,
}

impl Exp2SynBank {
    fn new(sites: &PointProcessSites, ctx: &PointBuildContext) -> Self {
        let n = sites.nodes.len();
        let k = n * ctx.n_cells;
        Exp2SynBank {
            nodes: sites.nodes.clone(),
            e: sites.param("e"),
            tau1: sites.param("tau1"),
            tau2: sites.param("tau2"),
            factor: vec![0.0; n],
            scale: sites
                .nodes
                .iter()
                .map(|&node| 1.0e2 / ctx.area_um2[node])
                .collect(),
            a: vec![0.0; k],
            b: vec![0.0; k],
            fast: ctx.numerics == crate::config::Numerics::Fast,
            decay: Vec::new(),
            decay_dt: f64::NAN,
        }
    }
}

impl PointProcessBank for Exp2SynBank {
    fn info(&self) -> &'static PointProcessInfo {
        &INFO
    }

    /// exp2syn.mod INITIAL.
    fn init(&mut self, _v: &[f64], _nc: usize) {
        for i in 0..self.nodes.len() {
            let tau2 = self.tau2[i];
            let mut tau1 = self.tau1[i];
            if tau1 / tau2 > 0.9999 {
                tau1 = 0.9999 * tau2;
            }
            if tau1 / tau2 < 1e-9 {
                tau1 = tau2 * 1e-9;
            }
            self.tau1[i] = tau1;
            let tp = (tau1 * tau2) / (tau2 - tau1) * (tau2 / tau1).ln();
            let factor = -hoc_exp(-tp / tau1) + hoc_exp(-tp / tau2);
            self.factor[i] = 1.0 / factor;
        }
        self.a.iter_mut().for_each(|x| *x = 0.0);
        self.b.iter_mut().for_each(|x| *x = 0.0);
        self.decay_dt = f64::NAN;
    }

    /// BREAKPOINT: `i = g * (v - e)`, nA.
    fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            let (v, rhs, d) = node_rows(v, &mut *rhs, &mut *d, node, nc);
            let (a, b) = (&self.a[i * nc..(i + 1) * nc], &self.b[i * nc..(i + 1) * nc]);
            let (e, scale) = (self.e[i], self.scale[i]);
            if self.fast {
                for c in 0..nc {
                    let g = (b[c] - a[c]) * scale;
                    rhs[c] -= g * (v[c] - e);
                    d[c] += g;
                }
                continue;
            }
            for c in 0..nc {
                let g_syn = b[c] - a[c];
                let (g, cur) = current_and_jacobian(v[c], |v| 0.0 + g_syn * (v - e));
                rhs[c] -= cur * scale;
                d[c] += g * scale;
            }
        }
    }

    /// BREAKPOINT's `g = B - A`, `i = g * (v - e)` (nA), the value
    /// NEURON's `Vector.record(syn._ref_i)` samples.
    fn currents_na(&self, v: &[f64], nc: usize, out: &mut [f64]) {
        for (i, &node) in self.nodes.iter().enumerate() {
            let v = &v[node * nc..(node + 1) * nc];
            let (a, b) = (&self.a[i * nc..(i + 1) * nc], &self.b[i * nc..(i + 1) * nc]);
            let e = self.e[i];
            for (c, out) in out[i * nc..(i + 1) * nc].iter_mut().enumerate() {
                let g_syn = b[c] - a[c];
                *out = g_syn * (v[c] - e);
            }
        }
    }

    /// `SOLVE state METHOD cnexp`: `A' = -A/tau1`, `B' = -B/tau2`.
    fn state(&mut self, _v: &[f64], nc: usize, dt: f64) {
        if self.decay_dt.to_bits() != dt.to_bits() {
            self.decay = self
                .tau1
                .iter()
                .zip(&self.tau2)
                .map(|(&tau1, &tau2)| {
                    [
                        1. - hoc_exp(dt * (-1.0 / tau1)),
                        1. - hoc_exp(dt * (-1.0 / tau2)),
                        -(0.0) / (-1.0 / tau1),
                        -(0.0) / (-1.0 / tau2),
                    ]
                })
                .collect();
            self.decay_dt = dt;
        }
        for (i, &[fa, fb, za, zb]) in self.decay.iter().enumerate() {
            let (a, b) = (
                &mut self.a[i * nc..(i + 1) * nc],
                &mut self.b[i * nc..(i + 1) * nc],
            );
            for c in 0..nc {
                a[c] += fa * (za - a[c]);
                b[c] += fb * (zb - b[c]);
            }
        }
    }

    /// NET_RECEIVE(weight (uS)): `A += weight * factor`, `B += weight * factor`.
    #[inline]
    fn net_receive(&mut self, site: usize, cell: usize, n_cells: usize, weight_us: f64) {
        let k = site * n_cells + cell;
        self.a[k] += weight_us * self.factor[site];
        self.b[k] += weight_us * self.factor[site];
    }
}
