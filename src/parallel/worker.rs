//! The ranks other than 0: a worker (the first rank of each other group)
//! asks rank 0 for work, runs it and sends the results back, until told to
//! stop; a group's other ranks compute with their first rank.

use mpi::point_to_point::{Destination, Source};
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, Root};

use super::compute::{batch_capacity, flow, simulate, stop_members};
use super::rank_group::MpiGroup;
use super::wire::{
    self, STOP, STOPPED_BY_GROUP, STOPPED_BY_ROOT, STOP_SENT, TAG_REQUEST, TAG_RESULT, TAG_STOP,
    TAG_WORK,
};
use super::Interruption;
use crate::sweep::SweepPlan;

/// A group's other ranks: compute what the group's first rank announces.
/// A signal here stops the group's simulation (the group decides together,
/// [`crate::engine::network_sim::SimGroup::any`]); the first rank then
/// tells rank 0 and, later, us to stop.
pub fn run_member(plan: &SweepPlan, group: &SimpleCommunicator, stops: &dyn Interruption) {
    loop {
        let mut sim = 0u64;
        group.process_at_rank(0).broadcast_into(&mut sim);
        if sim == STOP {
            return;
        }
        let poll = &mut |_| flow(stops.received() != 0);
        // Abandoned: the first rank stops too; wait for its STOP.
        let _ = plan.simulate_until(sim as usize, Some(&MpiGroup(group)), poll);
    }
}

/// First ranks of the other groups: ask for work, run it, send results,
/// until told to stop.
pub fn run_worker(
    plan: &SweepPlan,
    world: &SimpleCommunicator,
    group: Option<&SimpleCommunicator>,
    stops: &dyn Interruption,
) {
    run_worker_inner(plan, world, group, stops);
    stop_members(group);
}

/// A worker's view of a stop: its own signal, or rank 0's [`TAG_STOP`].
struct WorkerStop<'a> {
    world: &'a SimpleCommunicator,
    stops: &'a dyn Interruption,
    /// Received rank 0's [`TAG_STOP`].
    told: bool,
    /// Why this worker stopped (a request's first byte), 0 while it runs.
    why: u8,
}

impl WorkerStop<'_> {
    /// Whether to stop now (and remember why).
    fn check(&mut self) -> bool {
        if self.why != 0 {
            return true;
        }
        if !self.told
            && self
                .world
                .process_at_rank(0)
                .immediate_probe_with_tag(TAG_STOP)
                .is_some()
        {
            self.world
                .process_at_rank(0)
                .receive_vec_with_tag::<u8>(TAG_STOP);
            self.told = true;
        }
        let sig = self.stops.received();
        self.why = if sig != 0 {
            u8::try_from(sig).unwrap_or(STOPPED_BY_GROUP)
        } else if self.told {
            STOPPED_BY_ROOT
        } else {
            0
        };
        self.why != 0
    }
}

fn run_worker_inner(
    plan: &SweepPlan,
    world: &SimpleCommunicator,
    group: Option<&SimpleCommunicator>,
    stops: &dyn Interruption,
) {
    let root = world.process_at_rank(0);
    let batch = batch_capacity(plan, group);
    let mut last_result: Vec<u8> = Vec::new();
    let mut stop = WorkerStop {
        world,
        stops,
        told: false,
        why: 0,
    };
    loop {
        let mut request = vec![stop.why];
        request.append(&mut last_result);
        root.send_with_tag(&request[..], TAG_REQUEST);
        let (work, _) = root.receive_vec_with_tag::<u64>(TAG_WORK);
        if work == [STOP_SENT] && !stop.told {
            // Rank 0 sent a stop before this answer: receive it, so that
            // no message is left behind at MPI_Finalize.
            root.receive_vec_with_tag::<u8>(TAG_STOP);
        }
        if work.is_empty() || work == [STOP_SENT] {
            return;
        }
        let work: Vec<usize> = work.iter().map(|&s| s as usize).collect();
        // One message per batch (rank 0 answers between its own steps: one
        // wait per batch, not per simulation); the chunk's last batch
        // travels with the next request.
        let mut results = Vec::new();
        for sims in work.chunks(batch) {
            if stop.check() {
                // Hand the rest back: rank 0 stops scheduling.
                break;
            }
            if !results.is_empty() {
                root.send_with_tag(&wire::encode_all(&results)[..], TAG_RESULT);
            }
            let abandoned;
            (results, abandoned) = simulate(plan, sims, group, &mut |_| flow(stop.check()));
            if abandoned.is_some() {
                if stop.why == 0 {
                    // Another rank of this group was interrupted.
                    stop.why = STOPPED_BY_GROUP;
                }
                break;
            }
        }
        last_result = wire::encode_all(&results);
    }
}
