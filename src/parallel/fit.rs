//! A fit over the ranks (docs/configuration.md §13): rank 0 runs the
//! search; each of its asks (a CMA-ES generation, a COBYLA point) is a
//! round of simulations spread over the ranks by the sweep's scheduler
//! ([`RootState::run_round`]), their objectives computed on rank 0 as the
//! results arrive and told to the search in the asked order.
//!
//! Between rounds every rank meets rank 0 in a broadcast of the next
//! round's points (`[first evaluation, count]`, then the values) or of the
//! end (`count` 0). Evaluation `i` is row `i` of the file and point `i` of
//! every rank's plan.
//!
//! `--resume` replays the file: a fresh search asks the same points (it is
//! deterministic); the evaluations the file holds are told their stored
//! objectives, the others run. The file then ends as an uninterrupted
//! run's.

use std::time::Instant;

use log::{debug, info};
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, Root};

use super::compute::{batch_capacity, stop_members};
use super::output_setup::{open_output, output_path, output_spec};
use super::progress::Progress;
use super::root::RootState;
use super::{Interruption, RunOptions, SweepError};
use crate::output::{FitSpec, FitSummary};
use crate::search::{Search, StopReason};
use crate::sweep::fit::FitPlan;

/// How a fit that ran to its end ended.
#[derive(Clone, Debug, PartialEq)]
pub enum FitEnd {
    /// `--dry-run`: the plan was printed.
    DryRun,
    /// The search stopped (a convergence test or `max_evaluations`).
    Finished(FitSummary),
}

/// Rank 0: the search, its rounds over the ranks, the file.
pub fn run_fit_root(
    options: &RunOptions,
    plan: &mut FitPlan,
    search: &mut dyn Search,
    world: Option<&SimpleCommunicator>,
    group: Option<&SimpleCommunicator>,
    stops: &dyn Interruption,
) -> Result<FitEnd, SweepError> {
    let end = run_fit_root_inner(options, plan, search, world, group, stops);
    // Every other rank waits for a round: the end.
    send_round(world, 0, &[]);
    end
}

/// The ranks other than 0 (a group's first rank or another member): each
/// round's simulations, until rank 0 announces the end.
pub fn run_fit_other(
    plan: &mut FitPlan,
    world: &SimpleCommunicator,
    group: Option<&SimpleCommunicator>,
    stops: &dyn Interruption,
) {
    let n_params = plan.fit.params.len();
    let first_of_group = group.is_none_or(|g| g.rank() == 0);
    while let Some((start, values)) = receive_round(world, n_params) {
        for (i, v) in values.chunks(n_params).enumerate() {
            FitPlan::set_point(&mut plan.sweep, &plan.fit, start + i, v);
        }
        if first_of_group {
            super::run_worker(&plan.sweep, world, group, stops);
        } else {
            super::run_member(&plan.sweep, group.expect("a member has a group"), stops);
        }
    }
}

/// Rank 0 announces a round: evaluations `start..` at `values` (one
/// point after the other); none: the end.
fn send_round(world: Option<&SimpleCommunicator>, start: usize, values: &[f64]) {
    let Some(world) = world else { return };
    let root = world.process_at_rank(0);
    let mut header = [start as u64, values.len() as u64];
    root.broadcast_into(&mut header[..]);
    if !values.is_empty() {
        let mut v = values.to_vec();
        root.broadcast_into(&mut v[..]);
    }
}

/// The other ranks' side of [`send_round`]: `None` at the end.
fn receive_round(world: &SimpleCommunicator, n_params: usize) -> Option<(usize, Vec<f64>)> {
    let root = world.process_at_rank(0);
    let mut header = [0u64; 2];
    root.broadcast_into(&mut header[..]);
    if header[1] == 0 {
        return None;
    }
    let mut v = vec![0.0; header[1] as usize];
    root.broadcast_into(&mut v[..]);
    debug_assert_eq!(v.len() % n_params.max(1), 0);
    Some((header[0] as usize, v))
}

