//! Rank 0: open the output file, hand out simulations dynamically (guided
//! self-scheduling), compute between serving the others' requests, write
//! results as they arrive, and close the file, within [`CLOSE_WITHIN`] of
//! an interruption.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use log::{debug, error, info, warn};
use mpi::point_to_point::{Destination, MatchedReceiveVec, Source};
use mpi::topology::SimpleCommunicator;
use mpi::traits::Communicator;

use super::compute::{batch_capacity, flow, simulate, stop_members};
use super::output_setup::{open_output, output_path, output_spec, print_plan};
use super::progress::Progress;
use super::wire::{
    self, STOPPED_BY_GROUP, STOPPED_BY_ROOT, STOP_SENT, TAG_REQUEST, TAG_STOP, TAG_WORK,
};
use super::{signal_name, Interruption, RunOptions, SweepEnd, SweepError};
use crate::output::{OutputError, OutputFile, SimResult};
use crate::sweep::fit::ObjectiveFn;
use crate::sweep::SweepPlan;

/// How long rank 0, once interrupted, waits for the other ranks' last
/// results before it closes the file (results arriving later are dropped
/// and stay pending). Open MPI's mpirun sends SIGKILL 1 s after passing on
/// SIGTERM (`odls_base_sigkill_timeout`): the file must be closed by then.
pub const CLOSE_WITHIN: Duration = Duration::from_millis(300);

/// Rank 0: plan, open the file, schedule, write, report. With
/// `ranks_per_sim = k`, the first rank of each group of k talks to rank 0;
/// `group` is rank 0's own group.
/// Without `world` (not launched by an MPI launcher) rank 0 is alone.
pub fn run_root(
    options: &RunOptions,
    plan: &SweepPlan,
    world: Option<&SimpleCommunicator>,
    group: Option<&SimpleCommunicator>,
    stops: &dyn Interruption,
) -> Result<SweepEnd, SweepError> {
    let k = group.map_or(1, |g| g.size() as usize);
    let size = world.map_or(1, |w| w.size() as usize) / k;
    let end = run_root_inner(options, plan, world, group, size, stops);
    stop_members(group);
    end
}

fn run_root_inner(
    options: &RunOptions,
    plan: &SweepPlan,
    world: Option<&SimpleCommunicator>,
    group: Option<&SimpleCommunicator>,
    size: usize,
    stops: &dyn Interruption,
) -> Result<SweepEnd, SweepError> {
    let path = output_path(options, &plan.config);
    if options.dry_run {
        let printed = print_plan(plan, &path, batch_capacity(plan, group));
        stop_workers(world, size);
        return printed.map(|()| SweepEnd::DryRun);
    }
    // From here on a signal stops the sweep cleanly: there will be a file
    // to close.
    stops.defer();
    let spec = output_spec(plan, size);
    let (file, pending) = match open_output(options, plan, &spec) {
        Ok(x) => x,
        Err(e) => {
            stop_workers(world, size);
            return Err(e);
        }
    };
    let n_ranks = world.map_or(1, |w| w.size() as usize);
    info!(
        "{} simulation(s) to run on {n_ranks} rank(s) ({size} group(s) of {}), output {}",
        pending.len(),
        n_ranks / size,
        path.display()
    );
    let mut root = RootState::new(
        world,
        stops,
        size,
        n_ranks / size,
        batch_capacity(plan, group),
        file,
    );
    root.start_round(&pending, Progress::new(pending.len()));
    root.run_round(plan, group);
    root.close_file();
    let RootState {
        interrupted,
        progress,
        write_error,
        close_error,
        ..
    } = root;
    let saved = progress.done() + (spec.n_sims - pending.len());
    if let Some(error) = write_error {
        return Err(SweepError::Write {
            error,
            saved,
            n_sims: spec.n_sims,
            path,
        });
    }
    if let Some(error) = close_error {
        return Err(SweepError::Close { error, path });
    }
    if let Some(by) = interrupted {
        return Err(SweepError::Interrupted {
            by,
            saved,
            n_sims: spec.n_sims,
            path,
        });
    }
    info!("results in {}", path.display());
    Ok(SweepEnd::Finished {
        failed: progress.failed(),
    })
}

impl<'a> RootState<'a> {
    /// Rank 0's state at the start of a run, the file open.
    pub(super) fn new(
        world: Option<&'a SimpleCommunicator>,
        stops: &'a dyn Interruption,
        size: usize,
        ranks_per_group: usize,
        batch: usize,
        file: OutputFile,
    ) -> Self {
        let n_ranks = size * ranks_per_group;
        RootState {
            world,
            stops,
            size,
            ranks_per_group,
            batch,
            queue: VecDeque::new(),
            in_flight: vec![0; n_ranks],
            stop_sent: vec![false; n_ranks],
            finished: vec![false; n_ranks],
            interrupted: None,
            interrupted_at: None,
            progress: Progress::new(0),
            active_workers: 0,
            write_error: None,
            close_error: None,
            file: Some(file),
            objective: None,
            objectives: Vec::new(),
        }
    }

