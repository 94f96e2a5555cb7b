//! Building one trial (hnn-core's `NetworkBuilder`): this rank's cells of
//! each type in a [`CellBatch`], tonic biases as `IClamp`s, NetCons in
//! `_connect_celltypes` order, every drive cell's events queued before
//! t = 0 (docs/engine.md, §3 Initialisation, step 1-2; §6 Batches and
//! groups of ranks).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::{Member, NetCon, NetworkSimulation, SimGroup};
use crate::engine::cell_batch::CellBatch;
use crate::engine::events::SynapseTarget;
use crate::engine::iclamp::IClamp;
use crate::engine::layout::CellLayout;
use crate::engine::simulator::Simulator;
use crate::network::description::{gaussian_connection, CellPopulation, NetworkDescription};

/// Why a trial could not be built. The network builders validate what a
/// user writes, so none of these arises from a config or an hnn-core file;
/// they are a caller's mistake (or a network built by hand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// [`NetworkSimulation::new_batch`] of no networks.
    EmptyBatch,
    /// Networks of a batch that are not [`batchable`].
    NotBatchable,
    /// A group of ranks given several networks (a group runs one).
    GroupOfSeveral,
    /// A cell type's template has no section of this name (the soma, a
    /// tonic bias's section).
    NoSection { cell_type: String, section: String },
    /// A connection names a target cell type the network does not have.
    NoCellType(String),
    /// A connection targets a receptor a section has no synapse for.
    NoSynapse {
        cell_type: String,
        section: String,
        receptor: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::EmptyBatch => write!(f, "a batch of no networks"),
            BuildError::NotBatchable => {
                write!(
                    f,
                    "networks of a batch must share populations and templates"
                )
            }
            BuildError::GroupOfSeveral => write!(f, "a group of ranks runs one network"),
            BuildError::NoSection { cell_type, section } => {
                write!(f, "cell type {cell_type} has no section {section}")
            }
            BuildError::NoCellType(name) => write!(f, "no cell type {name} in the network"),
            BuildError::NoSynapse {
                cell_type,
                section,
                receptor,
            } => write!(
                f,
                "cell type {cell_type} has no {receptor} synapse on section {section}"
            ),
        }
    }
}

impl std::error::Error for BuildError {}

/// Whether two networks can share one [`NetworkSimulation`] (see
/// [`NetworkSimulation::new_batch`]): the same populations (names, gid
/// ranges, cell templates), temperature, numerics and spike threshold, so that their
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
        && a.numerics == b.numerics
        && a.threshold.to_bits() == b.threshold.to_bits()
}

/// The node of `section(0.5)` of a cell type.
fn mid_node(layout: &CellLayout, section: &str) -> Result<usize, BuildError> {
    layout
        .section(section)
        .map(|s| s.node_at(0.5))
        .ok_or_else(|| BuildError::NoSection {
            cell_type: layout.cell_type.clone(),
            section: section.to_string(),
        })
}

impl<'a> NetworkSimulation<'a> {
    /// Build every cell, synapse, NetCon and drive event of trial
    /// `trial_idx` (hnn-core `NetworkBuilder`). Panics on a
    /// [`BuildError`] ([`Self::try_new`] returns it).
    pub fn new(net: &'a NetworkDescription, trial_idx: usize, tstop_ms: f64, dt_ms: f64) -> Self {
        Self::new_in_group(net, trial_idx, tstop_ms, dt_ms, None)
    }

