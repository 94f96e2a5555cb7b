//! The parallel driver: rank 0 hands out simulations dynamically, in chunks
//! that shrink toward the end of the sweep (guided self-scheduling), so that
//! uneven simulation costs balance; every rank computes, rank 0 included
//! (between its own simulations it serves the others' requests). Results go
//! to rank 0, which writes them to the one output file as they arrive.
//! Simulations are deterministic, so the file's data are the same for any
//! number of ranks (what differs: [`crate::output`], "What is identical").

use std::collections::VecDeque;

use log::{error, info};
use mpi::point_to_point::{Destination, MatchedReceiveVec, Source};
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, Root};

use crate::cli::{exit_code, Cli};
use crate::driver::{final_code, open_output, output_path, output_spec, print_plan, Progress};
use crate::sim_group::MpiGroup;
use crate::sweep_run::SweepPlan;
use crate::transport;

/// Worker -> rank 0: "give me work", carrying the last finished result.
const TAG_REQUEST: i32 = 1;
/// Worker -> rank 0: a finished result, no answer expected.
const TAG_RESULT: i32 = 2;
/// Rank 0 -> worker: simulation indices to run (empty: stop).
const TAG_WORK: i32 = 3;

/// Tells a group's other ranks that the sweep is over.
const STOP: u64 = u64::MAX;

/// Run simulations `sims`: alone, integrated together in batches of small
/// networks; as a group's first rank (`ranks_per_sim`, one simulation at a
/// time), telling the others which to compute with it. `poll` is called
/// every few milliseconds of simulation.
fn simulate(
    plan: &SweepPlan,
    sims: &[usize],
    group: Option<&SimpleCommunicator>,
    poll: &mut dyn FnMut(f64),
) -> Vec<crate::output::SimResult> {
    match group {
        None => plan.simulate_batch(sims, poll),
        Some(g) => sims
            .iter()
            .map(|&sim| {
                let mut s = sim as u64;
                g.process_at_rank(0).broadcast_into(&mut s);
                plan.simulate(sim, Some(&MpiGroup(g)), poll)
            })
            .collect(),
    }
}

/// Simulations one rank runs in one pass: a batch of small networks, one
/// simulation with `ranks_per_sim`.
fn batch_capacity(plan: &SweepPlan, group: Option<&SimpleCommunicator>) -> usize {
    if group.is_some() {
        1
    } else {
        plan.batch_capacity
    }
}

fn stop_members(group: Option<&SimpleCommunicator>) {
    if let Some(g) = group {
        let mut s = STOP;
        g.process_at_rank(0).broadcast_into(&mut s);
    }
}

/// A group's other ranks: compute what the group's first rank announces.
pub fn run_member(plan: &SweepPlan, group: &SimpleCommunicator) -> u8 {
    loop {
        let mut sim = 0u64;
        group.process_at_rank(0).broadcast_into(&mut sim);
        if sim == STOP {
            return exit_code::SUCCESS;
        }
        plan.simulate(sim as usize, Some(&MpiGroup(group)), &mut |_| {});
    }
}

/// Rank 0: plan, open the file, schedule, write, report. With
/// `ranks_per_sim = k`, the first rank of each group of k talks to rank 0;
/// `group` is rank 0's own group.
/// Without `world` (not launched by an MPI launcher) rank 0 is alone.
pub fn run_root(
    cli: &Cli,
    plan: &SweepPlan,
    world: Option<&SimpleCommunicator>,
    group: Option<&SimpleCommunicator>,
) -> u8 {
    let k = group.map_or(1, |g| g.size() as usize);
    let size = world.map_or(1, |w| w.size() as usize) / k;
    let code = run_root_inner(cli, plan, world, group, size);
    stop_members(group);
    code
}

