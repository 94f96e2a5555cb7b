//! What one trial yields, in hnn-core's units: sample times, raw per-layer
//! dipoles, spikes, and the recorded section voltages, synaptic currents
//! and calcium concentrations.

/// Results of one trial, in hnn-core's units.
#[derive(Debug, Clone, Default)]
pub struct TrialResult {
    /// Sample times, ms (NEURON's accumulated `t`,
    /// [`crate::engine::time_grid::sample_times`]).
    pub times: Vec<f64>,
    /// Raw per-layer dipoles, fAm, as NEURON records them, keyed by the
    /// cell type that produced them (`L2_pyramidal`, `L5_pyramidal`).
    pub raw_dipoles_fam: Vec<(String, Vec<f64>)>,
    /// Spike times (ms) and gids, in detection order.
    pub spike_times: Vec<f64>,
    pub spike_gids: Vec<usize>,
    /// Recorded voltages ([`super::NetworkSimulation::record_vsec`]), by
    /// gid, then in the cell's section order; empty when not recorded.
    pub vsec: Vec<VoltageTrace>,
    /// Recorded synaptic currents ([`super::NetworkSimulation::record_isec`]),
    /// by gid, then in the cell's synapse order; empty when not recorded.
    pub isec: Vec<SynapseCurrentTrace>,
    /// Recorded calcium concentrations
    /// ([`super::NetworkSimulation::record_ca`]), by gid, then in the
    /// cell's section order; empty when not recorded.
    pub ca: Vec<CalciumTrace>,
    /// The potential of each electrode array of the network, in the
    /// network's array order; empty when it has none.
    pub lfp: Vec<super::ArrayLfp>,
}

/// Which sections to record, as hnn-core's `record_vsec`, `record_isec` and
/// `record_ca` (`simulate_dipole(..., record_vsec='soma' | 'all')`,
/// `Cell.record`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VsecMode {
    /// `'soma'`: the soma of every cell.
    Soma,
    /// `'all'`: every section of every cell, in the cell's section order.
    All,
}

/// The membrane potential of one section of one cell at its middle
/// (`sec(0.5)._ref_v`), at every sample of [`TrialResult::times`] (t = 0
/// included, as NEURON's `Vector.record`). Drive cells have none.
#[derive(Debug, Clone, PartialEq)]
pub struct VoltageTrace {
    pub gid: usize,
    pub section: String,
    pub v_mv: Vec<f64>,
}

/// The current `i` of one synapse (hnn-core's `Exp2Syn`) of one cell, nA,
/// at every sample of [`TrialResult::times`], as hnn-core's `record_isec`
/// records `syn._ref_i`: the value BREAKPOINT computed in the matrix set-up
/// of the step just taken (at mid-step, from the voltage before the solve
/// and the conductance after the step's events), and at t = 0 the one
/// `finitialize` computed. hnn-core keys it `isec[gid][section]
/// [f"{section}_{receptor}"]`: every synapse whose key starts with
/// `{section}_`, in the cell's synapse creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct SynapseCurrentTrace {
    pub gid: usize,
    /// The recorded section (hnn-core's `isec` key).
    pub section: String,
    /// The synapse key after `{section}_` (the receptor: `ampa`, `nmda`,
    /// `gabaa`, `gabab`).
    pub receptor: String,
    pub i_na: Vec<f64>,
}

/// The intracellular calcium concentration `cai` at the middle of one
/// section of one cell (`sec(0.5)._ref_cai`), mM, at every sample of
/// [`TrialResult::times`] (t = 0 included). hnn-core's `record_ca` records
/// only the sections that have `cai` (a mechanism using calcium: `ca`,
/// `cad`, `kca`).
#[derive(Debug, Clone, PartialEq)]
pub struct CalciumTrace {
    pub gid: usize,
    pub section: String,
    pub cai_mm: Vec<f64>,
}

/// A threshold crossing: time (ms), gid, and the step at whose start it
/// was detected (to merge several ranks' spikes in NEURON's order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeRecord {
    pub time_ms: f64,
    pub gid: usize,
    pub step: usize,
}
