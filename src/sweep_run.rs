//! One simulation of a sweep, from its config point to the record the
//! output file stores: build the network, run every trial, post-process the
//! dipoles as hnn-core does, compute the summary statistics. Deterministic:
//! the same point gives the same record on any rank.

use std::collections::BTreeMap;

use crate::analysis::dipole::{renormalize_to_nam, smooth};
use crate::analysis::stats::{self, ReferenceDipole};
use crate::config::{Config, ConfigError, ResolvedConfig, SaveItem, Stat};
use crate::engine::network_sim::{NetworkSimulation, SimGroup, VsecMode};
use crate::network::description::NetworkDescription;
use crate::network::from_config::build_network;
use crate::output::{SimResult, VsecSpec};

/// Everything every simulation of a sweep shares.
pub struct SweepPlan {
    pub config: Config,
    /// Sweep points in simulation order.
    pub points: Vec<BTreeMap<String, f64>>,
    pub stat_names: Vec<String>,
    pub reference: Option<ReferenceDipole>,
    /// The voltage recordings `[output] save` asks for (`/vsec/soma`, then
    /// `/vsec/all`), with their traces in the first point's network.
    pub vsec: Vec<(VsecMode, VsecSpec)>,
}

impl SweepPlan {
    /// Read, check and expand a config; resolve every point (range checks)
    /// and build the first network, so that config errors surface before
    /// anything is written.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let points = config.sweep_points()?;
        for p in &points {
            config.resolve(p)?;
        }
        let first = config.resolve(&points[0])?;
        let first_net = build_network(&first, &config)?;
        let vsec = vsec_modes(&config.output.save)
            .into_iter()
            .map(|(mode, name)| {
                let (gids, sections) = vsec_index(&first_net, mode).into_iter().unzip();
                (
                    mode,
                    VsecSpec {
                        name: name.to_string(),
                        gids,
                        sections,
                    },
                )
            })
            .collect();
        let reference = match &config.summary.reference {
            Some(p) => Some(
                ReferenceDipole::read(&config.input_path(p))
                    .map_err(|e| config.error_at("summary.reference", e))?,
            ),
            None => None,
        };
        let stat_names = config.summary.stats.iter().map(Stat::name).collect();
        Ok(SweepPlan {
            config,
            points,
            stat_names,
            reference,
            vsec,
        })
    }

    pub fn n_sims(&self) -> usize {
        self.points.len()
    }

    /// The first point's network (for gid ranges and sizes).
    pub fn first_network(&self) -> NetworkDescription {
        let cfg = self
            .config
            .resolve(&self.points[0])
            .expect("checked in new");
        build_network(&cfg, &self.config).expect("checked in new")
    }

    /// Run simulation `sim`, alone (`group` None) or with a group of ranks
    /// sharing it (every rank of the group calls this; the group's first
    /// rank gets the result). `poll(t_ms)` is called every few milliseconds
    /// of simulation work. A failure of the simulation itself (an error of
    /// this point's network, non-finite values) is recorded in the result.
    pub fn simulate(
        &self,
        sim: usize,
        group: Option<&dyn SimGroup>,
        poll: &mut dyn FnMut(f64),
    ) -> SimResult {
        match self.try_simulate(sim, group, poll) {
            Ok(r) => r,
            Err(message) => SimResult::failed(sim, message),
        }
    }

    fn try_simulate(
        &self,
        sim: usize,
        group: Option<&dyn SimGroup>,
        poll: &mut dyn FnMut(f64),
    ) -> Result<SimResult, String> {
        let leader = group.is_none_or(|g| g.rank() == 0);
        let cfg: ResolvedConfig = self
            .config
            .resolve(&self.points[sim])
            .map_err(|e| e.to_string())?;
        let net = build_network(&cfg, &self.config).map_err(|e| e.to_string())?;
        let s = &cfg.simulation;
        let n_pyr = net.mesh_shape.0 * net.mesh_shape.1;
        let save_spikes = cfg.output.save.contains(&SaveItem::Spikes);
        // Record every section if any recording needs them; the somata are
        // then a subset.
        let record = self
            .vsec
            .iter()
            .map(|v| v.0)
            .max_by_key(|m| *m == VsecMode::All);
        let mut vsec: Vec<Vec<Vec<f32>>> = vec![Vec::with_capacity(s.n_trials); self.vsec.len()];
        let mut dipoles = Vec::with_capacity(s.n_trials);
        let mut spikes = Vec::with_capacity(s.n_trials);
        let mut summary = vec![Vec::with_capacity(s.n_trials); self.stat_names.len()];
        for trial in 0..s.n_trials {
            let mut result = NetworkSimulation::new_in_group(&net, trial, s.tstop, s.dt, group)
                .record_vsec(record)
                .run_polling(poll);
            if !leader {
                continue;
            }
            // Voltages to single precision as soon as the trial ends (a
            // trial of vsec_all on a large network is large).
            let traces = std::mem::take(&mut result.vsec);
            for (k, (mode, spec)) in self.vsec.iter().enumerate() {
                let mut flat = Vec::with_capacity(spec.n_traces() * result.times.len());
                let mut n = 0;
                for t in traces
                    .iter()
                    .filter(|t| *mode == VsecMode::All || t.section == "soma")
                {
                    if spec.gids.get(n) != Some(&t.gid) || spec.sections[n] != t.section {
                        return Err(format!(
                            "the recorded voltages (cell {} {}) do not match the output file's \
                             /vsec/{} layout (from the first simulation's network)",
                            t.gid, t.section, spec.name
                        ));
                    }
                    flat.extend(t.v_mv.iter().map(|&v| v as f32));
                    n += 1;
                }
                if n != spec.n_traces() {
                    return Err(format!(
                        "{n} voltage traces, the output file's /vsec/{} has {}",
                        spec.name,
                        spec.n_traces()
                    ));
                }
                vsec[k].push(flat);
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
                return Err(format!(
                    "trial {trial}: non-finite dipole at t = {} ms (the network diverged)",
                    result.times[i]
                ));
            }
            let sfreq = 1000.0 / (result.times[1] - result.times[0]);
            let processed = match cfg.summary.smooth_window_ms {
                Some(w) => smooth(&d.agg, w, sfreq)?,
                None => d.agg.clone(),
            };
            for (k, stat) in self.config.summary.stats.iter().enumerate() {
                let value = match stat {
                    Stat::DipoleMin => stats::dipole_min(&processed),
                    Stat::DipoleMax => stats::dipole_max(&processed),
                    Stat::DipolePeakToPeak => stats::dipole_peak_to_peak(&processed),
                    Stat::DipoleRms => stats::dipole_rms(&processed),
                    Stat::DipoleRmse => stats::dipole_rmse(
                        &result.times,
                        &processed,
                        self.reference.as_ref().expect("checked by the config"),
                    ),
                    Stat::Rate(cell_type) => {
                        let (a, b) = net
                            .gid_range(cell_type)
                            .ok_or_else(|| format!("no cell type {cell_type}"))?;
                        let n = result
                            .spike_gids
                            .iter()
                            .filter(|g| (a..b).contains(*g))
                            .count();
                        stats::rate_hz(n, b - a, s.tstop)
                    }
                };
                summary[k].push(value);
            }
            if save_spikes {
                spikes.push((
                    result.spike_times.clone(),
                    result.spike_gids.iter().map(|&g| g as i64).collect(),
                ));
            }
            dipoles.push([d.agg, d.l2, d.l5]);
        }
        Ok(SimResult {
            sim,
            dipoles: Some(dipoles),
            summary,
            spikes,
            vsec,
            error: None,
        })
    }
}

