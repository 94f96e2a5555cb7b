//! One simulation of a sweep, from its config point to the record the
//! output file stores: build the network, run every trial, post-process the
//! dipoles as hnn-core does, compute the summary statistics. Deterministic:
//! the same point gives the same record on any rank.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::analysis::dipole::{renormalize_to_nam, smooth};
use crate::analysis::stats::{self, ReferenceDipole};
use crate::config::{Config, ConfigError, ResolvedConfig, SaveItem, Stat};
use crate::engine::network_sim::{
    batchable, Abandoned, NetworkSimulation, SimGroup, TrialResult, VsecMode,
};
use crate::estimate::{self, MemoryLimit, RunEstimate};
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
    /// The first point's network's `(type, first gid, end gid)` ranges
    /// (`/cells/gid_ranges`).
    pub gid_ranges: Vec<(String, usize, usize)>,
    /// How many simulations one rank integrates together in a batch
    /// ([`Self::simulate_batch`]), from the first point's network: enough
    /// that each cell type has about [`BATCH_CELLS`] cells (small
    /// networks), one for large networks.
    pub batch_capacity: usize,
    /// Memory, output size and work of the run (checked against the
    /// machine before anything runs; printed by `--dry-run`).
    pub estimate: RunEstimate,
}

impl SweepPlan {
    /// Read, check and expand a config; resolve every point (range checks)
    /// and build the first network, so that config errors surface before
    /// anything is written; refuse a run that cannot fit
    /// ([`crate::estimate`]) before anything large is allocated.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        config.check_one_file_layout()?;
        let points = config.sweep_points()?;
        let limit = MemoryLimit::of_this_machine();
        let first = config.resolve(&points[0])?;
        estimate::check_planned_network(&first, &config, Some(&limit))?;
        let first_net = build_network(&first, &config)?;
        let vsec: Vec<(VsecMode, VsecSpec)> = vsec_modes(&config.output.save)
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
            Some(p) => {
                let r = ReferenceDipole::read(&config.input_path(p))
                    .and_then(|r| r.check_overlap(first.simulation.tstop).map(|()| r))
                    .map_err(|e| config.error_at("summary.reference", e))?;
                Some(r)
            }
            None => None,
        };
        let stat_names = config.summary.stats.iter().map(Stat::name).collect();
        let n_traces = vsec.iter().map(|(_, v)| v.gids.len()).sum();
        // resolves (and so range-checks) every point
        let estimate =
            estimate::estimate_run(&config, &points, &first_net, n_traces, Some(&limit))?;
        Ok(SweepPlan {
            config,
            points,
            stat_names,
            reference,
            vsec,
            gid_ranges: first_net.gid_ranges(),
            batch_capacity: batch_capacity(&first_net),
            estimate,
        })
    }

    pub fn n_sims(&self) -> usize {
        self.points.len()
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
        self.simulate_until(sim, group, &mut go_on(poll))
            .expect("a hook that never breaks")
    }

    /// [`Self::simulate`], abandoned (`Err`) as soon as `poll` breaks (in a
    /// group: any rank's `poll`; every rank of the group returns `Err`).
    pub fn simulate_until(
        &self,
        sim: usize,
        group: Option<&dyn SimGroup>,
        poll: &mut dyn FnMut(f64) -> ControlFlow<()>,
    ) -> Result<SimResult, Abandoned> {
        fault_point(1);
        let leader = group.is_none_or(|g| g.rank() == 0);
        let (cfg, net) = match self.build(sim) {
            Ok(x) => x,
            Err(message) => return Ok(SimResult::failed(sim, message)),
        };
        let s = &cfg.simulation;
        let mut acc = Accumulator::new(self, s.n_trials);
        let mut failure = None;
        for trial in 0..s.n_trials {
            let result = NetworkSimulation::new_in_group(&net, trial, s.tstop, s.dt, group)
                .record_vsec(self.record_mode())
                .run_batch_until(poll)?
                .pop()
                .expect("one result");
            if leader && failure.is_none() {
                failure = acc.absorb(self, &cfg, &net, trial, result).err();
            }
            // A group's other ranks run every trial: the group's first rank
            // runs them too, or they would wait for it forever.
            if failure.is_some() && group.is_none() {
                break;
            }
        }
        Ok(match failure {
            Some(message) => SimResult::failed(sim, message),
            None => acc.finish(sim),
        })
    }

    /// Run simulations `sims` on this rank alone, integrating those whose
    /// networks share cell templates and time grid together
    /// ([`NetworkSimulation::new_batch`]): the results are those of
    /// [`Self::simulate`] bit for bit, in the order of `sims`. A failing
    /// simulation fails alone.
    pub fn simulate_batch(&self, sims: &[usize], poll: &mut dyn FnMut(f64)) -> Vec<SimResult> {
        let (results, abandoned) = self.simulate_batch_until(sims, &mut go_on(poll));
        assert!(abandoned.is_none(), "a hook that never breaks");
        results
    }

    /// [`Self::simulate_batch`], stopped as soon as `poll` breaks: the
    /// results of the simulations that finished (in the order of `sims`)
    /// and, if it broke, where. The others are abandoned (no result).
    pub fn simulate_batch_until(
        &self,
        sims: &[usize],
        poll: &mut dyn FnMut(f64) -> ControlFlow<()>,
    ) -> (Vec<SimResult>, Option<Abandoned>) {
        fault_point(sims.len());
        let mut out: Vec<Option<SimResult>> = sims.iter().map(|_| None).collect();
        let finished = |out: Vec<Option<SimResult>>| out.into_iter().flatten().collect();
        // (index in sims, config, network, results so far, failure)
        let mut built = Vec::new();
        for (i, &sim) in sims.iter().enumerate() {
            // Building many networks takes a while too.
            if poll(0.0).is_break() {
                return (finished(out), Some(Abandoned { t_ms: 0.0 }));
            }
            match self.build(sim) {
                Ok((cfg, net)) => built.push((i, cfg, net)),
                Err(e) => out[i] = Some(SimResult::failed(sim, e)),
            }
        }
        // Greedy: each network joins the first batch it fits (a sweep over
        // mesh_shape has batches of each size).
        let mut batches: Vec<Vec<usize>> = Vec::new();
        for (k, (_, cfg, net)) in built.iter().enumerate() {
            let fits = |b: &Vec<usize>| {
                let (_, c0, n0) = &built[b[0]];
                b.len() < batch_capacity(n0)
                    && c0.simulation == cfg.simulation
                    && batchable(n0, net)
            };
            match batches.iter_mut().find(|b| fits(b)) {
                Some(b) => b.push(k),
                None => batches.push(vec![k]),
            }
        }
        for batch in batches {
            let s = &built[batch[0]].1.simulation;
            let mut accs: Vec<Result<Accumulator, String>> = batch
                .iter()
                .map(|_| Ok(Accumulator::new(self, s.n_trials)))
                .collect();
            for trial in 0..s.n_trials {
                let live: Vec<usize> = (0..batch.len()).filter(|&j| accs[j].is_ok()).collect();
                if live.is_empty() {
                    break;
                }
                let members: Vec<_> = live.iter().map(|&j| (&built[batch[j]].2, trial)).collect();
                let results = match NetworkSimulation::new_batch(&members, s.tstop, s.dt)
                    .record_vsec(self.record_mode())
                    .run_batch_until(poll)
                {
                    Ok(results) => results,
                    Err(abandoned) => return (finished(out), Some(abandoned)),
                };
                for (&j, result) in live.iter().zip(results) {
                    let (_, cfg, net) = &built[batch[j]];
                    if let Ok(acc) = &mut accs[j] {
                        if let Err(e) = acc.absorb(self, cfg, net, trial, result) {
                            accs[j] = Err(e);
                        }
                    }
                }
            }
            for (j, acc) in accs.into_iter().enumerate() {
                let i = built[batch[j]].0;
                out[i] = Some(match acc {
                    Ok(acc) => acc.finish(sims[i]),
                    Err(e) => SimResult::failed(sims[i], e),
                });
            }
        }
        debug_assert!(out.iter().all(Option::is_some), "every simulation run");
        (finished(out), None)
    }

    /// The resolved config and the network of simulation `sim`.
    fn build(&self, sim: usize) -> Result<(ResolvedConfig, NetworkDescription), String> {
        let cfg: ResolvedConfig = self
            .config
            .resolve(&self.points[sim])
            .map_err(|e| e.to_string())?;
        let net = build_network(&cfg, &self.config).map_err(|e| e.to_string())?;
        Ok((cfg, net))
    }

    /// Record every section if any recording needs them; the somata are
    /// then a subset.
    fn record_mode(&self) -> Option<VsecMode> {
        self.vsec
            .iter()
            .map(|v| v.0)
            .max_by_key(|m| *m == VsecMode::All)
    }
}

