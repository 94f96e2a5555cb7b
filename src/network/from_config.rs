//! The network description of one simulation from its resolved config
//! (docs/configuration.md, §4 `[network]`, §5 `[[drives]]` and §10 "How a
//! simulation's network is assembled"), in hnn-core's order: the model and
//! its connectivity, `erp_drives`, then `[[drives]]`, `[[network.connections]]`,
//! global gains, tonic biases and electrode arrays. Errors that need the network (a location a
//! cell type lacks, an unknown cell type) name the config key and its line.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::build_error::NetworkBuildError;
use super::description::{Connection, ConnectionParams, NetworkDescription, TonicBias};
use super::drives::{attach_drive, DriveDynamics, DriveSpec, PoissonRate};
use super::electrode::{ElectrodeArray, LfpMethod};
use super::hnn_params::{read_params_file, KeyError, ModelParams};
use super::jones_2009::add_erp_drives;
use super::mechanism_catalogue::MechanismCatalogue;
use super::models::{build_model, fixed_params};
use super::pruning;
use crate::config::{
    Config, ConfigError, DriveKind, ModelName, ModelSource, NDriveCells, PerCellType,
    ResolvedConfig,
};

/// Build the network of one simulation; an error is placed at its key's
/// line of `config`. `mechanisms` (the engine's) check the mechanisms a
/// network file names.
pub fn build_network(
    cfg: &ResolvedConfig,
    config: &Config,
    mechanisms: &dyn MechanismCatalogue,
) -> Result<NetworkDescription, ConfigError> {
    assemble_network(cfg, config, mechanisms).map_err(|e| e.placed(config))
}

/// [`build_network`] with the error not yet placed in the config file
/// (`config` resolves the paths of input files).
pub fn assemble_network(
    cfg: &ResolvedConfig,
    config: &Config,
    mechanisms: &dyn MechanismCatalogue,
) -> Result<NetworkDescription, NetworkBuildError> {
    let net_cfg = &cfg.network;
    let model = match &net_cfg.model {
        ModelSource::Builtin(m) => *m,
        ModelSource::HnnJson(p) => {
            let net = super::hnn_json::network_for_config(cfg, config, p, mechanisms)?;
            return add_config_extras(net, cfg);
        }
    };
    let params = model_params(cfg, config, model)?;
    let [nx, ny] = net_cfg.mesh_shape;
    let mut net = build_model(model, (nx, ny), &params)
        .map_err(|e| NetworkBuildError::new("network.mesh_shape", e.to_string()))?;
    net.celsius = cfg.simulation.celsius;
    // NetworkBuilder sets h.celsius = params['celsius']: a file's value
    // must agree with the one temperature hnn-mpi simulates at.
    if let Some(c) = params.celsius {
        if c != net.celsius {
            return Err(NetworkBuildError::new(
                "network.params_file",
                format!(
                    "the parameter file sets celsius = {c}, but [simulation] celsius is {}; hnn-core simulates at the file's temperature: set [simulation] celsius = {c}",
                    net.celsius
                ),
            ));
        }
    }
    add_config_extras(net, cfg)
}

/// What the config adds to the model's (or network file's) network, in
/// hnn-core's order: `erp_drives`, `[[drives]]`, `[[network.connections]]`,
/// global gains, tonic biases.
fn add_config_extras(
    net: NetworkDescription,
    cfg: &ResolvedConfig,
) -> Result<NetworkDescription, NetworkBuildError> {
    let mut net = add_config_parts(net, cfg)?;
    check_drive_seeds(&net, cfg)?;
    net.numerics = cfg.numerics;
    Ok(net)
}

/// `[[network.electrode_arrays]]` after the network file's own arrays
/// (`Network.add_electrode_array`, which refuses a name already taken).
fn add_electrode_arrays(
    net: &mut NetworkDescription,
    cfg: &ResolvedConfig,
) -> Result<(), NetworkBuildError> {
    for (i, a) in cfg.network.electrode_arrays.iter().enumerate() {
        let key = format!("network.electrode_arrays[{i}]");
        if net.electrode_arrays.iter().any(|b| b.name == a.name) {
            return Err(NetworkBuildError::new(
                format!("{key}.name"),
                format!(
                    "the network file already has an electrode array {:?} (rec_arrays); \
                     give this one another name",
                    a.name
                ),
            ));
        }
        let array = ElectrodeArray {
            name: a.name.clone(),
            positions_um: a.positions_um.clone(),
            conductivity_s_per_m: a.conductivity,
            method: LfpMethod::from_name(&a.method).ok_or_else(|| {
                NetworkBuildError::new(format!("{key}.method"), "not \"psa\" or \"lsa\"")
            })?,
            min_distance_um: a.min_distance,
        };
        array
            .validate()
            .map_err(|e| NetworkBuildError::new(key.clone(), e.to_string()))?;
        net.electrode_arrays.push(array);
    }
    Ok(())
}

