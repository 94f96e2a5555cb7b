//! The run of one trial: `finitialize`, then every step phase by phase in
//! NEURON's order (`nrn_fixed_step`, fadvance.cpp, with the threshold
//! checks of netcvode.cpp; docs/engine.md, §4 One time step), laid out as
//! Arbor's `fvm_lowered_cell_impl::integrate` is: one named call per phase.

use std::ops::ControlFlow;

use super::recording::Recorder;
use super::{NetworkSimulation, TrialResult};
use crate::engine::time_grid::sample_times;

/// Steps between two calls of the poll hook of
/// [`NetworkSimulation::run_polling`] (a few ms of wall time on a 3x3 mesh).
pub const POLL_STEPS: usize = 64;

/// A simulation stopped before its end because the poll hook of
/// [`NetworkSimulation::run_batch_until`] asked for it (a signal, a
/// stop request): its results are incomplete and discarded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Abandoned {
    /// Simulated time reached, ms.
    pub t_ms: f64,
}

impl std::fmt::Display for Abandoned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "simulation abandoned at t = {} ms", self.t_ms)
    }
}

impl std::error::Error for Abandoned {}

impl NetworkSimulation<'_> {
    /// Initialise and integrate to tstop; record dipoles and spikes. In a
    /// group, the group's first rank returns the whole result (the others
    /// an empty one), equal bit for bit to a single rank's.
    pub fn run(self) -> TrialResult {
        self.run_polling(&mut |_| {})
    }

    /// [`Self::run`], calling `poll(t_ms)` every [`POLL_STEPS`] steps: the
    /// sweep's rank 0 answers the other ranks' requests while it simulates,
    /// and reports how far a long simulation has got.
    pub fn run_polling(self, poll: &mut dyn FnMut(f64)) -> TrialResult {
        assert_eq!(self.members.len(), 1, "a batch: use run_batch");
        self.run_batch(poll).pop().expect("one result")
    }

    /// Run a batch ([`Self::new_batch`]): one result per network, in the
    /// order given, each as [`Self::run_polling`] would return it.
    pub fn run_batch(self, poll: &mut dyn FnMut(f64)) -> Vec<TrialResult> {
        let mut go_on = |t_ms: f64| {
            poll(t_ms);
            ControlFlow::Continue(())
        };
        match self.run_batch_until(&mut go_on) {
            Ok(results) => results,
            Err(_) => unreachable!("the hook never breaks"),
        }
    }

    /// [`Self::run_batch`], abandoned when `poll(t_ms)` (every
    /// [`POLL_STEPS`] steps) breaks: a signal stops a long simulation
    /// within milliseconds. In a group every rank's hook is asked and the
    /// group stops together when any rank's breaks (the others would wait
    /// for it in the next spike exchange forever).
    pub fn run_batch_until(
        mut self,
        poll: &mut dyn FnMut(f64) -> ControlFlow<()>,
    ) -> Result<Vec<TrialResult>, Abandoned> {
        // finitialize(), and the first sample (t = 0).
        self.sim.initialize();
        let times = sample_times(self.tstop_ms, self.sim.dt_ms);
        let n_steps = times.len() - 1;
        let mut recorder = Recorder::new(&self, n_steps);
        let mut spikes = Vec::new();
        for step in 0..n_steps {
            self.poll_if_due(step, poll)?;
            // 1. NetCvode::check_thresh at t.
            self.detect_spikes(step, &mut spikes);
            // 2. A group's spike exchange.
            self.exchange_spikes_if_due(step, n_steps);
            // 3. VecStims fire as their events are delivered (t + dt/2).
            self.fire_drive_cells(step, &mut spikes);
            // 4-10. nrn_fixed_step: deliver events, t += dt/2, matrix set-up
            // and Hines solve, v += dv, t += dt/2, state updates.
            self.sim.step();
            debug_assert_eq!(self.sim.t_ms.to_bits(), times[step + 1].to_bits());
            // 11. The sample after the step.
            recorder.sample(&self.sim.batches, &self.members);
            if let Some(lfp) = &mut self.lfp {
                lfp.sample(&self.sim.batches);
            }
        }
        let mut lfp = self.lfp.take();
        Ok(match self.group {
            None => recorder.into_member_results(&self, &spikes, times, lfp.as_mut()),
            Some(group) => {
                let mut result = self.gather_group_result(group, recorder, &spikes, times);
                // A collective: every rank of the group has the arrays.
                if let Some(arrays) = lfp.and_then(|l| l.gather(group)) {
                    result.lfp = arrays;
                }
                vec![result]
            }
        })
    }

    /// Every [`POLL_STEPS`] steps: ask `poll` (in a group, every rank's)
    /// whether to stop here.
    fn poll_if_due(
        &self,
        step: usize,
        poll: &mut dyn FnMut(f64) -> ControlFlow<()>,
    ) -> Result<(), Abandoned> {
        if !step.is_multiple_of(POLL_STEPS) {
            return Ok(());
        }
        let mut stop = poll(self.sim.t_ms).is_break();
        if let Some(group) = self.group {
            stop = group.any(stop);
        }
        if stop {
            return Err(Abandoned {
                t_ms: self.sim.t_ms,
            });
        }
        Ok(())
    }
}
