//! One trial of a network simulation, as hnn-core's `_simulate_single_trial`
//! runs it on NEURON: cells of each type in a [`CellBatch`], NetCons from
//! spike sources to synapses, drive cells (VecStim) playing their event
//! times, spike detection at the soma with NEURON's threshold semantics,
//! and the per-layer dipole. Several independent networks of the same cell
//! templates can run as one ([`NetworkSimulation::new_batch`]), each with
//! its own results; a group of ranks can share one network
//! ([`NetworkSimulation::new_in_group`]). docs/engine.md describes it.
//!
//! - this file: [`NetworkSimulation`], what its parts share (the members
//!   of a batch, NetCons).
//! - [`build`]: building a trial: cells, tonic biases, NetCons, drive
//!   events ([`NetworkSimulation::new`], [`batchable`], [`BuildError`]).
//! - [`time_loop`]: the run, phase by phase in NEURON's step order
//!   ([`NetworkSimulation::run`], [`Abandoned`]).
//! - [`spikes`]: threshold detection, drive-cell firing, spike exchange.
//! - [`recording`]: dipoles and section voltages sampled each step, and each
//!   network's [`TrialResult`] on one rank.
//! - [`extracellular`]: the electrode arrays' potential ([`ArrayLfp`]),
//!   summed in fixed point so that it does not depend on the rank layout.
//! - [`group`]: a group of ranks sharing a simulation ([`SimGroup`]) and the
//!   merge of its ranks' results.
//! - [`results`]: what a trial yields ([`TrialResult`], [`VoltageTrace`],
//!   [`SpikeRecord`], [`VsecMode`]).

pub mod build;
pub mod extracellular;
pub mod group;
pub mod recording;
pub mod results;
pub mod spikes;
pub mod time_loop;

pub use build::{batchable, BuildError};
pub use extracellular::ArrayLfp;
pub use group::SimGroup;
pub use results::{SpikeRecord, TrialResult, VoltageTrace, VsecMode};
pub use time_loop::{Abandoned, POLL_STEPS};

use super::cell_batch::CellBatch;
use super::events::SynapseTarget;
use super::simulator::Simulator;
use crate::network::description::NetworkDescription;

/// One outgoing NetCon of a spike source.
#[derive(Debug, Clone, Copy)]
struct NetCon {
    target: SynapseTarget,
    /// µS.
    weight_us: f64,
    /// ms.
    delay_ms: f64,
}

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
    /// The electrode arrays' recorder, when a network has arrays.
    lfp: Option<extracellular::LfpRecorder>,
}

impl NetworkSimulation<'_> {
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
}