/// hnn-core seeds drive cell `k` of a drive in trial `t` with
/// `RandomState(event_seed + t * n_gids + k)`, which numpy refuses beyond
/// 2**32 - 1: check the largest seed of every drive before any trial runs.
fn check_drive_seeds(
    net: &NetworkDescription,
    cfg: &ResolvedConfig,
) -> Result<(), NetworkBuildError> {
    let last_trial = cfg.simulation.n_trials.saturating_sub(1) as u128;
    for d in &net.drives {
        let largest = d.spec.event_seed as u128
            + last_trial * net.n_gids as u128
            + d.n_drive_cells.saturating_sub(1) as u128;
        if largest > crate::config::rules::MAX_NUMPY_SEED as u128 {
            let key = match cfg.drives.iter().position(|c| c.name == d.name) {
                Some(i) => format!("drives[{i}].event_seed"),
                None if crate::config::ERP_DRIVE_NAMES.contains(&d.name.as_str()) => {
                    "network.erp_drives".to_string()
                }
                None => "network.hnn_json".to_string(),
            };
            return Err(NetworkBuildError::new(
                &key,
                format!(
                    "drive '{}': event_seed {} + trial {last_trial} x {} gids + drive cell {} gives \
                     seed {largest}, beyond numpy's 2**32 - 1: lower event_seed or n_trials",
                    d.name,
                    d.spec.event_seed,
                    net.n_gids,
                    d.n_drive_cells.saturating_sub(1)
                ),
            ));
        }
    }
    Ok(())
}

/// [`add_config_extras`] before the checks of the whole network.
fn add_config_parts(
    mut net: NetworkDescription,
    cfg: &ResolvedConfig,
) -> Result<NetworkDescription, NetworkBuildError> {
    let net_cfg = &cfg.network;
    if let Some(erp) = &net_cfg.erp_drives {
        add_erp_drives(&mut net, erp.tstart)
            .map_err(|e| NetworkBuildError::new("network.erp_drives", e.to_string()))?;
    }
    for (i, d) in cfg.drives.iter().enumerate() {
        let spec = drive_spec(cfg, i);
        attach_drive(&mut net, spec).map_err(|e| {
            NetworkBuildError::new(
                format!("drives[{i}].{}", e.field),
                format!("drive '{}': {}", d.name, e.message),
            )
        })?;
    }
    for (i, c) in net_cfg.connections.iter().enumerate() {
        add_connection(&mut net, c, i)?;
    }
    apply_global_gains(&mut net, cfg);
    for (i, b) in net_cfg.tonic_bias.iter().enumerate() {
        let amplitudes: Vec<(String, f64)> = match (&b.cell_type, &b.amplitude) {
            (Some(t), PerCellType::All(a)) => vec![(t.clone(), *a)],
            (_, PerCellType::ByType(m)) => m.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            (None, PerCellType::All(_)) => {
                return Err(NetworkBuildError::new(
                    format!("network.tonic_bias[{i}].amplitude"),
                    "a number needs `cell_type`; or give a table cell_type -> amplitude",
                ))
            }
        };
        for (cell_type, amplitude) in amplitudes {
            let Some(pop) = net.population(&cell_type) else {
                return Err(NetworkBuildError::new(
                    format!("network.tonic_bias[{i}]"),
                    format!("unknown cell type '{cell_type}'"),
                ));
            };
            if pop.template.section_index(&b.section).is_none() {
                return Err(NetworkBuildError::new(
                    format!("network.tonic_bias[{i}].section"),
                    format!("{cell_type} cells have no section '{}'", b.section),
                ));
            }
            net.tonic_biases.push(TonicBias {
                cell_type,
                amplitude,
                t0: b.t0,
                tstop: b.tstop,
                section: b.section.clone(),
            });
        }
    }
    add_electrode_arrays(&mut net, cfg)?;
    Ok(net)
}

