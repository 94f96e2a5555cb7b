//! The parallel driver: rank 0 hands out simulations dynamically, in chunks
//! that shrink toward the end of the sweep (guided self-scheduling), so that
//! uneven simulation costs balance; every rank computes, rank 0 included
//! (between its own simulations it serves the others' requests). Results go
//! to rank 0, which writes them to the one output file as they arrive.
//! Simulations are deterministic, so the file's data are the same for any
//! number of ranks (what differs: [`crate::output`], "What is identical").
//! A signal to any rank interrupts the sweep: rank 0 hands out nothing
//! more, every rank abandons the simulations under way (they stay pending
//! for `--resume`), and rank 0 closes the file within [`CLOSE_WITHIN`].

use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use log::{debug, error, info};
use mpi::point_to_point::{Destination, MatchedReceiveVec, Source};
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, Root};

use crate::cli::{exit_code, Cli};
use crate::driver::{final_code, open_output, output_path, output_spec, print_plan, Progress};
use crate::engine::network_sim::Abandoned;
use crate::output::{OutputFile, SimResult};
use crate::sim_group::MpiGroup;
use crate::sweep_run::SweepPlan;
use crate::transport;

/// Worker -> rank 0: "give me work", carrying the last finished results
/// after one byte: 0, or why the worker stopped ([`STOPPED_BY_ROOT`],
/// [`STOPPED_BY_GROUP`], else the number of the signal it received).
const TAG_REQUEST: i32 = 1;
/// Worker -> rank 0: a finished result, no answer expected.
const TAG_RESULT: i32 = 2;
/// Rank 0 -> worker: simulation indices to run (empty: stop; [`STOP_SENT`]:
/// stop, and a [`TAG_STOP`] was sent before).
const TAG_WORK: i32 = 3;
/// Rank 0 -> worker, no data: abandon the simulations under way (the sweep
/// is interrupted). At most once per worker, always before its last
/// [`TAG_WORK`], so that no message is left unreceived.
const TAG_STOP: i32 = 4;

/// The [`TAG_WORK`] answer to a worker that was sent a [`TAG_STOP`].
const STOP_SENT: u64 = u64::MAX;
/// A request's first byte: the worker stopped because rank 0 asked.
const STOPPED_BY_ROOT: u8 = 255;
/// A request's first byte: another rank of the worker's group asked to
/// stop (a signal that reached it alone).
const STOPPED_BY_GROUP: u8 = 254;

/// Tells a group's other ranks that the sweep is over.
const STOP: u64 = u64::MAX;

/// How long rank 0, once interrupted, waits for the other ranks' last
/// results before it closes the file (results arriving later are dropped
/// and stay pending). Open MPI's mpirun sends SIGKILL 1 s after passing on
/// SIGTERM (`odls_base_sigkill_timeout`): the file must be closed by then.
const CLOSE_WITHIN: Duration = Duration::from_millis(300);

