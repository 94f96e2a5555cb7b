//! What a run will need, estimated before anything is allocated: memory per
//! simulation (time grid, recorded dipoles and voltage traces, drive events
//! queued, cells and connections), the output file's size, the work in
//! compartment-steps and a rough time. What cannot fit is refused as a
//! config error naming the key and the estimate, before the network is
//! built or a file is opened (`--dry-run` refuses it too, and prints the
//! estimates otherwise).
//!
//! Two stages: [`check_planned_network`] from a resolved config alone (the
//! sizes of a built-in model follow from `mesh_shape`, those of drives from
//! `n_drive_cells`), so that building the first network cannot exhaust
//! memory; then [`estimate_run`] from the first network and every sweep
//! point, for what the simulations allocate.
//!
//! The estimates are upper-bound-minded approximations (a few bytes per
//! item, expected rather than drawn event counts); the refusals are far
//! from any real use: the limits are a machine's physical memory and
//! absolute caps ([`MAX_TIME_STEPS`], [`MAX_DRIVE_EVENTS`],
//! [`MAX_CONNECTION_PAIRS`]).

use std::collections::BTreeMap;
use std::fmt;

use crate::config::{
    Config, ConfigError, ModelSource, NDriveCells, ResolvedConfig, SaveItem, Simulation,
};
use crate::network::description::NetworkDescription;
use crate::network::drives::{DriveDynamics, PoissonRate};
use crate::network::from_config::drive_dynamics;

pub use super::memory::{Bytes, MemoryLimit, MEMORY_UNKNOWN_BYTES};
use super::result_size;

/// Time steps per trial (`tstop / dt`): 1e8 steps are 2.5e6 ms at the
/// default dt, and 800 MB per recorded trace.
pub const MAX_TIME_STEPS: f64 = 1e8;
/// Drive events drawn per trial, over all drives: each is stored, then
/// queued once per synapse it reaches.
pub const MAX_DRIVE_EVENTS: f64 = 1e8;
/// (source, target) pairs of all connections (cells and drives).
pub const MAX_CONNECTION_PAIRS: f64 = 1e9;

/// Bytes of one connection pair: the target gid in the description and
/// the NetCons the engine makes (one per synaptic site, a few per pair).
const BYTES_PER_PAIR: f64 = 8.0 + 3.0 * 32.0;
/// Bytes of one queued delivery (time, target, weight).
const BYTES_PER_DELIVERY: f64 = 32.0;
/// Bytes of one compartment's state (voltage, gates, matrix, synapses).
const BYTES_PER_SEGMENT: f64 = 512.0;
/// Synaptic sites per (drive cell, target cell) pair, for the deliveries.
const SITES_PER_PAIR: f64 = 3.0;
/// Seconds per compartment-step on one core: the 10x10 ERP (8770
/// compartments, 6800 steps) takes 1.95 s (README benchmarks); a rough
/// guide only, small networks in batches run faster.
const SECONDS_PER_COMPARTMENT_STEP: f64 = 3.3e-8;
fn too_big(config: &Config, key: &str, what: String, limit: &str) -> ConfigError {
    config.error_at(key, format!("{what}; at most {limit}"))
}

/// Time steps per trial, at most [`MAX_TIME_STEPS`].
fn check_time_steps(config: &Config, s: &Simulation) -> Result<f64, ConfigError> {
    let steps = (s.tstop / s.dt).round();
    if steps > MAX_TIME_STEPS {
        // blame the value further from hnn-core's defaults (170 ms, 0.025 ms)
        let key = if s.tstop / 170.0 > 0.025 / s.dt {
            "simulation.tstop"
        } else {
            "simulation.dt"
        };
        return Err(too_big(
            config,
            key,
            format!(
                "{steps:.3e} time steps per trial (tstop {} ms / dt {} ms) need {} per \
                 recorded trace",
                short(s.tstop),
                short(s.dt),
                Bytes(8.0 * (steps + 1.0))
            ),
            &format!("{MAX_TIME_STEPS:e} steps: raise dt or lower tstop"),
        ));
    }
    Ok(steps)
}

