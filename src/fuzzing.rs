//! Entry points for fuzzing the input readers (`fuzz/`, cargo-fuzz, and
//! `tests/fuzz_readers.rs`, the short deterministic run of the test suite).
//!
//! [`read_input`] takes the bytes of one user input file and runs the whole
//! reading pipeline that input goes through before anything is simulated:
//!
//! - [`InputKind::ConfigToml`]: the config file: TOML parse, validation of
//!   every sweep point, input files checked, and [`SweepPlan::new`] (which
//!   builds the first point's network, reading any `hnn_json` or
//!   `params_file` the config names).
//! - [`InputKind::HnnJson`]: an hnn-core network file
//!   (`Network.write_configuration`), named by a fixed config
//!   (`[network] hnn_json`), through [`SweepPlan::new`].
//! - [`InputKind::ParamsJson`], [`InputKind::ParamsLegacy`]: a legacy HNN
//!   parameter file (`.json` or `.param`), named by a fixed config
//!   (`[network] params_file`), through [`SweepPlan::new`].
//!
//! With [`Stage::SimulationBuild`] it then also builds the first point's
//! simulation (every cell, synapse and drive event of trial 0, as
//! [`NetworkSimulation::new`] does before the first step) without running it.
//!
//! Any input may be refused (an `Err`); none may panic, hang or allocate
//! without bound. [`within_fuzz_budget`] is the fuzzer's own cheap filter of
//! inputs whose size (sweep points, cells, drive events, time steps) makes
//! one execution too slow for fuzzing; it is not a check a user's run makes.

use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigError};
use crate::engine::mechanisms::Catalogue;
use crate::engine::network_sim::NetworkSimulation;
use crate::network::from_config::build_network;
use crate::sweep::SweepPlan;

/// Which reader the bytes are fed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    ConfigToml,
    HnnJson,
    ParamsJson,
    ParamsLegacy,
}

impl InputKind {
    pub const ALL: [InputKind; 4] = [
        InputKind::ConfigToml,
        InputKind::HnnJson,
        InputKind::ParamsJson,
        InputKind::ParamsLegacy,
    ];

    /// The kind of a seed or reproducer file, by its name: `*.toml`,
    /// `*.param`, `*params*.json` (a parameter file), other `*.json`.
    pub fn of_file_name(name: &str) -> Option<InputKind> {
        if name.ends_with(".toml") {
            Some(InputKind::ConfigToml)
        } else if name.ends_with(".param") {
            Some(InputKind::ParamsLegacy)
        } else if name.ends_with(".json") && name.contains("params") {
            Some(InputKind::ParamsJson)
        } else if name.ends_with(".json") {
            Some(InputKind::HnnJson)
        } else {
            None
        }
    }
}

/// How far [`read_input`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Read, validate, build the first network ([`SweepPlan::new`]).
    Plan,
    /// Also build the first simulation (cells, synapses, drive events of
    /// trial 0) without integrating it.
    SimulationBuild,
}

