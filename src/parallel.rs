//! The parallel driver: rank 0 hands out simulations dynamically, in chunks
//! that shrink toward the end of the sweep (guided self-scheduling), so that
//! uneven simulation costs balance; every rank computes, rank 0 included
//! (between its own simulations it serves the others' requests). Results go
//! to rank 0, which writes them to the one output file as they arrive.
//! Simulations are deterministic, so the file is the same for any number of
//! ranks.

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

/// Run simulation `sim` as a group's first rank: the others are told which
/// and compute it together (`ranks_per_sim`). `poll` is called every few
/// milliseconds of the simulation.
fn simulate(
    plan: &SweepPlan,
    sim: usize,
    group: Option<&SimpleCommunicator>,
    poll: &mut dyn FnMut(f64),
) -> crate::output::SimResult {
    match group {
        None => plan.simulate(sim, None, poll),
        Some(g) => {
            let mut s = sim as u64;
            g.process_at_rank(0).broadcast_into(&mut s);
            plan.simulate(sim, Some(&MpiGroup(g)), poll)
        }
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
        print_plan(plan, &path);
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
        queue: pending.iter().copied().collect(),
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
        match root.queue.pop_front() {
            Some(sim) => {
                // Requests and results are served during rank 0's own
                // simulations too: a worker never waits for one to end.
                let result = simulate(plan, sim, group, &mut |t_ms| {
                    root.serve(false);
                    root.progress.tick(sim, t_ms);
                });
                root.handle(&transport::encode(&result));
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
        error!("writing {}: {e}", path.display());
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
    queue: VecDeque<usize>,
    interrupted: Option<&'static str>,
    progress: Progress,
    /// Workers not yet told to stop.
    active_workers: usize,
    write_error: Option<String>,
    file: &'a mut crate::output::OutputFile,
}

impl RootState<'_> {
    /// Record and write one encoded result (empty: none).
    fn handle(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let result = transport::decode(bytes);
        self.progress.record(&result);
        if let Err(e) = self.file.write(&result) {
            self.write_error.get_or_insert(e.to_string());
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
            self.handle(&bytes);
            if status.tag() == TAG_REQUEST {
                let chunk = if self.interrupted.is_some() {
                    Vec::new()
                } else {
                    next_chunk(&mut self.queue, self.size)
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

/// Guided self-scheduling: a share of what remains, at least one.
fn next_chunk(queue: &mut VecDeque<usize>, size: usize) -> Vec<u64> {
    let n = queue.len().div_ceil(2 * size).max(1).min(queue.len());
    queue.drain(..n).map(|i| i as u64).collect()
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
    let mut last_result: Vec<u8> = Vec::new();
    loop {
        root.send_with_tag(&last_result[..], TAG_REQUEST);
        let (work, _) = root.receive_vec_with_tag::<u64>(TAG_WORK);
        let Some((last, rest)) = work.split_last() else {
            return exit_code::SUCCESS;
        };
        for &sim in rest {
            let bytes = transport::encode(&simulate(plan, sim as usize, group, &mut |_| {}));
            root.send_with_tag(&bytes[..], TAG_RESULT);
            if crate::signals::received().is_some() {
                // Hand the rest back: rank 0 stops scheduling.
                break;
            }
        }
        last_result = if crate::signals::received().is_some() {
            Vec::new()
        } else {
            transport::encode(&simulate(plan, *last as usize, group, &mut |_| {}))
        };
    }
}
