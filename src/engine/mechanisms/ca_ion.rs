//! NEURON's `ca_ion` for HNN: `cad.mod` writes `cai`, so NEURON computes
//! `eca` from the Nernst equation at every step (ion_cur in eion.cpp) and
//! sums the channels' `ica`. Which nodes carry the ion is the registry's
//! business ([`super::batch_ions`]); this file knows no mechanism.

use crate::engine::units::{
    nernst_mv, nernst_mv_slice, nernst_mv_slice_fast, DEFAULT_CAI_MM, DEFAULT_CAO_MM,
};

pub struct CaIon {
    pub nodes: Vec<usize>,
    /// Intracellular calcium, mM, `[ion instance * n_cells + cell]`.
    pub cai: Vec<f64>,
    /// Reversal potential, mV.
    pub eca: Vec<f64>,
    /// Total calcium current, mA/cm².
    pub ica: Vec<f64>,
    celsius: f64,
    /// Fast mode: eca by [`nernst_mv_slice_fast`].
    fast_nernst: bool,
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
            fast_nernst: false,
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
        let nernst = if self.fast_nernst {
            nernst_mv_slice_fast
        } else {
            nernst_mv_slice
        };
        nernst(&self.cai, DEFAULT_CAO_MM, 2.0, self.celsius, &mut self.eca);
        self.ica.fill(0.0);
    }
}

/// The ions of a batch whose state the engine keeps. Only calcium varies in
/// HNN: `cad` writes `cai`. Sodium and potassium (`USEION na`/`k` of hh2,
/// km, kca) keep NEURON's default reversal potentials, since no hnn-core
/// mechanism writes their concentrations, and nothing reads `ina`/`ik`.
pub struct Ions {
    pub ca: Option<CaIon>,
}

impl Ions {
    /// `ca_ion` on `ca_nodes` (in increasing order, no repeats); none when
    /// empty.
    pub fn new(ca_nodes: Vec<usize>, n_cells: usize, celsius: f64) -> Self {
        Ions {
            ca: (!ca_nodes.is_empty()).then(|| CaIon::new(ca_nodes, n_cells, celsius)),
        }
    }

    /// The calcium ion; present whenever a mechanism with `USEION ca` is.
    #[inline]
    pub fn ca(&self) -> &CaIon {
        self.ca.as_ref().expect("USEION ca without ca_ion")
    }

    #[inline]
    pub fn ca_mut(&mut self) -> &mut CaIon {
        self.ca.as_mut().expect("USEION ca without ca_ion")
    }

    /// Fast mode (docs/engine.md, "Fast mode"): reversal potentials
    /// without a division per element; `init` stays exact.
    pub fn use_fast_nernst(&mut self) {
        if let Some(ca) = &mut self.ca {
            ca.fast_nernst = true;
        }
    }

    /// `ion_init` of each ion, before any mechanism's INITIAL.
    pub fn init(&mut self) {
        if let Some(ca) = &mut self.ca {
            ca.init();
        }
    }

    /// `ion_cur` of each ion, first in every current evaluation.
    pub fn begin_currents(&mut self) {
        if let Some(ca) = &mut self.ca {
            ca.begin_currents();
        }
    }
}