/// hnn-core's `params` for this network: the model defaults
/// (`param/default.json`), or the parameter file read as `read_params`
/// reads it; then `[network.params]`.
fn model_params(
    cfg: &ResolvedConfig,
    config: &Config,
    model: ModelName,
) -> Result<ModelParams, NetworkBuildError> {
    let mut p = match &cfg.network.params_file {
        None => ModelParams::defaults(),
        Some(path) => {
            let full = config.input_path(path);
            let map = read_params_file(&full)
                .map_err(|e| NetworkBuildError::new("network.params_file", e.to_string()))?;
            let (p, notes) = ModelParams::from_file(&map, &full.display().to_string())
                .map_err(|e| NetworkBuildError::new("network.params_file", e.to_string()))?;
            warn_once(&notes);
            p
        }
    };
    let fixed = fixed_params(model);
    for (key, &value) in &cfg.network.params {
        let at = format!("network.params.{key}");
        if let Some((_, why)) = fixed.iter().find(|(k, _)| k == key) {
            return Err(NetworkBuildError::new(
                &at,
                format!("has no effect in model '{}': {why}", model.as_str()),
            ));
        }
        p.set(key, value).map_err(|e| match e {
            KeyError::NotUsed(why) => {
                NetworkBuildError::new(&at, format!("not used when building the network: {why}"))
            }
            KeyError::Unknown(m) if m.is_empty() => {
                NetworkBuildError::new(&at, "unknown HNN parameter")
            }
            KeyError::Unknown(m) => NetworkBuildError::new(
                &at,
                format!("unknown HNN parameter; did you mean {}?", m.join(", ")),
            ),
        })?;
    }
    Ok(p)
}

/// Log each note once per process (networks are built once per simulation).
fn warn_once(notes: &[String]) {
    static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    for n in notes {
        if seen.insert(n.clone()) {
            log::warn!("{n}");
        }
    }
}

/// hnn-core's drive arguments from `[[drives]]` entry `i`.
fn drive_spec(cfg: &ResolvedConfig, i: usize) -> DriveSpec {
    let d = &cfg.drives[i];
    let targets = d.target_types();
    let per_type = |p: &PerCellType| -> BTreeMap<String, f64> {
        targets
            .iter()
            .filter_map(|t| p.get(t).map(|v| (t.clone(), v)))
            .collect()
    };
    let dynamics = drive_dynamics(cfg, i);
    DriveSpec {
        name: d.name.clone(),
        dynamics,
        location: d.location.clone(),
        n_drive_cells: match &d.n_drive_cells {
            NDriveCells::NCells => None,
            NDriveCells::Count(n) => Some(*n),
        },
        cell_specific: d.cell_specific,
        weights_ampa: d.weights_ampa.clone(),
        weights_nmda: d.weights_nmda.clone(),
        synaptic_delays: per_type(&d.synaptic_delays),
        space_constant: d.space_constant,
        probability: per_type(&d.probability),
        event_seed: d.event_seed,
        conn_seed: d.conn_seed.unwrap_or(0),
    }
}

/// The event-time dynamics of `[[drives]]` entry `i`, as hnn-core's
/// `add_*_drive` stores them (also what the run estimate counts events of).
pub fn drive_dynamics(cfg: &ResolvedConfig, i: usize) -> DriveDynamics {
    let d = &cfg.drives[i];
    let tstop = cfg.simulation.tstop;
    let targets = d.target_types();
    match &d.kind {
        DriveKind::Evoked {
            mu,
            sigma,
            numspikes,
        } => DriveDynamics::Evoked {
            mu: *mu,
            sigma: *sigma,
            numspikes: *numspikes,
        },
        DriveKind::Poisson {
            tstart,
            tstop: stop,
            rate_constant,
        } => DriveDynamics::Poisson {
            tstart: *tstart,
            tstop: stop.unwrap_or(tstop),
            rate_constant: match rate_constant {
                // add_poisson_drive turns one rate into a per-type table
                // when the drive is cell-specific.
                PerCellType::All(r) if d.cell_specific => {
                    PoissonRate::PerTargetType(targets.iter().map(|t| (t.clone(), *r)).collect())
                }
                PerCellType::All(r) => PoissonRate::Constant(*r),
                PerCellType::ByType(m) => PoissonRate::PerTargetType(m.clone()),
            },
        },
        DriveKind::Bursty {
            tstart,
            tstart_std,
            tstop: stop,
            burst_rate,
            burst_std,
            numspikes,
            spike_isi,
        } => DriveDynamics::Bursty {
            tstart: *tstart,
            tstart_std: *tstart_std,
            tstop: stop.unwrap_or(tstop),
            burst_rate: *burst_rate,
            burst_std: *burst_std,
            numspikes: *numspikes,
            spike_isi: *spike_isi,
        },
        DriveKind::SpikeTrain { times, gids } => {
            // hnn-core numbers the distinct source gids 0..n-1 in order.
            let mut distinct: Vec<usize> = gids.clone();
            distinct.sort_unstable();
            distinct.dedup();
            DriveDynamics::SpikeTrain {
                times: times.clone(),
                gids: gids
                    .iter()
                    .map(|g| distinct.binary_search(g).unwrap() as i64)
                    .collect(),
            }
        }
    }
}

