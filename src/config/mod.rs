//! The configuration layer (docs/configuration.md): the TOML file read,
//! checked and turned into typed values, its `"$name"` references resolved
//! per sweep point, and the sweep expanded into its ordered list of points
//! (docs/configuration.md §6, `[sweep]`).
//!
//! - `mod.rs`: [`Config`] and [`ResolvedConfig`], the entry points (load,
//!   sweep points, resolve, locate a key, the checks of a one-file sweep and
//!   of the input files).
//! - `raw.rs`: the TOML document as a tree of values with byte spans.
//! - `parse/`: the spanned tree to the typed, unresolved config; one file
//!   per table (its own `mod.rs` maps them).
//! - `resolve.rs`: one sweep point to plain numbers, every range checked.
//! - [`rules`]: the value rules shared with the hnn-core file readers, and
//!   the bounded input-file reader.
//! - [`sweep`]: sweep expansion (product, zip, random, lhs).
//! - `types.rs`: the schema, in its unresolved and resolved stages.
//! - `error.rs`: [`ConfigError`] (file, line, key, message).
//! - `suggest.rs`: the one "unknown ...; did you mean" helper.
//!
//! ```no_run
//! use hnn_mpi::config::Config;
//! let cfg = Config::from_file("configs/seed_example.toml".as_ref())?; // exit 2 on Err
//! for (i, point) in cfg.sweep_points()?.iter().enumerate() {
//!     let sim = cfg.resolve(point)?; // plain numbers for simulation i
//!     println!("{i}: tstop {} ms, {} drives", sim.simulation.tstop, sim.drives.len());
//! }
//! # Ok::<(), hnn_mpi::config::ConfigError>(())
//! ```
//!
//! Every error is a [`ConfigError`] naming the file, the line and the dotted
//! key path (`drives[0].sigma`, `sweep.params.weight_pyr`). Loading checks
//! everything that can be checked without building the network: unknown keys
//! (with close matches), types, required keys, enumerations (model, drive
//! type, sweep mode, statistic, save item, receptor), cell type names in
//! per-cell-type tables (built-in models), references (unknown names, unused
//! sweep parameters), the sweep's shape, and then the value ranges of every
//! sweep point, resolved. Checks that need the network (a location a cell
//! type lacks, cell types of an `hnn_json` network) are left to the network
//! builder, which can place its errors with [`Config::error_at`].
//!
//! Paths: `params_file`, `hnn_json` and `[summary] reference` are relative to
//! the config file's directory ([`Config::input_path`]); `[output] path` is
//! relative to the working directory (its default is
//! `results/<config file stem>.h5`).

pub mod dipole_text;
mod error;
pub mod fit;
mod parse;
mod raw;
mod resolve;
pub mod rules;
mod suggest;
pub mod sweep;
mod types;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// Their public paths from before they moved to compat.
pub use crate::compat::numpy_space::{numpy_linspace, numpy_logspace};
pub use crate::compat::svml_pow;
pub use error::ConfigError;
pub use fit::{Fit, FitObjective, FitParam, Solver};
pub(crate) use parse::{BURSTY_KEYS, EVOKED_KEYS, POISSON_KEYS};
pub(crate) use suggest::nearest;
pub use types::*;

/// A checked config file, numbers still unresolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The config file as named by the user (in messages).
    pub file: String,
    /// The TOML text, verbatim (stored in the output file's `config`
    /// attribute).
    pub text: String,
    /// Directory of the config file: base of relative input paths.
    pub base_dir: PathBuf,
    pub simulation: Simulation<Unresolved>,
    /// `[simulation] numerics` (the command line's `--numerics` replaces
    /// it); kept out of `simulation` so that the definition hash of an
    /// exact-mode run stays what it was.
    pub numerics: Numerics,
    pub network: Network<Unresolved>,
    /// `[[drives]]` in file order.
    pub drives: Vec<Drive<Unresolved>>,
    /// `None` without `[sweep]`: one simulation.
    pub sweep: Option<Sweep>,
    pub summary: Summary,
    pub output: Output,
    pub parallel: Parallel,
    /// `None` without `[fit]` (never together with `[sweep]`).
    pub fit: Option<Fit>,
    /// key path -> (line, column), 1-based.
    locs: BTreeMap<String, (usize, usize)>,
}

/// One simulation's configuration: [`Config`] with every number resolved at
/// one sweep point and range-checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedConfig {
    /// The sweep point (parameter name -> value); empty without a sweep.
    pub point: BTreeMap<String, f64>,
    pub simulation: Simulation<Resolved>,
    pub numerics: Numerics,
    pub network: Network<Resolved>,
    pub drives: Vec<Drive<Resolved>>,
    pub summary: Summary,
    pub output: Output,
    pub parallel: Parallel,
}