    /// A round of scheduling (a sweep's one; a fit's generation): the
    /// simulations `pending`, every worker active again.
    pub(super) fn start_round(&mut self, pending: &[usize], progress: Progress) {
        self.queue = pending.iter().copied().collect();
        self.in_flight.iter_mut().for_each(|n| *n = 0);
        self.stop_sent.iter_mut().for_each(|s| *s = false);
        self.finished.iter_mut().for_each(|f| *f = false);
        self.active_workers = self.size - 1;
        self.progress = progress;
    }

    /// Run the round's simulations over the ranks, writing their results,
    /// until every worker was told there is no more (a worker then returns
    /// from `run_worker`).
    pub(super) fn run_round(&mut self, plan: &SweepPlan, group: Option<&SimpleCommunicator>) {
        loop {
            // Serve every waiting message; when rank 0 has nothing left to run,
            // block until the workers are done.
            self.serve(true);
            // Rank 0 takes one batch at a time, so that it serves as it goes.
            let own = self.next_chunk(0, self.batch);
            match own.first() {
                Some(&first) => {
                    let sims: Vec<usize> = own.iter().map(|&s| s as usize).collect();
                    // Requests and results are served during rank 0's own
                    // simulations too: a worker never waits for them to end.
                    let (results, abandoned) = simulate(plan, &sims, group, &mut |t_ms| {
                        self.serve(false);
                        self.progress.tick(first as usize, sims.len(), t_ms);
                        flow(self.interrupted.is_some())
                    });
                    for result in results {
                        self.record(result, 0);
                    }
                    if abandoned.is_some() {
                        // Another rank of rank 0's group was interrupted.
                        self.interrupt("a signal to another rank of rank 0's group".into());
                    }
                }
                None if self.active_workers == 0 => break,
                None => {}
            }
        }
    }
}

impl RootState<'_> {
    /// After a fit's round: the error that ends the run, if any, the file
    /// then closed. `saved`: evaluations in the file.
    pub(super) fn round_error(
        &mut self,
        saved: usize,
        n_sims: usize,
        path: &std::path::Path,
    ) -> Option<SweepError> {
        if self.interrupted.is_none() && self.write_error.is_none() {
            return None;
        }
        self.close_file();
        let path = path.to_path_buf();
        if let Some(error) = self.write_error.take() {
            return Some(SweepError::Write {
                error,
                saved,
                n_sims,
                path,
            });
        }
        if let Some(error) = self.close_error.take() {
            return Some(SweepError::Close { error, path });
        }
        let by = self.interrupted.take()?;
        Some(SweepError::Interrupted {
            by,
            saved,
            n_sims,
            path,
        })
    }
}

/// Rank 0's scheduling and writing state.
pub(super) struct RootState<'a> {
    world: Option<&'a SimpleCommunicator>,
    stops: &'a dyn Interruption,
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
    write_error: Option<OutputError>,
    close_error: Option<OutputError>,
    /// The output file, until it is closed.
    pub(super) file: Option<OutputFile>,
    /// A fit's objective, computed for each result before it is written.
    pub(super) objective: Option<&'a ObjectiveFn>,
    /// A fit's evaluations of the round: (simulation, objective), in the
    /// order they were written; +inf where there is none.
    pub(super) objectives: Vec<(usize, f64)>,
}

impl RootState<'_> {
    /// Record and write the results of a message from world rank
    /// `source` (empty: none).
    fn handle(&mut self, bytes: &[u8], source: usize) {
        for result in wire::decode_all(bytes) {
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
        if let Some(f) = self.objective {
            let value = f.evaluate(&result).unwrap_or_else(|why| {
                warn!("evaluation {}: no objective ({why}): told +inf", result.sim);
                f64::INFINITY
            });
            if let Err(e) = file.write_fit_objective(result.sim, value) {
                error!("{e}: stopping the fit");
                self.write_error = Some(e);
                self.interrupt("a write error".into());
                return;
            }
            self.objectives.push((result.sim, value));
        }
        match file.write(&result) {
            Ok(()) => self.progress.record(&result),
            Err(e) => {
                error!("{e}: stopping the sweep");
                self.write_error = Some(e);
                self.interrupt("a write error".into());
            }
        }
    }

    /// Close the output file (once); later results are dropped.
    pub(super) fn close_file(&mut self) {
        if let Some(file) = self.file.take() {
            if let Err(e) = file.close() {
                self.close_error.get_or_insert(e);
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
                        signal_name(i32::from(sig)).unwrap_or("a signal")
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
        if let Some(sig) = signal_name(self.stops.received()) {
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
