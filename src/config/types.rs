//! The configuration schema (docs/configuration.md), in two stages sharing
//! one structure: [`Unresolved`] as read from the file (numbers may be
//! `"$name"` references to sweep parameters) and [`Resolved`] for one sweep
//! point (plain numbers).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::PathBuf;

/// A number as written in the file: a literal or a `"$name"` reference to a
/// sweep parameter. `T` is `f64`, `usize` (counts) or `u64` (seeds); an
/// integer field only takes integral values, from the file or from the sweep.
#[derive(Debug, Clone, PartialEq)]
pub enum Num<T = f64> {
    Value(T),
    /// The sweep parameter's name, without the `$`.
    Ref(String),
}

impl<T> Num<T> {
    /// The referenced sweep parameter, if any.
    pub fn reference(&self) -> Option<&str> {
        match self {
            Num::Ref(r) => Some(r),
            Num::Value(_) => None,
        }
    }
}

/// Which numbers a stage holds: see [`Unresolved`] and [`Resolved`].
pub trait Stage: Debug + Clone + PartialEq + 'static {
    /// Real numbers (ms, µS, Hz, ...).
    type F: Debug + Clone + PartialEq;
    /// Counts (numspikes, n_trials, mesh sizes, gids, drive cells).
    type U: Debug + Clone + PartialEq;
    /// Random seeds.
    type S: Debug + Clone + PartialEq;
}

/// As written in the file: numbers are [`Num`]s.
#[derive(Debug, Clone, PartialEq)]
pub enum Unresolved {}

/// For one simulation: plain `f64` / `usize` / `u64`.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {}

impl Stage for Unresolved {
    type F = Num<f64>;
    type U = Num<usize>;
    type S = Num<u64>;
}

impl Stage for Resolved {
    type F = f64;
    type U = usize;
    type S = u64;
}

/// The four cell types of the built-in models (hnn-core's `net.cell_types`
/// order), against which per-cell-type tables are checked.
pub const DEFAULT_CELL_TYPES: [&str; 4] =
    ["L2_basket", "L2_pyramidal", "L5_basket", "L5_pyramidal"];

/// Names of the drives that `erp_drives` adds (hnn-core
/// `add_erp_drives_to_jones_model`), in the order they are added.
pub const ERP_DRIVE_NAMES: [&str; 3] = ["evdist1", "evprox1", "evprox2"];

// ---------------------------------------------------------------------------
// [simulation]

/// `[simulation]`: hnn-core `simulate_dipole(net, tstop, dt, n_trials)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation<S: Stage = Resolved> {
    /// ms, > 0. Default 170.
    pub tstop: S::F,
    /// ms, > 0. Default 0.025.
    pub dt: S::F,
    /// >= 1. Default 1.
    pub n_trials: S::U,
    /// °C (NEURON's `h.celsius`). Default 37.
    pub celsius: S::F,
}

/// `[simulation] numerics` (or `--numerics`): how the engine does its
/// arithmetic (docs/engine.md, "Fast mode"). Not part of the network/sweep
/// definition hash: the output file records it in its own root attribute
/// `numerics`, which `--resume` checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Numerics {
    /// NEURON's numbers bit for bit (the default).
    #[default]
    Exact,
    /// Tabulated update factors (NEURON's hh1.mod form), analytic
    /// conductances and fewer divisions: within the documented accuracy of
    /// NEURON's, deterministic and identical across ranks and batches.
    Fast,
}

impl Numerics {
    pub const ALL: [Numerics; 2] = [Numerics::Exact, Numerics::Fast];

    /// The name in the config file, on the command line and in the output
    /// file's `numerics` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Numerics::Exact => "exact",
            Numerics::Fast => "fast",
        }
    }

    pub fn from_name(s: &str) -> Option<Numerics> {
        Numerics::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

// ---------------------------------------------------------------------------
// [network]

/// The built-in network models (hnn_core/network_models.py).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelName {
    Jones2009,
    Neymotin2020,
    Law2021,
    Calcium,
}

impl ModelName {
    pub const ALL: [ModelName; 4] = [
        ModelName::Jones2009,
        ModelName::Neymotin2020,
        ModelName::Law2021,
        ModelName::Calcium,
    ];

