//! What a drive is, as data: its event-time dynamics by drive type and its
//! keyword arguments (hnn-core `Network.add_*_drive`), and the drive once
//! attached to a network (its gids and targets). Attaching is in
//! [`super::drives`], drawing event times in [`super::event_times`].

use std::collections::BTreeMap;

/// Poisson `rate_constant` of a drive's dynamics: a single number, or a
/// dict keyed by target cell type (what `Network.add_poisson_drive` stores
/// when `cell_specific=True`).
#[derive(Clone, Debug, PartialEq)]
pub enum PoissonRate {
    Constant(f64),
    PerTargetType(BTreeMap<String, f64>),
}

/// `drive['dynamics']` of an HNN-core external drive, by drive type, as
/// consumed by [`super::event_times::drive_cell_event_times`].
#[derive(Clone, Debug, PartialEq)]
pub enum DriveDynamics {
    /// `'evoked'` (and legacy `'gaussian'`, the same code path):
    /// `dict(mu, sigma, numspikes)`.
    Evoked {
        mu: f64,
        sigma: f64,
        numspikes: usize,
    },
    /// `'poisson'`: `dict(tstart, tstop, rate_constant)`; `tstop` already
    /// resolved (simulate_dipole replaces `None` by the simulation tstop).
    Poisson {
        tstart: f64,
        tstop: f64,
        rate_constant: PoissonRate,
    },
    /// `'bursty'`: `dict(tstart, tstart_std, tstop, burst_rate, burst_std,
    /// numspikes, spike_isi)`; `tstop` already resolved.
    Bursty {
        tstart: f64,
        tstart_std: f64,
        tstop: f64,
        burst_rate: f64,
        burst_std: f64,
        numspikes: usize,
        spike_isi: f64,
    },
    /// `'spike_train'`: `dict(times, gids)` (gids are drive-cell offsets
    /// 0..n_drive_cells). Missing keys are represented by empty vectors (same
    /// result: no events).
    SpikeTrain { times: Vec<f64>, gids: Vec<i64> },
}

/// A drive as configured (hnn-core's keyword arguments and defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct DriveSpec {
    pub name: String,
    pub dynamics: DriveDynamics,
    /// `proximal`, `distal` or a section name.
    pub location: String,
    /// `None` = hnn-core's `'n_cells'` (one drive cell per target cell).
    pub n_drive_cells: Option<usize>,
    pub cell_specific: bool,
    /// µS per target cell type.
    pub weights_ampa: BTreeMap<String, f64>,
    pub weights_nmda: BTreeMap<String, f64>,
    /// ms per target cell type.
    pub synaptic_delays: BTreeMap<String, f64>,
    pub space_constant: f64,
    /// Connection probability per target cell type.
    pub probability: BTreeMap<String, f64>,
    pub event_seed: u64,
    pub conn_seed: u64,
}

/// A drive attached to a network: its gids and the events of each trial.
#[derive(Debug, Clone)]
pub struct Drive {
    pub name: String,
    pub spec: DriveSpec,
    pub gid_start: usize,
    pub n_drive_cells: usize,
    /// Target cell types, in the network's cell type order.
    pub target_types: Vec<String>,
}
