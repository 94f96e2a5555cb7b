//! One simulation's results accumulated trial by trial into the record the
//! output file stores: voltages, synaptic currents and calcium in single
//! precision, dipoles renormalised
//! and smoothed as hnn-core does (`hnn_core.dipole`), summary statistics,
//! spikes.

use super::failure::SimFailure;
use super::plan::SweepPlan;
use crate::analysis::dipole::{renormalize_to_nam, smooth};
use crate::analysis::objective::band_powers;
use crate::analysis::stats;
use crate::config::{ResolvedConfig, SaveItem, Stat};
use crate::engine::network_sim::{TrialResult, VsecMode};
use crate::network::description::NetworkDescription;
use crate::output::SimResult;

/// One simulation's results, trial by trial, as the output file stores
/// them.
pub(super) struct Accumulator {
    vsec: Vec<Vec<Vec<f32>>>,
    isec: Vec<Vec<Vec<f32>>>,
    ca: Vec<Vec<Vec<f32>>>,
    /// `[array][trial]`: contacts one after the other, µV.
    lfp: Vec<Vec<Vec<f64>>>,
    dipoles: Vec<[Vec<f64>; 3]>,
    spikes: Vec<(Vec<f64>, Vec<i64>)>,
    summary: Vec<Vec<f64>>,
}

impl Accumulator {
    pub(super) fn new(plan: &SweepPlan, n_trials: usize) -> Self {
        Accumulator {
            vsec: vec![Vec::with_capacity(n_trials); plan.vsec.len()],
            isec: vec![Vec::with_capacity(n_trials); plan.isec.len()],
            ca: vec![Vec::with_capacity(n_trials); plan.ca.len()],
            lfp: vec![Vec::with_capacity(n_trials); plan.lfp.len()],
            dipoles: Vec::with_capacity(n_trials),
            spikes: Vec::with_capacity(n_trials),
            summary: vec![Vec::with_capacity(n_trials); plan.stat_names.len()],
        }
    }

    pub(super) fn finish(self, sim: usize) -> SimResult {
        SimResult {
            sim,
            dipoles: Some(self.dipoles),
            summary: self.summary,
            spikes: self.spikes,
            vsec: self.vsec,
            isec: self.isec,
            ca: self.ca,
            lfp: self.lfp,
            error: None,
        }
    }