/// Run simulations `sims`: alone, integrated together in batches of small
/// networks; as a group's first rank (`ranks_per_sim`, one simulation at a
/// time), telling the others which to compute with it. `poll` is called
/// every few milliseconds of simulation; when it breaks, the simulations
/// under way are abandoned: the results of those that finished, and where
/// it stopped.
fn simulate(
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

/// A poll hook's answer: stop when `stop`.
fn flow(stop: bool) -> ControlFlow<()> {
    if stop {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}

/// A group's other ranks: compute what the group's first rank announces.
/// A signal here stops the group's simulation (the group decides together,
/// [`crate::engine::network_sim::SimGroup::any`]); the first rank then
/// tells rank 0 and, later, us to stop.
pub fn run_member(plan: &SweepPlan, group: &SimpleCommunicator) -> u8 {
    loop {
        let mut sim = 0u64;
        group.process_at_rank(0).broadcast_into(&mut sim);
        if sim == STOP {
            return exit_code::SUCCESS;
        }
        let poll = &mut |_| flow(crate::signals::received().is_some());
        // Abandoned: the first rank stops too; wait for its STOP.
        let _ = plan.simulate_until(sim as usize, Some(&MpiGroup(group)), poll);
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
    // From here on a signal stops the sweep cleanly: there will be a file
    // to close.
    crate::signals::defer();
    let spec = output_spec(plan, size);
    let (file, pending) = match open_output(cli, plan, &spec) {
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
        ranks_per_group: n_ranks / size,
        batch: batch_capacity(plan, group),
        queue: pending.iter().copied().collect(),
        in_flight: vec![0; n_ranks],
        stop_sent: vec![false; n_ranks],
        finished: vec![false; n_ranks],
        interrupted: None,
        interrupted_at: None,
        progress: Progress::new(pending.len()),
        active_workers: size - 1,
        write_error: None,
        close_error: None,
        file: Some(file),
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
                let (results, abandoned) = simulate(plan, &sims, group, &mut |t_ms| {
                    root.serve(false);
                    root.progress.tick(first as usize, sims.len(), t_ms);
                    flow(root.interrupted.is_some())
                });
                for result in results {
                    root.record(result, 0);
                }
                if abandoned.is_some() {
                    // Another rank of rank 0's group was interrupted.
                    root.interrupt("a signal to another rank of rank 0's group".into());
                }
            }
            None if root.active_workers == 0 => break,
            None => {}
        }
    }
    root.close_file();
    let RootState {
        interrupted,
        progress,
        write_error,
        close_error,
        ..
    } = root;
    if let Some(e) = write_error {
        eprintln!(
            "hnn-mpi: error: {e}; {} of {} simulations are saved in {}; once the cause is \
             fixed, rerun the same command with --resume to complete it",
            progress.done() + (spec.n_sims - pending.len()),
            spec.n_sims,
            path.display()
        );
        return exit_code::IO_FAILURE;
    }
    if let Some(e) = close_error {
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
    ranks_per_group: usize,
    /// Simulations per batch ([`batch_capacity`]).
    batch: usize,
    queue: VecDeque<usize>,
    /// Per world rank: simulations handed out and not yet returned.
    in_flight: Vec<usize>,
    /// Per world rank: sent a [`TAG_STOP`].
    stop_sent: Vec<bool>,
    /// Per world rank: sent its last [`TAG_WORK`] (stop).
    finished: Vec<bool>,
    /// What interrupted the sweep (a signal, on which rank).
    interrupted: Option<String>,
    interrupted_at: Option<Instant>,
    progress: Progress,
    /// Workers not yet told to stop.
    active_workers: usize,
    write_error: Option<String>,
    close_error: Option<String>,
    /// The output file, until it is closed.
    file: Option<OutputFile>,
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
    /// After a write error nothing more is written or scheduled, and the
    /// workers abandon what they run: the run stops at once.
    fn record(&mut self, result: SimResult, source: usize) {
        self.in_flight[source] = self.in_flight[source].saturating_sub(1);
        if self.write_error.is_some() {
            return;
        }
        let Some(file) = self.file.as_mut() else {
            debug!(
                "simulation {} finished after the file was closed: it stays pending",
                result.sim
            );
            return;
        };
        match file.write(&result) {
            Ok(()) => self.progress.record(&result),
            Err(e) => {
                error!("{e}: stopping the sweep");
                self.write_error = Some(e.to_string());
                self.interrupt("a write error".into());
            }
        }
    }

    /// Close the output file (once); later results are dropped.
    fn close_file(&mut self) {
        if let Some(file) = self.file.take() {
            if let Err(e) = file.close() {
                self.close_error.get_or_insert(e.to_string());
            }
        }
    }

    /// Stop the sweep: hand out nothing more, tell every worker still
    /// running to abandon its simulations.
    fn interrupt(&mut self, why: String) {
        if self.interrupted.is_some() {
            return;
        }
        info!("{why} received: abandoning the simulations under way, closing the file");
        self.interrupted = Some(why);
        self.interrupted_at = Some(Instant::now());
        self.queue.clear();
        let Some(world) = self.world else { return };
        for rank in (self.ranks_per_group..world.size() as usize).step_by(self.ranks_per_group) {
            if !self.finished[rank] && !self.stop_sent[rank] {
                self.stop_sent[rank] = true;
                world
                    .process_at_rank(rank as i32)
                    .send_with_tag(&[0u8; 0][..], TAG_STOP);
            }
        }
    }

    /// Serve every waiting message (results, work requests). With `block`
    /// and nothing left for rank 0 to run, wait until the workers are done
    /// (once interrupted, at most [`CLOSE_WITHIN`] before closing the
    /// file). Then look for SIGTERM/SIGINT: stop scheduling.
    fn serve(&mut self, block: bool) {
        while let Some(world) = self.world {
            let wait = block && self.queue.is_empty() && self.active_workers > 0;
            let closing = self.interrupted.is_some() && self.file.is_some();
            let probe = if wait && !closing {
                Some(world.any_process().matched_probe())
            } else {
                world.any_process().immediate_matched_probe()
            };
            let Some(probe) = probe else {
                if !wait {
                    break;
                }
                if self
                    .interrupted_at
                    .is_some_and(|t| t.elapsed() >= CLOSE_WITHIN)
                {
                    self.close_file();
                } else {
                    std::thread::sleep(Duration::from_millis(1));
                }
                continue;
            };
            let (bytes, status) = probe.matched_receive_vec::<u8>();
            let source = status.source_rank() as usize;
            if status.tag() != TAG_REQUEST {
                self.handle(&bytes, source);
                continue;
            }
            let (&why, results) = bytes.split_first().unwrap_or((&0, &[]));
            self.handle(results, source);
            if why != 0 {
                self.interrupt(match why {
                    STOPPED_BY_ROOT => "a stop request".into(),
                    STOPPED_BY_GROUP => format!("a signal to a rank of rank {source}'s group"),
                    sig => format!(
                        "{} on rank {source}",
                        crate::signals::name(i32::from(sig)).unwrap_or("a signal")
                    ),
                });
            }
            let chunk = if self.interrupted.is_some() {
                Vec::new()
            } else {
                self.next_chunk(source, usize::MAX)
            };
            if chunk.is_empty() {
                self.active_workers -= 1;
                self.finished[source] = true;
            }
            let answer = if chunk.is_empty() && self.stop_sent[source] {
                vec![STOP_SENT]
            } else {
                chunk
            };
            world
                .process_at_rank(status.source_rank())
                .send_with_tag(&answer[..], TAG_WORK);
            if self.queue.is_empty() && self.active_workers == 0 {
                break;
            }
        }
        if let Some(sig) = crate::signals::received() {
            self.interrupt(sig.into());
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

/// A worker's view of a stop: its own signal, or rank 0's [`TAG_STOP`].
struct WorkerStop<'a> {
    world: &'a SimpleCommunicator,
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
        let sig = crate::signals::received_number();
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
) -> u8 {
    let root = world.process_at_rank(0);
    let batch = batch_capacity(plan, group);
    let mut last_result: Vec<u8> = Vec::new();
    let mut stop = WorkerStop {
        world,
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
            return exit_code::SUCCESS;
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
                root.send_with_tag(&transport::encode_all(&results)[..], TAG_RESULT);
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