/// The voltage recordings of `[output] save`, in the file's order, with
/// their dataset names.
pub fn vsec_modes(save: &[SaveItem]) -> Vec<(VsecMode, &'static str)> {
    let mut out = Vec::new();
    if save.contains(&SaveItem::VsecSoma) {
        out.push((VsecMode::Soma, "soma"));
    }
    if save.contains(&SaveItem::VsecAll) {
        out.push((VsecMode::All, "all"));
    }
    out
}

/// (gid, section) of every voltage trace of a recording, in the order the
/// engine returns them: cells (drive cells have none) in gid order, the
/// sections of each in its cell type's section order.
pub fn vsec_index(net: &NetworkDescription, mode: VsecMode) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for p in &net.populations {
        for gid in p.gid_start..p.gid_start + p.positions.len() {
            for sec in &p.template.sections {
                if mode == VsecMode::All || sec.name == "soma" {
                    out.push((gid, sec.name.clone()));
                }
            }
        }
    }
    out.sort_by_key(|x| x.0); // stable: section order within a cell
    out
}

/// NEURON's recorded sample times for `tstop`/`dt`: t accumulated in half
/// steps, as [`crate::engine::simulator::Simulator`] does.
pub fn sample_times(tstop_ms: f64, dt_ms: f64) -> Vec<f64> {
    let n = (tstop_ms / dt_ms).round() as usize;
    let mut t = 0.0;
    let mut out = Vec::with_capacity(n + 1);
    out.push(t);
    for _ in 0..n {
        t += 0.5 * dt_ms;
        t += 0.5 * dt_ms;
        out.push(t);
    }
    out
}