/// The best evaluation so far: the smallest objective, the first of
/// equals; failures (+inf) never.
#[derive(Clone, Copy, Debug)]
struct Best {
    index: Option<usize>,
    value: f64,
}

impl Best {
    fn see(&mut self, index: usize, value: f64) {
        if value.is_finite() && (self.index.is_none() || value < self.value) {
            self.index = Some(index);
            self.value = value;
        }
    }
}

fn run_fit_root_inner(
    options: &RunOptions,
    plan: &mut FitPlan,
    search: &mut dyn Search,
    world: Option<&SimpleCommunicator>,
    group: Option<&SimpleCommunicator>,
    stops: &dyn Interruption,
) -> Result<FitEnd, SweepError> {
    let k = group.map_or(1, |g| g.size() as usize);
    let n_ranks = world.map_or(1, |w| w.size() as usize);
    let size = n_ranks / k;
    let path = output_path(options, &plan.sweep.config);
    let max = plan.fit.max_evaluations;
    if options.dry_run {
        print_fit_plan(plan, &path)?;
        return Ok(FitEnd::DryRun);
    }
    stops.defer();
    let names = plan.names();
    let mut spec = output_spec(&plan.sweep, size);
    spec.n_sims = max;
    spec.param_names = names.clone();
    spec.param_values = vec![vec![f64::NAN; max]; names.len()];
    spec.fit = Some(FitSpec {
        solver: plan.fit.solver.as_str().into(),
        objective: plan.fit.objective.as_str().into(),
        target: plan
            .objective
            .target
            .as_ref()
            .map(|t| (t.times_ms.clone(), t.agg.clone())),
    });
    let (file, pending) = open_output(options, &plan.sweep, &spec)?;
    let mut done = vec![true; max];
    for &i in &pending {
        done[i] = false;
    }
    let stored = if options.resume {
        Some(
            file.read_fit_rows(&names)
                .map_err(|e| SweepError::Output(format!("{}: {e}", path.display())))?,
        )
    } else {
        None
    };
    info!(
        "fit: {} with {} over {} parameter(s), at most {max} evaluations, on {n_ranks} \
         rank(s) ({size} group(s) of {k}), output {}",
        plan.fit.solver.as_str(),
        plan.fit.objective.as_str(),
        names.len(),
        path.display()
    );
    let batch = batch_capacity(&plan.sweep, group);
    let FitPlan {
        sweep,
        fit,
        objective,
    } = plan;
    let mut root = RootState::new(world, stops, size, k, batch, file);
    root.objective = Some(objective);
    let mut best = Best {
        index: None,
        value: f64::NAN,
    };
    let (mut n_evals, mut generation, mut ran) = (0usize, 0usize, 0usize);
    let start = Instant::now();
    let mut last_log: Option<Instant> = None;
    let stop_reason = loop {
        if let Some(r) = search.stopped() {
            break r;
        }
        let asked = search.ask();
        let room = max - n_evals;
        if asked.is_empty() || room == 0 {
            break search.stopped().unwrap_or(StopReason::MaxEvaluations);
        }
        let take = asked.len().min(room);
        let values: Vec<Vec<f64>> = asked[..take].iter().map(|x| plan_values(fit, x)).collect();
        let rows: Vec<usize> = (n_evals..n_evals + take).collect();
        let mut objectives = vec![f64::NAN; take];
        let mut to_run = Vec::new();
        for (j, (&row, v)) in rows.iter().zip(&values).enumerate() {
            FitPlan::set_point(sweep, fit, row, v);
            if done[row] {
                let stored = stored.as_ref().expect("done rows only when resuming");
                for (p, name) in names.iter().enumerate() {
                    if stored.params[p][row].to_bits() != v[p].to_bits() {
                        root.close_file();
                        return Err(SweepError::Output(format!(
                            "{}: evaluation {row} has {name} = {:e} in the file, the search \
                             asks {:e}: the file was written by another search (another \
                             build or solver); use --force to start again",
                            path.display(),
                            stored.params[p][row],
                            v[p]
                        )));
                    }
                }
                objectives[j] = stored.objective[row];
            } else {
                to_run.push(row);
            }
        }
        if !to_run.is_empty() {
            for &row in &to_run {
                let j = row - n_evals;
                let file = root.file.as_mut().expect("open between rounds");
                if let Err(error) = file.write_fit_point(row, &names, &values[j], generation) {
                    root.close_file();
                    return Err(SweepError::Write {
                        error,
                        saved: n_evals + j,
                        n_sims: max,
                        path,
                    });
                }
            }
            send_round(world, n_evals, &values.concat());
            root.start_round(&to_run, Progress::quiet(to_run.len()));
            root.run_round(sweep, group);
            stop_members(group);
            for (sim, v) in root.objectives.drain(..) {
                objectives[sim - n_evals] = v;
            }
            ran += to_run.len();
        }
        let saved = n_evals + objectives.iter().filter(|v| !v.is_nan()).count();
        if let Some(end) = root.round_error(saved, max, &path) {
            return Err(end);
        }
        if let Some(j) = objectives.iter().position(|v| v.is_nan()) {
            root.close_file();
            return Err(SweepError::Output(format!(
                "{}: evaluation {} has no objective in the file (damaged?); use --force \
                 to start again",
                path.display(),
                n_evals + j
            )));
        }
        for (j, &v) in objectives.iter().enumerate() {
            best.see(n_evals + j, v);
        }
        n_evals += take;
        if take < asked.len() {
            // max_evaluations cuts the generation: it is not told.
            break StopReason::MaxEvaluations;
        }
        search.tell(&objectives);
        let now = Instant::now();
        let elapsed = start.elapsed().as_secs_f64();
        let eta = if ran > 0 {
            (max - n_evals) as f64 * elapsed / ran as f64
        } else {
            0.0
        };
        let line = format!(
            "generation {generation}: {n_evals}/{max} evaluations, best objective {} \
             (evaluation {}), ETA {eta:.0} s at most",
            best.value,
            best.index.map_or("-".into(), |i| i.to_string()),
        );
        if generation < 4 || last_log.is_none_or(|t| (now - t).as_secs_f64() >= 2.0) {
            info!("{line}");
            last_log = Some(now);
        } else {
            debug!("{line}");
        }
        generation += 1;
    };
    let summary = FitSummary {
        n_evals,
        best_index: best.index,
        best_objective: best.value,
        stop_reason: stop_reason.as_str().into(),
    };
    info!(
        "fit ended ({}) after {n_evals} evaluations: best objective {} at evaluation {}; \
         results in {}",
        summary.stop_reason,
        best.value,
        best.index.map_or("-".into(), |i| i.to_string()),
        path.display()
    );
    let file = root.file.take().expect("open");
    file.close_fit(&summary)
        .map_err(|error| SweepError::Close {
            error,
            path: path.clone(),
        })?;
    Ok(FitEnd::Finished(summary))
}

/// The parameter values of a point of the unit cube.
fn plan_values(fit: &crate::config::Fit, x: &[f64]) -> Vec<f64> {
    fit.params
        .iter()
        .zip(x)
        .map(|(p, &x)| p.value_at(x))
        .collect()
}

/// What `--dry-run` prints for a fit.
fn print_fit_plan(plan: &FitPlan, path: &std::path::Path) -> Result<(), SweepError> {
    use std::io::Write;
    let f = &plan.fit;
    let mut text = format!(
        "{}: fit with {} ({}), at most {} evaluations -> {}\n",
        plan.sweep.config.file,
        f.solver.as_str(),
        f.objective.as_str(),
        f.max_evaluations,
        path.display()
    );
    for p in &f.params {
        text.push_str(&format!(
            "  {} in [{:e}, {:e}]{}\n",
            p.name,
            p.low,
            p.high,
            if p.log { " (log10 space)" } else { "" }
        ));
    }
    text.push_str(&format!("{}\n", plan.sweep.estimate));
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(SweepError::Output(format!(
            "cannot print the plan on standard output: {e}"
        ))),
        _ => Ok(()),
    }
}