/// Stage 1: the network a resolved config asks for, sized from the config
/// alone (built-in models; a network file is sized by its own content), so
/// that building it cannot exhaust memory. Refuses a `mesh_shape` or
/// `n_drive_cells` whose connections exceed [`MAX_CONNECTION_PAIRS`] or the
/// memory limit.
pub fn check_planned_network(
    cfg: &ResolvedConfig,
    config: &Config,
    limit: Option<&MemoryLimit>,
) -> Result<(), ConfigError> {
    // the dipoles every trial keeps, whatever the network
    let s = &cfg.simulation;
    let n_times = check_time_steps(config, s)? + 1.0;
    let records = Bytes(3.0 * 8.0 * n_times * s.n_trials as f64);
    if let Some(l) = limit {
        if records.0 > l.bytes {
            return Err(too_big(
                config,
                "simulation.n_trials",
                format!(
                    "one simulation needs about {records} of memory for the dipoles of {} \
                     trial(s) x {n_times:.0} samples",
                    s.n_trials
                ),
                &format!("{} ({})", Bytes(l.bytes), l.source),
            ));
        }
    }
    let (sizes, mut pairs, base_key, base_what): (BTreeMap<String, f64>, f64, &str, String) =
        match &cfg.network.model {
            ModelSource::Builtin(_) => {
                let [nx, ny] = cfg.network.mesh_shape;
                let sizes = crate::network::jones_2009::population_sizes(nx, ny)
                    .iter()
                    .map(|&(n, c)| (n.to_string(), c as f64))
                    .collect::<BTreeMap<_, _>>();
                let cells: f64 = sizes.values().sum();
                (
                    sizes,
                    crate::network::jones_2009::local_connection_pairs(nx, ny),
                    "network.mesh_shape",
                    format!("a {nx} x {ny} mesh has {cells:.3e} cells"),
                )
            }
            ModelSource::HnnJson(p) => {
                // the file's own content is bounded by its size; an
                // unreadable file is reported when the network is built
                let Ok(net) = crate::network::hnn_json::read_network(
                    &config.input_path(p),
                    cfg.simulation.tstop,
                    &crate::engine::mechanisms::Catalogue,
                ) else {
                    return Ok(());
                };
                let sizes = net
                    .populations
                    .iter()
                    .map(|p| (p.name.clone(), p.positions.len() as f64))
                    .collect();
                let pairs = net
                    .connections
                    .iter()
                    .map(|c| c.gid_pairs.iter().map(|(_, t)| t.len() as f64).sum::<f64>())
                    .sum();
                (
                    sizes,
                    pairs,
                    "network.hnn_json",
                    "the network file".to_string(),
                )
            }
        };
    let cells: f64 = sizes.values().sum();
    let check = |pairs: f64, key: &str, what: &str| -> Result<(), ConfigError> {
        let bytes = Bytes(pairs * BYTES_PER_PAIR + cells * 20.0 * BYTES_PER_SEGMENT);
        if pairs > MAX_CONNECTION_PAIRS {
            return Err(too_big(
                config,
                key,
                format!("{what}: {pairs:.3e} connection pairs ({bytes})"),
                &format!("{MAX_CONNECTION_PAIRS:e} pairs"),
            ));
        }
        if let Some(l) = limit {
            if bytes.0 > l.bytes {
                return Err(too_big(
                    config,
                    key,
                    format!("{what}: {pairs:.3e} connection pairs need about {bytes}"),
                    &format!("{} ({})", Bytes(l.bytes), l.source),
                ));
            }
        }
        Ok(())
    };
    check(pairs, base_key, &base_what)?;
    // ERP drives: one cell-specific drive cell per target cell, two
    // receptors at most
    if cfg.network.erp_drives.is_some() {
        pairs += 3.0 * 2.0 * cells;
    }
    for (i, d) in cfg.drives.iter().enumerate() {
        let targets = d.target_types();
        let receptors = |t: &str| {
            (d.weights_ampa.contains_key(t) as u8 + d.weights_nmda.contains_key(t) as u8) as f64
        };
        let fanout: f64 = targets
            .iter()
            .map(|t| sizes.get(t.as_str()).copied().unwrap_or(0.0) * receptors(t))
            .sum();
        let (drive_pairs, key) = match &d.n_drive_cells {
            NDriveCells::NCells => (fanout, "n_drive_cells"),
            NDriveCells::Count(n) if d.cell_specific => (*n as f64 * 2.0, "n_drive_cells"),
            NDriveCells::Count(n) => (*n as f64 * fanout, "n_drive_cells"),
        };
        pairs += drive_pairs;
        check(
            pairs,
            &format!("drives[{i}].{key}"),
            &format!(
                "drive '{}' connects {} drive cells to {fanout:.3e} synapses each",
                d.name,
                match &d.n_drive_cells {
                    NDriveCells::NCells => "one per target cell: its".to_string(),
                    NDriveCells::Count(n) => n.to_string(),
                }
            ),
        )?;
    }
    // `[[network.connections]]`: all-to-all from a cell type or a drive
    let drive_cells = |name: &str| -> f64 {
        let Some(d) = cfg.drives.iter().find(|d| d.name == name) else {
            return 0.0;
        };
        match &d.n_drive_cells {
            NDriveCells::Count(n) => *n as f64,
            NDriveCells::NCells => d
                .target_types()
                .iter()
                .filter_map(|t| sizes.get(t.as_str()))
                .sum(),
        }
    };
    for (i, c) in cfg.network.connections.iter().enumerate() {
        let n_src = sizes
            .get(c.src.as_str())
            .copied()
            .unwrap_or_else(|| drive_cells(&c.src));
        let n_target = sizes.get(c.target.as_str()).copied().unwrap_or(0.0);
        pairs += n_src * n_target;
        check(
            pairs,
            &format!("network.connections[{i}]"),
            &format!(
                "connection {} -> {} joins {n_src:.3e} sources to {n_target:.3e} targets each",
                c.src, c.target
            ),
        )?;
    }
    Ok(())
}

