//! [`SimResult`]: one finished (or failed) simulation, as the writer takes it.

/// One finished simulation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SimResult {
    pub sim: usize,
    /// Per trial: aggregate, L2, L5 dipole (nAm), `n_times` values each.
    /// Required when the file saves dipoles (ignored otherwise).
    pub dipoles: Option<Vec<[Vec<f64>; 3]>>,
    /// `[stat][trial]`, in the order of `OutputSpec::stat_names`.
    pub summary: Vec<Vec<f64>>,
    /// Per trial: spike times (ms) and gids. Required (one entry per trial)
    /// when the file saves spikes (ignored otherwise).
    pub spikes: Vec<(Vec<f64>, Vec<i64>)>,
    /// Recorded voltages, mV: `vsec[k][trial]` holds the traces of the
    /// spec's `vsec[k]`, trace after trace (`n_traces * n_times` values).
    /// Required when the file saves them (ignored otherwise).
    pub vsec: Vec<Vec<Vec<f32>>>,
    /// Electrode array potentials, µV: `lfp[k][trial]` holds the contacts
    /// of the spec's `lfp[k]`, trace after trace (`n_contacts * n_times`
    /// values). Required when the file has arrays (ignored otherwise).
    pub lfp: Vec<Vec<Vec<f64>>>,
    /// `Some(message)`: the simulation failed (status 2, message in
    /// `/errors`); the other fields are then ignored.
    pub error: Option<String>,
}

impl SimResult {
    /// A failed simulation.
    pub fn failed(sim: usize, message: impl Into<String>) -> Self {
        SimResult {
            sim,
            error: Some(message.into()),
            ..Default::default()
        }
    }
}
