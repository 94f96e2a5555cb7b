//! One trial of a network simulation, as hnn-core's `_simulate_single_trial`
//! runs it on NEURON: cells of each type in a [`CellBatch`], NetCons from
//! spike sources to synapses, drive cells (VecStim) playing their event
//! times, spike detection at the soma with NEURON's threshold semantics,
//! and the per-layer dipole.

use std::collections::HashMap;
use std::sync::Arc;

use super::cell_batch::CellBatch;
use super::events::SynapseTarget;
use super::layout::CellLayout;
use super::simulator::Simulator;
use super::synapse::IClamp;
use crate::network::description::{gaussian_connection, NetworkDescription};

/// NEURON adds this to the detection time of a threshold crossing
/// (`ConditionEvent::check(nt, t, 1e-10)`, netcvode.cpp).
const THRESHOLD_TIME_EPS_MS: f64 = 1e-10;

/// One outgoing NetCon of a spike source.
#[derive(Debug, Clone, Copy)]
struct NetCon {
    target: SynapseTarget,
    /// µS.
    weight_us: f64,
    /// ms.
    delay_ms: f64,
}

/// Results of one trial, in hnn-core's units.
#[derive(Debug, Clone, Default)]
pub struct TrialResult {
    /// Sample times, ms (NEURON's accumulated `t`).
    pub times: Vec<f64>,
    /// Raw per-layer dipoles, fAm, as NEURON records them, keyed by the
    /// cell type that produced them (`L2_pyramidal`, `L5_pyramidal`).
    pub raw_dipoles_fam: Vec<(String, Vec<f64>)>,
    /// Spike times (ms) and gids, in detection order.
    pub spike_times: Vec<f64>,
    pub spike_gids: Vec<usize>,
}

/// A network built for one trial.
pub struct NetworkSimulation<'a> {
    net: &'a NetworkDescription,
    sim: Simulator,
    /// For each cell gid: outgoing NetCons.
    outgoing: HashMap<usize, Vec<NetCon>>,
    /// Soma node of each batch (spike detection at soma(0.5)).
    soma_nodes: Vec<usize>,
    /// Whether each cell is above threshold (`ConditionEvent::flag_`).
    above: Vec<Vec<bool>>,
    /// Drive-cell spikes (time, gid), latest first, popped as they fire.
    drive_spikes: Vec<(f64, usize)>,
    tstop_ms: f64,
}

impl<'a> NetworkSimulation<'a> {
    /// Build every cell, synapse, NetCon and drive event of trial
    /// `trial_idx` (hnn-core `NetworkBuilder`).
    pub fn new(net: &'a NetworkDescription, trial_idx: usize, tstop_ms: f64, dt_ms: f64) -> Self {
        let events: Vec<Vec<Vec<f64>>> = net
            .drives
            .iter()
            .map(|d| d.event_times(net, trial_idx, tstop_ms))
            .collect();
        Self::with_drive_events(net, &events, tstop_ms, dt_ms)
    }

    /// Build with given drive event times: `events[drive][drive cell]`, ms.
    pub fn with_drive_events(
        net: &'a NetworkDescription,
        events: &[Vec<Vec<f64>>],
        tstop_ms: f64,
        dt_ms: f64,
    ) -> Self {
        let mut layouts: HashMap<String, Arc<CellLayout>> = HashMap::new();
        let mut batches = Vec::new();
        let mut soma_nodes = Vec::new();
        for pop in &net.populations {
            let layout = Arc::new(CellLayout::new(&pop.template));
            let soma = layout.section("soma").expect("soma").node_at(0.5);
            let mut batch = CellBatch::new(layout.clone(), pop.positions.len(), net.celsius, dt_ms);
            for bias in net.tonic_biases.iter().filter(|b| b.cell_type == pop.name) {
                let node = layout
                    .section(&bias.section)
                    .expect("bias section")
                    .node_at(0.5);
                let stop = bias.tstop.unwrap_or(tstop_ms);
                for cell in 0..pop.positions.len() {
                    batch.iclamps.push(IClamp {
                        cell,
                        node,
                        del_ms: bias.t0,
                        dur_ms: stop - bias.t0,
                        amp_na: bias.amplitude,
                        scale: 1.0e2 / layout.area_um2[node],
                    });
                }
            }
            layouts.insert(pop.name.clone(), layout);
            soma_nodes.push(soma);
            batches.push(batch);
        }
        let batch_of = |gid: usize| {
            net.populations
                .iter()
                .position(|p| (p.gid_start..p.gid_start + p.positions.len()).contains(&gid))
        };
        // NetCons in hnn-core's `_connect_celltypes` order.
        let mut outgoing: HashMap<usize, Vec<NetCon>> = HashMap::new();
        for conn in &net.connections {
            let layout = &layouts[&conn.target_type];
            let tpl = &net.population(&conn.target_type).unwrap().template;
            let sections = tpl
                .location_sections(&conn.loc)
                .unwrap_or_else(|| vec![conn.loc.clone()]);
            let sites: Vec<usize> = sections
                .iter()
                .map(|s| {
                    layout
                        .synapse_index(s, &conn.receptor)
                        .expect("synapse site")
                })
                .collect();
            for (src, targets) in &conn.gid_pairs {
                let src_pos = net.position(*src);
                for &target in targets {
                    let b = batch_of(target).expect("target gid");
                    let cell = target - net.populations[b].gid_start;
                    let (weight, delay) = gaussian_connection(
                        src_pos,
                        net.populations[b].positions[cell],
                        &conn.params,
                        net.inplane_distance,
                    );
                    for &site in &sites {
                        outgoing.entry(*src).or_default().push(NetCon {
                            target: SynapseTarget {
                                batch: b as u32,
                                cell: cell as u32,
                                site: site as u32,
                            },
                            weight_us: weight,
                            delay_ms: delay,
                        });
                    }
                }
            }
        }
        let mut sim = Simulator::new(batches, dt_ms);
        // Drive cells: a VecStim fires at each event time; its NetCons
        // deliver at time + delay.
        let mut drive_spikes = Vec::new();
        for (drive, events) in net.drives.iter().zip(events) {
            for (offset, event_times) in events.iter().enumerate() {
                let gid = drive.gid_start + offset;
                let times = vecstim_firing_times(event_times);
                drive_spikes.extend(times.iter().map(|&t| (t, gid)));
                let Some(ncs) = outgoing.get(&gid) else {
                    continue;
                };
                for &t in &times {
                    for nc in ncs {
                        sim.queue_event(t + nc.delay_ms, nc.target, nc.weight_us);
                    }
                }
            }
        }
        // Recorded when each VecStim fires, in time order (stable for ties).
        drive_spikes.sort_by(|a, b| a.0.total_cmp(&b.0));
        drive_spikes.reverse();
        let above = net
            .populations
            .iter()
            .map(|p| vec![false; p.positions.len()])
            .collect();
        NetworkSimulation {
            net,
            sim,
            outgoing,
            soma_nodes,
            above,
            drive_spikes,
            tstop_ms,
        }
    }