/// What one sweep needs (stage 2), for `--dry-run` and the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEstimate {
    pub n_sims: usize,
    pub n_trials: usize,
    /// Samples per trace (`tstop / dt + 1`).
    pub n_times: f64,
    /// Real cells and their compartments (segments).
    pub n_cells: usize,
    pub n_segments: f64,
    /// Connection pairs of the first network.
    pub n_pairs: f64,
    /// Recorded traces per trial (`vsec_*`, `isec_*`, `ca_*`).
    pub n_traces: f64,
    /// Each section recording: dataset (`/isec/all`), traces per trial,
    /// and its size per simulation in the file (single precision).
    pub recordings: Vec<(String, usize, Bytes)>,
    /// Electrode contacts of every array (`/lfp`).
    pub n_contacts: f64,
    /// The `/lfp` datasets, every simulation (part of `output_size`).
    pub lfp_size: Bytes,
    /// Largest expected number of drive events per trial over the sweep.
    pub drive_events: f64,
    /// Largest memory per simulation over the sweep.
    pub memory_per_sim: Bytes,
    /// The output file's datasets.
    pub output_size: Bytes,
    /// Segments x time steps x trials x simulations.
    pub compartment_steps: f64,
    /// On one core; divide by the ranks.
    pub seconds_one_core: f64,
}

impl fmt::Display for RunEstimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  estimate: {} cells ({:.0} compartments), {:.3e} connection pairs, {:.3e} drive events per trial",
            self.n_cells, self.n_segments, self.n_pairs, self.drive_events
        )?;
        writeln!(
            f,
            "  estimate: memory per simulation {}, output file {} ({} x {} trials x {:.0} samples)",
            self.memory_per_sim, self.output_size, self.n_sims, self.n_trials, self.n_times
        )?;
        for (dataset, n, bytes) in &self.recordings {
            writeln!(
                f,
                "  estimate: {dataset}: {n} traces, {bytes} per simulation"
            )?;
        }
        if self.n_contacts > 0.0 {
            writeln!(
                f,
                "  estimate: /lfp {} ({:.0} electrode contacts, {} per simulation)",
                self.lfp_size,
                self.n_contacts,
                Bytes(self.lfp_size.0 / self.n_sims.max(1) as f64)
            )?;
        }
        write!(
            f,
            "  estimate: {:.3e} compartment-steps, about {} on one core",
            self.compartment_steps,
            duration(self.seconds_one_core)
        )
    }
}

/// A number as a user writes it: `170`, `0.025`, `1e-9`, `1e9`.
fn short(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// "45 s", "3.2 min", "5.1 h", "2.0 days".
fn duration(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 172800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} days", s / 86400.0)
    }
}