    /// The name in the config file (`jones_2009`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ModelName::Jones2009 => "jones_2009",
            ModelName::Neymotin2020 => "neymotin_2020",
            ModelName::Law2021 => "law_2021",
            ModelName::Calcium => "calcium",
        }
    }

    pub fn from_name(s: &str) -> Option<ModelName> {
        ModelName::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Where the network comes from: `model = "..."` or `hnn_json = "file.json"`.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSource {
    Builtin(ModelName),
    /// A network written by hnn-core's `Network.write_configuration`; the
    /// path as written in the file (see [`super::Config::input_path`]).
    HnnJson(PathBuf),
}

/// `[network]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Network<S: Stage = Resolved> {
    /// Default `Builtin(Jones2009)`.
    pub model: ModelSource,
    /// `[n_pyr_x, n_pyr_y]`, both >= 1. Default `[10, 10]`. Not allowed with
    /// `hnn_json` (the file holds the cell positions).
    pub mesh_shape: [S::U; 2],
    /// `erp_drives = true` (tstart 0) or `{ tstart = ms }`: hnn-core's
    /// `add_erp_drives_to_jones_model(net, tstart)`, added after the model's
    /// drives and before `[[drives]]`. `None` when absent or `false`.
    pub erp_drives: Option<ErpDrives<S>>,
    /// `[network.global_gains]`: `Network.set_global_synaptic_gains`.
    pub global_gains: GlobalGains<S>,
    /// `[[network.tonic_bias]]`, in file order.
    pub tonic_bias: Vec<TonicBias<S>>,
    /// `[[network.connections]]`, in file order.
    pub connections: Vec<Connection<S>>,
    /// A legacy HNN parameter file (`.json` or `.param`), path as written.
    pub params_file: Option<PathBuf>,
    /// `[network.params]`: HNN parameter name -> value, applied after
    /// `params_file` (hnn-core's `params` argument of the model function).
    pub params: BTreeMap<String, S::F>,
    /// `[[network.electrode_arrays]]`, in file order (after an `hnn_json`
    /// file's own `rec_arrays`).
    pub electrode_arrays: Vec<ElectrodeArray>,
}

/// The approximations hnn-core's `add_electrode_array` accepts.
pub const LFP_METHODS: [&str; 2] = ["psa", "lsa"];

/// `[[network.electrode_arrays]]`: `Network.add_electrode_array`. Plain
/// values (not swept).
#[derive(Debug, Clone, PartialEq)]
pub struct ElectrodeArray {
    pub name: String,
    /// µm, one `[x, y, z]` per contact, at least one.
    pub positions_um: Vec<[f64; 3]>,
    /// S/m, > 0. Default 0.3.
    pub conductivity: f64,
    /// One of [`LFP_METHODS`]. Default `"psa"`.
    pub method: String,
    /// µm, > 0. Default 0.5.
    pub min_distance: f64,
}

/// hnn-core's ERP drive set (evdist1, evprox1, evprox2).
#[derive(Debug, Clone, PartialEq)]
pub struct ErpDrives<S: Stage = Resolved> {
    /// ms, added to each drive's mu. Default 0.
    pub tstart: S::F,
}

/// `Network.set_global_synaptic_gains(e_e, e_i, i_e, i_i)`; `None` leaves a
/// gain unchanged. Gains are >= 0.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalGains<S: Stage = Resolved> {
    pub e_e: Option<S::F>,
    pub e_i: Option<S::F>,
    pub i_e: Option<S::F>,
    pub i_i: Option<S::F>,
}

/// A number for all target cell types, or a table cell type -> number.
#[derive(Debug, Clone, PartialEq)]
pub enum PerCellType<S: Stage = Resolved> {
    All(S::F),
    ByType(BTreeMap<String, S::F>),
}

impl PerCellType<Resolved> {
    /// The value for one cell type (`All` applies to every type).
    pub fn get(&self, cell_type: &str) -> Option<f64> {
        match self {
            PerCellType::All(v) => Some(*v),
            PerCellType::ByType(m) => m.get(cell_type).copied(),
        }
    }
}

