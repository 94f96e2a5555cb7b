//! km.mod: slow non-inactivating (muscarinic) potassium channel.

use super::{gated_potassium_current, table_gates, tadj, Scratch};
use crate::engine::layout::DensityMechanism;
use crate::engine::table::Table;
use crate::engine::units::hoc_exp;

const THA: f64 = -30.0;
const QA: f64 = 9.0;
const RA: f64 = 0.001;
const RB: f64 = 0.001;
const Q10: f64 = 2.3;
const TEMP: f64 = 23.0;
const TSHIFT: f64 = 30.7;

/// km.mod `rates(v)`: [ninf, ntau].
fn rates(v: f64, tadj: f64) -> [f64; 2] {
    let a = RA * (v - THA) / (1.0 - hoc_exp(-(v - THA) / QA));
    let b = -RB * (v - THA) / (1.0 - hoc_exp((v - THA) / QA));
    let ntau = 1.0 / tadj / (a + b);
    let ninf = a / (a + b);
    [ninf, ntau]
}

pub struct Km {
    pub nodes: Vec<usize>,
    /// pS/µm².
    gbar: Vec<f64>,
    pub n: Vec<f64>,
    tadj: f64,
    /// `TABLE ninf, ntau FROM vmin TO vmax WITH 199` (vmin -120, vmax 100 mV).
    table: Table<2>,
}

impl Km {
    pub fn new(mech: &DensityMechanism, n_cells: usize, celsius: f64) -> Self {
        let tadj = tadj(Q10, celsius, TEMP, TSHIFT);
        Km {
            nodes: mech.nodes.clone(),
            gbar: mech.params[0].clone(),
            n: vec![0.0; mech.nodes.len() * n_cells],
            tadj,
            table: Table::build(-120.0, 100.0, 199, |v| rates(v, tadj)),
        }
    }

    pub fn init(&mut self, v: &[f64], nc: usize) {
        for (i, &node) in self.nodes.iter().enumerate() {
            for c in 0..nc {
                self.n[i * nc + c] = self.table.lookup(v[node * nc + c])[0];
            }
        }
    }

    pub fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], nc: usize) {
        gated_potassium_current(&self.nodes, &self.gbar, &self.n, self.tadj, v, rhs, d, nc);
    }

    pub fn state(&mut self, v: &[f64], nc: usize, dt: f64, scratch: &mut Scratch) {
        let gates = &mut [(&mut self.n[..], 0, 1)];
        table_gates(&self.table, v, &self.nodes, nc, dt, scratch, gates);
    }
}
