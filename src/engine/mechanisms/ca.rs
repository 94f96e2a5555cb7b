//! ca.mod: high-voltage-activated calcium current (fixed eca from ca_ion).

use super::abi::{
    BuildContext, DensityMechanism, IonUse, MechanismInfo, MechanismInstance, Param, StateVar,
};
use super::ca_ion::Ions;
use super::fast_gates::GateTable;
use super::{current_and_jacobian, node_rows, table_gates, tadj, Scratch};
use crate::config::Numerics;
use crate::engine::table::Table;
use crate::engine::units::hoc_exp;

const Q10: f64 = 2.3;
/// Reference temperature and hnn-core's shift, °C.
const TEMP: f64 = 23.0;
const TSHIFT: f64 = 30.7;
/// Voltage shift, mV (0 in hnn-core).
const VSHIFT: f64 = 0.0;
/// Table range, mV.
const VMIN: f64 = -120.0;
const VMAX: f64 = 100.0;

/// Fast mode's table points per interval of the 1.1 mV table at dt = 0.025 ms
/// (`fast_gates::refinement` scales it with dt).
const FAST_REFINE: usize = 16;

pub static INFO: MechanismInfo = MechanismInfo {
    name: "ca",
    mod_file: "hnn_core/mod/ca.mod",
    params: &[
        Param::range("gbar", "pS/um2", 0.1),
        Param::global("vshift", "mV", VSHIFT),
        Param::global("temp", "degC", TEMP),
        Param::global("q10", "1", Q10),
        Param::global("tshift", "degC", TSHIFT),
        Param::global("vmin", "mV", VMIN),
        Param::global("vmax", "mV", VMAX),
    ],
    states: &[
        StateVar { name: "m", unit: "1" },
        StateVar { name: "h", unit: "1" },
    ],
    ions: &[IonUse {
        ion: "ca",
        read: &["eca"],
        write: &["ica"],
    }],
    build: |m, ctx| Box::new(Ca::new(m, ctx)),
};

/// ca.mod `rates(vm)`: [minf, hinf, mtau, htau].
fn rates(vm: f64, tadj: f64) -> [f64; 4] {
    let a = 0.055 * (-27.0 - vm) / (hoc_exp((-27.0 - vm) / 3.8) - 1.0);
    let b = 0.94 * hoc_exp((-75.0 - vm) / 17.0);
    let mtau = 1.0 / tadj / (a + b);
    let minf = a / (a + b);
    let a = 0.000457 * hoc_exp((-13.0 - vm) / 50.0);
    let b = 0.0065 / (hoc_exp((-vm - 15.0) / 28.0) + 1.0);
    let htau = 1.0 / tadj / (a + b);
    let hinf = a / (a + b);
    [minf, hinf, mtau, htau]
}

pub struct Ca {
    pub nodes: Vec<usize>,
    ion: Vec<usize>,
    /// pS/µm².
    gbar: Vec<f64>,
    pub m: Vec<f64>,
    pub h: Vec<f64>,
    tadj: f64,
    /// `TABLE minf, hinf, mtau, htau FROM vmin TO vmax WITH 199`.
    table: Table<4>,
    /// Fast mode: m and h's update factors at the same points.
    fast: Option<GateTable<2>>,
}

impl Ca {
    pub fn new(mech: &DensityMechanism, ctx: &BuildContext) -> Self {
        let tadj = tadj(Q10, ctx.celsius, TEMP, TSHIFT);
        let k = mech.nodes.len() * ctx.n_cells;
        let ion = ctx.ions.ca();
        let table = Table::build(VMIN, VMAX, 199, |v| rates(v, tadj));
        Ca {
            nodes: mech.nodes.clone(),
            ion: mech.nodes.iter().map(|&n| ion.instance_at(n)).collect(),
            gbar: mech.range("gbar"),
            m: vec![0.0; k],
            h: vec![0.0; k],
            tadj,
            fast: (ctx.numerics == Numerics::Fast).then(|| {
                GateTable::from_table(&table, FAST_REFINE, [(0, 2), (1, 3)], ctx.dt_ms)
            }),
            table,
        }
    }
}

impl MechanismInstance for Ca {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    /// INITIAL: `trates(v + vshift)`, m = minf, h = hinf.
    fn init(&mut self, v: &[f64], _ions: &mut Ions, nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            for c in 0..nc {
                let [minf, hinf, _, _] = self.table.lookup(v[node * nc + c] + VSHIFT);
                self.m[i * nc + c] = minf;
                self.h[i * nc + c] = hinf;
            }
        }
    }

    /// BREAKPOINT: `ica = 1e-4 * tadj * gbar * m * m * h * (v - eca)`
    /// (pS/µm² to S/cm², mA/cm²), also summed into ca_ion's `ica`.
    fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], ions: &mut Ions, nc: usize) {
        let ion = ions.ca_mut();
        for (i, &node) in self.nodes.iter().enumerate() {
            let (v, rhs, d) = node_rows(v, &mut *rhs, &mut *d, node, nc);
            let gbar = self.gbar[i];
            let ii = self.ion[i];
            if self.fast.is_some() {
                // Fast mode: the conductance analytically (linear in v).
                let g0 = 1e-4 * self.tadj * gbar;
                for c in 0..nc {
                    let s = i * nc + c;
                    let g = g0 * self.m[s] * self.m[s] * self.h[s];
                    let ica = g * (v[c] - ion.eca[ii * nc + c]);
                    ion.ica[ii * nc + c] += ica;
                    rhs[c] -= ica;
                    d[c] += g;
                }
                continue;
            }
            for c in 0..nc {
                let s = i * nc + c;
                let (m, h) = (self.m[s], self.h[s]);
                let eca = ion.eca[ii * nc + c];
                let (g, ica) = current_and_jacobian(v[c], |v| {
                    let gca = self.tadj * gbar * m * m * h;
                    0.0 + (1e-4) * gca * (v - eca)
                });
                ion.ica[ii * nc + c] += ica;
                rhs[c] -= ica;
                d[c] += g;
            }
        }
    }

    fn state(&mut self, v: &[f64], _ions: &mut Ions, nc: usize, dt: f64, scratch: &mut Scratch) {
        // VSHIFT is 0 in hnn-core, and v + 0.0 == v.
        debug_assert_eq!(VSHIFT, 0.0);
        if let Some(t) = &self.fast {
            let gates = [&mut self.m[..], &mut self.h[..]];
            return t.advance(v, &self.nodes, nc, dt, scratch, gates);
        }
        let gates = &mut [(&mut self.m[..], 0, 2), (&mut self.h[..], 1, 3)];
        table_gates(&self.table, v, &self.nodes, nc, dt, scratch, gates);
    }

    fn n_gate_states(&self) -> usize {
        self.m.len() + self.h.len()
    }
}
