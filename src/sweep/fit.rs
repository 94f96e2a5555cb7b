//! A fit's plan (docs/configuration.md §13): a [`SweepPlan`] whose points
//! grow as the search asks for them (point `i` is evaluation `i`, row `i`
//! of the file), the map from the search's unit cube to parameter values,
//! and the objective of a finished simulation, computed on rank 0 with
//! hnn-core's functions ([`crate::analysis::objective`]).

use std::collections::BTreeMap;

use super::plan::SweepPlan;
use super::recordings::sample_times;
use crate::analysis::objective::{anticorr_evoked, maximize_psd, rmse_evoked, Preprocess, Target};
use crate::config::dipole_text::DipoleText;
use crate::config::{Config, ConfigError, Fit, FitObjective};
use crate::output::SimResult;

/// Everything every evaluation of a fit shares.
pub struct FitPlan {
    /// The simulations: its `points` are the evaluations asked so far
    /// (on every rank: rank 0 sends each generation's).
    pub sweep: SweepPlan,
    pub fit: Fit,
    pub objective: ObjectiveFn,
}

impl FitPlan {
    /// Check and plan a config with a `[fit]`: the simulation planned at the
    /// search space's corners (so that config errors surface before
    /// anything is written), the target read.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let fit = config.fit.clone().expect("a config with [fit]");
        let target = config.read_fit_target()?;
        let sweep = SweepPlan::with_points(config, fit.check_points())?;
        let first = sweep.config.resolve(&sweep.points[0])?;
        let s = &first.simulation;
        let objective = ObjectiveFn {
            kind: fit.objective,
            times_ms: sample_times(s.tstop, s.dt),
            target,
            preprocess: Preprocess {
                scale_factor: fit.scale_factor,
                smooth_window_ms: fit.smooth_window_ms,
            },
            tstart_ms: fit.tstart_ms,
            tstop_ms: fit.tstop_ms.unwrap_or(s.tstop),
            f_bands_hz: fit.f_bands.clone(),
            relative_bandpower: fit.relative_bandpower.clone(),
        };
        // The corners stay as points 0..3 until evaluations replace them:
        // the file's layout is planned from point 0.
        Ok(FitPlan {
            sweep,
            fit,
            objective,
        })
    }

    /// `[fit.params]` names, in file order (the order of a point's values).
    pub fn names(&self) -> Vec<String> {
        self.fit.param_names()
    }

    /// The parameter values at a point of the search's unit cube.
    pub fn values(&self, x: &[f64]) -> Vec<f64> {
        self.fit
            .params
            .iter()
            .zip(x)
            .map(|(p, &x)| p.value_at(x))
            .collect()
    }

    /// The sweep point of `values` (in [`Self::names`] order): what a
    /// simulation resolves `$name` references at.
    pub fn point(fit: &Fit, values: &[f64]) -> BTreeMap<String, f64> {
        fit.params
            .iter()
            .zip(values)
            .map(|(p, &v)| (p.name.clone(), v))
            .collect()
    }

    /// Sets evaluation `index` of `sweep` to `values`.
    pub fn set_point(sweep: &mut SweepPlan, fit: &Fit, index: usize, values: &[f64]) {
        if sweep.points.len() <= index {
            sweep.points.resize(index + 1, BTreeMap::new());
        }
        sweep.points[index] = Self::point(fit, values);
    }
}

/// A fit's objective function with its fixed arguments (hnn-core's
/// `obj_fun` and `obj_fun_kwargs`).
pub struct ObjectiveFn {
    pub kind: FitObjective,
    /// The simulation's sample times, ms.
    pub times_ms: Vec<f64>,
    /// `[fit] target` (the dipole objectives).
    pub target: Option<DipoleText>,
    pub preprocess: Preprocess,
    pub tstart_ms: f64,
    pub tstop_ms: f64,
    pub f_bands_hz: Vec<(f64, f64)>,
    pub relative_bandpower: Vec<f64>,
}

