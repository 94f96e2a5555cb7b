//! hh2.mod: Hodgkin-Huxley sodium, potassium and leak channels (shifted).

use super::abi::{
    BuildContext, DensityMechanism, MechanismInfo, MechanismInstance, IonUse, Param, StateVar,
};
use super::ca_ion::Ions;
use super::fast_gates::GateTable;
use super::{current_and_jacobian, node_rows, table_gates, Scratch};
use crate::config::Numerics;
use crate::engine::table::Table;
use crate::engine::units::{hoc_exp, DEFAULT_EK_MV, DEFAULT_ENA_MV};

/// Reference temperature of the rates, °C.
const TEMP: f64 = 6.3;
/// hnn-core's temperature shift, °C.
const TSHIFT: f64 = 30.7;

pub static INFO: MechanismInfo = MechanismInfo {
    name: "hh2",
    mod_file: "hnn_core/mod/hh2.mod",
    params: &[
        Param::range("gnabar", "S/cm2", 0.12),
        Param::range("gkbar", "S/cm2", 0.036),
        Param::range("gl", "S/cm2", 0.0003),
        Param::range("el", "mV", -54.3),
        Param::global("temp", "degC", TEMP),
        Param::global("tshift", "degC", TSHIFT),
    ],
    states: &[
        StateVar { name: "m", unit: "1" },
        StateVar { name: "h", unit: "1" },
        StateVar { name: "n", unit: "1" },
    ],
    // ena and ek stay at NEURON's defaults (no hnn-core mechanism writes
    // nai, nao, ki or ko); ina and ik are summed by nothing downstream.
    ions: &[
        IonUse {
            ion: "na",
            read: &["ena"],
            write: &["ina"],
        },
        IonUse {
            ion: "k",
            read: &["ek"],
            write: &["ik"],
        },
    ],
    build: |m, ctx| Box::new(Hh2::new(m, ctx)),
};

/// Fast mode's table points per interval of the 1 mV table (1/8 mV) at dt = 0.025 ms
/// (`fast_gates::refinement` scales it with dt).
const FAST_REFINE: usize = 16;

/// hh2.mod `vtrap`: x / (exp(x/y) - 1) without the 0/0.
#[inline(always)]
fn vtrap(x: f64, y: f64) -> f64 {
    if (x / y).abs() < 1e-6 {
        y * (1.0 - x / y / 2.0)
    } else {
        x / (hoc_exp(x / y) - 1.0)
    }
}

/// hh2.mod `rates(v)`: [minf, mtau, hinf, htau, ninf, ntau].
fn rates(v: f64, celsius: f64) -> [f64; 6] {
    let q10 = 3.0f64.powf((celsius - TEMP - TSHIFT) / 10.0);
    let alpha = 0.1 * vtrap(-(v + 40.0), 10.0);
    let beta = 4.0 * hoc_exp(-(v + 65.0) / 18.0);
    let sum = alpha + beta;
    let mtau = 1.0 / (q10 * sum);
    let minf = alpha / sum;
    let alpha = 0.07 * hoc_exp(-(v + 65.0) / 20.0);
    let beta = 1.0 / (hoc_exp(-(v + 35.0) / 10.0) + 1.0);
    let sum = alpha + beta;
    let htau = 1.0 / (q10 * sum);
    let hinf = alpha / sum;
    let alpha = 0.01 * vtrap(-(v + 55.0), 10.0);
    let beta = 0.125 * hoc_exp(-(v + 65.0) / 80.0);
    let sum = alpha + beta;
    let ntau = 1.0 / (q10 * sum);
    let ninf = alpha / sum;
    [minf, mtau, hinf, htau, ninf, ntau]
}

pub struct Hh2 {
    pub nodes: Vec<usize>,
    /// S/cm².
    gnabar: Vec<f64>,
    gkbar: Vec<f64>,
    gl: Vec<f64>,
    /// Leak reversal, mV.
    el: Vec<f64>,
    pub m: Vec<f64>,
    pub h: Vec<f64>,
    pub n: Vec<f64>,
    /// `TABLE ... DEPEND celsius FROM -100 TO 100 WITH 200`.
    table: Table<6>,
    /// Fast mode: m, h, n's update factors at the same points.
    fast: Option<GateTable<3>>,
}