/// `[[network.tonic_bias]]`: `Network.add_tonic_bias`. Either
/// `cell_type = "L5_pyramidal", amplitude = 1.0` (hnn-core's older form) or
/// `amplitude = { L5_pyramidal = 1.0, ... }` (one bias per cell type).
#[derive(Debug, Clone, PartialEq)]
pub struct TonicBias<S: Stage = Resolved> {
    /// Set exactly when `amplitude` is a number.
    pub cell_type: Option<String>,
    /// nA.
    pub amplitude: PerCellType<S>,
    /// ms, default 0.
    pub t0: S::F,
    /// ms, default `None` = end of simulation.
    pub tstop: Option<S::F>,
    /// Default `"soma"`.
    pub section: String,
    /// hnn-core's `bias_name`, default `"tonic"`.
    pub bias_name: String,
}

/// Synaptic receptors (`add_connection(receptor=...)`).
pub const RECEPTORS: [&str; 4] = ["ampa", "nmda", "gabaa", "gabab"];

/// `[[network.connections]]`: `Network.add_connection`.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection<S: Stage = Resolved> {
    /// Source cell type or drive name.
    pub src: String,
    /// Target cell type.
    pub target: String,
    /// `proximal`, `distal` or a section name.
    pub loc: String,
    /// One of [`RECEPTORS`].
    pub receptor: String,
    /// µS, >= 0.
    pub weight: S::F,
    /// ms, >= 0. Default 1.0.
    pub delay: S::F,
    /// Space constant, > 0.
    pub lamtha: S::F,
    /// In (0, 1]. Default 1.0.
    pub probability: S::F,
    /// Default `None` (hnn-core: fresh entropy; the simulator must pick a
    /// deterministic convention when probability < 1).
    pub conn_seed: Option<S::S>,
    /// Default true.
    pub allow_autapses: bool,
    /// `add_connection(gain=...)`, >= 0. Default 1.0.
    pub gain: S::F,
}

// ---------------------------------------------------------------------------
// [[drives]]

/// `n_drive_cells`: `"n_cells"` (one drive cell per target cell) or a count.
#[derive(Debug, Clone, PartialEq)]
pub enum NDriveCells<S: Stage = Resolved> {
    NCells,
    Count(S::U),
}

/// A drive's type and its dynamics parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum DriveKind<S: Stage = Resolved> {
    /// `add_evoked_drive`: all required. sigma >= 0, numspikes >= 1.
    Evoked {
        mu: S::F,
        sigma: S::F,
        numspikes: S::U,
    },
    /// `add_poisson_drive`: tstart (default 0) >= 0; tstop (default `None` =
    /// end of simulation) >= tstart; rate_constant (Hz, required) > 0, a
    /// table only with `cell_specific = true`, then covering every target.
    Poisson {
        tstart: S::F,
        tstop: Option<S::F>,
        rate_constant: PerCellType<S>,
    },
    /// `add_bursty_drive`: tstart 0, tstart_std 0, tstop None, burst_rate
    /// (Hz, required, > 0), burst_std 0, numspikes 2, spike_isi 10 (ms);
    /// `(numspikes - 1) * spike_isi <= 1000 / burst_rate`.
    Bursty {
        tstart: S::F,
        tstart_std: S::F,
        tstop: Option<S::F>,
        burst_rate: S::F,
        burst_std: S::F,
        numspikes: S::U,
        spike_isi: S::F,
    },
    /// `add_spike_train_drive` with hnn-core's (time, gid) list: `times[i]`
    /// (ms) is a spike of source `gids[i]`; equal lengths. hnn-core renumbers
    /// the distinct gids 0..n-1 in increasing order (n drive cells).
    SpikeTrain { times: Vec<S::F>, gids: Vec<S::U> },
}

/// The drive types by their config names.
pub const DRIVE_TYPES: [&str; 4] = ["evoked", "poisson", "bursty", "spike_train"];

impl<S: Stage> DriveKind<S> {
    /// `"evoked"`, `"poisson"`, `"bursty"` or `"spike_train"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            DriveKind::Evoked { .. } => "evoked",
            DriveKind::Poisson { .. } => "poisson",
            DriveKind::Bursty { .. } => "bursty",
            DriveKind::SpikeTrain { .. } => "spike_train",
        }
    }
}

