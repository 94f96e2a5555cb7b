//! The keys each table of the config may hold, in the order
//! docs/configuration.md lists them. Unknown-key messages list them in this
//! order; the drive dynamics lists are also the keys of `dynamics` in
//! hnn-core's network JSON files, which `network::hnn_json` checks with them.

/// The top-level tables (docs/configuration.md §1).
pub(crate) const TOP_KEYS: &[&str] = &[
    "simulation",
    "network",
    "drives",
    "sweep",
    "summary",
    "output",
    "parallel",
    "fit",
];

/// `[simulation]` (docs/configuration.md §3).
pub(crate) const SIMULATION_KEYS: &[&str] = &["tstop", "dt", "n_trials", "celsius", "numerics"];

/// `[network]` (docs/configuration.md §4).
pub(crate) const NETWORK_KEYS: &[&str] = &[
    "model",
    "hnn_json",
    "mesh_shape",
    "erp_drives",
    "global_gains",
    "tonic_bias",
    "connections",
    "params_file",
    "params",
    "electrode_arrays",
];

/// `[network] erp_drives = { ... }` (docs/configuration.md §4.3).
pub(crate) const ERP_DRIVES_KEYS: &[&str] = &["tstart"];

/// `[network.global_gains]` (docs/configuration.md §4.5).
pub(crate) const GLOBAL_GAINS_KEYS: &[&str] = &["e_e", "e_i", "i_e", "i_i"];

/// `[[network.tonic_bias]]` (docs/configuration.md §4.6).
pub(crate) const TONIC_BIAS_KEYS: &[&str] = &[
    "cell_type",
    "amplitude",
    "t0",
    "tstop",
    "section",
    "bias_name",
];

/// `[[network.electrode_arrays]]` (docs/configuration.md §4.8).
pub(crate) const ELECTRODE_ARRAY_KEYS: &[&str] = &[
    "name",
    "positions",
    "conductivity",
    "method",
    "min_distance",
];

/// `[[network.connections]]` (docs/configuration.md §4.7).
pub(crate) const CONNECTION_KEYS: &[&str] = &[
    "src",
    "target",
    "loc",
    "receptor",
    "weight",
    "delay",
    "lamtha",
    "probability",
    "conn_seed",
    "allow_autapses",
    "gain",
];

/// `[[drives]]` keys of every drive type (docs/configuration.md §5.1).
pub(crate) const DRIVE_COMMON: &[&str] = &[
    "name",
    "type",
    "location",
    "weights_ampa",
    "weights_nmda",
    "synaptic_delays",
    "space_constant",
    "probability",
    "conn_seed",
];
/// The drive-cell keys of every drive type but `spike_train`.
pub(crate) const DRIVE_CELLS: &[&str] = &["n_drive_cells", "cell_specific", "event_seed"];
/// The dynamics of each drive type by hnn-core's keyword names (also the
/// keys of `dynamics` in hnn-core's network JSON files;
/// docs/configuration.md §5.2-§5.5).
pub(crate) const EVOKED_KEYS: &[&str] = &["mu", "sigma", "numspikes"];
pub(crate) const POISSON_KEYS: &[&str] = &["tstart", "tstop", "rate_constant"];
pub(crate) const BURSTY_KEYS: &[&str] = &[
    "tstart",
    "tstart_std",
    "tstop",
    "burst_rate",
    "burst_std",
    "numspikes",
    "spike_isi",
];
pub(crate) const SPIKE_TRAIN_KEYS: &[&str] = &["times", "gids"];

/// The keys a drive of type `kind` may hold (an unknown type: spike_train's).
pub(crate) fn drive_keys(kind: &str) -> Vec<&'static str> {
    let mut k: Vec<&str> = DRIVE_COMMON.to_vec();
    match kind {
        "evoked" => {
            k.extend(DRIVE_CELLS);
            k.extend(EVOKED_KEYS);
        }
        "poisson" => {
            k.extend(DRIVE_CELLS);
            k.extend(POISSON_KEYS);
        }
        "bursty" => {
            k.extend(DRIVE_CELLS);
            k.extend(BURSTY_KEYS);
        }
        _ => k.extend(SPIKE_TRAIN_KEYS),
    }
    k
}

/// `[sweep]` (docs/configuration.md §6).
pub(crate) const SWEEP_KEYS: &[&str] = &["mode", "params", "n_samples", "seed"];

/// One `[sweep.params]` entry (docs/configuration.md §6.1).
pub(crate) const PARAM_SPEC_KEYS: &[&str] = &[
    "values", "linspace", "logspace", "low", "high", "log", "integers",
];

/// `[summary]` (docs/configuration.md §7).
pub(crate) const SUMMARY_KEYS: &[&str] = &["smooth_window_ms", "stats", "reference", "f_bands"];

/// `[output]` (docs/configuration.md §8).
pub(crate) const OUTPUT_KEYS: &[&str] = &["path", "save"];

/// `[parallel]` (docs/configuration.md §9).
pub(crate) const PARALLEL_KEYS: &[&str] = &["ranks_per_sim"];

/// `[fit]` (docs/configuration.md §13), hnn-core's `Optimizer` and
/// `obj_fun_kwargs` names.
pub(crate) const FIT_KEYS: &[&str] = &[
    "solver",
    "objective",
    "target",
    "scale_factor",
    "smooth_window_ms",
    "tstart",
    "tstop",
    "f_bands",
    "relative_bandpower",
    "max_evaluations",
    "popsize",
    "sigma0",
    "tolfun",
    "seed",
    "params",
];

/// One `[fit.params]` entry.
pub(crate) const FIT_PARAM_KEYS: &[&str] = &["low", "high", "log"];
