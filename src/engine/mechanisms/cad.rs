//! cad.mod: intracellular calcium decay in a submembrane shell (Destexhe 1993).

use super::abi::{
    BuildContext, DensityMechanism, IonUse, MechanismInfo, MechanismInstance, Param, StateVar,
};
use super::ca_ion::Ions;
use super::Scratch;
use crate::config::Numerics;
use crate::engine::units::{hoc_exp, FARADAY_MOD};

/// Shell depth, µm.
const DEPTH: f64 = 0.1;
/// Resting calcium, mM.
const CAINF: f64 = 100e-6;

pub static INFO: MechanismInfo = MechanismInfo {
    name: "cad",
    mod_file: "hnn_core/mod/cad.mod",
    params: &[
        Param::global("depth", "um", DEPTH),
        Param::range("taur", "ms", 200.0),
        Param::global("cainf", "mM", CAINF),
    ],
    states: &[StateVar { name: "ca", unit: "mM" }],
    // Writes cai: a concentration writer, run ahead of the other
    // mechanisms (NEURON's nrn_writes_conc).
    ions: &[IonUse {
        ion: "ca",
        read: &["ica", "cai"],
        write: &["cai"],
    }],
    build: |m, ctx| Box::new(Cad::new(m, ctx)),
};

pub struct Cad {
    pub nodes: Vec<usize>,
    ion: Vec<usize>,
    /// Removal time constant, ms.
    taur: Vec<f64>,
    /// The `ca` state, mM.
    pub ca: Vec<f64>,
    fast: bool,
}

impl Cad {
    pub fn new(mech: &DensityMechanism, ctx: &BuildContext) -> Self {
        let ion = ctx.ions.ca();
        Cad {
            nodes: mech.nodes.clone(),
            ion: mech.nodes.iter().map(|&n| ion.instance_at(n)).collect(),
            taur: mech.range("taur"),
            ca: vec![0.0; mech.nodes.len() * ctx.n_cells],
            fast: ctx.numerics == Numerics::Fast,
        }
    }

    /// `SOLVE state METHOD cnexp` in fast mode: the same update with its
    /// divisions turned into multiplications, `ca += (1 - exp(-dt/taur))
    /// (drive taur + cainf - ca)`.
    fn state_fast(&mut self, ions: &mut Ions, nc: usize, dt: f64) {
        let ion = ions.ca_mut();
        let drive_per_ica = -(10000.0) / (2.0 * FARADAY_MOD * DEPTH);
        for (i, &ii) in self.ion.iter().enumerate() {
            let taur = self.taur[i];
            let decay = -(-dt / taur).exp_m1();
            let ica = &ion.ica[ii * nc..(ii + 1) * nc];
            let ca = &mut self.ca[i * nc..(i + 1) * nc];
            for c in 0..nc {
                let drive = drive_per_ica * ica[c];
                let drive = if drive <= 0. { 0. } else { drive };
                ca[c] += decay * (drive * taur + CAINF - ca[c]);
            }
            ion.cai[ii * nc..(ii + 1) * nc].copy_from_slice(ca);
        }
    }
}

impl MechanismInstance for Cad {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    /// INITIAL: ca = cainf, and cai = ca.
    fn init(&mut self, _v: &[f64], ions: &mut Ions, nc: usize) {
        let ion = ions.ca_mut();
        for (i, &ii) in self.ion.iter().enumerate() {
            for c in 0..nc {
                self.ca[i * nc + c] = CAINF;
                ion.cai[ii * nc + c] = CAINF;
            }
        }
    }

    /// No current: cad only reads ica.
    fn current(&self, _v: &[f64], _rhs: &mut [f64], _d: &mut [f64], _ions: &mut Ions, _nc: usize) {}

    /// `SOLVE state METHOD cnexp`, then `cai = ca`.
    fn state(&mut self, _v: &[f64], ions: &mut Ions, nc: usize, dt: f64, _scratch: &mut Scratch) {
        if self.fast {
            return self.state_fast(ions, nc, dt);
        }
        let ion = ions.ca_mut();
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

    fn n_gate_states(&self) -> usize {
        0
    }
}