    /// Post-process one trial as hnn-core does (dipole renormalisation,
    /// smoothing, statistics) and keep what the file stores.
    pub(super) fn absorb(
        &mut self,
        plan: &SweepPlan,
        cfg: &ResolvedConfig,
        net: &NetworkDescription,
        trial: usize,
        mut result: TrialResult,
    ) -> Result<(), SimFailure> {
        let s = &cfg.simulation;
        let n_pyr = net.mesh_shape.0 * net.mesh_shape.1;
        // Recordings to single precision as soon as the trial ends (a trial
        // of vsec_all or isec_all on a large network is large).
        let vsec = std::mem::take(&mut result.vsec);
        for (k, (mode, spec)) in plan.vsec.iter().enumerate() {
            let traces = vsec.iter().map(|t| (t.gid, &t.section, "", &t.v_mv[..]));
            let expected = |n: usize| Some((*spec.gids.get(n)?, &spec.sections[n], ""));
            let n = spec.n_traces();
            let flat = to_f32(traces, *mode, expected, n, &format!("vsec/{}", spec.name))?;
            self.vsec[k].push(flat);
        }
        let isec = std::mem::take(&mut result.isec);
        for (k, (mode, spec)) in plan.isec.iter().enumerate() {
            let traces = isec
                .iter()
                .map(|t| (t.gid, &t.section, t.receptor.as_str(), &t.i_na[..]));
            let expected = |n: usize| {
                let receptor = spec.receptors[n].as_str();
                Some((*spec.gids.get(n)?, &spec.sections[n], receptor))
            };
            let n = spec.n_traces();
            let flat = to_f32(traces, *mode, expected, n, &format!("isec/{}", spec.name))?;
            self.isec[k].push(flat);
        }
        let ca = std::mem::take(&mut result.ca);
        for (k, (mode, spec)) in plan.ca.iter().enumerate() {
            let traces = ca.iter().map(|t| (t.gid, &t.section, "", &t.cai_mm[..]));
            let expected = |n: usize| Some((*spec.gids.get(n)?, &spec.sections[n], ""));
            let n = spec.n_traces();
            let flat = to_f32(traces, *mode, expected, n, &format!("ca/{}", spec.name))?;
            self.ca[k].push(flat);
        }
        let arrays = std::mem::take(&mut result.lfp);
        if arrays.len() != plan.lfp.len() {
            return Err(SimFailure::LfpLayout);
        }
        for ((spec, lfp), out) in plan.lfp.iter().zip(arrays).zip(&mut self.lfp) {
            if lfp.name != spec.name || lfp.contacts_uv.len() != spec.n_contacts() {
                return Err(SimFailure::LfpLayout);
            }
            out.push(lfp.contacts_uv.concat());
        }
        let layer = |name: &str| {
            result
                .raw_dipoles_fam
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, d)| d.clone())
                .unwrap_or_else(|| vec![0.0; result.times.len()])
        };
        let d = renormalize_to_nam(
            &result.times,
            &layer("L2_pyramidal"),
            &layer("L5_pyramidal"),
            n_pyr,
        );
        if let Some(i) = d.agg.iter().position(|x| !x.is_finite()) {
            return Err(SimFailure::Diverged {
                trial,
                t_ms: result.times[i],
            });
        }
        let sfreq = 1000.0 / (result.times[1] - result.times[0]);
        let processed = match cfg.summary.smooth_window_ms {
            Some(w) => smooth(&d.agg, w, sfreq).map_err(SimFailure::Smoothing)?,
            None => d.agg.clone(),
        };
        // Each statistic fills its datasets in `Summary::dataset_names`
        // order (band_power: every band's absolute, then relative power).
        let mut k = 0;
        for stat in &plan.config.summary.stats {
            let values = match stat {
                Stat::DipoleMin => vec![stats::dipole_min(&processed)],
                Stat::DipoleMax => vec![stats::dipole_max(&processed)],
                Stat::DipolePeakToPeak => vec![stats::dipole_peak_to_peak(&processed)],
                Stat::DipoleRms => vec![stats::dipole_rms(&processed)],
                Stat::DipoleRmse => vec![stats::dipole_rmse(
                    &result.times,
                    &processed,
                    plan.reference.as_ref().expect("checked by the config"),
                )],
                Stat::Rate(cell_type) => {
                    let (a, b) = net
                        .gid_range(cell_type)
                        .ok_or_else(|| SimFailure::NoCellType(cell_type.clone()))?;
                    let n = result
                        .spike_gids
                        .iter()
                        .filter(|g| (a..b).contains(*g))
                        .count();
                    vec![stats::rate_hz(n, b - a, s.tstop)]
                }
                Stat::BandPower => {
                    let bp = band_powers(&processed, sfreq, &cfg.summary.f_bands);
                    let absolute = bp.iter().map(|b| b.absolute);
                    absolute.chain(bp.iter().map(|b| b.relative)).collect()
                }
            };
            for v in values {
                self.summary[k].push(v);
                k += 1;
            }
        }
        if cfg.output.save.contains(&SaveItem::Spikes) {
            self.spikes.push((
                result.spike_times.clone(),
                result.spike_gids.iter().map(|&g| g as i64).collect(),
            ));
        }
        self.dipoles.push([d.agg, d.l2, d.l5]);
        Ok(())
    }
}

/// One recording of a trial in single precision, trace after trace: the
/// engine's traces (`(gid, section, receptor, samples)`, every recorded
/// section), those of `mode` (the somata alone for `Soma`), checked against
/// the file's layout (`expected(n)`, `n_expected` traces) of `dataset`.
fn to_f32<'a>(
    traces: impl Iterator<Item = (usize, &'a String, &'a str, &'a [f64])>,
    mode: VsecMode,
    expected: impl Fn(usize) -> Option<(usize, &'a String, &'a str)>,
    n_expected: usize,
    dataset: &str,
) -> Result<Vec<f32>, SimFailure> {
    let mut flat = Vec::new();
    let mut n = 0;
    for (gid, section, receptor, samples) in traces {
        if mode == VsecMode::Soma && section != "soma" {
            continue;
        }
        if expected(n) != Some((gid, section, receptor)) {
            return Err(SimFailure::TraceLayout {
                gid,
                section: section.clone(),
                dataset: dataset.to_string(),
            });
        }
        if n == 0 {
            flat.reserve(n_expected * samples.len());
        }
        flat.extend(samples.iter().map(|&v| v as f32));
        n += 1;
    }
    if n != n_expected {
        return Err(SimFailure::TraceCount {
            n,
            dataset: dataset.to_string(),
            expected: n_expected,
        });
    }
    Ok(flat)
}