impl Config {
    /// Read and check a config file; also checks that the input files it
    /// names (`params_file`, `hnn_json`, `[summary] reference`) exist.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = rules::read_input_file(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: None,
            column: None,
            key: String::new(),
            message: format!("cannot read the config file: {e}"),
        })?;
        let cfg = Config::parse(&text, &file)?;
        cfg.check_input_files()?;
        Ok(cfg)
    }

    /// Check a config given as text. `file` names it in messages; its stem
    /// gives the default output path and its directory the base of relative
    /// input paths. Input files are not opened (see [`Config::from_file`]).
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let mut ctx = parse::Ctx::new(file, text);
        let root = raw::parse_document(text).map_err(|e| parse::toml_error(&ctx, &e))?;
        let stem = Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "hnn-mpi".to_string());
        let parsed = parse::parse_document(&mut ctx, &root, &stem)?;

        match &parsed.fit {
            Some(fit) => parse::check_fit_references(&ctx, fit)?,
            None => parse::check_references(&ctx, parsed.sweep.as_ref())?,
        }

        let offsets: Vec<usize> = ctx.locs.values().copied().collect();
        let locs = ctx
            .locs
            .keys()
            .cloned()
            .zip(raw::line_cols(text, &offsets))
            .collect();
        let base_dir = Path::new(file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let cfg = Config {
            file: file.to_string(),
            text: text.to_string(),
            base_dir,
            simulation: parsed.simulation,
            numerics: parsed.numerics,
            network: parsed.network,
            drives: parsed.drives,
            sweep: parsed.sweep,
            summary: parsed.summary,
            output: parsed.output,
            parallel: parsed.parallel,
            fit: parsed.fit,
            locs,
        };

        if let Some(fit) = &cfg.fit {
            // A fit's points are chosen as it runs: check the values at the
            // start and at every bound, and the windows against the
            // simulation, whose layout the fit may not vary.
            cfg.check_one_file_layout()?;
            for p in fit.check_points() {
                let r = cfg.resolve_indexed(&p, None)?;
                cfg.check_fit_windows(r.simulation.tstop, r.simulation.dt)?;
            }
            return Ok(cfg);
        }
        // Value ranges, on every point (one suffices without references).
        let points = cfg.sweep_points()?;
        if ctx.refs.is_empty() {
            cfg.resolve_indexed(&points[0], None)?;
        } else {
            for (i, p) in points.iter().enumerate() {
                cfg.resolve_indexed(p, Some(i))?;
            }
        }
        Ok(cfg)
    }

    /// The sweep points in simulation order (docs/configuration.md §6.2;
    /// schemes in [`sweep`]'s docs). Without `[sweep]`: one empty point.
    pub fn sweep_points(&self) -> Result<Vec<BTreeMap<String, f64>>, ConfigError> {
        match &self.sweep {
            None => Ok(vec![BTreeMap::new()]),
            Some(s) => Ok(sweep::expand(s)),
        }
    }

    /// Number of simulations (sweep points).
    pub fn n_sims(&self) -> usize {
        self.sweep.as_ref().map_or(1, sweep::count_points)
    }

    /// Sweep parameter names in `[sweep.params]` file order (empty without a
    /// sweep): the `/params/<name>` datasets.
    pub fn param_names(&self) -> Vec<String> {
        self.sweep
            .as_ref()
            .map(|s| s.params.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    }

    /// Resolve every `"$name"` at `point` and check every value's range.
    pub fn resolve(&self, point: &BTreeMap<String, f64>) -> Result<ResolvedConfig, ConfigError> {
        self.resolve_indexed(point, None)
    }

    fn resolve_indexed(
        &self,
        point: &BTreeMap<String, f64>,
        index: Option<usize>,
    ) -> Result<ResolvedConfig, ConfigError> {
        let r = resolve::Resolver {
            cfg: self,
            point,
            index,
        };
        let simulation = r.simulation(&self.simulation)?;
        r.smoothing(&simulation, &self.summary)?;
        let sim_tstop_ms = simulation.tstop;
        Ok(ResolvedConfig {
            point: point.clone(),
            simulation,
            numerics: self.numerics,
            network: r.network(&self.network)?,
            drives: self
                .drives
                .iter()
                .enumerate()
                .map(|(i, d)| r.drive(i, d, sim_tstop_ms))
                .collect::<Result<_, _>>()?,
            summary: self.summary.clone(),
            output: self.output.clone(),
            parallel: self.parallel.clone(),
        })
    }

    /// An input path as written in the file, made relative to the config
    /// file's directory (absolute paths are kept).
    pub fn input_path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// 1-based (line, column) of a key path, or of its closest enclosing key
    /// that the file spells out (`drives[1].weights_ampa.L2_basket`,
    /// `network.connections[0]`, `sweep.params.w`).
    pub fn locate(&self, key: &str) -> Option<(usize, usize)> {
        parse::locate_offset(&self.locs, key)
    }

    /// Whether the file writes `key` itself (not a default, nor only an
    /// enclosing table): e.g. `output.path`, to tell a user's path from the
    /// default one in messages.
    pub fn spells_out(&self, key: &str) -> bool {
        self.locs.contains_key(key)
    }

    /// A [`ConfigError`] at a key path: for errors found after loading (e.g.
    /// by the network builder: `drives[0].location: L2_basket cells have no
    /// section apical_tuft`).
    pub fn error_at(&self, key: &str, message: impl Into<String>) -> ConfigError {
        let loc = self.locate(key);
        ConfigError {
            file: self.file.clone(),
            line: Some(loc.map_or(1, |l| l.0)),
            column: loc.map(|l| l.1),
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// Refuse sweep references (`"$name"`) in the values that fix the
    /// output file's layout, which is one for the whole sweep and taken from
    /// its first simulation (`output_spec`, the parallel layer's output set-up): `tstop` and `dt` (the
    /// time axis `/times`), `n_trials` (every dataset's shape), `mesh_shape`
    /// and a drive's number of drive cells (`/cells/gid_ranges`, the voltage
    /// traces). [`Config::parse`] accepts them (a library user may resolve
    /// points one by one); a sweep written to one file may not.
    pub fn check_one_file_layout(&self) -> Result<(), ConfigError> {
        let refuse = |key: &str, name: &str, why: &str| {
            Err(self.error_at(
                key,
                format!(
                    "cannot be a sweep parameter (\"${name}\"): every simulation of the output file \
                     must have the same {why}; write one config per value"
                ),
            ))
        };
        let s = &self.simulation;
        for (key, n, why) in [
            (
                "simulation.tstop",
                s.tstop.reference(),
                "tstop (it fixes /times and the dipoles' length)",
            ),
            (
                "simulation.dt",
                s.dt.reference(),
                "dt (it fixes /times and the dipoles' length)",
            ),
            (
                "simulation.n_trials",
                s.n_trials.reference(),
                "n_trials (it fixes the shape [n_sims, n_trials, ...] of every dataset)",
            ),
        ] {
            if let Some(name) = n {
                return refuse(key, name, why);
            }
        }
        for (i, side) in self.network.mesh_shape.iter().enumerate() {
            if let Some(name) = side.reference() {
                return refuse(
                    &format!("network.mesh_shape[{i}]"),
                    name,
                    "mesh_shape (it fixes the cells' gids, /cells/gid_ranges, and the voltage traces)",
                );
            }
        }
        for (i, d) in self.drives.iter().enumerate() {
            let why =
                "number of drive cells of each drive (it fixes their gids, /cells/gid_ranges)";
            if let NDriveCells::Count(c) = &d.n_drive_cells {
                if let Some(name) = c.reference() {
                    return refuse(&format!("drives[{i}].n_drive_cells"), name, why);
                }
            }
            if let DriveKind::SpikeTrain { gids, .. } = &d.kind {
                for (j, g) in gids.iter().enumerate() {
                    if let Some(name) = g.reference() {
                        return refuse(&format!("drives[{i}].gids[{j}]"), name, why);
                    }
                }
            }
        }
        Ok(())
    }

    /// Check that the input files the config names (`hnn_json`,
    /// `params_file`, `[summary] reference`) exist, and read the `[fit]
    /// target` (it must be a dipole covering the comparison window), relative to `base_dir`
    /// ([`Config::from_file`] calls it; call it after [`Config::parse`] when
    /// the text came from elsewhere, e.g. broadcast from rank 0).
    pub fn check_input_files(&self) -> Result<(), ConfigError> {
        let mut files: Vec<(&str, &Path)> = Vec::new();
        if let ModelSource::HnnJson(p) = &self.network.model {
            files.push(("network.hnn_json", p));
        }
        if let Some(p) = &self.network.params_file {
            files.push(("network.params_file", p));
        }
        if let Some(p) = &self.summary.reference {
            files.push(("summary.reference", p));
        }
        self.read_fit_target()?;
        for (key, p) in files {
            let full = self.input_path(p);
            if !full.is_file() {
                return Err(self.error_at(
                    key,
                    format!(
                        "file not found: {} (relative paths are relative to the config file's directory)",
                        full.display()
                    ),
                ));
            }
        }
        Ok(())
    }
}
