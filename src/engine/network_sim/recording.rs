//! What the time loop records at t = 0 and after every step (docs/engine.md,
//! §4 row 11): each cell's dipole (hnn-core's `dipole.mod`/`dipole_pp.mod`
//! `Qtotal`) and the voltages of the recorded sections (`Vector.record` of
//! `sec(0.5)._ref_v`); then, on one rank, each network's [`TrialResult`].

use super::spikes::Spike;
use super::{Member, NetworkSimulation, TrialResult, VoltageTrace, VsecMode};
use crate::engine::cell_batch::CellBatch;

/// The traces of one trial as they grow.
pub(super) struct Recorder {
    /// The populations that measure a dipole.
    pub(super) dipole_pops: Vec<usize>,
    /// One rank (its cells in gid order) sums each sample over each
    /// network's cells as it goes: the same additions, in the same order,
    /// as the per-type sum at the end (NEURON's Vector.add), without
    /// keeping a trace per cell.
    sum_as_we_go: bool,
    /// Per dipole population: per local cell (or one running sum per
    /// network), its dipole at every sample.
    pub(super) traces: Vec<Vec<Vec<f64>>>,
    /// One step's dipole of every cell of a batch.
    cell_q: Vec<f64>,
    /// Per population: the (section, node) pairs recorded.
    pub(super) rec: Vec<Vec<(String, usize)>>,
    /// Per population: `[cell * n_recorded + k]`, the voltage trace of
    /// recorded section `k` of each cell.
    pub(super) vsec: Vec<Vec<Vec<f64>>>,
}

impl Recorder {
    /// The traces of `sim` for `n_steps` steps, with their first sample
    /// (t = 0, after `finitialize`): voltages, and a dipole of 0 (NEURON
    /// records Qtotal just after BEFORE BREAKPOINT zeroed it).
    pub(super) fn new(sim: &NetworkSimulation, n_steps: usize) -> Self {
        let dipole_pops: Vec<usize> = (0..sim.net.populations.len())
            .filter(|&b| sim.net.populations[b].measure_dipole)
            .collect();
        let sum_as_we_go = sim.group.is_none();
        let traces: Vec<Vec<Vec<f64>>> = dipole_pops
            .iter()
            .map(|&b| {
                let n_traces = if sum_as_we_go {
                    sim.members.len()
                } else {
                    sim.local_gids[b].len()
                };
                let mut v = vec![Vec::with_capacity(n_steps + 1); n_traces];
                v.iter_mut().for_each(|t| t.push(0.0));
                v
            })
            .collect();
        let max_cells = sim.local_gids.iter().map(Vec::len).max().unwrap_or(0);
        let rec = sim.recorded_sections();
        let vsec = rec
            .iter()
            .zip(&sim.local_gids)
            .map(|(secs, gids)| vec![Vec::with_capacity(n_steps + 1); secs.len() * gids.len()])
            .collect();
        let mut recorder = Recorder {
            dipole_pops,
            sum_as_we_go,
            traces,
            cell_q: vec![0.0; max_cells],
            rec,
            vsec,
        };
        recorder.sample_vsec(&sim.sim.batches);
        recorder
    }

    /// The sample after a step: voltages, then dipoles.
    pub(super) fn sample(&mut self, batches: &[CellBatch], members: &[Member]) {
        self.sample_vsec(batches);
        for (k, &b) in self.dipole_pops.iter().enumerate() {
            let batch = &batches[b];
            batch.dipoles(&mut self.cell_q);
            if self.sum_as_we_go {
                for (member, trace) in members.iter().zip(&mut self.traces[k]) {
                    let mut total = 0.0;
                    for &q in &self.cell_q[member.cells(b)] {
                        total += q;
                    }
                    trace.push(total);
                }
            } else {
                for (trace, &q) in self.traces[k].iter_mut().zip(&self.cell_q[..batch.n_cells]) {
                    trace.push(q);
                }
            }
        }
    }

    /// Append the current voltage of every recorded section.
    fn sample_vsec(&mut self, batches: &[CellBatch]) {
        for (b, secs) in self.rec.iter().enumerate() {
            if secs.is_empty() {
                // Nothing recorded (the usual case): no per-cell loop each step.
                continue;
            }
            let batch = &batches[b];
            for cell in 0..batch.n_cells {
                for (k, (_, node)) in secs.iter().enumerate() {
                    self.vsec[b][cell * secs.len() + k].push(batch.voltage(*node, cell));
                }
            }
        }
    }

    /// One rank alone: each network's result, in the order of the batch,
    /// from the running sums, its spikes and its cells' voltages.
    pub(super) fn into_member_results(
        mut self,
        sim: &NetworkSimulation,
        spikes: &[Spike],
        times: Vec<f64>,
        mut lfp: Option<&mut super::extracellular::LfpRecorder>,
    ) -> Vec<TrialResult> {
        let mut results = Vec::with_capacity(sim.members.len());
        for (m, member) in sim.members.iter().enumerate() {
            let mut r = TrialResult {
                times: times.clone(),
                ..Default::default()
            };
            for (k, &b) in self.dipole_pops.iter().enumerate() {
                r.raw_dipoles_fam.push((
                    sim.net.populations[b].name.clone(),
                    std::mem::take(&mut self.traces[k][m]),
                ));
            }
            for (s, _) in spikes.iter().filter(|(s, _)| member.owns(s.gid)) {
                r.spike_times.push(s.time_ms);
                r.spike_gids.push(s.gid - member.gid_base);
            }
            // Cells in gid order; a network's cells of a type are in gid
            // order in their batch, types in gid order.
            for (b, secs) in self.rec.iter().enumerate() {
                let n = secs.len();
                for c in member.cells(b) {
                    for (k, (name, _)) in secs.iter().enumerate() {
                        r.vsec.push(VoltageTrace {
                            gid: sim.local_gids[b][c] - member.gid_base,
                            section: name.clone(),
                            v_mv: std::mem::take(&mut self.vsec[b][c * n + k]),
                        });
                    }
                }
            }
            r.vsec.sort_by_key(|t| t.gid); // stable: section order
            if let Some(lfp) = lfp.as_deref_mut() {
                r.lfp = lfp.member_result(m);
            }
            results.push(r);
        }
        results
    }
}

impl NetworkSimulation<'_> {
    /// Per population: the (section, node) pairs recorded.
    fn recorded_sections(&self) -> Vec<Vec<(String, usize)>> {
        self.section_mids
            .iter()
            .map(|mids| match self.vsec {
                None => Vec::new(),
                Some(VsecMode::All) => mids.clone(),
                Some(VsecMode::Soma) => mids.iter().filter(|m| m.0 == "soma").cloned().collect(),
            })
            .collect()
    }
}
