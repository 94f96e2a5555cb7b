//! kca.mod: calcium-dependent potassium channel.

use super::ca_ion::CaIon;
use super::{cnexp_row, gated_potassium_current, tadj, Scratch};
use crate::engine::layout::DensityMechanism;

const RA: f64 = 0.01;
const RB: f64 = 0.02;
const CAIX: f64 = 1.0;
const Q10: f64 = 2.3;
const TEMP: f64 = 23.0;
const TSHIFT: f64 = 30.7;

pub struct Kca {
    pub nodes: Vec<usize>,
    ion: Vec<usize>,
    /// pS/µm².
    gbar: Vec<f64>,
    pub n: Vec<f64>,
    tadj: f64,
}

impl Kca {
    pub fn new(mech: &DensityMechanism, ion: &CaIon, n_cells: usize, celsius: f64) -> Self {
        Kca {
            nodes: mech.nodes.clone(),
            ion: mech.nodes.iter().map(|&n| ion.instance_at(n)).collect(),
            gbar: mech.params[0].clone(),
            n: vec![0.0; mech.nodes.len() * n_cells],
            tadj: tadj(Q10, celsius, TEMP, TSHIFT),
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

    pub fn init(&mut self, ion: &CaIon, nc: usize) {
        for (i, &ii) in self.ion.iter().enumerate() {
            for c in 0..nc {
                self.n[i * nc + c] = self.rates(ion.cai[ii * nc + c]).0;
            }
        }
    }

    pub fn current(&self, v: &[f64], rhs: &mut [f64], d: &mut [f64], nc: usize) {
        gated_potassium_current(&self.nodes, &self.gbar, &self.n, self.tadj, v, rhs, d, nc);
    }

    pub fn state(&mut self, ion: &CaIon, nc: usize, dt: f64, scratch: &mut Scratch) {
        let (cai, tab, arg, e) = scratch.gather(&ion.cai, &self.ion, nc);
        let n = cai.len();
        let (inf, tau) = tab[..2 * n].split_at_mut(n);
        for k in 0..n {
            (inf[k], tau[k]) = self.rates(cai[k]);
        }
        cnexp_row(&mut self.n, inf, tau, dt, arg, e);
    }
}
