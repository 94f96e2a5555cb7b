//! Spikes during the time loop: threshold detection at the soma
//! (`NetCvode::check_thresh`), drive cells (VecStim) firing, and, in a group
//! of ranks, the exchange of cell spikes (docs/engine.md, §4 rows 1-3, §5).
//! A spike's NetCons queue their events at spike time + delay.

use super::{NetworkSimulation, SpikeRecord};
use crate::engine::time_grid::half_step;

/// NEURON adds this to the detection time of a threshold crossing
/// (`ConditionEvent::check(nt, t, 1e-10)`, netcvode.cpp).
const THRESHOLD_TIME_EPS_MS: f64 = 1e-10;

/// A spike of the trial and whether a drive cell fired it.
pub(super) type Spike = (SpikeRecord, bool);

impl NetworkSimulation<'_> {
    /// `NetCvode::check_thresh` at the start of a step: an upward crossing
    /// of the threshold at the soma is a spike at t + 1e-10 ms. Alone, its
    /// events are queued at once; in a group, at the next exchange.
    pub(super) fn detect_spikes(&mut self, step: usize, spikes: &mut Vec<Spike>) {
        let t = self.sim.t_ms;
        for b in 0..self.net.populations.len() {
            let batch = &self.sim.batches[b];
            let soma = self.soma_nodes[b];
            for cell in 0..batch.n_cells {
                let over = batch.voltage(soma, cell) - self.net.threshold > 0.0;
                let flag = &mut self.above[b][cell];
                if over && !*flag {
                    let record = SpikeRecord {
                        time_ms: t + THRESHOLD_TIME_EPS_MS,
                        gid: self.local_gids[b][cell],
                        step,
                    };
                    spikes.push((record, false));
                    if self.group.is_some() {
                        self.unsent.push(record);
                    } else if let Some(ncs) = self.outgoing.get(record.gid) {
                        for nc in ncs {
                            self.sim.events.push(
                                record.time_ms + nc.delay_ms,
                                nc.target,
                                nc.weight_us,
                            );
                        }
                    }
                }
                *flag = over;
            }
        }
    }

    /// In a group of ranks, the spike exchange every `exchange_steps` steps
    /// and at the last step (`n_steps` steps in all); alone, nothing.
    pub(super) fn exchange_spikes_if_due(&mut self, step: usize, n_steps: usize) {
        if self.group.is_some() && (step.is_multiple_of(self.exchange_steps) || step + 1 == n_steps)
        {
            self.exchange_spikes();
        }
    }

    /// The VecStims fire as their events are delivered (by t + dt/2): every
    /// drive spike due by then is recorded, in firing order. (Their NetCon
    /// events were queued when the trial was built.)
    pub(super) fn fire_drive_cells(&mut self, step: usize, spikes: &mut Vec<Spike>) {
        let til = half_step(self.sim.t_ms, self.sim.dt_ms);
        while let Some(&(t, gid)) = self.drive_spikes.last() {
            if t > til {
                break;
            }
            spikes.push((
                SpikeRecord {
                    time_ms: t,
                    gid,
                    step,
                },
                true,
            ));
            self.drive_spikes.pop();
        }
    }

    /// Share this rank's new spikes with the group and queue the events of
    /// every group spike onto this rank's synapses, in (step, gid) order:
    /// the order in which a single rank queues them.
    fn exchange_spikes(&mut self) {
        let Some(group) = self.group else { return };
        let mut all = group.all_gather_spikes(&self.unsent);
        self.unsent.clear();
        all.sort_by_key(|s| (s.step, s.gid));
        for s in all {
            if let Some(ncs) = self.outgoing.get(s.gid) {
                for nc in ncs {
                    self.sim
                        .events
                        .push(s.time_ms + nc.delay_ms, nc.target, nc.weight_us);
                }
            }
        }
    }
}
