//! One trial of a network simulation, as hnn-core's `_simulate_single_trial`
//! runs it on NEURON: cells of each type in a [`CellBatch`], NetCons from
//! spike sources to synapses, drive cells (VecStim) playing their event
//! times, spike detection at the soma with NEURON's threshold semantics,
//! and the per-layer dipole. Several independent networks of the same cell
//! templates can run as one ([`NetworkSimulation::new_batch`]), each with
//! its own results.

use std::collections::HashMap;
use std::ops::ControlFlow;
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

/// Steps between two calls of the poll hook of
/// [`NetworkSimulation::run_polling`] (a few ms of wall time on a 3x3 mesh).
pub const POLL_STEPS: usize = 64;

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
    /// Recorded voltages ([`NetworkSimulation::record_vsec`]), by gid, then
    /// in the cell's section order; empty when not recorded.
    pub vsec: Vec<VoltageTrace>,
}

/// Which section voltages to record, as hnn-core's `record_vsec`
/// (`simulate_dipole(..., record_vsec='soma' | 'all')`, `Cell.record`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VsecMode {
    /// `'soma'`: the soma of every cell.
    Soma,
    /// `'all'`: every section of every cell, in the cell's section order.
    All,
}

/// The membrane potential of one section of one cell at its middle
/// (`sec(0.5)._ref_v`), at every sample of [`TrialResult::times`] (t = 0
/// included, as NEURON's `Vector.record`). Drive cells have none.
#[derive(Debug, Clone, PartialEq)]
pub struct VoltageTrace {
    pub gid: usize,
    pub section: String,
    pub v_mv: Vec<f64>,
}

/// A threshold crossing: time (ms), gid, and the step at whose start it
/// was detected (to merge several ranks' spikes in NEURON's order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeRecord {
    pub time_ms: f64,
    pub gid: usize,
    pub step: usize,
}

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

/// Where one network of a batch sits in the merged simulation: its gids
/// are `gid_base..gid_base + n_gids`, its cells of population `b` are cells
/// `cell_base[b]..cell_base[b] + n_cells[b]` of batch `b`.
#[derive(Debug, Clone)]
struct Member {
    gid_base: usize,
    n_gids: usize,
    cell_base: Vec<usize>,
    n_cells: Vec<usize>,
}

impl Member {
    fn cells(&self, b: usize) -> std::ops::Range<usize> {
        self.cell_base[b]..self.cell_base[b] + self.n_cells[b]
    }

    fn owns(&self, global_gid: usize) -> bool {
        (self.gid_base..self.gid_base + self.n_gids).contains(&global_gid)
    }
}

/// Whether two networks can share one [`NetworkSimulation`] (see
/// [`NetworkSimulation::new_batch`]): the same populations (names, gid
/// ranges, cell templates), temperature and spike threshold, so that their
/// cells of a type share one [`CellBatch`]. Drives, connections, positions
/// and tonic biases may differ.
pub fn batchable(a: &NetworkDescription, b: &NetworkDescription) -> bool {
    a.populations.len() == b.populations.len()
        && a.populations.iter().zip(&b.populations).all(|(p, q)| {
            p.name == q.name
                && p.gid_start == q.gid_start
                && p.positions.len() == q.positions.len()
                && p.measure_dipole == q.measure_dipole
                && p.template == q.template
        })
        && a.celsius.to_bits() == b.celsius.to_bits()
        && a.threshold.to_bits() == b.threshold.to_bits()
}

/// One trial of one network, or of several independent networks integrated
/// together (a batch: more cells per [`CellBatch`], so the loops over cells
/// vectorise better; each network's numbers are unchanged, bit for bit).
pub struct NetworkSimulation<'a> {
    /// The first network (the only one in a group of ranks): populations,
    /// threshold and the other things every member shares.
    net: &'a NetworkDescription,
    members: Vec<Member>,
    sim: Simulator,
    /// Indexed by global gid (cells and drive cells): outgoing NetCons.
    outgoing: Vec<Vec<NetCon>>,
    /// Soma node of each batch (spike detection at soma(0.5)).
    soma_nodes: Vec<usize>,
    /// Whether each cell is above threshold (`ConditionEvent::flag_`).
    above: Vec<Vec<bool>>,
    /// Drive-cell spikes (time, global gid), latest first, popped as they
    /// fire.
    drive_spikes: Vec<(f64, usize)>,
    tstop_ms: f64,
    /// Global gids of this rank's cells, per population, in gid order
    /// (the members' cells one member after the other).
    local_gids: Vec<Vec<usize>>,
    group: Option<&'a dyn SimGroup>,
    /// Cell spikes detected here since the last exchange (groups only).
    unsent: Vec<SpikeRecord>,
    /// Steps between spike exchanges: the shortest cell-to-cell delay.
    exchange_steps: usize,
    /// Per population: (section name, node of its middle), section order.
    section_mids: Vec<Vec<(String, usize)>>,
    vsec: Option<VsecMode>,
}