/// Expected events per drive cell per trial, and the key that sets it.
fn events_per_cell(d: &DriveDynamics, target_type: Option<&str>) -> (f64, &'static str) {
    match d {
        DriveDynamics::Evoked { numspikes, .. } => (*numspikes as f64, "numspikes"),
        DriveDynamics::Poisson {
            tstart,
            tstop,
            rate_constant,
        } => {
            let rate = match rate_constant {
                PoissonRate::Constant(r) => *r,
                PoissonRate::PerTargetType(m) => match target_type {
                    Some(t) => m.get(t).copied().unwrap_or(0.0),
                    None => m.values().copied().fold(0.0, f64::max),
                },
            };
            (
                rate * (tstop - tstart).max(0.0) / 1000.0 + 1.0,
                "rate_constant",
            )
        }
        DriveDynamics::Bursty {
            tstart,
            tstart_std,
            tstop,
            burst_rate,
            numspikes,
            ..
        } => {
            // The bursts start at a draw of normal(tstart, tstart_std)
            // (hnn-core's `_create_bursty_input`); one further than 10
            // standard deviations below tstart has a chance of 1e-23. A
            // huge tstart_std would otherwise make numpy's arange of burst
            // times (from that draw to tstop) too large to allocate.
            let earliest = tstart - 10.0 * tstart_std.max(0.0);
            let bursts = (tstop - earliest).max(0.0) * burst_rate / 1000.0 + 1.0;
            let key = if 10.0 * tstart_std > (tstop - tstart).max(0.0) {
                "tstart_std"
            } else {
                "burst_rate"
            };
            (bursts * *numspikes as f64, key)
        }
        DriveDynamics::SpikeTrain { times, .. } => (times.len() as f64, "times"),
    }
}

/// Dynamics of drive `name` at one point: the config's `[[drives]]` entry
/// resolved there, else the network's (model, ERP and file drives do not
/// vary over the sweep).
fn point_dynamics(cfg: &ResolvedConfig, name: &str) -> Option<(usize, DriveDynamics)> {
    let i = cfg.drives.iter().position(|d| d.name == name)?;
    Some((i, drive_dynamics(cfg, i)))
}

