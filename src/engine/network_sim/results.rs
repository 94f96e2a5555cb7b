//! What one trial yields, in hnn-core's units: sample times, raw per-layer
//! dipoles, spikes, and recorded section voltages.

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
    /// The potential of each electrode array of the network, in the
    /// network's array order; empty when it has none.
    pub lfp: Vec<super::ArrayLfp>,
}

/// Which section voltages to record, as hnn-core's `record_vsec`
/// (`simulate_dipole(..., record_vsec='soma' | 'all')`, `Cell.record`).
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

/// A threshold crossing: time (ms), gid, and the step at whose start it
/// was detected (to merge several ranks' spikes in NEURON's order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeRecord {
    pub time_ms: f64,
    pub gid: usize,
    pub step: usize,
}