/// `[[drives]]`: one `Network.add_*_drive` call, with hnn-core's defaults
/// for the drive's type filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Drive<S: Stage = Resolved> {
    /// Unique among drives (and the ERP drives when `erp_drives` is on).
    pub name: String,
    pub kind: DriveKind<S>,
    /// `proximal`, `distal` or a section name (required).
    pub location: String,
    /// Default `NCells` (evoked, poisson), `Count(1)` (bursty); spike_train:
    /// `Count(number of distinct gids)`, not settable.
    pub n_drive_cells: NDriveCells<S>,
    /// Default true (evoked, poisson), false (bursty, spike_train).
    /// true requires `n_drive_cells = "n_cells"`; false requires a count >= 1.
    pub cell_specific: bool,
    /// µS per target cell type (>= 0). The target cell types are the keys of
    /// weights_ampa and weights_nmda together (at least one).
    pub weights_ampa: BTreeMap<String, S::F>,
    pub weights_nmda: BTreeMap<String, S::F>,
    /// ms, >= 0: one number or exactly the target cell types. Default 0.1.
    pub synaptic_delays: PerCellType<S>,
    /// Default 3.0 (evoked, spike_train), 100.0 (poisson, bursty). > 0.
    pub space_constant: S::F,
    /// In (0, 1]: one number or exactly the target cell types. Default 1.0.
    pub probability: PerCellType<S>,
    /// Default 2 (spike_train: 0, unused, not settable).
    pub event_seed: S::S,
    /// Default `Some(3)`; spike_train default `None`.
    pub conn_seed: Option<S::S>,
}

impl<S: Stage> Drive<S> {
    /// The target cell types: keys of weights_ampa and weights_nmda, sorted.
    pub fn target_types(&self) -> Vec<String> {
        let mut t: Vec<String> = self
            .weights_ampa
            .keys()
            .chain(self.weights_nmda.keys())
            .cloned()
            .collect();
        t.sort();
        t.dedup();
        t
    }
}

// ---------------------------------------------------------------------------
// [summary], [output], [parallel]

/// A built-in summary statistic (`[summary] stats`), computed per simulation
/// and trial.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stat {
    DipoleMin,
    DipoleMax,
    DipolePeakToPeak,
    DipoleRms,
    /// Against `[summary] reference`.
    DipoleRmse,
    /// `rate_<cell_type>`: mean firing rate (Hz) of a cell type.
    Rate(String),
    /// `band_power`: for each band `k` of `[summary] f_bands`, the
    /// periodogram's sum over the band (`band_power_<k>`) and that sum over
    /// the whole periodogram's (`band_power_rel_<k>`), as hnn-core's
    /// `_get_relative_power` makes them.
    BandPower,
}

impl Stat {
    /// The name in the config and in the HDF5 file (`/summary/<name>`).
    pub fn name(&self) -> String {
        match self {
            Stat::DipoleMin => "dipole_min".into(),
            Stat::DipoleMax => "dipole_max".into(),
            Stat::DipolePeakToPeak => "dipole_peak_to_peak".into(),
            Stat::DipoleRms => "dipole_rms".into(),
            Stat::DipoleRmse => "dipole_rmse".into(),
            Stat::Rate(t) => format!("rate_{t}"),
            Stat::BandPower => "band_power".into(),
        }
    }

    /// The `/summary/<name>` datasets the statistic fills, given the
    /// number of `[summary] f_bands`: its name, or for `band_power` the
    /// absolute then relative power of each band.
    pub fn dataset_names(&self, n_bands: usize) -> Vec<String> {
        match self {
            Stat::BandPower => (0..n_bands)
                .map(|k| format!("band_power_{k}"))
                .chain((0..n_bands).map(|k| format!("band_power_rel_{k}")))
                .collect(),
            other => vec![other.name()],
        }
    }
}

/// `[summary]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Hamming window (ms) for hnn-core's `Dipole.smooth` of the aggregate
    /// dipole before the statistics; > 0. `None`: no smoothing.
    pub smooth_window_ms: Option<f64>,
    /// In file order, no duplicates. Default empty.
    pub stats: Vec<Stat>,
    /// A dipole file in hnn-core's text format, path as written (see
    /// [`super::Config::input_path`]). Required by `dipole_rmse`.
    pub reference: Option<PathBuf>,
    /// Frequency bands `[low, high]` (Hz, both ends included) of the
    /// `band_power` statistic, in file order; `0 <= low < high`. Required by
    /// `band_power` (and only allowed with it).
    pub f_bands: Vec<(f64, f64)>,
}