/// A poll hook that reports progress and never asks to stop.
fn go_on(poll: &mut dyn FnMut(f64)) -> impl FnMut(f64) -> ControlFlow<()> + '_ {
    move |t_ms| {
        poll(t_ms);
        ControlFlow::Continue(())
    }
}

/// Environment variable of the test-only fault injection: `RANK:N` makes
/// world rank RANK panic as it starts its N-th simulation (0: its first;
/// a batch counts each of its simulations; a `ranks_per_sim` group's other
/// ranks count the group's). Tests use it to check that a panic anywhere
/// ends the whole job promptly; unset, it costs one load per simulation.
pub const FAULT_PANIC_VAR: &str = "HNN_MPI_FAULT_PANIC";

/// The injected fault, `(world rank, simulation count)`, read once.
static FAULT: OnceLock<Option<(i32, usize)>> = OnceLock::new();
/// Simulations this process has started, counted only with a fault set.
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// `n` simulations start on this rank: panic if the injected fault says so.
fn fault_point(n: usize) {
    let fault = FAULT.get_or_init(|| {
        let spec = std::env::var(FAULT_PANIC_VAR).ok()?;
        let (rank, nth) = spec.split_once(':')?;
        Some((rank.trim().parse().ok()?, nth.trim().parse().ok()?))
    });
    let Some((rank, nth)) = *fault else { return };
    let first = STARTED.fetch_add(n, Ordering::SeqCst);
    if crate::app::world_rank() == rank && (first..first + n).contains(&nth) {
        panic!(
            "{FAULT_PANIC_VAR}: injected panic on rank {rank} as it starts its simulation #{nth}"
        );
    }
}