impl ObjectiveFn {
    /// The objective of a finished simulation; `Err` with why it has none
    /// (a failed simulation, an objective hnn-core could not compute): the
    /// search is then told +inf.
    pub fn evaluate(&self, r: &SimResult) -> Result<f64, String> {
        if let Some(e) = &r.error {
            return Err(format!("the simulation failed: {e}"));
        }
        let trials: Vec<Vec<f64>> = r
            .dipoles
            .as_ref()
            .map(|d| d.iter().map(|t| t[0].clone()).collect())
            .unwrap_or_default();
        let target = || {
            let t = self
                .target
                .as_ref()
                .expect("checked: the objective has a target");
            Target {
                times_ms: &t.times_ms,
                agg: &t.agg,
            }
        };
        let value = match self.kind {
            FitObjective::DipoleRmse => rmse_evoked(
                &self.times_ms,
                &trials,
                target(),
                &self.preprocess,
                self.tstart_ms,
                self.tstop_ms,
            ),
            FitObjective::DipoleCorr => anticorr_evoked(
                &self.times_ms,
                &trials,
                target(),
                &self.preprocess,
                self.tstart_ms,
                self.tstop_ms,
            ),
            FitObjective::MaximizePsd => match trials.first() {
                Some(first) => maximize_psd(
                    &self.times_ms,
                    first,
                    &self.preprocess,
                    &self.f_bands_hz,
                    &self.relative_bandpower,
                ),
                None => Err(crate::analysis::objective::ObjectiveError::NoTrials),
            },
        };
        match value {
            Ok(v) if v.is_nan() => Err("the objective is NaN".into()),
            Ok(v) => Ok(v),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FitParam, Solver};

    fn fit() -> Fit {
        Fit {
            solver: Solver::Cma,
            objective: FitObjective::DipoleRmse,
            target: None,
            scale_factor: None,
            smooth_window_ms: None,
            tstart_ms: 0.0,
            tstop_ms: None,
            f_bands: Vec::new(),
            relative_bandpower: Vec::new(),
            max_evaluations: 32,
            popsize: 16,
            sigma0: 0.25,
            tolfun: 0.01,
            seed: 1,
            params: vec![
                FitParam {
                    name: "mu".into(),
                    low: 10.0,
                    high: 30.0,
                    log: false,
                },
                FitParam {
                    name: "w".into(),
                    low: 1e-3,
                    high: 1e-1,
                    log: true,
                },
            ],
        }
    }

    #[test]
    fn the_unit_cube_maps_linearly_or_in_log10_space_clamped() {
        let f = fit();
        let v = |x: &[f64]| -> Vec<f64> {
            f.params
                .iter()
                .zip(x)
                .map(|(p, &x)| p.value_at(x))
                .collect()
        };
        assert_eq!(v(&[0.0, 0.0]), vec![10.0, 1e-3]);
        assert_eq!(v(&[0.25, 0.5])[0], 15.0);
        assert!((v(&[0.25, 0.5])[1] - 1e-2).abs() < 1e-17);
        // a point rounded just outside the cube stays in the ranges
        assert_eq!(v(&[-1e-12, 1.0 + 1e-12]), vec![10.0, 10f64.powf(-1.0)]);
        let p = FitPlan::point(&f, &[12.0, 0.5]);
        assert_eq!(p["mu"], 12.0);
        assert_eq!(p["w"], 0.5);
    }

    #[test]
    fn a_failed_simulation_has_no_objective() {
        let f = ObjectiveFn {
            kind: FitObjective::DipoleRmse,
            times_ms: vec![0.0, 1.0],
            target: None,
            preprocess: Preprocess::default(),
            tstart_ms: 0.0,
            tstop_ms: 1.0,
            f_bands_hz: Vec::new(),
            relative_bandpower: Vec::new(),
        };
        let e = f.evaluate(&SimResult::failed(3, "diverged")).unwrap_err();
        assert!(e.contains("diverged"), "{e}");
    }
}
