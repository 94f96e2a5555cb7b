//! kca.mod: calcium-dependent potassium channel.

use super::abi::{
    BuildContext, DensityMechanism, IonUse, MechanismInfo, MechanismInstance, Param, StateVar,
};
use super::ca_ion::Ions;
use super::fast_gates::{one_minus_exp_neg_small, MAX_SMALL_DECAY};
use super::{cnexp_row, gated_potassium_current, gated_potassium_current_fast, tadj, Scratch};
use crate::config::Numerics;

/// Maximal activation rate, /ms (per mM^caix).
const RA: f64 = 0.01;
/// Maximal deactivation rate, /ms.
const RB: f64 = 0.02;
const CAIX: f64 = 1.0;
const Q10: f64 = 2.3;
/// Reference temperature and hnn-core's shift, °C.
const TEMP: f64 = 23.0;
const TSHIFT: f64 = 30.7;

pub static INFO: MechanismInfo = MechanismInfo {
    name: "kca",
    mod_file: "hnn_core/mod/kca.mod",
    params: &[
        Param::range("gbar", "pS/um2", 10.0),
        Param::global("caix", "1", CAIX),
        Param::global("Ra", "/ms", RA),
        Param::global("Rb", "/ms", RB),
        Param::global("temp", "degC", TEMP),
        Param::global("q10", "1", Q10),
        Param::global("tshift", "degC", TSHIFT),
    ],
    states: &[StateVar { name: "n", unit: "1" }],
    // ek stays at NEURON's default; cai comes from cad.
    ions: &[
        IonUse {
            ion: "k",
            read: &["ek"],
            write: &["ik"],
        },
        IonUse {
            ion: "ca",
            read: &["cai"],
            write: &[],
        },
    ],
    build: |m, ctx| Box::new(Kca::new(m, ctx)),
};

pub struct Kca {
    pub nodes: Vec<usize>,
    ion: Vec<usize>,
    /// pS/µm².
    gbar: Vec<f64>,
    pub n: Vec<f64>,
    tadj: f64,
    fast: bool,
}

impl Kca {
    pub fn new(mech: &DensityMechanism, ctx: &BuildContext) -> Self {
        let ion = ctx.ions.ca();
        Kca {
            nodes: mech.nodes.clone(),
            ion: mech.nodes.iter().map(|&n| ion.instance_at(n)).collect(),
            gbar: mech.range("gbar"),
            n: vec![0.0; mech.nodes.len() * ctx.n_cells],
            tadj: tadj(Q10, ctx.celsius, TEMP, TSHIFT),
            fast: ctx.numerics == Numerics::Fast,
        }
    }

    /// `SOLVE states METHOD cnexp` in fast mode: `ninf = a / (a + b)` (one
    /// division) and the update factor `1 - exp(-dt tadj (a + b))` from its
    /// series ([`one_minus_exp_neg_small`]: dt/tau is about 1e-4 here), the
    /// exponential only for a factor beyond the series' range.
    fn state_fast(&mut self, ions: &Ions, nc: usize, dt: f64, scratch: &mut Scratch) {
        let ion = ions.ca();
        let (tab, ..) = scratch.rows();
        let n = self.n.len();
        let (inf, fac) = tab[..2 * n].split_at_mut(n);
        let y_per_rate = dt * self.tadj;
        let mut small = true;
        // Each instance's cai row read in place (no gather copy).
        for (i, &ii) in self.ion.iter().enumerate() {
            let cai = &ion.cai[ii * nc..(ii + 1) * nc];
            let (inf, fac) = (&mut inf[i * nc..(i + 1) * nc], &mut fac[i * nc..(i + 1) * nc]);
            for c in 0..nc {
                let a = RA * if CAIX == 1.0 { cai[c] } else { cai[c].powf(CAIX) };
                let sum = a + RB;
                inf[c] = a / sum;
                let y = y_per_rate * sum;
                small &= y <= MAX_SMALL_DECAY;
                fac[c] = one_minus_exp_neg_small(y);
            }
        }
        if !small {
            for (i, &ii) in self.ion.iter().enumerate() {
                let cai = &ion.cai[ii * nc..(ii + 1) * nc];
                let fac = &mut fac[i * nc..(i + 1) * nc];
                for c in 0..nc {
                    let a = RA * if CAIX == 1.0 { cai[c] } else { cai[c].powf(CAIX) };
                    let y = y_per_rate * (a + RB);
                    if y > MAX_SMALL_DECAY || y.is_nan() {
                        fac[c] = -(-y).exp_m1();
                    }
                }
            }
        }
        let x = &mut self.n[..n];
        for k in 0..n {
            x[k] += fac[k] * (inf[k] - x[k]);
        }
    }

    /// kca.mod `rates(cai)`: (ninf, ntau).
    #[inline(always)]
    fn rates(&self, cai: f64) -> (f64, f64) {
        // pow(cai, 1) is cai exactly; skip the call.
        let a = RA * if CAIX == 1.0 { cai } else { cai.powf(CAIX) };
        let b = RB;
        (a / (a + b), 1.0 / self.tadj / (a + b))
    }

}

impl MechanismInstance for Kca {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    /// INITIAL: n = ninf(cai).
    fn init(&mut self, _v: &[f64], ions: &mut Ions, nc: usize) {
        let ion = ions.ca();
        for (i, &ii) in self.ion.iter().enumerate() {
            for c in 0..nc {
                self.n[i * nc + c] = self.rates(ion.cai[ii * nc + c]).0;
            }
        }
    }

    /// BREAKPOINT: `ik = 1e-4 * tadj * gbar * n * (v - ek)`, mA/cm².
    fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], _ions: &mut Ions, nc: usize) {
        let kernel = if self.fast {
            gated_potassium_current_fast
        } else {
            gated_potassium_current
        };
        kernel(&self.nodes, &self.gbar, &self.n, self.tadj, v, rhs, d, nc);
    }

    /// `SOLVE states METHOD cnexp`, rates at each instance's cai.
    fn state(&mut self, _v: &[f64], ions: &mut Ions, nc: usize, dt: f64, scratch: &mut Scratch) {
        if self.fast {
            return self.state_fast(ions, nc, dt, scratch);
        }
        let ion = ions.ca();
        let (tab, arg, e) = scratch.rows();
        let n = self.n.len();
        let (inf, tau) = tab[..2 * n].split_at_mut(n);
        // Each instance's cai row read in place (no gather copy).
        for (i, &ii) in self.ion.iter().enumerate() {
            let cai = &ion.cai[ii * nc..(ii + 1) * nc];
            let (inf, tau) = (&mut inf[i * nc..(i + 1) * nc], &mut tau[i * nc..(i + 1) * nc]);
            for c in 0..nc {
                (inf[c], tau[c]) = self.rates(cai[c]);
            }
        }
        cnexp_row(&mut self.n, inf, tau, dt, arg, e);
    }

    fn n_gate_states(&self) -> usize {
        self.n.len()
    }
}
