//! Point processes: `Exp2Syn` (NEURON's exp2syn.mod, hnn-core's AMPA, NMDA,
//! GABA_A and GABA_B synapses) and `IClamp` (stim.mod, somatic current steps
//! and hnn-core's tonic biases).

use super::layout::CellLayout;
use super::mechanisms::{current_and_jacobian, node_rows};
use super::units::hoc_exp;

/// Every `Exp2Syn` of every cell of a batch, `[site * n_cells + cell]`.
pub struct Exp2SynBank {
    pub nodes: Vec<usize>,
    /// Reversal potential, mV.
    e: Vec<f64>,
    /// Rise and decay time constants, ms (tau1 as INITIAL adjusts it).
    tau1: Vec<f64>,
    tau2: Vec<f64>,
    /// Peak normalisation: a weight w gives a peak conductance w µS.
    factor: Vec<f64>,
    /// `1e2 / area`: point currents (nA) to densities (mA/cm²).
    scale: Vec<f64>,
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    /// Per site, the cnexp factors of A and B (`1 - exp(-dt/tau)` and the
    /// target `-0/(-1/tau)`), as the generated C computes them each step;
    /// they depend only on dt and the time constants, so they are computed
    /// once per dt (same bits).
    decay: Vec<[f64; 4]>,
    /// The dt of `decay` (NaN: not computed since INITIAL).
    decay_dt: f64,
}

impl Exp2SynBank {
    pub fn new(layout: &CellLayout, n_cells: usize) -> Self {
        let s = &layout.synapses;
        let k = s.len() * n_cells;
        Exp2SynBank {
            nodes: s.iter().map(|x| x.node).collect(),
            e: s.iter().map(|x| x.e_mv).collect(),
            tau1: s.iter().map(|x| x.tau1_ms).collect(),
            tau2: s.iter().map(|x| x.tau2_ms).collect(),
            factor: vec![0.0; s.len()],
            scale: s.iter().map(|x| 1.0e2 / layout.area_um2[x.node]).collect(),
            a: vec![0.0; k],
            b: vec![0.0; k],
            decay: Vec::new(),
            decay_dt: f64::NAN,
        }
    }

    /// exp2syn.mod INITIAL.
    pub fn init(&mut self) {
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

    /// NET_RECEIVE: an event of weight `weight_us` (µS).
    #[inline]
    pub fn receive(&mut self, site: usize, cell: usize, n_cells: usize, weight_us: f64) {
        let k = site * n_cells + cell;
        self.a[k] += weight_us * self.factor[site];
        self.b[k] += weight_us * self.factor[site];
    }

    pub fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            let (v, rhs, d) = node_rows(v, &mut *rhs, &mut *d, node, nc);
            let (a, b) = (&self.a[i * nc..(i + 1) * nc], &self.b[i * nc..(i + 1) * nc]);
            let (e, scale) = (self.e[i], self.scale[i]);
            for c in 0..nc {
                let g_syn = b[c] - a[c];
                let (g, cur) = current_and_jacobian(v[c], |v| 0.0 + g_syn * (v - e));
                rhs[c] -= cur * scale;
                d[c] += g * scale;
            }
        }
    }

    pub fn state(&mut self, nc: usize, dt: f64) {
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

    /// Synaptic conductance `B - A`, µS.
    pub fn conductance(&self, site: usize, cell: usize, nc: usize) -> f64 {
        self.b[site * nc + cell] - self.a[site * nc + cell]
    }
}

/// A current clamp on one cell: `amp` nA while `del <= t < del + dur`.
#[derive(Debug, Clone)]
pub struct IClamp {
    pub cell: usize,
    pub node: usize,
    pub del_ms: f64,
    pub dur_ms: f64,
    pub amp_na: f64,
    /// `1e2 / area` of the node.
    pub scale: f64,
}

impl IClamp {
    /// Adds the electrode current at mid-step time `t_ms` (stim.mod).
    #[inline]
    pub fn current(&self, t_ms: f64, rhs: &mut [f64], nc: usize) {
        let i = if t_ms < self.del_ms + self.dur_ms && t_ms >= self.del_ms {
            self.amp_na
        } else {
            0.0
        };
        rhs[self.node * nc + self.cell] += i * self.scale;
    }
}
