//! NEURON's `ca_ion` for HNN: `cad.mod` writes `cai`, so NEURON computes
//! `eca` from the Nernst equation at every step (ion_cur in eion.cpp) and
//! sums the channels' `ica`.

use crate::engine::units::{nernst_mv, nernst_mv_slice, DEFAULT_CAI_MM, DEFAULT_CAO_MM};

pub struct CaIon {
    pub nodes: Vec<usize>,
    /// Intracellular calcium, mM, `[ion instance * n_cells + cell]`.
    pub cai: Vec<f64>,
    /// Reversal potential, mV.
    pub eca: Vec<f64>,
    /// Total calcium current, mA/cm².
    pub ica: Vec<f64>,
    celsius: f64,
}

impl CaIon {
    pub fn new(nodes: Vec<usize>, n_cells: usize, celsius: f64) -> Self {
        let k = nodes.len() * n_cells;
        CaIon {
            nodes,
            cai: vec![0.0; k],
            eca: vec![0.0; k],
            ica: vec![0.0; k],
            celsius,
        }
    }

    /// Index of the ion instance at `node`.
    pub fn instance_at(&self, node: usize) -> usize {
        self.nodes
            .iter()
            .position(|&n| n == node)
            .expect("calcium mechanism on a node without ca_ion")
    }

    /// `ion_init`: concentrations to their defaults, then eca.
    pub fn init(&mut self) {
        for (cai, eca) in self.cai.iter_mut().zip(self.eca.iter_mut()) {
            *cai = DEFAULT_CAI_MM;
            *eca = nernst_mv(*cai, DEFAULT_CAO_MM, 2.0, self.celsius);
        }
    }

    /// `ion_cur`, first in every current evaluation: eca from the present
    /// cai, currents zeroed for the channels to sum into.
    pub fn begin_currents(&mut self) {
        // All instances at once, so the logarithms vectorise.
        nernst_mv_slice(&self.cai, DEFAULT_CAO_MM, 2.0, self.celsius, &mut self.eca);
        self.ica.fill(0.0);
    }
}
