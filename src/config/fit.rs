//! `[fit]` (docs/configuration.md §13): a parameter search with hnn-core's
//! `Optimizer` names (solvers, objectives, `obj_fun_kwargs`), its search
//! space `[fit.params]`, and the checks that need more than one table: the
//! values at the search space's corners, the comparison window against the
//! simulation, and the target file.

use std::collections::BTreeMap;

use super::dipole_text::{read_dipole_text, DipoleText};
use super::{Config, ConfigError};

/// hnn-core `Optimizer(solver=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Solver {
    /// CMA-ES (pycma's `CMAEvolutionStrategy`), a population per generation.
    Cma,
    /// scipy's `fmin_cobyla`, one evaluation at a time.
    Cobyla,
    /// hnn-core's Gaussian-process `bayes_opt`.
    Bayesian,
}

impl Solver {
    pub const NAMES: [&'static str; 3] = ["cma", "cobyla", "bayesian"];

    pub fn as_str(self) -> &'static str {
        match self {
            Solver::Cma => "cma",
            Solver::Cobyla => "cobyla",
            Solver::Bayesian => "bayesian",
        }
    }

    pub fn from_name(s: &str) -> Option<Solver> {
        [Solver::Cma, Solver::Cobyla, Solver::Bayesian]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// hnn-core `Optimizer(obj_fun=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FitObjective {
    /// `_rmse_evoked`: RMSE of the trial-averaged dipole against the target.
    DipoleRmse,
    /// `_anticorr_evoked`: 1 - correlation with the target.
    DipoleCorr,
    /// `_maximize_psd`: minus the weighted relative power of `f_bands`.
    MaximizePsd,
}

impl FitObjective {
    pub const NAMES: [&'static str; 3] = ["dipole_rmse", "dipole_corr", "maximize_psd"];

    pub fn as_str(self) -> &'static str {
        match self {
            FitObjective::DipoleRmse => "dipole_rmse",
            FitObjective::DipoleCorr => "dipole_corr",
            FitObjective::MaximizePsd => "maximize_psd",
        }
    }

    pub fn from_name(s: &str) -> Option<FitObjective> {
        [
            FitObjective::DipoleRmse,
            FitObjective::DipoleCorr,
            FitObjective::MaximizePsd,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// Whether the objective compares with a target dipole.
    pub fn needs_target(self) -> bool {
        self != FitObjective::MaximizePsd
    }
}

/// One `[fit.params]` entry: hnn-core's `constraints[name] = (low, high)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FitParam {
    pub name: String,
    /// `low < high`; `low > 0` with `log`.
    pub low: f64,
    pub high: f64,
    /// Searched in log10 space (an extension: hnn-core searches linearly).
    pub log: bool,
}

impl FitParam {
    /// The value at fraction `x` of the range (in log10 space with `log`),
    /// as a sweep's `{ low, high, log }` maps its draws; `x` is clamped to
    /// [0, 1] (a search's point on the cube's face may round just outside).
    pub fn value_at(&self, x: f64) -> f64 {
        super::sweep::map_range(self.low, self.high, self.log, x.clamp(0.0, 1.0))
    }

