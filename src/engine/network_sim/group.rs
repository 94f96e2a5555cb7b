//! A group of ranks sharing one simulation (`ranks_per_sim`): what the
//! engine asks of it ([`SimGroup`]), and the merge of the ranks' traces and
//! spikes on the group's first rank into the result one rank would have
//! computed, bit for bit (docs/engine.md, §6 Batches and groups of ranks).

use super::probes::Traces;
use super::recording::Recorder;
use super::spikes::Spike;
use super::{NetworkSimulation, SpikeRecord, TrialResult};

/// The ranks that share one simulation (`ranks_per_sim`): each owns the
/// cells whose gid modulo `size` is its `rank`.
pub trait SimGroup {
    fn rank(&self) -> usize;
    fn size(&self) -> usize;
    /// Every rank's spikes, concatenated in rank order (a collective).
    fn all_gather_spikes(&self, local: &[SpikeRecord]) -> Vec<SpikeRecord>;
    /// Rank 0 receives every rank's `data` in rank order; others `None`.
    fn gather_f64(&self, data: &[f64]) -> Option<Vec<Vec<f64>>>;
    /// Whether any rank of the group passes `true` (a collective): the
    /// ranks agree to abandon a simulation at the same step.
    fn any(&self, local: bool) -> bool;
}

impl NetworkSimulation<'_> {
    /// Gather every rank's per-cell dipole traces, spikes and section
    /// recordings on the group's first rank, which returns the whole result
    /// (with `times`); the other ranks return an empty one.
    pub(super) fn gather_group_result(
        &self,
        group: &dyn SimGroup,
        mut recorder: Recorder,
        spikes: &[Spike],
        times: Vec<f64>,
    ) -> TrialResult {
        let len = times.len();
        // Traces: [population index, gid, samples...] per cell; spikes:
        // (time, gid, step, drive) per spike.
        let mut flat = Vec::new();
        for (k, &b) in recorder.dipole_pops.iter().enumerate() {
            for (&gid, trace) in self.local_gids[b].iter().zip(&recorder.traces[k]) {
                flat.push(k as f64);
                flat.push(gid as f64);
                flat.extend_from_slice(trace);
            }
        }
        let mut flat_spikes = Vec::with_capacity(4 * spikes.len());
        for (s, drive) in spikes {
            flat_spikes.extend([
                s.time_ms,
                s.gid as f64,
                s.step as f64,
                f64::from(u8::from(*drive)),
            ]);
        }
        let all_traces = group.gather_f64(&flat);
        let all_spikes = group.gather_f64(&flat_spikes);
        // Section recordings: each kind gathered in gid order.
        let mut recorded = Traces::default();
        for set in &mut recorder.sets {
            if let Some(t) = set.gather(group, self.net, &self.local_gids, len) {
                recorded.append(t);
            }
        }
        let (Some(all_traces), Some(all_spikes)) = (all_traces, all_spikes) else {
            return TrialResult::default();
        };
        let mut result = TrialResult {
            times,
            ..Default::default()
        };
        (result.vsec, result.isec, result.ca) = (recorded.vsec, recorded.isec, recorded.ca);
        for (k, &b) in recorder.dipole_pops.iter().enumerate() {
            let mut cells = Vec::new();
            for data in &all_traces {
                for rec in data.chunks_exact(len + 2) {
                    if rec[0] as usize == k {
                        cells.push((rec[1] as usize, &rec[2..]));
                    }
                }
            }
            result.raw_dipoles_fam.push((
                self.net.populations[b].name.clone(),
                sum_in_gid_order(cells, len),
            ));
        }
        // NEURON's order: by step; cells (in gid order) before the drive
        // cells that fire during the step (in firing order).
        let mut merged: Vec<(usize, u8, usize, f64, usize)> = Vec::new();
        for data in &all_spikes {
            for (i, rec) in data.chunks_exact(4).enumerate() {
                let drive = rec[3] as u8;
                let gid = rec[1] as usize;
                let key = if drive == 0 { gid } else { i };
                merged.push((rec[2] as usize, drive, key, rec[0], gid));
            }
        }
        merged.sort_by_key(|m| (m.0, m.1, m.2));
        for (_, _, _, t, gid) in merged {
            result.spike_times.push(t);
            result.spike_gids.push(gid);
        }
        result
    }
}

/// A type's dipole: the sum over its cells in gid order, as NEURON's
/// `Vector.add` (`len` samples).
fn sum_in_gid_order(mut cells: Vec<(usize, &[f64])>, len: usize) -> Vec<f64> {
    cells.sort_by_key(|c| c.0);
    let mut total = vec![0.0; len];
    for (_, trace) in cells {
        for (t, q) in total.iter_mut().zip(trace) {
            *t += q;
        }
    }
    total
}