/// Why an input was refused.
#[derive(Debug)]
pub enum InputError {
    /// Not UTF-8 (the readers read text).
    NotUtf8(std::str::Utf8Error),
    /// The scratch file could not be written (a fault of the harness, not
    /// of the input).
    Scratch(std::io::Error),
    /// The input's own error, as a user would see it.
    Config(ConfigError),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::NotUtf8(e) => write!(f, "not UTF-8: {e}"),
            InputError::Scratch(e) => write!(f, "cannot write the scratch file: {e}"),
            InputError::Config(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for InputError {}

/// The config that names a fuzzed network file (the file holds its own
/// drives; `tstop` fills a drive's `tstop = null`).
const HNN_JSON_CONFIG: &str = "[simulation]\ntstop = 100.0\n\n[network]\nhnn_json = \"network.json\"\n\n[output]\nsave = [\"dipole\", \"spikes\", \"vsec_soma\"]\n";

/// The config that names a fuzzed parameter file (`{ext}`: json, param).
const PARAMS_CONFIG: &str = "[simulation]\ntstop = 100.0\n\n[network]\nmodel = \"jones_2009\"\nmesh_shape = [3, 3]\nparams_file = \"params.{ext}\"\nerp_drives = true\n";

/// Run the reading pipeline of `kind` on `bytes`. `config_file` is the path
/// a fuzzed config claims to have (its directory is the base of the input
/// files it names; the file itself is not read). `scratch_dir` receives the
/// fuzzed network and parameter files and the config naming them.
pub fn read_input(
    kind: InputKind,
    bytes: &[u8],
    config_file: &Path,
    scratch_dir: &Path,
    stage: Stage,
) -> Result<(), InputError> {
    let text = std::str::from_utf8(bytes).map_err(InputError::NotUtf8)?;
    let (config_text, config_path): (String, PathBuf) = match kind {
        InputKind::ConfigToml => (text.to_string(), config_file.to_path_buf()),
        InputKind::HnnJson => {
            write_scratch(&scratch_dir.join("network.json"), bytes)?;
            (HNN_JSON_CONFIG.to_string(), scratch_dir.join("fuzz.toml"))
        }
        InputKind::ParamsJson | InputKind::ParamsLegacy => {
            let ext = if kind == InputKind::ParamsJson {
                "json"
            } else {
                "param"
            };
            write_scratch(&scratch_dir.join(format!("params.{ext}")), bytes)?;
            (
                PARAMS_CONFIG.replace("{ext}", ext),
                scratch_dir.join("fuzz.toml"),
            )
        }
    };
    let config = Config::parse(&config_text, &config_path.display().to_string())
        .map_err(InputError::Config)?;
    config.check_input_files().map_err(InputError::Config)?;
    let plan = SweepPlan::new(config).map_err(InputError::Config)?;
    if stage == Stage::SimulationBuild {
        let first = plan
            .config
            .resolve(&plan.points[0])
            .map_err(InputError::Config)?;
        let net = build_network(&first, &plan.config, &Catalogue).map_err(InputError::Config)?;
        let s = &first.simulation;
        drop(NetworkSimulation::new(&net, 0, s.tstop, s.dt));
    }
    Ok(())
}

fn write_scratch(path: &Path, bytes: &[u8]) -> Result<(), InputError> {
    std::fs::write(path, bytes).map_err(InputError::Scratch)
}

/// Whether one execution of `kind` on `text` stays small enough for
/// fuzzing (a few milliseconds, a few MB): every size-driving number
/// (sweep counts, mesh, trials, drive cells, spikes, rates, tstop/dt,
/// section lengths, gids) under a fuzzing bound. Inputs that are not
/// TOML/JSON pass (their parser refuses them at once). Resource bounds
/// themselves are the readers' business (issue 12, class 7); this filter
/// only keeps the fuzzer fast and away from out-of-memory reports.
pub fn within_fuzz_budget(kind: InputKind, text: &str) -> bool {
    match kind {
        InputKind::ConfigToml => match text.parse::<toml::Table>() {
            Ok(t) => toml_within_budget(&t),
            Err(_) => true,
        },
        InputKind::HnnJson | InputKind::ParamsJson => {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) => json_within_budget("", &v),
                Err(_) => true,
            }
        }
        // Parameter values of a `.param` file are numbers by key as in a
        // `.json` one; none of them sizes anything (weights, threshold,
        // ignored cell parameters).
        InputKind::ParamsLegacy => true,
    }
}

/// Upper bound of a size-driving key (by its last name), for fuzzing.
fn size_bound(key: &str) -> Option<f64> {
    Some(match key {
        "mesh_shape" | "N_pyr_x" | "N_pyr_y" => 12.0,
        "num" | "n_samples" => 200.0,
        "n_trials" => 3.0,
        "n_drive_cells" => 200.0,
        "numspikes" => 100.0,
        "rate_constant" | "burst_rate" => 1000.0,
        "tstop" | "tstart" | "t0" | "mu" => 2000.0,
        // hnn-core's nseg grows with a section's length (µm).
        "L" | "nseg" => 1.0e4,
        "gid_ranges" | "gids" => 1.0e4,
        _ if key.ends_with("_L") => 1.0e4,
        _ => return None,
    })
}

