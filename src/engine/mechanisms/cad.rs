//! cad.mod: intracellular calcium decay in a submembrane shell (Destexhe 1993).

use super::ca_ion::CaIon;
use crate::engine::layout::DensityMechanism;
use crate::engine::units::{hoc_exp, FARADAY_MOD};

/// Shell depth, µm.
const DEPTH: f64 = 0.1;
/// Resting calcium, mM.
const CAINF: f64 = 100e-6;

pub struct Cad {
    pub nodes: Vec<usize>,
    ion: Vec<usize>,
    /// Removal time constant, ms.
    taur: Vec<f64>,
    /// The `ca` state, mM.
    pub ca: Vec<f64>,
}

impl Cad {
    pub fn new(mech: &DensityMechanism, ion: &CaIon, n_cells: usize) -> Self {
        Cad {
            nodes: mech.nodes.clone(),
            ion: mech.nodes.iter().map(|&n| ion.instance_at(n)).collect(),
            taur: mech.params[0].clone(),
            ca: vec![0.0; mech.nodes.len() * n_cells],
        }
    }

    pub fn init(&mut self, ion: &mut CaIon, nc: usize) {
        for (i, &ii) in self.ion.iter().enumerate() {
            for c in 0..nc {
                self.ca[i * nc + c] = CAINF;
                ion.cai[ii * nc + c] = CAINF;
            }
        }
    }

    /// `SOLVE state METHOD cnexp`, then `cai = ca`.
    pub fn state(&mut self, ion: &mut CaIon, nc: usize, dt: f64) {
        for (i, &ii) in self.ion.iter().enumerate() {
            let taur = self.taur[i];
            // Loop-invariant parts of nocmodl's cnexp expression, hoisted
            // (same operations, same bits): one exp per instance, not per cell.
            let rate = -1.0 / taur;
            let decay = 1. - hoc_exp(dt * rate);
            let cainf_rate = CAINF / taur;
            for c in 0..nc {
                let s = i * nc + c;
                let ica = ion.ica[ii * nc + c];
                let mut drive_channel = -(10000.0) * ica / (2.0 * FARADAY_MOD * DEPTH);
                if drive_channel <= 0. {
                    drive_channel = 0.;
                }
                let ca = self.ca[s];
                self.ca[s] = ca + decay * (-(drive_channel + cainf_rate) / rate - ca);
                ion.cai[ii * nc + c] = self.ca[s];
            }
        }
    }
}
