//! ar.mod: anomalous rectifier (h-like) current (Traub 2003).

use super::abi::{
    BuildContext, DensityMechanism, MechanismInfo, MechanismInstance, Param, StateVar,
};
use super::ca_ion::Ions;
use super::fast_gates::GateTable;
use super::{current_and_jacobian, node_rows, table_gates, Scratch};
use crate::config::Numerics;
use crate::engine::table::Table;
use crate::engine::units::hoc_exp;

/// Reversal potential, mV (ar.mod `erev`, global).
const EREV: f64 = -35.0;

/// Fast mode's table points per interval of the 0.25 mV table at dt = 0.025 ms
/// (`fast_gates::refinement` scales it with dt).
const FAST_REFINE: usize = 4;

pub static INFO: MechanismInfo = MechanismInfo {
    name: "ar",
    mod_file: "hnn_core/mod/ar.mod",
    params: &[
        Param::range("gbar", "mho/cm2", 0.0),
        Param::global("erev", "mV", EREV),
    ],
    states: &[StateVar { name: "m", unit: "1" }],
    // NONSPECIFIC_CURRENT i: no ion.
    ions: &[],
    build: |m, ctx| Box::new(Ar::new(m, ctx)),
};

/// ar.mod `settables(v)`: [minf, mtau].
fn settables(v: f64) -> [f64; 2] {
    let minf = 1.0 / (1.0 + hoc_exp((v + 75.0) / 5.5));
    let mtau = 1.0 / (hoc_exp(-14.6 - 0.086 * v) + hoc_exp(-1.87 + 0.07 * v));
    [minf, mtau]
}

pub struct Ar {
    pub nodes: Vec<usize>,
    /// S/cm².
    gbar: Vec<f64>,
    pub m: Vec<f64>,
    /// `TABLE minf, mtau FROM -120 TO 40 WITH 641`.
    table: Table<2>,
    /// Fast mode: m's update factors at the same points.
    fast: Option<GateTable<1>>,
}

impl Ar {
    pub fn new(mech: &DensityMechanism, ctx: &BuildContext) -> Self {
        let table = Table::build(-120.0, 40.0, 641, settables);
        Ar {
            nodes: mech.nodes.clone(),
            gbar: mech.range("gbar"),
            m: vec![0.0; mech.nodes.len() * ctx.n_cells],
            fast: (ctx.numerics == Numerics::Fast)
                .then(|| GateTable::from_table(&table, FAST_REFINE, [(0, 1)], ctx.dt_ms)),
            table,
        }
    }

}

impl MechanismInstance for Ar {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    /// INITIAL: m = 0.25 (the .mod file overrides minf).
    fn init(&mut self, _v: &[f64], _ions: &mut Ions, _nc: usize) {
        self.m.iter_mut().for_each(|m| *m = 0.25);
    }

    /// BREAKPOINT: `i = gbar * m * (v - erev)`, mA/cm².
    fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], _ions: &mut Ions, nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            let (v, rhs, d) = node_rows(v, &mut *rhs, &mut *d, node, nc);
            let gbar = self.gbar[i];
            if self.fast.is_some() {
                // Fast mode: the conductance analytically (linear in v).
                for c in 0..nc {
                    let g = gbar * self.m[i * nc + c];
                    rhs[c] -= g * (v[c] - EREV);
                    d[c] += g;
                }
                continue;
            }
            for c in 0..nc {
                let m = self.m[i * nc + c];
                let (g, cur) = current_and_jacobian(v[c], |v| 0.0 + gbar * m * (v - EREV));
                rhs[c] -= cur;
                d[c] += g;
            }
        }
    }

    fn state(&mut self, v: &[f64], _ions: &mut Ions, nc: usize, dt: f64, scratch: &mut Scratch) {
        if let Some(t) = &self.fast {
            return t.advance(v, &self.nodes, nc, dt, scratch, [&mut self.m[..]]);
        }
        let gates = &mut [(&mut self.m[..], 0, 1)];
        table_gates(&self.table, v, &self.nodes, nc, dt, scratch, gates);
    }

    fn n_gate_states(&self) -> usize {
        self.m.len()
    }
}