fn run_root_inner(
    cli: &Cli,
    plan: &SweepPlan,
    world: Option<&SimpleCommunicator>,
    group: Option<&SimpleCommunicator>,
    size: usize,
) -> u8 {
    let path = output_path(cli, &plan.config);
    if cli.dry_run {
        print_plan(plan, &path, batch_capacity(plan, group));
        stop_workers(world, size);
        return exit_code::SUCCESS;
    }
    let spec = output_spec(plan, size);
    let (mut file, pending) = match open_output(cli, plan, &spec) {
        Ok(x) => x,
        Err((code, message)) => {
            eprintln!("hnn-mpi: error: {message}");
            stop_workers(world, size);
            return code;
        }
    };
    let n_ranks = world.map_or(1, |w| w.size() as usize);
    info!(
        "{} simulation(s) to run on {n_ranks} rank(s) ({size} group(s) of {}), output {}",
        pending.len(),
        n_ranks / size,
        path.display()
    );
    let mut root = RootState {
        world,
        size,
        batch: batch_capacity(plan, group),
        queue: pending.iter().copied().collect(),
        in_flight: vec![0; n_ranks],
        interrupted: None,
        progress: Progress::new(pending.len()),
        active_workers: size - 1,
        write_error: None,
        file: &mut file,
    };
    loop {
        // Serve every waiting message; when rank 0 has nothing left to run,
        // block until the workers are done.
        root.serve(true);
        // Rank 0 takes one batch at a time, so that it serves as it goes.
        let own = root.next_chunk(0, root.batch);
        match own.first() {
            Some(&first) => {
                let sims: Vec<usize> = own.iter().map(|&s| s as usize).collect();
                // Requests and results are served during rank 0's own
                // simulations too: a worker never waits for them to end.
                let results = simulate(plan, &sims, group, &mut |t_ms| {
                    root.serve(false);
                    root.progress.tick(first as usize, sims.len(), t_ms);
                });
                for result in results {
                    root.record(result, 0);
                }
            }
            None if root.active_workers == 0 => break,
            None => {}
        }
    }
    let RootState {
        interrupted,
        progress,
        write_error,
        ..
    } = root;
    if let Some(e) = write_error {
        eprintln!(
            "hnn-mpi: error: {e}; {} of {} simulations are saved in {}; once the cause is \
             fixed, rerun the same command with --resume to complete it",
            file.n_done() + file.n_failed(),
            spec.n_sims,
            path.display()
        );
        return exit_code::IO_FAILURE;
    }
    if let Err(e) = file.close() {
        error!("closing {}: {e}", path.display());
        return exit_code::IO_FAILURE;
    }
    if let Some(sig) = interrupted {
        eprintln!(
            "hnn-mpi: interrupted by {sig}: {} of {} simulations done and saved in {}; \
             rerun the same command with --resume to complete it",
            progress.done() + (spec.n_sims - pending.len()),
            spec.n_sims,
            path.display()
        );
        return exit_code::INTERRUPTED;
    }
    info!("results in {}", path.display());
    final_code(progress.failed())
}

/// Rank 0's scheduling and writing state.
struct RootState<'a> {
    world: Option<&'a SimpleCommunicator>,
    /// Number of groups (ranks / ranks_per_sim).
    size: usize,
    /// Simulations per batch ([`batch_capacity`]).
    batch: usize,
    queue: VecDeque<usize>,
    /// Per world rank: simulations handed out and not yet returned.
    in_flight: Vec<usize>,
    interrupted: Option<&'static str>,
    progress: Progress,
    /// Workers not yet told to stop.
    active_workers: usize,
    write_error: Option<String>,
    file: &'a mut crate::output::OutputFile,
}

impl RootState<'_> {
    /// Record and write the results of a message from world rank
    /// `source` (empty: none).
    fn handle(&mut self, bytes: &[u8], source: usize) {
        for result in transport::decode_all(bytes) {
            self.record(result, source);
        }
    }

    /// Record and write one result computed by world rank `source`.
    /// After a write error nothing more is written or scheduled: the run
    /// stops as soon as the simulations under way return.
    fn record(&mut self, result: crate::output::SimResult, source: usize) {
        self.in_flight[source] = self.in_flight[source].saturating_sub(1);
        if self.write_error.is_some() {
            return;
        }
        match self.file.write(&result) {
            Ok(()) => self.progress.record(&result),
            Err(e) => {
                error!("{e}: stopping the sweep");
                self.write_error = Some(e.to_string());
                self.queue.clear();
            }
        }
    }

    /// Serve every waiting message (results, work requests). With `block`
    /// and nothing left for rank 0 to run, wait until the workers are done.
    /// Then look for SIGTERM/SIGINT: stop scheduling.
    fn serve(&mut self, block: bool) {
        while let Some(world) = self.world {
            let probe = if block && self.queue.is_empty() && self.active_workers > 0 {
                Some(world.any_process().matched_probe())
            } else {
                world.any_process().immediate_matched_probe()
            };
            let Some(probe) = probe else { break };
            let (bytes, status) = probe.matched_receive_vec::<u8>();
            let source = status.source_rank() as usize;
            self.handle(&bytes, source);
            if status.tag() == TAG_REQUEST {
                let chunk = if self.interrupted.is_some() {
                    Vec::new()
                } else {
                    self.next_chunk(source, usize::MAX)
                };
                if chunk.is_empty() {
                    self.active_workers -= 1;
                }
                world
                    .process_at_rank(status.source_rank())
                    .send_with_tag(&chunk[..], TAG_WORK);
            }
            if self.queue.is_empty() && self.active_workers == 0 {
                break;
            }
        }
        if self.interrupted.is_none() {
            if let Some(sig) = crate::signals::received() {
                self.interrupted = Some(sig);
                info!("{sig} received: finishing the simulations under way, then closing the file");
                self.queue.clear();
            }
        }
    }
}