/// `[[network.connections]]` entry `i`: hnn-core `Network.add_connection`
/// between whole cell types (or from a drive).
fn add_connection(
    net: &mut NetworkDescription,
    c: &crate::config::Connection,
    i: usize,
) -> Result<(), NetworkBuildError> {
    let key = |k: &str| format!("network.connections[{i}].{k}");
    let Some((s0, s1)) = net.gid_range(&c.src) else {
        return Err(NetworkBuildError::new(
            key("src"),
            format!("unknown cell type or drive '{}'", c.src),
        ));
    };
    let Some(target) = net.population(&c.target) else {
        return Err(NetworkBuildError::new(
            key("target"),
            format!("unknown cell type '{}'", c.target),
        ));
    };
    let template = &target.template;
    let sections = template
        .location_sections(&c.loc)
        .or_else(|| template.section_index(&c.loc).map(|_| vec![c.loc.clone()]));
    let Some(sections) = sections else {
        return Err(NetworkBuildError::new(
            key("loc"),
            format!(
                "'{}' is not a location or section of {} cells",
                c.loc, c.target
            ),
        ));
    };
    for s in &sections {
        let spec = &template.sections[template.section_index(s).unwrap()];
        if !spec.receptors.iter().any(|r| r == &c.receptor) {
            return Err(NetworkBuildError::new(
                key("receptor"),
                format!("{} cells have no '{}' synapse on {s}", c.target, c.receptor),
            ));
        }
    }
    let (t0, t1) = (target.gid_start, target.gid_start + target.positions.len());
    let mut gid_pairs: Vec<(usize, Vec<usize>)> = (s0..s1)
        .map(|s| {
            (
                s,
                (t0..t1).filter(|&t| c.allow_autapses || t != s).collect(),
            )
        })
        .collect();
    if c.probability != 1.0 {
        pruning::connection_probability_apply(
            &mut gid_pairs,
            c.probability,
            c.conn_seed.unwrap_or(0) as u128,
        );
    }
    let threshold = net.threshold;
    net.connections.push(Connection {
        src_type: c.src.clone(),
        target_type: c.target.clone(),
        gid_pairs,
        loc: c.loc.clone(),
        receptor: c.receptor.clone(),
        params: ConnectionParams {
            a_weight: c.weight,
            a_delay: c.delay,
            lamtha: c.lamtha,
            threshold,
            gain: c.gain,
        },
        probability: c.probability,
    });
    Ok(())
}

/// hnn-core `Network.set_global_synaptic_gains`: excitatory (pyramidal) and
/// inhibitory (basket) cells; drive connections keep their gains.
fn apply_global_gains(net: &mut NetworkDescription, cfg: &ResolvedConfig) {
    let g = &cfg.network.global_gains;
    let excitatory = |t: &str| t.ends_with("_pyramidal");
    let is_cell = |net: &NetworkDescription, t: &str| net.population(t).is_some();
    let cells: Vec<bool> = net
        .connections
        .iter()
        .map(|c| is_cell(net, &c.src_type) && is_cell(net, &c.target_type))
        .collect();
    for (c, is_cells) in net.connections.iter_mut().zip(cells) {
        if !is_cells {
            continue;
        }
        let gain = match (excitatory(&c.src_type), excitatory(&c.target_type)) {
            (true, true) => g.e_e,
            (true, false) => g.e_i,
            (false, true) => g.i_e,
            (false, false) => g.i_i,
        };
        if let Some(gain) = gain {
            c.params.gain = gain;
        }
    }
}