    /// hnn-core's initial value (`_get_initial_params`): the middle of the
    /// range (in log10 space with `log`).
    pub fn midpoint(&self) -> f64 {
        if self.log {
            10f64.powf((self.low.log10() + self.high.log10()) / 2.0)
        } else {
            (self.low + self.high) / 2.0
        }
    }
}

/// `[fit]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub solver: Solver,
    pub objective: FitObjective,
    /// hnn-core's dipole text file, path as written (relative to the config
    /// file); required by `dipole_rmse` and `dipole_corr`, refused otherwise.
    pub target: Option<std::path::PathBuf>,
    /// `Dipole.scale` factor before the comparison; finite, not 0.
    pub scale_factor: Option<f64>,
    /// `Dipole.smooth` window, ms; >= 1 and at most the simulation.
    pub smooth_window_ms: Option<f64>,
    /// Comparison window, ms (`_rmse(..., tstart, tstop)`): default 0 and
    /// the simulation's tstop; `0 <= tstart < tstop <= simulation tstop`.
    pub tstart_ms: f64,
    pub tstop_ms: Option<f64>,
    /// `maximize_psd` only (required there): bands `[low, high]`, Hz.
    pub f_bands: Vec<(f64, f64)>,
    /// `maximize_psd` only: one weight per band (a number in the file is
    /// repeated for every band, as hnn-core does). Default 1 for each.
    pub relative_bandpower: Vec<f64>,
    /// Simulations in all, >= 1 (cma: >= `popsize`). hnn-core's `max_iter`
    /// for cobyla and bayesian; for cma hnn-core's `max_iter` counts
    /// generations (pycma's `maxiter`), `popsize` simulations each.
    pub max_evaluations: usize,
    /// cma: population per generation (hnn-core's default 16), >= 2.
    pub popsize: usize,
    /// cma: initial step, a fraction of each range (hnn-core's 0.25), > 0.
    pub sigma0: f64,
    /// cma: pycma's `tolfun` stop (hnn-core's 0.01), >= 0.
    pub tolfun: f64,
    /// Seed of the search (hnn-core's 123).
    pub seed: u64,
    /// The search space, in file order; at least one.
    pub params: Vec<FitParam>,
}

impl Fit {
    /// Parameter names in `[fit.params]` file order.
    pub fn param_names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.clone()).collect()
    }

    /// The points at which a fit's config is checked before it runs: the
    /// starting point (every midpoint), every lower and every upper bound.
    pub fn check_points(&self) -> Vec<BTreeMap<String, f64>> {
        let at = |f: &dyn Fn(&FitParam) -> f64| -> BTreeMap<String, f64> {
            self.params.iter().map(|p| (p.name.clone(), f(p))).collect()
        };
        vec![at(&|p| p.midpoint()), at(&|p| p.low), at(&|p| p.high)]
    }
}

/// The fit's checks that need the resolved simulation (the comparison and
/// smoothing windows) and the target file; `Config::parse` and
/// `Config::check_input_files` call them.
impl Config {
    /// The comparison window and smoothing window against the simulation's
    /// `tstop` and `dt` (literal in a fit: `check_one_file_layout`).
    pub(super) fn check_fit_windows(&self, tstop_ms: f64, dt_ms: f64) -> Result<(), ConfigError> {
        let Some(fit) = &self.fit else { return Ok(()) };
        let stop = fit.tstop_ms.unwrap_or(tstop_ms);
        if stop > tstop_ms {
            return Err(self.error_at(
                "fit.tstop",
                format!("must be <= [simulation] tstop = {tstop_ms} ms (got {stop})"),
            ));
        }
        if fit.tstart_ms >= stop {
            return Err(self.error_at(
                "fit.tstart",
                format!(
                    "must be < the window's end, {stop} ms (got {})",
                    fit.tstart_ms
                ),
            ));
        }
        if let Some(w) = fit.smooth_window_ms {
            let n_samples = (tstop_ms / dt_ms).round() as usize + 1;
            let window = crate::compat::numpy_round::window_samples(w, 1000.0 / dt_ms);
            if w < 1.0 || window > n_samples {
                return Err(self.error_at(
                    "fit.smooth_window_ms",
                    format!(
                        "must be at least 1 ms (hnn-core's smooth) and at most the simulation \
                         ({n_samples} samples of {dt_ms} ms); got {w} ms, {window} samples"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Read the `[fit] target` file and check that it covers the comparison
    /// window (hnn-core would silently shorten the window to the file).
    pub fn read_fit_target(&self) -> Result<Option<DipoleText>, ConfigError> {
        let Some(fit) = &self.fit else {
            return Ok(None);
        };
        let Some(p) = &fit.target else {
            return Ok(None);
        };
        let full = self.input_path(p);
        if !full.is_file() {
            return Err(self.error_at(
                "fit.target",
                format!(
                    "file not found: {} (relative paths are relative to the config file's directory)",
                    full.display()
                ),
            ));
        }
        let d = read_dipole_text(&full).map_err(|e| self.error_at("fit.target", e.to_string()))?;
        let tstop_ms = match (&fit.tstop_ms, &self.simulation.tstop) {
            (Some(t), _) => *t,
            (None, super::Num::Value(t)) => *t,
            (None, super::Num::Ref(_)) => return Ok(Some(d)),
        };
        let (first, last) = (d.times_ms[0], d.times_ms[d.times_ms.len() - 1]);
        let half_step = (d.times_ms[1] - d.times_ms[0]) / 2.0;
        if last < tstop_ms - half_step || first > fit.tstart_ms + half_step {
            return Err(self.error_at(
                "fit.target",
                format!(
                    "{} covers {first} to {last} ms, shorter than the comparison window \
                     {} to {tstop_ms} ms (set [fit] tstart / tstop to compare a part)",
                    full.display(),
                    fit.tstart_ms
                ),
            ));
        }
        Ok(Some(d))
    }
}
