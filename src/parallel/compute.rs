//! What one rank computes of the work it is handed: alone, a batch of
//! small networks integrated together; as a group's first rank
//! (`ranks_per_sim`), one simulation at a time, telling the group's other
//! ranks which.

use std::ops::ControlFlow;

use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, Root};

use super::rank_group::MpiGroup;
use super::wire::STOP;
use crate::engine::network_sim::Abandoned;
use crate::output::SimResult;
use crate::sweep::SweepPlan;

/// Run simulations `sims`: alone, integrated together in batches of small
/// networks; as a group's first rank (`ranks_per_sim`, one simulation at a
/// time), telling the others which to compute with it. `poll` is called
/// every few milliseconds of simulation; when it breaks, the simulations
/// under way are abandoned: the results of those that finished, and where
/// it stopped.
pub(super) fn simulate(
    plan: &SweepPlan,
    sims: &[usize],
    group: Option<&SimpleCommunicator>,
    poll: &mut dyn FnMut(f64) -> ControlFlow<()>,
) -> (Vec<SimResult>, Option<Abandoned>) {
    let Some(g) = group else {
        return plan.simulate_batch_until(sims, poll);
    };
    let mut results = Vec::with_capacity(sims.len());
    for &sim in sims {
        let mut s = sim as u64;
        g.process_at_rank(0).broadcast_into(&mut s);
        match plan.simulate_until(sim, Some(&MpiGroup(g)), poll) {
            Ok(r) => results.push(r),
            Err(abandoned) => return (results, Some(abandoned)),
        }
    }
    (results, None)
}

/// Simulations one rank runs in one pass: a batch of small networks, one
/// simulation with `ranks_per_sim`.
pub(super) fn batch_capacity(plan: &SweepPlan, group: Option<&SimpleCommunicator>) -> usize {
    if group.is_some() {
        1
    } else {
        plan.batch_capacity
    }
}

pub(super) fn stop_members(group: Option<&SimpleCommunicator>) {
    if let Some(g) = group {
        let mut s = STOP;
        g.process_at_rank(0).broadcast_into(&mut s);
    }
}

/// A poll hook's answer: stop when `stop`.
pub(super) fn flow(stop: bool) -> ControlFlow<()> {
    if stop {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}