/// How many simulations to hand a rank that asks for work: guided
/// self-scheduling (a share of what remains, at least one), but at least a
/// batch of small networks so they are integrated together, and never more
/// than the rank's fair share of the work not yet done (`remaining` plus
/// `in_flight` elsewhere), so that the ranks finish together.
fn chunk_size(remaining: usize, in_flight: usize, size: usize, batch: usize) -> usize {
    let share = remaining.div_ceil(2 * size);
    let fair = (remaining + in_flight).div_ceil(size);
    share.max(batch).min(fair).max(1).min(remaining)
}

impl RootState<'_> {
    /// The next chunk of simulations for world rank `rank` (at most `max`).
    fn next_chunk(&mut self, rank: usize, max: usize) -> Vec<u64> {
        let in_flight: usize = self.in_flight.iter().sum::<usize>() - self.in_flight[rank];
        let n = chunk_size(self.queue.len(), in_flight, self.size, self.batch).min(max);
        self.in_flight[rank] += n;
        self.queue.drain(..n).map(|i| i as u64).collect()
    }
}

/// Tell every worker (first rank of each other group) there is nothing to
/// do (dry run, early errors).
fn stop_workers(world: Option<&SimpleCommunicator>, n_groups: usize) {
    let Some(world) = world else { return };
    for _ in 1..n_groups {
        let (_, status) = world
            .any_process()
            .matched_probe_with_tag(TAG_REQUEST)
            .matched_receive_vec::<u8>();
        world
            .process_at_rank(status.source_rank())
            .send_with_tag(&[0u64; 0][..], TAG_WORK);
    }
}

/// First ranks of the other groups: ask for work, run it, send results,
/// until told to stop.
pub fn run_worker(
    plan: &SweepPlan,
    world: &SimpleCommunicator,
    group: Option<&SimpleCommunicator>,
) -> u8 {
    let code = run_worker_inner(plan, world, group);
    stop_members(group);
    code
}

fn run_worker_inner(
    plan: &SweepPlan,
    world: &SimpleCommunicator,
    group: Option<&SimpleCommunicator>,
) -> u8 {
    let root = world.process_at_rank(0);
    let batch = batch_capacity(plan, group);
    let mut last_result: Vec<u8> = Vec::new();
    loop {
        root.send_with_tag(&last_result[..], TAG_REQUEST);
        last_result.clear();
        let (work, _) = root.receive_vec_with_tag::<u64>(TAG_WORK);
        if work.is_empty() {
            return exit_code::SUCCESS;
        }
        let work: Vec<usize> = work.iter().map(|&s| s as usize).collect();
        // One message per batch (rank 0 answers between its own steps: one
        // wait per batch, not per simulation); the chunk's last batch
        // travels with the next request.
        let mut results = Vec::new();
        for sims in work.chunks(batch) {
            if crate::signals::received().is_some() {
                // Hand the rest back: rank 0 stops scheduling.
                break;
            }
            if !results.is_empty() {
                root.send_with_tag(&transport::encode_all(&results)[..], TAG_RESULT);
            }
            results = simulate(plan, sims, group, &mut |_| {});
        }
        last_result = transport::encode_all(&results);
    }
}

#[cfg(test)]
mod tests {
    use super::chunk_size;

    #[test]
    fn small_networks_go_in_whole_batches_and_ranks_finish_together() {
        // The seed example on 2 ranks, batches of 10: rank 0 takes 10, the
        // worker (rank 0's 10 in flight) the other 10.
        assert_eq!(chunk_size(20, 0, 2, 10), 10);
        assert_eq!(chunk_size(10, 10, 2, 10), 10);
        // Nothing more than what remains, at least one.
        assert_eq!(chunk_size(3, 0, 2, 10), 2);
        assert_eq!(chunk_size(1, 30, 4, 10), 1);
        assert_eq!(chunk_size(0, 5, 2, 10), 0);
    }

    #[test]
    fn large_networks_follow_guided_self_scheduling() {
        // One simulation per batch: a quarter of what remains on 2 ranks,
        // shrinking toward the end.
        assert_eq!(chunk_size(40, 0, 2, 1), 10);
        assert_eq!(chunk_size(30, 10, 2, 1), 8);
        assert_eq!(chunk_size(4, 3, 2, 1), 1);
    }
}