    /// Initialise and integrate to tstop; record dipoles and spikes.
    pub fn run(mut self) -> TrialResult {
        self.sim.initialize();
        let n_steps = (self.tstop_ms / self.sim.dt_ms).round() as usize;
        let dipole_pops: Vec<usize> = (0..self.net.populations.len())
            .filter(|&b| self.net.populations[b].measure_dipole)
            .collect();
        let mut result = TrialResult {
            times: Vec::with_capacity(n_steps + 1),
            raw_dipoles_fam: dipole_pops
                .iter()
                .map(|&b| {
                    (
                        self.net.populations[b].name.clone(),
                        Vec::with_capacity(n_steps + 1),
                    )
                })
                .collect(),
            ..Default::default()
        };
        let max_cells = self
            .net
            .populations
            .iter()
            .map(|p| p.positions.len())
            .max()
            .unwrap_or(0);
        let mut cell_q = vec![0.0; max_cells];
        // t = 0: NEURON records Qtotal after BEFORE BREAKPOINT zeroed it.
        result.times.push(self.sim.t_ms);
        for d in &mut result.raw_dipoles_fam {
            d.1.push(0.0);
        }
        for _ in 0..n_steps {
            self.detect_spikes(&mut result);
            // VecStims fire as their events are delivered (t + dt/2).
            let til = self.sim.t_ms + 0.5 * self.sim.dt_ms;
            while let Some(&(t, gid)) = self.drive_spikes.last() {
                if t > til {
                    break;
                }
                result.spike_times.push(t);
                result.spike_gids.push(gid);
                self.drive_spikes.pop();
            }
            self.sim.step();
            result.times.push(self.sim.t_ms);
            for (k, &b) in dipole_pops.iter().enumerate() {
                let batch = &self.sim.batches[b];
                batch.dipoles(&mut cell_q);
                let total = cell_q[..batch.n_cells].iter().fold(0.0, |acc, q| acc + q);
                result.raw_dipoles_fam[k].1.push(total);
            }
        }
        result
    }

    /// `NetCvode::check_thresh` at the start of a step: an upward crossing
    /// of the threshold at the soma is a spike at t + 1e-10 ms.
    fn detect_spikes(&mut self, result: &mut TrialResult) {
        let t = self.sim.t_ms;
        for (b, pop) in self.net.populations.iter().enumerate() {
            let batch = &self.sim.batches[b];
            let soma = self.soma_nodes[b];
            for cell in 0..batch.n_cells {
                let over = batch.voltage(soma, cell) - self.net.threshold > 0.0;
                let flag = &mut self.above[b][cell];
                if over && !*flag {
                    let gid = pop.gid_start + cell;
                    let ts = t + THRESHOLD_TIME_EPS_MS;
                    result.spike_times.push(ts);
                    result.spike_gids.push(gid);
                    if let Some(ncs) = self.outgoing.get(&gid) {
                        for nc in ncs {
                            self.sim
                                .events
                                .push(ts + nc.delay_ms, nc.target, nc.weight_us);
                        }
                    }
                }
                *flag = over;
            }
        }
    }
}

/// When a VecStim (hnn-core's vecevent.mod) fires for each of its event
/// times: from each event it schedules the next with `net_send(etime - t)`,
/// which nocmodl emits as `t + etime - t`, i.e. `(t + etime) - t`, so a
/// firing time can differ from `etime` in the last bit.
fn vecstim_firing_times(event_times: &[f64]) -> Vec<f64> {
    let mut t = 0.0;
    event_times
        .iter()
        .map(|&etime| {
            t = (t + etime) - t;
            t
        })
        .collect()
}