impl Summary {
    /// Every `/summary/<name>` dataset, in the order the statistics are
    /// listed (`band_power` fills two per band).
    pub fn dataset_names(&self) -> Vec<String> {
        self.stats
            .iter()
            .flat_map(|s| s.dataset_names(self.f_bands.len()))
            .collect()
    }
}

/// What `[output] save` stores besides parameters and summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaveItem {
    Dipole,
    Spikes,
    VsecSoma,
    VsecAll,
    /// hnn-core's `record_isec='soma'`: the current of every somatic synapse.
    IsecSoma,
    /// `record_isec='all'`: every synapse of every section.
    IsecAll,
    /// hnn-core's `record_ca='soma'`: somatic `cai` (where the soma has it).
    CaSoma,
    /// `record_ca='all'`: `cai` of every section that has it.
    CaAll,
}

impl SaveItem {
    pub const ALL: [SaveItem; 8] = [
        SaveItem::Dipole,
        SaveItem::Spikes,
        SaveItem::VsecSoma,
        SaveItem::VsecAll,
        SaveItem::IsecSoma,
        SaveItem::IsecAll,
        SaveItem::CaSoma,
        SaveItem::CaAll,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SaveItem::Dipole => "dipole",
            SaveItem::Spikes => "spikes",
            SaveItem::VsecSoma => "vsec_soma",
            SaveItem::VsecAll => "vsec_all",
            SaveItem::IsecSoma => "isec_soma",
            SaveItem::IsecAll => "isec_all",
            SaveItem::CaSoma => "ca_soma",
            SaveItem::CaAll => "ca_all",
        }
    }

    pub fn from_name(s: &str) -> Option<SaveItem> {
        SaveItem::ALL.into_iter().find(|i| i.as_str() == s)
    }
}

/// `[output]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Default `results/<config file stem>.h5` (relative to the working
    /// directory, as are explicit relative paths). `--output` overrides it.
    pub path: PathBuf,
    /// In file order, no duplicates. Default `[Dipole]`.
    pub save: Vec<SaveItem>,
}

/// `[parallel]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Parallel {
    /// Ranks sharing one simulation, >= 1. Default 1.
    pub ranks_per_sim: usize,
}

// ---------------------------------------------------------------------------
// [sweep]

/// How sweep parameters combine into simulations (docs/configuration.md
/// §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepMode {
    /// Cartesian product, file order, last parameter fastest
    /// (`itertools.product`; hnn-core `combinations=True`).
    Product,
    /// i-th value of every parameter (hnn-core `combinations=False`).
    Zip,
    /// `n_samples` independent uniform draws (see [`super::sweep`]).
    Random,
    /// Latin hypercube of `n_samples` (see [`super::sweep`]).
    Lhs,
}

impl SweepMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SweepMode::Product => "product",
            SweepMode::Zip => "zip",
            SweepMode::Random => "random",
            SweepMode::Lhs => "lhs",
        }
    }
}

/// One `[sweep.params]` entry's values.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamSpec {
    /// `{ values = [...] }`
    Values(Vec<f64>),
    /// `{ linspace = [start, stop, num] }`: `numpy.linspace`.
    Linspace { start: f64, stop: f64, num: usize },
    /// `{ logspace = [start_exp, stop_exp, num] }`: `numpy.logspace`.
    Logspace { start: f64, stop: f64, num: usize },
    /// `{ low, high, log = false }` (random and lhs modes only).
    Range { low: f64, high: f64, log: bool },
    /// `{ integers = [low, high] }` (random and lhs modes only): an integer
    /// from `low` to `high - 1` (numpy's `Generator.integers(low, high)`),
    /// e.g. a per-simulation `event_seed`. `|low|, |high| <= 2^53`,
    /// `high > low`.
    Integers { low: i64, high: i64 },
}

/// A sweep parameter, in `[sweep.params]` file order.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepParam {
    pub name: String,
    pub spec: ParamSpec,
}

/// `[sweep]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// Default `Product`.
    pub mode: SweepMode,
    /// At least one.
    pub params: Vec<SweepParam>,
    /// random / lhs only (required there), >= 1.
    pub n_samples: Option<usize>,
    /// random / lhs only (required there).
    pub seed: Option<u64>,
}