/// Stage 2: estimate the run from the first network (`net`) and every
/// sweep point, and refuse what exceeds the caps or `limit`. `recordings`:
/// each section recording's dataset and traces per trial.
pub fn estimate_run(
    config: &Config,
    points: &[BTreeMap<String, f64>],
    net: &NetworkDescription,
    recordings: &[(String, usize)],
    limit: Option<&MemoryLimit>,
) -> Result<RunEstimate, ConfigError> {
    let first = config.resolve(&points[0])?;
    let s = &first.simulation;
    // tstop, dt and n_trials are the same at every point
    // (Config::check_one_file_layout)
    let steps = check_time_steps(config, s)?;
    let n_times = steps + 1.0;
    let n_trials = s.n_trials as f64;
    let n_segments: f64 = net
        .populations
        .iter()
        .map(|p| {
            p.positions.len() as f64
                * p.template
                    .sections
                    .iter()
                    .map(|x| x.nseg as f64)
                    .sum::<f64>()
        })
        .sum();
    let n_pairs: f64 = net
        .connections
        .iter()
        .map(|c| c.gid_pairs.iter().map(|(_, t)| t.len() as f64).sum::<f64>())
        .sum();
    // synapses each drive cell reaches: its connections' targets
    let mut fanout: BTreeMap<&str, f64> = BTreeMap::new();
    for c in &net.connections {
        if net.drives.iter().any(|d| d.name == c.src_type) {
            let targets: f64 = c.gid_pairs.iter().map(|(_, t)| t.len() as f64).sum();
            *fanout.entry(&c.src_type).or_default() += targets * SITES_PER_PAIR;
        }
    }
    let n_traces = recordings.iter().map(|r| r.1 as f64).sum::<f64>();
    let n_contacts: f64 = net
        .electrode_arrays
        .iter()
        .map(|a| a.n_contacts() as f64)
        .sum();
    let save = &config.output.save;
    // A trial's LFP: 16-byte fixed-point sums as it runs, then f64.
    let per_trial_records =
        3.0 * 8.0 * n_times + n_traces * 8.0 * n_times + n_contacts * 24.0 * n_times;
    let kept_records =
        n_trials * (3.0 * 8.0 * n_times + n_traces * 4.0 * n_times + n_contacts * 8.0 * n_times);
    result_size::check(
        config,
        kept_records,
        s.n_trials,
        n_times,
        (n_traces, n_contacts),
    )?;
    // the transfer resistances, one per segment and contact
    let fixed = n_pairs * BYTES_PER_PAIR
        + n_segments * (BYTES_PER_SEGMENT + 8.0 * n_contacts)
        + 8.0 * n_times
        + per_trial_records;

    let mut max_events = 0.0f64;
    let mut max_memory = 0.0f64;
    for (pi, p) in points.iter().enumerate() {
        let cfg = if pi == 0 {
            first.clone()
        } else {
            config.resolve(p)?
        };
        let mut events = 0.0;
        let mut deliveries = 0.0;
        // (events, key) of the drive with the most events
        let mut largest: Option<(f64, String, &str)> = None;
        for d in &net.drives {
            let (key_prefix, dynamics) = match point_dynamics(&cfg, &d.name) {
                Some((i, dy)) => (Some(i), dy),
                None => (None, d.spec.dynamics.clone()),
            };
            let cells = d.n_drive_cells as f64;
            let (per_cell, key) = match &dynamics {
                DriveDynamics::SpikeTrain { times, .. } => (times.len() as f64 / cells, "times"),
                _ if d.spec.cell_specific && d.target_types.len() > 1 => {
                    // a per-type rate: the largest, for every drive cell
                    events_per_cell(&dynamics, None)
                }
                _ => events_per_cell(&dynamics, d.target_types.first().map(String::as_str)),
            };
            let e = per_cell * cells;
            events += e;
            deliveries += e * fanout.get(d.name.as_str()).copied().unwrap_or(0.0) / cells;
            let key = match key_prefix {
                Some(i) => format!("drives[{i}].{key}"),
                None if config.network.erp_drives.is_some()
                    && crate::config::ERP_DRIVE_NAMES.contains(&d.name.as_str()) =>
                {
                    "network.erp_drives".to_string()
                }
                None => "network.hnn_json".to_string(),
            };
            if largest.as_ref().is_none_or(|l| e > l.0) {
                largest = Some((e, key, d.name.as_str()));
            }
        }
        let from = if points.len() > 1 {
            format!(" (sweep point {pi})")
        } else {
            String::new()
        };
        if events > MAX_DRIVE_EVENTS {
            let (largest_events, key, name) = largest.unwrap_or_default();
            return Err(too_big(
                config,
                &key,
                format!(
                    "the drives draw about {events:.3e} events per trial{from} \
                     ({largest_events:.3e} from drive '{name}'), queued {deliveries:.3e} times \
                     at their synapses ({})",
                    Bytes(events * 8.0 + deliveries * BYTES_PER_DELIVERY)
                ),
                &format!("{MAX_DRIVE_EVENTS:e} events per trial"),
            ));
        }
        let drive_bytes = events * 8.0 + deliveries * BYTES_PER_DELIVERY;
        let memory = fixed + kept_records + drive_bytes;
        if let Some(l) = limit {
            if memory > l.bytes {
                let parts = [
                    (
                        kept_records + per_trial_records,
                        if n_trials > 1.0 {
                            "simulation.n_trials"
                        } else if n_traces > 0.0 {
                            "output.save"
                        } else {
                            "simulation.dt"
                        },
                        format!(
                            "{} trial(s) x {n_times:.0} samples of 3 dipoles{}",
                            s.n_trials,
                            if n_traces > 0.0 {
                                format!(" and {n_traces:.0} recorded traces")
                            } else {
                                String::new()
                            }
                        ),
                    ),
                    (
                        drive_bytes,
                        largest.as_ref().map_or("simulation", |l| l.1.as_str()),
                        format!("{deliveries:.3e} queued drive events"),
                    ),
                    (
                        n_pairs * BYTES_PER_PAIR + n_segments * BYTES_PER_SEGMENT,
                        "network.mesh_shape",
                        format!("{n_pairs:.3e} connection pairs"),
                    ),
                ];
                let (bytes, key, what) = parts
                    .iter()
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .expect("three parts");
                return Err(too_big(
                    config,
                    key,
                    format!(
                        "one simulation{from} needs about {} of memory, {} of it for {what}",
                        Bytes(memory),
                        Bytes(*bytes)
                    ),
                    &format!("{} ({})", Bytes(l.bytes), l.source),
                ));
            }
        }
        max_events = max_events.max(events);
        max_memory = max_memory.max(memory);
    }
    let n_sims = points.len() as f64;
    let mut output = 8.0 * n_times + 16.0 * n_sims * n_trials;
    if save.contains(&SaveItem::Dipole) {
        output += n_sims * n_trials * n_times * 3.0 * 8.0;
    }
    output += n_sims * n_trials * n_traces * n_times * 4.0;
    let lfp_size = n_sims * n_trials * n_contacts * n_times * 8.0;
    output += lfp_size;
    output += n_sims * n_trials * config.summary.dataset_names().len() as f64 * 8.0;
    let compartment_steps = n_segments * steps * n_trials * n_sims;
    Ok(RunEstimate {
        n_sims: points.len(),
        n_trials: s.n_trials,
        n_times,
        n_cells: net.n_cells(),
        n_segments,
        n_pairs,
        n_traces,
        recordings: recordings
            .iter()
            .map(|(d, n)| {
                let bytes = n_trials * *n as f64 * n_times * 4.0;
                (d.clone(), *n, Bytes(bytes))
            })
            .collect(),
        n_contacts,
        lfp_size: Bytes(lfp_size),
        drive_events: max_events,
        memory_per_sim: Bytes(max_memory),
        output_size: Bytes(output),
        compartment_steps,
        seconds_one_core: compartment_steps * SECONDS_PER_COMPARTMENT_STEP,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_durations_read_well() {
        assert_eq!(Bytes(512.0).to_string(), "512 B");
        assert_eq!(Bytes(1.3e12).to_string(), "1.3 TB");
        assert_eq!(duration(30.0), "30.0 s");
        assert_eq!(duration(7200.0 * 3.0), "6.0 h");
        assert_eq!(short(1e-9), "1e-9");
        assert_eq!(short(170.0), "170");
        assert_eq!(short(0.025), "0.025");
    }

    /// Without a memory limit, only the absolute cap applies: a connection
    /// from a drive of 10^6 cells onto 1000 cells is refused at its entry.
    #[test]
    fn planned_connections_from_a_drive_are_capped() {
        let text = "[network]\nmesh_shape = [1000, 1]\n\
            [[network.connections]]\nsrc = \"d\"\ntarget = \"L5_pyramidal\"\nloc = \"proximal\"\n\
            receptor = \"ampa\"\nweight = 0.01\nlamtha = 3.0\n\
            [[drives]]\nname = \"d\"\ntype = \"evoked\"\nmu = 10.0\nsigma = 1.0\nnumspikes = 1\n\
            location = \"proximal\"\nweights_ampa = { L2_basket = 0.01 }\n\
            cell_specific = false\nn_drive_cells = 100\n";
        let config = Config::parse(text, "wide.toml").unwrap();
        let cfg = config.resolve(&BTreeMap::new()).unwrap();
        check_planned_network(&cfg, &config, None).unwrap();
        let wide = text.replace("n_drive_cells = 100\n", "n_drive_cells = 1000000\n");
        let config = Config::parse(&wide, "wide.toml").unwrap();
        let cfg = config.resolve(&BTreeMap::new()).unwrap();
        let e = check_planned_network(&cfg, &config, None).unwrap_err();
        assert_eq!(e.key, "network.connections[0]");
        assert_eq!(e.line, Some(3));
        assert!(
            e.message
                .contains("connection d -> L5_pyramidal joins 1.000e6 sources to 1.000e3"),
            "{e}"
        );
        assert!(e.message.contains("at most 1e9 pairs"), "{e}");
    }

    #[test]
    fn mesh_sizes_match_the_built_network() {
        for (nx, ny) in [(1, 1), (2, 3), (3, 3), (10, 10), (7, 4)] {
            let net = crate::network::jones_2009::jones_2009(
                (nx, ny),
                &crate::network::jones_2009::default_connection_weights(),
            )
            .unwrap();
            let sizes = crate::network::jones_2009::population_sizes(nx, ny);
            for p in &net.populations {
                let planned = sizes.iter().find(|s| s.0 == p.name).unwrap().1;
                assert_eq!(planned, p.positions.len(), "{nx}x{ny} {}", p.name);
            }
            let pairs: usize = net
                .connections
                .iter()
                .map(|c| c.gid_pairs.iter().map(|(_, t)| t.len()).sum::<usize>())
                .sum();
            assert_eq!(
                crate::network::jones_2009::local_connection_pairs(nx, ny),
                pairs as f64,
                "{nx}x{ny}"
            );
        }
    }
}