impl<'a> NetworkSimulation<'a> {
    /// Build every cell, synapse, NetCon and drive event of trial
    /// `trial_idx` (hnn-core `NetworkBuilder`).
    pub fn new(net: &'a NetworkDescription, trial_idx: usize, tstop_ms: f64, dt_ms: f64) -> Self {
        Self::new_in_group(net, trial_idx, tstop_ms, dt_ms, None)
    }

    /// As [`NetworkSimulation::new`], this rank's share of the cells when a
    /// group of ranks shares the simulation.
    pub fn new_in_group(
        net: &'a NetworkDescription,
        trial_idx: usize,
        tstop_ms: f64,
        dt_ms: f64,
        group: Option<&'a dyn SimGroup>,
    ) -> Self {
        Self::build(&[(net, trial_idx)], tstop_ms, dt_ms, group)
    }

    /// Several independent networks, each with its trial index, in one
    /// simulation: the cells of a type of every network share one batch.
    /// Every pair must be [`batchable`]. [`Self::run_batch`] returns one
    /// result per network, each equal bit for bit to the network's own
    /// simulation: cells are independent lanes of the batch, and events
    /// and sums keep each network's order.
    pub fn new_batch(
        members: &[(&'a NetworkDescription, usize)],
        tstop_ms: f64,
        dt_ms: f64,
    ) -> Self {
        assert!(!members.is_empty(), "a batch of no networks");
        assert!(
            members.iter().all(|(n, _)| batchable(members[0].0, n)),
            "networks of a batch must share populations and templates"
        );
        Self::build(members, tstop_ms, dt_ms, None)
    }

    fn build(
        nets: &[(&'a NetworkDescription, usize)],
        tstop_ms: f64,
        dt_ms: f64,
        group: Option<&'a dyn SimGroup>,
    ) -> Self {
        let net = nets[0].0;
        let (rank, size) = group.map_or((0, 1), |g| (g.rank(), g.size()));
        assert!(
            size == 1 || nets.len() == 1,
            "a group of ranks runs one network"
        );
        // Round-robin by gid: every type is spread evenly over the ranks.
        let own = |p: &crate::network::description::CellPopulation| -> Vec<usize> {
            (p.gid_start..p.gid_start + p.positions.len())
                .filter(|g| g % size == rank)
                .collect()
        };
        let mut members: Vec<Member> = Vec::with_capacity(nets.len());
        let mut local_gids: Vec<Vec<usize>> = vec![Vec::new(); net.populations.len()];
        let mut gid_base = 0;
        for (m_net, _) in nets {
            let mut cell_base = Vec::new();
            let mut n_cells = Vec::new();
            for (b, p) in m_net.populations.iter().enumerate() {
                let gids = own(p);
                cell_base.push(local_gids[b].len());
                n_cells.push(gids.len());
                local_gids[b].extend(gids.iter().map(|g| gid_base + g));
            }
            members.push(Member {
                gid_base,
                n_gids: m_net.n_gids,
                cell_base,
                n_cells,
            });
            gid_base += m_net.n_gids;
        }
        let total_gids = gid_base;
        let mut layouts: HashMap<String, Arc<CellLayout>> = HashMap::new();
        let mut batches = Vec::new();
        let mut soma_nodes = Vec::new();
        let mut section_mids = Vec::new();
        for (b, pop) in net.populations.iter().enumerate() {
            let layout = Arc::new(CellLayout::new(&pop.template));
            section_mids.push(
                pop.template
                    .sections
                    .iter()
                    .map(|s| {
                        let node = layout.section(&s.name).expect("section").node_at(0.5);
                        (s.name.clone(), node)
                    })
                    .collect(),
            );
            let soma = layout.section("soma").expect("soma").node_at(0.5);
            let mut batch = CellBatch::new(layout.clone(), local_gids[b].len(), net.celsius, dt_ms);
            for ((m_net, _), member) in nets.iter().zip(&members) {
                for bias in m_net
                    .tonic_biases
                    .iter()
                    .filter(|x| x.cell_type == pop.name)
                {
                    let node = layout
                        .section(&bias.section)
                        .expect("bias section")
                        .node_at(0.5);
                    let stop = bias.tstop.unwrap_or(tstop_ms);
                    for cell in member.cells(b) {
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
            }
            layouts.insert(pop.name.clone(), layout);
            soma_nodes.push(soma);
            batches.push(batch);
        }
        // This rank's cells: global gid -> (batch, cell).
        let mut local: Vec<Option<(usize, usize)>> = vec![None; total_gids];
        for (b, gids) in local_gids.iter().enumerate() {
            for (c, &g) in gids.iter().enumerate() {
                local[g] = Some((b, c));
            }
        }
        // NetCons in hnn-core's `_connect_celltypes` order, by source gid
        // (gids are dense: a vector, not a hash map).
        let mut outgoing: Vec<Vec<NetCon>> = vec![Vec::new(); total_gids];
        for ((m_net, _), member) in nets.iter().zip(&members) {
            let base = member.gid_base;
            for conn in &m_net.connections {
                let layout = &layouts[&conn.target_type];
                let tpl = &m_net.population(&conn.target_type).unwrap().template;
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
                    let src_pos = m_net.position(*src);
                    for &target in targets {
                        let Some((b, cell)) = local[base + target] else {
                            continue;
                        };
                        let pop = &m_net.populations[b];
                        let (weight, delay) = gaussian_connection(
                            src_pos,
                            pop.positions[target - pop.gid_start],
                            &conn.params,
                            m_net.inplane_distance,
                        );
                        for &site in &sites {
                            outgoing[base + *src].push(NetCon {
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
        }
        let mut sim = Simulator::new(batches, dt_ms);
        // Drive cells: a VecStim fires at each event time; its NetCons
        // deliver at time + delay.
        let mut drive_spikes = Vec::new();
        for ((m_net, trial_idx), member) in nets.iter().zip(&members) {
            for drive in &m_net.drives {
                let events = drive.event_times(m_net, *trial_idx, tstop_ms);
                for (offset, event_times) in events.iter().enumerate() {
                    let gid = member.gid_base + drive.gid_start + offset;
                    let times = vecstim_firing_times(event_times);
                    drive_spikes.extend(times.iter().map(|&t| (t, gid)));
                    let Some(ncs) = outgoing.get(gid) else {
                        continue;
                    };
                    for &t in &times {
                        for nc in ncs {
                            sim.queue_event(t + nc.delay_ms, nc.target, nc.weight_us);
                        }
                    }
                }
            }
        }
        // Recorded when each VecStim fires, in time order (stable for ties),
        // by the group's first rank.
        drive_spikes.sort_by(|a, b| a.0.total_cmp(&b.0));
        drive_spikes.reverse();
        if rank != 0 {
            drive_spikes.clear();
        }
        let above = local_gids.iter().map(|g| vec![false; g.len()]).collect();
        // A spike reaches no target sooner than the shortest delay between
        // cells (drive events are all queued already), so exchanging the
        // group's spikes that often is exact.
        let min_delay = net
            .connections
            .iter()
            .filter(|c| net.population(&c.src_type).is_some())
            .map(|c| c.params.a_delay)
            .fold(f64::INFINITY, f64::min);
        let exchange_steps = if min_delay.is_finite() {
            ((min_delay / dt_ms).floor() as usize).max(1)
        } else {
            usize::MAX
        };
        NetworkSimulation {
            net,
            members,
            sim,
            outgoing,
            soma_nodes,
            above,
            drive_spikes,
            tstop_ms,
            local_gids,
            group: group.filter(|g| g.size() > 1),
            unsent: Vec::new(),
            exchange_steps,
            section_mids,
            vsec: None,
        }
    }

    /// Gating states advanced by `cnexp` each step, over every cell
    /// ([`CellBatch::n_gate_states`]).
    pub fn n_gate_states(&self) -> usize {
        self.sim.batches.iter().map(CellBatch::n_gate_states).sum()
    }

    /// Record section voltages during [`NetworkSimulation::run`] (every rank
    /// of a group must ask for the same).
    pub fn record_vsec(mut self, mode: Option<VsecMode>) -> Self {
        self.vsec = mode;
        self
    }

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

    /// Append the current voltage of every recorded section to `traces`
    /// (`[population][cell * n_recorded + k]`).
    fn sample_vsec(&self, rec: &[Vec<(String, usize)>], traces: &mut [Vec<Vec<f64>>]) {
        for (b, secs) in rec.iter().enumerate() {
            if secs.is_empty() {
                // Nothing recorded (the usual case): no per-cell loop each step.
                continue;
            }
            let batch = &self.sim.batches[b];
            for cell in 0..batch.n_cells {
                for (k, (_, node)) in secs.iter().enumerate() {
                    traces[b][cell * secs.len() + k].push(batch.voltage(*node, cell));
                }
            }
        }
    }

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
        self.sim.initialize();
        let n_steps = (self.tstop_ms / self.sim.dt_ms).round() as usize;
        let dipole_pops: Vec<usize> = (0..self.net.populations.len())
            .filter(|&b| self.net.populations[b].measure_dipole)
            .collect();
        let mut result = TrialResult {
            times: Vec::with_capacity(n_steps + 1),
            ..Default::default()
        };
        // One rank (its cells in gid order) sums each sample over each
        // network's cells as it goes: the same additions, in the same
        // order, as the per-type sum at the end (NEURON's Vector.add),
        // without keeping a trace per cell.
        let sum_as_we_go = self.group.is_none();
        // Per local cell of each dipole population (or one running sum per
        // network): its dipole at every sample (t = 0: NEURON records
        // Qtotal just after BEFORE BREAKPOINT zeroed it).
        let mut traces: Vec<Vec<Vec<f64>>> = dipole_pops
            .iter()
            .map(|&b| {
                let n_traces = if sum_as_we_go {
                    self.members.len()
                } else {
                    self.local_gids[b].len()
                };
                let mut v = vec![Vec::with_capacity(n_steps + 1); n_traces];
                v.iter_mut().for_each(|t| t.push(0.0));
                v
            })
            .collect();
        let max_cells = self.local_gids.iter().map(Vec::len).max().unwrap_or(0);
        let mut cell_q = vec![0.0; max_cells];
        let mut spikes: Vec<(SpikeRecord, bool)> = Vec::new();
        result.times.push(self.sim.t_ms);
        let rec = self.recorded_sections();
        let mut vsec: Vec<Vec<Vec<f64>>> = rec
            .iter()
            .zip(&self.local_gids)
            .map(|(secs, gids)| vec![Vec::with_capacity(n_steps + 1); secs.len() * gids.len()])
            .collect();
        self.sample_vsec(&rec, &mut vsec);
        for step in 0..n_steps {
            if step % POLL_STEPS == 0 {
                let mut stop = poll(self.sim.t_ms).is_break();
                if let Some(group) = self.group {
                    stop = group.any(stop);
                }
                if stop {
                    return Err(Abandoned {
                        t_ms: self.sim.t_ms,
                    });
                }
            }
            self.detect_spikes(step, &mut spikes);
            if self.group.is_some() && (step % self.exchange_steps == 0 || step + 1 == n_steps) {
                self.exchange_spikes();
            }
            // VecStims fire as their events are delivered (t + dt/2).
            let til = self.sim.t_ms + 0.5 * self.sim.dt_ms;
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
            self.sim.step();
            result.times.push(self.sim.t_ms);
            self.sample_vsec(&rec, &mut vsec);
            for (k, &b) in dipole_pops.iter().enumerate() {
                let batch = &self.sim.batches[b];
                batch.dipoles(&mut cell_q);
                if sum_as_we_go {
                    for (member, trace) in self.members.iter().zip(&mut traces[k]) {
                        let mut total = 0.0;
                        for &q in &cell_q[member.cells(b)] {
                            total += q;
                        }
                        trace.push(total);
                    }
                } else {
                    for (trace, &q) in traces[k].iter_mut().zip(&cell_q[..batch.n_cells]) {
                        trace.push(q);
                    }
                }
            }
        }
        // Per-type sums over cells in gid order, as NEURON's Vector.add.
        let sum_in_gid_order = |cells: Vec<(usize, &[f64])>| {
            let mut cells = cells;
            cells.sort_by_key(|c| c.0);
            let mut total = vec![0.0; n_steps + 1];
            for (_, trace) in cells {
                for (t, q) in total.iter_mut().zip(trace) {
                    *t += q;
                }
            }
            total
        };
        Ok(match self.group {
            None => {
                let mut results = Vec::with_capacity(self.members.len());
                for (m, member) in self.members.iter().enumerate() {
                    let mut r = TrialResult {
                        times: result.times.clone(),
                        ..Default::default()
                    };
                    for (k, &b) in dipole_pops.iter().enumerate() {
                        r.raw_dipoles_fam.push((
                            self.net.populations[b].name.clone(),
                            std::mem::take(&mut traces[k][m]),
                        ));
                    }
                    for (s, _) in spikes.iter().filter(|(s, _)| member.owns(s.gid)) {
                        r.spike_times.push(s.time_ms);
                        r.spike_gids.push(s.gid - member.gid_base);
                    }
                    // Cells in gid order; a network's cells of a type are
                    // in gid order in their batch, types in gid order.
                    for (b, secs) in rec.iter().enumerate() {
                        let n = secs.len();
                        for c in member.cells(b) {
                            for (k, (name, _)) in secs.iter().enumerate() {
                                r.vsec.push(VoltageTrace {
                                    gid: self.local_gids[b][c] - member.gid_base,
                                    section: name.clone(),
                                    v_mv: std::mem::take(&mut vsec[b][c * n + k]),
                                });
                            }
                        }
                    }
                    r.vsec.sort_by_key(|t| t.gid); // stable: section order
                    results.push(r);
                }
                results
            }
            Some(group) => {
                // Traces: [gid, samples...] per cell; spikes: (time, gid,
                // step, drive) per spike.
                let mut flat = Vec::new();
                for (k, &b) in dipole_pops.iter().enumerate() {
                    for (&gid, trace) in self.local_gids[b].iter().zip(&traces[k]) {
                        flat.push(k as f64);
                        flat.push(gid as f64);
                        flat.extend_from_slice(trace);
                    }
                }
                let mut flat_spikes = Vec::with_capacity(4 * spikes.len());
                for (s, drive) in &spikes {
                    flat_spikes.extend([
                        s.time_ms,
                        s.gid as f64,
                        s.step as f64,
                        f64::from(u8::from(*drive)),
                    ]);
                }
                let all_traces = group.gather_f64(&flat);
                let all_spikes = group.gather_f64(&flat_spikes);
                // Voltages: [gid, recorded sections' samples...] per cell.
                let all_vsec = if self.vsec.is_some() {
                    let mut flat = Vec::new();
                    for (b, gids) in self.local_gids.iter().enumerate() {
                        let n = rec[b].len();
                        for (c, &gid) in gids.iter().enumerate() {
                            flat.push(gid as f64);
                            for trace in &vsec[b][c * n..(c + 1) * n] {
                                flat.extend_from_slice(trace);
                            }
                        }
                        vsec[b].clear();
                    }
                    group.gather_f64(&flat)
                } else {
                    None
                };
                let (Some(all_traces), Some(all_spikes)) = (all_traces, all_spikes) else {
                    return Ok(vec![TrialResult::default()]);
                };
                if let Some(all_vsec) = all_vsec {
                    result.vsec = self.assemble_vsec(&rec, &all_vsec, n_steps + 1);
                }
                let len = n_steps + 1;
                for (k, &b) in dipole_pops.iter().enumerate() {
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
                        sum_in_gid_order(cells),
                    ));
                }
                // NEURON's order: by step; cells (in gid order) before the
                // drive cells that fire during the step (in firing order).
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
                vec![result]
            }
        })
    }

    /// The group's gathered voltages (`[gid, samples of each recorded
    /// section...]` per cell, from every rank) in gid order.
    fn assemble_vsec(
        &self,
        rec: &[Vec<(String, usize)>],
        all: &[Vec<f64>],
        len: usize,
    ) -> Vec<VoltageTrace> {
        let mut cells: Vec<(usize, &[f64])> = Vec::new();
        for data in all {
            let mut rest = &data[..];
            while let Some((&gid, tail)) = rest.split_first() {
                let gid = gid as usize;
                let b = self.net.population_index_of(gid).expect("a cell gid");
                let n = rec[b].len() * len;
                cells.push((gid, &tail[..n]));
                rest = &tail[n..];
            }
        }
        cells.sort_unstable_by_key(|c| c.0);
        let mut out = Vec::new();
        for (gid, samples) in cells {
            let b = self.net.population_index_of(gid).expect("a cell gid");
            for ((name, _), v) in rec[b].iter().zip(samples.chunks_exact(len)) {
                out.push(VoltageTrace {
                    gid,
                    section: name.clone(),
                    v_mv: v.to_vec(),
                });
            }
        }
        out
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

    /// `NetCvode::check_thresh` at the start of a step: an upward crossing
    /// of the threshold at the soma is a spike at t + 1e-10 ms. Alone, its
    /// events are queued at once; in a group, at the next exchange.
    fn detect_spikes(&mut self, step: usize, spikes: &mut Vec<(SpikeRecord, bool)>) {
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