/// Lower bound of a key whose small values mean many steps.
fn lower_bound(key: &str) -> Option<f64> {
    match key {
        "dt" => Some(0.01),
        _ => None,
    }
}

fn number_ok(key: &str, x: f64) -> bool {
    size_bound(key).is_none_or(|b| x.abs() <= b) && lower_bound(key).is_none_or(|b| x >= b)
}

/// A TOML document within budget: size-driving numbers bounded, and, when
/// such a key takes a `"$name"` reference, every number of `[sweep]` too;
/// at most 2000 sweep points.
fn toml_within_budget(doc: &toml::Table) -> bool {
    let mut referenced = Vec::new();
    if !toml_walk("", &toml::Value::Table(doc.clone()), &mut referenced) {
        return false;
    }
    let sweep = doc.get("sweep");
    if let Some(sweep) = sweep {
        let mut numbers = Vec::new();
        toml_numbers(sweep, &mut numbers);
        for key in &referenced {
            if !numbers.iter().all(|&x| number_ok(key, x)) {
                return false;
            }
        }
        // Product of every parameter's count: a generous bound on any mode.
        let mut points = 1.0f64;
        if let Some(params) = sweep.get("params").and_then(toml::Value::as_table) {
            for p in params.values() {
                let count = p
                    .get("values")
                    .and_then(toml::Value::as_array)
                    .map(|v| v.len() as f64)
                    .or_else(|| {
                        ["linspace", "logspace"].iter().find_map(|k| {
                            p.get(k)
                                .and_then(toml::Value::as_array)
                                .and_then(|a| a.get(2))
                                .and_then(toml_number)
                        })
                    })
                    .unwrap_or(1.0);
                points *= count.abs().max(1.0);
            }
        }
        if let Some(n) = sweep.get("n_samples").and_then(toml_number) {
            points *= n.abs().max(1.0);
        }
        if points > 2000.0 {
            return false;
        }
    }
    true
}

fn toml_number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn toml_numbers(v: &toml::Value, out: &mut Vec<f64>) {
    match v {
        toml::Value::Array(a) => a.iter().for_each(|x| toml_numbers(x, out)),
        toml::Value::Table(t) => t.values().for_each(|x| toml_numbers(x, out)),
        other => out.extend(toml_number(other)),
    }
}

/// Check every number under a size-driving key (`key` is the nearest
/// enclosing size-driving key, or the last key); collect the keys that
/// take a reference.
fn toml_walk(key: &str, v: &toml::Value, referenced: &mut Vec<String>) -> bool {
    match v {
        toml::Value::Table(t) => t.iter().all(|(k, x)| {
            let inner = if size_bound(key).is_some() { key } else { k };
            toml_walk(inner, x, referenced)
        }),
        toml::Value::Array(a) => a.iter().all(|x| toml_walk(key, x, referenced)),
        toml::Value::String(s) => {
            if s.starts_with('$') && (size_bound(key).is_some() || lower_bound(key).is_some()) {
                referenced.push(key.to_string());
            }
            true
        }
        other => toml_number(other).is_none_or(|x| number_ok(key, x)),
    }
}

fn json_within_budget(key: &str, v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(m) => m.iter().all(|(k, x)| {
            let inner = if size_bound(key).is_some() { key } else { k };
            json_within_budget(inner, x)
        }),
        serde_json::Value::Array(a) => a.iter().all(|x| json_within_budget(key, x)),
        serde_json::Value::Number(n) => n.as_f64().is_none_or(|x| number_ok(key, x)),
        _ => true,
    }
}