    /// [`Self::new`], the error returned.
    pub fn try_new(
        net: &'a NetworkDescription,
        trial_idx: usize,
        tstop_ms: f64,
        dt_ms: f64,
    ) -> Result<Self, BuildError> {
        Self::try_new_in_group(net, trial_idx, tstop_ms, dt_ms, None)
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
        Self::try_new_in_group(net, trial_idx, tstop_ms, dt_ms, group)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Self::new_in_group`], the error returned.
    pub fn try_new_in_group(
        net: &'a NetworkDescription,
        trial_idx: usize,
        tstop_ms: f64,
        dt_ms: f64,
        group: Option<&'a dyn SimGroup>,
    ) -> Result<Self, BuildError> {
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
        Self::try_new_batch(members, tstop_ms, dt_ms).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Self::new_batch`], the error returned.
    pub fn try_new_batch(
        members: &[(&'a NetworkDescription, usize)],
        tstop_ms: f64,
        dt_ms: f64,
    ) -> Result<Self, BuildError> {
        let Some(&(first, _)) = members.first() else {
            return Err(BuildError::EmptyBatch);
        };
        if !members.iter().all(|(n, _)| batchable(first, n)) {
            return Err(BuildError::NotBatchable);
        }
        Self::build(members, tstop_ms, dt_ms, None)
    }

    fn build(
        nets: &[(&'a NetworkDescription, usize)],
        tstop_ms: f64,
        dt_ms: f64,
        group: Option<&'a dyn SimGroup>,
    ) -> Result<Self, BuildError> {
        let net = nets[0].0;
        let (rank, size) = group.map_or((0, 1), |g| (g.rank(), g.size()));
        if size != 1 && nets.len() != 1 {
            return Err(BuildError::GroupOfSeveral);
        }
        let (members, local_gids) = place_members(nets, rank, size);
        let total_gids = members.iter().map(|m| m.n_gids).sum();
        let mut layouts: HashMap<String, Arc<CellLayout>> = HashMap::new();
        let mut batches = Vec::new();
        let mut soma_nodes = Vec::new();
        for (b, pop) in net.populations.iter().enumerate() {
            let layout = Arc::new(CellLayout::new(&pop.template));
            let soma = mid_node(&layout, "soma")?;
            let mut batch = CellBatch::with_numerics(
                layout.clone(),
                local_gids[b].len(),
                net.celsius,
                dt_ms,
                net.numerics,
            );
            add_tonic_biases(&mut batch, nets, &members, b, pop, tstop_ms)?;
            layouts.insert(pop.name.clone(), layout);
            soma_nodes.push(soma);
            batches.push(batch);
        }
        let lfp = super::extracellular::LfpRecorder::new(nets, &members, &local_gids, &mut batches);
        let outgoing = connect(nets, &members, &local_gids, total_gids, &layouts)?;
        let mut sim = Simulator::new(batches, dt_ms);
        let mut drive_spikes = queue_drive_events(&mut sim, nets, &members, &outgoing, tstop_ms);
        // Recorded by the group's first rank.
        if rank != 0 {
            drive_spikes.clear();
        }
        let above = local_gids.iter().map(|g| vec![false; g.len()]).collect();
        Ok(NetworkSimulation {
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
            exchange_steps: exchange_steps(net, dt_ms),
            vsec: None,
            isec: None,
            ca: None,
            lfp,
        })
    }
}

/// Where each network's gids and this rank's cells go: one [`Member`] per
/// network (gids one network after the other), and per population the
/// global gids of this rank's cells. Round-robin by gid over the `size`
/// ranks of a group: every type is spread evenly.
fn place_members(
    nets: &[(&NetworkDescription, usize)],
    rank: usize,
    size: usize,
) -> (Vec<Member>, Vec<Vec<usize>>) {
    let own = |p: &CellPopulation| -> Vec<usize> {
        (p.gid_start..p.gid_start + p.positions.len())
            .filter(|g| g % size == rank)
            .collect()
    };
    let mut members: Vec<Member> = Vec::with_capacity(nets.len());
    let mut local_gids: Vec<Vec<usize>> = vec![Vec::new(); nets[0].0.populations.len()];
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
    (members, local_gids)
}

/// Every network's tonic biases on population `b` as `IClamp`s at
/// `section(0.5)`, `del = t0`, `dur = tstop - t0` (hnn-core
/// `_create_cell_bias`).
fn add_tonic_biases(
    batch: &mut CellBatch,
    nets: &[(&NetworkDescription, usize)],
    members: &[Member],
    b: usize,
    pop: &CellPopulation,
    tstop_ms: f64,
) -> Result<(), BuildError> {
    let layout = batch.layout.clone();
    for ((m_net, _), member) in nets.iter().zip(members) {
        for bias in m_net
            .tonic_biases
            .iter()
            .filter(|x| x.cell_type == pop.name)
        {
            let node = mid_node(&layout, &bias.section)?;
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
    Ok(())
}

/// NetCons in hnn-core's `_connect_celltypes` order, by source gid (gids
/// are dense: a vector, not a hash map), onto this rank's cells; weight and
/// delay from `_get_gaussian_connection`.
fn connect(
    nets: &[(&NetworkDescription, usize)],
    members: &[Member],
    local_gids: &[Vec<usize>],
    total_gids: usize,
    layouts: &HashMap<String, Arc<CellLayout>>,
) -> Result<Vec<Vec<NetCon>>, BuildError> {
    // This rank's cells: global gid -> (batch, cell).
    let mut local: Vec<Option<(usize, usize)>> = vec![None; total_gids];
    for (b, gids) in local_gids.iter().enumerate() {
        for (c, &g) in gids.iter().enumerate() {
            local[g] = Some((b, c));
        }
    }
    let mut outgoing: Vec<Vec<NetCon>> = vec![Vec::new(); total_gids];
    for ((m_net, _), member) in nets.iter().zip(members) {
        let base = member.gid_base;
        for conn in &m_net.connections {
            let no_type = || BuildError::NoCellType(conn.target_type.clone());
            let layout = layouts.get(&conn.target_type).ok_or_else(no_type)?;
            let tpl = &m_net
                .population(&conn.target_type)
                .ok_or_else(no_type)?
                .template;
            let sections = tpl
                .location_sections(&conn.loc)
                .unwrap_or_else(|| vec![conn.loc.clone()]);
            let sites: Vec<usize> = sections
                .iter()
                .map(|s| {
                    layout
                        .synapse_index(s, &conn.receptor)
                        .ok_or_else(|| BuildError::NoSynapse {
                            cell_type: conn.target_type.clone(),
                            section: s.clone(),
                            receptor: conn.receptor.clone(),
                        })
                })
                .collect::<Result<_, _>>()?;
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
    Ok(outgoing)
}

/// Drive cells: a VecStim fires at each event time of this trial; for each
/// firing and each of its NetCons an event is queued at time + delay.
/// Returns the drive spikes (time, global gid) to record as they fire,
/// latest first (time order, stable for ties, reversed to pop).
fn queue_drive_events(
    sim: &mut Simulator,
    nets: &[(&NetworkDescription, usize)],
    members: &[Member],
    outgoing: &[Vec<NetCon>],
    tstop_ms: f64,
) -> Vec<(f64, usize)> {
    let mut drive_spikes = Vec::new();
    for ((m_net, trial_idx), member) in nets.iter().zip(members) {
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
    drive_spikes.sort_by(|a, b| a.0.total_cmp(&b.0));
    drive_spikes.reverse();
    drive_spikes
}

/// Steps between a group's spike exchanges: a spike reaches no target
/// sooner than the shortest delay between cells (drive events are all
/// queued already), so exchanging that often is exact.
fn exchange_steps(net: &NetworkDescription, dt_ms: f64) -> usize {
    let min_delay = net
        .connections
        .iter()
        .filter(|c| net.population(&c.src_type).is_some())
        .map(|c| c.params.a_delay)
        .fold(f64::INFINITY, f64::min);
    if min_delay.is_finite() {
        ((min_delay / dt_ms).floor() as usize).max(1)
    } else {
        usize::MAX
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
