//! One simulation of a sweep, from its config point to the record the
//! output file stores: build the network, run every trial, post-process the
//! dipoles as hnn-core does, compute the summary statistics
//! ([`super::accumulate`]). Small networks of a sweep are integrated
//! together in batches. Deterministic: the same point gives the same record
//! on any rank, alone or in a batch.

use std::ops::ControlFlow;

use super::accumulate::Accumulator;
use super::failure::SimFailure;
use super::fault::fault_point;
use super::plan::{batch_capacity, SweepPlan};
use crate::engine::network_sim::{batchable, Abandoned, NetworkSimulation, SimGroup};
use crate::output::SimResult;

impl SweepPlan {
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
            Err(failure) => return Ok(SimResult::failed(sim, failure.to_string())),
        };
        let s = &cfg.simulation;
        let mut acc = Accumulator::new(self, s.n_trials);
        let mut failure = None;
        for trial in 0..s.n_trials {
            let sim = NetworkSimulation::new_in_group(&net, trial, s.tstop, s.dt, group);
            let result = self
                .recording(sim)
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
            Some(failure) => SimResult::failed(sim, failure.to_string()),
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
                Err(e) => out[i] = Some(SimResult::failed(sim, e.to_string())),
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
            let mut accs: Vec<Result<Accumulator, SimFailure>> = batch
                .iter()
                .map(|_| Ok(Accumulator::new(self, s.n_trials)))
                .collect();
            for trial in 0..s.n_trials {
                let live: Vec<usize> = (0..batch.len()).filter(|&j| accs[j].is_ok()).collect();
                if live.is_empty() {
                    break;
                }
                let members: Vec<_> = live.iter().map(|&j| (&built[batch[j]].2, trial)).collect();
                let sim = NetworkSimulation::new_batch(&members, s.tstop, s.dt);
                let results = match self.recording(sim).run_batch_until(poll) {
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
                    Err(e) => SimResult::failed(sims[i], e.to_string()),
                });
            }
        }
        debug_assert!(out.iter().all(Option::is_some), "every simulation run");
        (finished(out), None)
    }
}

/// A poll hook that reports progress and never asks to stop.
fn go_on(poll: &mut dyn FnMut(f64)) -> impl FnMut(f64) -> ControlFlow<()> + '_ {
    move |t_ms| {
        poll(t_ms);
        ControlFlow::Continue(())
    }
}