impl Hh2 {
    pub fn new(mech: &DensityMechanism, ctx: &BuildContext) -> Self {
        let k = mech.nodes.len() * ctx.n_cells;
        let celsius = ctx.celsius;
        let table = Table::build(-100.0, 100.0, 200, |v| rates(v, celsius));
        Hh2 {
            nodes: mech.nodes.clone(),
            gnabar: mech.range("gnabar"),
            gkbar: mech.range("gkbar"),
            gl: mech.range("gl"),
            el: mech.range("el"),
            m: vec![0.0; k],
            h: vec![0.0; k],
            n: vec![0.0; k],
            fast: (ctx.numerics == Numerics::Fast).then(|| {
                GateTable::from_table(&table, FAST_REFINE, [(0, 1), (2, 3), (4, 5)], ctx.dt_ms)
            }),
            table,
        }
    }

    /// BREAKPOINT in fast mode: the same currents, their conductance
    /// analytically (each is linear in v).
    fn current_fast(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            let (v, rhs, d) = node_rows(v, &mut *rhs, &mut *d, node, nc);
            let (gnabar, gkbar, gl, el) = (self.gnabar[i], self.gkbar[i], self.gl[i], self.el[i]);
            let r = i * nc..(i + 1) * nc;
            let (m, h, n) = (&self.m[r.clone()], &self.h[r.clone()], &self.n[r]);
            for c in 0..nc {
                let gna = gnabar * m[c] * m[c] * m[c] * h[c];
                let n2 = n[c] * n[c];
                let gk = gkbar * n2 * n2;
                let v = v[c];
                rhs[c] -= gna * (v - DEFAULT_ENA_MV) + gk * (v - DEFAULT_EK_MV) + gl * (v - el);
                d[c] += gna + gk + gl;
            }
        }
    }

}

impl MechanismInstance for Hh2 {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    /// INITIAL: `rates(v)`, then m, h, n at their steady states.
    fn init(&mut self, v: &[f64], _ions: &mut Ions, nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            for c in 0..nc {
                let [minf, _, hinf, _, ninf, _] = self.table.lookup(v[node * nc + c]);
                let s = i * nc + c;
                self.m[s] = minf;
                self.h[s] = hinf;
                self.n[s] = ninf;
            }
        }
    }

    /// BREAKPOINT: `ina + ik + il`, mA/cm².
    fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], _ions: &mut Ions, nc: usize) {
        if self.fast.is_some() {
            return self.current_fast(v, rhs, d, nc);
        }
        for (i, &node) in self.nodes.iter().enumerate() {
            let (v, rhs, d) = node_rows(v, &mut *rhs, &mut *d, node, nc);
            let (gnabar, gkbar, gl, el) = (self.gnabar[i], self.gkbar[i], self.gl[i], self.el[i]);
            for c in 0..nc {
                let s = i * nc + c;
                let (m, h, n) = (self.m[s], self.h[s], self.n[s]);
                let (g, i_cur) = current_and_jacobian(v[c], |v| {
                    let gna = gnabar * m * m * m * h;
                    let ina = gna * (v - DEFAULT_ENA_MV);
                    let gk = gkbar * n * n * n * n;
                    let ik = gk * (v - DEFAULT_EK_MV);
                    let il = gl * (v - el);
                    0.0 + ina + ik + il
                });
                rhs[c] -= i_cur;
                d[c] += g;
            }
        }
    }

    fn state(&mut self, v: &[f64], _ions: &mut Ions, nc: usize, dt: f64, scratch: &mut Scratch) {
        if let Some(t) = &self.fast {
            let gates = [&mut self.m[..], &mut self.h[..], &mut self.n[..]];
            return t.advance(v, &self.nodes, nc, dt, scratch, gates);
        }
        let gates = &mut [
            (&mut self.m[..], 0, 1),
            (&mut self.h[..], 2, 3),
            (&mut self.n[..], 4, 5),
        ];
        table_gates(&self.table, v, &self.nodes, nc, dt, scratch, gates);
    }

    fn n_gate_states(&self) -> usize {
        self.m.len() + self.h.len() + self.n.len()
    }
}
