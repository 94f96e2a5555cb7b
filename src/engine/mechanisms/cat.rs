//! cat.mod: low-threshold T-type calcium current (Traub 2003); a nonspecific
//! current with a fixed 125 mV reversal, so it does not feed cai.

use super::abi::{
    BuildContext, DensityMechanism, MechanismInfo, MechanismInstance, Param, StateVar,
};
use super::ca_ion::Ions;
use super::fast_gates::GateTable;
use super::{current_and_jacobian, node_rows, table_gates, Scratch};
use crate::config::Numerics;
use crate::engine::table::Table;
use crate::engine::units::hoc_exp;

/// The fixed reversal potential of cat.mod's current, mV.
const EREV: f64 = 125.0;

/// Fast mode's table points per interval of the 0.25 mV table at dt = 0.025 ms
/// (`fast_gates::refinement` scales it with dt).
const FAST_REFINE: usize = 4;

pub static INFO: MechanismInfo = MechanismInfo {
    name: "cat",
    mod_file: "hnn_core/mod/cat.mod",
    params: &[Param::range("gbar", "mho/cm2", 0.0)],
    states: &[
        StateVar { name: "m", unit: "1" },
        StateVar { name: "h", unit: "1" },
    ],
    // NONSPECIFIC_CURRENT i (the PARAMETER `eca` is unused): no ion.
    ions: &[],
    build: |m, ctx| Box::new(Cat::new(m, ctx)),
};

/// cat.mod `settables(v)`: [minf, mtau, hinf, htau].
fn settables(v: f64) -> [f64; 4] {
    let minf = 1.0 / (1.0 + hoc_exp((-v - 56.0) / 6.2));
    let mtau = 0.204 + 0.333 / (hoc_exp((v + 15.8) / 18.2) + hoc_exp((-v - 131.0) / 16.7));
    let hinf = 1.0 / (1.0 + hoc_exp((v + 80.0) / 4.0));
    let htau = if v < -81.0 {
        0.333 * hoc_exp((v + 466.0) / 66.6)
    } else {
        9.32 + 0.333 * hoc_exp((-v - 21.0) / 10.5)
    };
    [minf, mtau, hinf, htau]
}

pub struct Cat {
    pub nodes: Vec<usize>,
    /// S/cm².
    gbar: Vec<f64>,
    pub m: Vec<f64>,
    pub h: Vec<f64>,
    /// `TABLE minf, mtau, hinf, htau FROM -120 TO 40 WITH 641`.
    table: Table<4>,
    /// Fast mode: m and h's update factors at the same points.
    fast: Option<GateTable<2>>,
}

impl Cat {
    pub fn new(mech: &DensityMechanism, ctx: &BuildContext) -> Self {
        let k = mech.nodes.len() * ctx.n_cells;
        let table = Table::build(-120.0, 40.0, 641, settables);
        Cat {
            nodes: mech.nodes.clone(),
            gbar: mech.range("gbar"),
            m: vec![0.0; k],
            h: vec![0.0; k],
            fast: (ctx.numerics == Numerics::Fast).then(|| {
                GateTable::from_table(&table, FAST_REFINE, [(0, 1), (2, 3)], ctx.dt_ms)
            }),
            table,
        }
    }

}

impl MechanismInstance for Cat {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    /// INITIAL: h = hinf(v), and m = 0 (the .mod file overrides minf).
    fn init(&mut self, v: &[f64], _ions: &mut Ions, nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            for c in 0..nc {
                self.h[i * nc + c] = self.table.lookup(v[node * nc + c])[2];
                self.m[i * nc + c] = 0.0;
            }
        }
    }

    /// BREAKPOINT: `i = gbar * m * m * h * (v - 125)`, mA/cm².
    fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], _ions: &mut Ions, nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            let (v, rhs, d) = node_rows(v, &mut *rhs, &mut *d, node, nc);
            let gbar = self.gbar[i];
            if self.fast.is_some() {
                // Fast mode: the conductance analytically (linear in v).
                for c in 0..nc {
                    let s = i * nc + c;
                    let g = gbar * self.m[s] * self.m[s] * self.h[s];
                    rhs[c] -= g * (v[c] - EREV);
                    d[c] += g;
                }
                continue;
            }
            for c in 0..nc {
                let s = i * nc + c;
                let (m, h) = (self.m[s], self.h[s]);
                let (g, cur) = current_and_jacobian(v[c], |v| 0.0 + gbar * m * m * h * (v - EREV));
                rhs[c] -= cur;
                d[c] += g;
            }
        }
    }

    fn state(&mut self, v: &[f64], _ions: &mut Ions, nc: usize, dt: f64, scratch: &mut Scratch) {
        if let Some(t) = &self.fast {
            let gates = [&mut self.m[..], &mut self.h[..]];
            return t.advance(v, &self.nodes, nc, dt, scratch, gates);
        }
        let gates = &mut [(&mut self.m[..], 0, 1), (&mut self.h[..], 2, 3)];
        table_gates(&self.table, v, &self.nodes, nc, dt, scratch, gates);
    }

    fn n_gate_states(&self) -> usize {
        self.m.len() + self.h.len()
    }
}