/// Cells per type a batch of small networks aims at: beyond about this many
/// the loops over cells gain little more (`bench-batch`).
pub const BATCH_CELLS: usize = 96;

/// Networks like `net` in one batch: about [`BATCH_CELLS`] cells of its
/// largest type, at least one network.
fn batch_capacity(net: &NetworkDescription) -> usize {
    let largest = net
        .populations
        .iter()
        .map(|p| p.positions.len())
        .max()
        .unwrap_or(1)
        .max(1);
    (BATCH_CELLS / largest).max(1)
}

/// One simulation's results, trial by trial, as the output file stores
/// them.
struct Accumulator {
    vsec: Vec<Vec<Vec<f32>>>,
    dipoles: Vec<[Vec<f64>; 3]>,
    spikes: Vec<(Vec<f64>, Vec<i64>)>,
    summary: Vec<Vec<f64>>,
}

impl Accumulator {
    fn new(plan: &SweepPlan, n_trials: usize) -> Self {
        Accumulator {
            vsec: vec![Vec::with_capacity(n_trials); plan.vsec.len()],
            dipoles: Vec::with_capacity(n_trials),
            spikes: Vec::with_capacity(n_trials),
            summary: vec![Vec::with_capacity(n_trials); plan.stat_names.len()],
        }
    }

    fn finish(self, sim: usize) -> SimResult {
        SimResult {
            sim,
            dipoles: Some(self.dipoles),
            summary: self.summary,
            spikes: self.spikes,
            vsec: self.vsec,
            error: None,
        }
    }

    /// Post-process one trial as hnn-core does (dipole renormalisation,
    /// smoothing, statistics) and keep what the file stores.
    fn absorb(
        &mut self,
        plan: &SweepPlan,
        cfg: &ResolvedConfig,
        net: &NetworkDescription,
        trial: usize,
        mut result: TrialResult,
    ) -> Result<(), String> {
        let s = &cfg.simulation;
        let n_pyr = net.mesh_shape.0 * net.mesh_shape.1;
        // Voltages to single precision as soon as the trial ends (a trial
        // of vsec_all on a large network is large).
        let traces = std::mem::take(&mut result.vsec);
        for (k, (mode, spec)) in plan.vsec.iter().enumerate() {
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
            self.vsec[k].push(flat);
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
        for (k, stat) in plan.config.summary.stats.iter().enumerate() {
            let value = match stat {
                Stat::DipoleMin => stats::dipole_min(&processed),
                Stat::DipoleMax => stats::dipole_max(&processed),
                Stat::DipolePeakToPeak => stats::dipole_peak_to_peak(&processed),
                Stat::DipoleRms => stats::dipole_rms(&processed),
                Stat::DipoleRmse => stats::dipole_rmse(
                    &result.times,
                    &processed,
                    plan.reference.as_ref().expect("checked by the config"),
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
            self.summary[k].push(value);
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
    crate::engine::time_grid::sample_times(tstop_ms, dt_ms)
}
