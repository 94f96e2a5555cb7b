//! A panic anywhere ends the whole job promptly (issue 12, class 6): the
//! test-only fault hook `HNN_MPI_FAULT_PANIC=RANK:N` makes world rank RANK
//! panic as it starts its N-th simulation: a worker under mpirun, rank 0,
//! a `ranks_per_sim` group's second rank, and a single process. Each run
//! must end within seconds (no rank left waiting for the dead one), with a
//! non-zero code and the panic's message and rank on stderr; the file then
//! holds the simulations finished before the panic, and `--resume`
//! completes it to the uninterrupted file.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;
mod interrupt;
use common::temp_dir;
use interrupt::*;

/// The panic hook's code (`command::panic::PANIC_EXIT_CODE`), which MPI_Abort passes
/// on: mpirun exits with it too.
const PANIC_CODE: i32 = 101;

/// Run `config` with the fault `fault` injected, expecting the panic on
/// `rank`; returns the log.
fn run_with_fault(
    ranks: Option<usize>,
    extra: &[&str],
    fault: &str,
    config: &Path,
    out: &Path,
) -> String {
    let err = out.with_extension("err");
    let args = forced_args(config, out, extra);
    let start = Instant::now();
    let mut child = command(ranks, &args, &err)
        .env("HNN_MPI_FAULT_PANIC", fault)
        .spawn()
        .unwrap();
    let status = wait_within(&mut child, Duration::from_secs(60), fault);
    let log = read(&err);
    assert_eq!(status.code(), Some(PANIC_CODE), "fault {fault}: {log}");
    let rank = fault.split(':').next().unwrap();
    assert!(
        log.contains(&format!("injected panic on rank {rank}")),
        "the panic's message: {log}"
    );
    if ranks.is_some() {
        assert!(
            log.contains(&format!(
                "on rank {rank} of 2: ending every rank (MPI_Abort)"
            )),
            "which rank, and that every rank ends: {log}"
        );
    }
    assert!(log.contains("--resume"), "how to continue: {log}");
    println!("fault {fault}: ended after {:?}", start.elapsed());
    log
}

/// The uninterrupted file of `config`, once per test process.
fn reference_of(dir: &Path, config: &Path) -> std::path::PathBuf {
    let p = dir.join("reference.h5");
    reference(config, &p);
    p
}

#[test]
fn a_panic_on_a_worker_ends_every_rank() {
    let dir = temp_dir("abort-worker");
    let config = sweep_config(&dir, "sweep", 30, 40.0);
    let reference = reference_of(&dir, &config);
    // Rank 1 panics as it starts its first batch: rank 0 is simulating its
    // own, then would wait in a receive for rank 1's results forever.
    let out = dir.join("worker0.h5");
    run_with_fault(Some(2), &[], "1:0", &config, &out);
    resume(&config, &out);
    assert_h5diff_same(&reference, &out);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_panic_on_rank_0_ends_every_rank_and_keeps_its_finished_simulations() {
    let dir = temp_dir("abort-root");
    // 60 simulations, not 30: with 30 the worker (chunks of 10) can take
    // both of the last two batches while rank 0 runs its first, and rank 0
    // never starts a second one (seen under load). With 60 the worker's
    // chunks are bounded by its fair share, so rank 0 always starts a second
    // batch unless it runs three times slower than the worker.
    let config = sweep_config(&dir, "sweep", 60, 40.0);
    let reference = reference_of(&dir, &config);
    let out = dir.join("root.h5");
    // Rank 0 runs batches of ten: its first is written before it panics
    // at the start of its second; rank 1 waits in MPI for an answer.
    run_with_fault(Some(2), &[], "0:10", &config, &out);
    let done = resume(&config, &out);
    assert!(done >= 10, "rank 0's first batch is in the file: {done}");
    assert_h5diff_same(&reference, &out);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_panic_in_a_ranks_per_sim_group_ends_every_rank() {
    let dir = temp_dir("abort-group");
    let config = sweep_config(&dir, "sweep", 6, 40.0);
    let reference = reference_of(&dir, &config);
    let out = dir.join("group.h5");
    // Ranks 0 and 1 share each simulation; rank 1 panics as the third
    // starts, while rank 0 waits for it in a collective.
    run_with_fault(Some(2), &["--ranks-per-sim", "2"], "1:2", &config, &out);
    let done = resume(&config, &out);
    assert!(
        done >= 2,
        "the group's first two simulations are in the file: {done}"
    );
    assert_h5diff_same(&reference, &out);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_panic_in_a_single_process_exits_with_the_message() {
    let dir = temp_dir("abort-single");
    let config = sweep_config(&dir, "sweep", 20, 40.0);
    let reference = reference_of(&dir, &config);
    let out = dir.join("single.h5");
    let log = run_with_fault(None, &[], "0:10", &config, &out);
    assert!(!log.contains("MPI_Abort"), "no MPI without mpirun: {log}");
    // The file was closed as the panic unwound: h5py reads it; the first
    // batch is done, the second pending.
    let status = h5py_status(&out);
    assert_eq!(status[..10], [1; 10], "{status:?}");
    assert_eq!(status[10..], [0; 10], "{status:?}");
    assert_eq!(resume(&config, &out), 10);
    assert_h5diff_same(&reference, &out);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_malformed_or_unset_fault_spec_injects_nothing() {
    let dir = temp_dir("abort-none");
    let config = sweep_config(&dir, "sweep", 2, 10.0);
    for spec in ["", "1", "x:y", "0:", ":3", "0:99"] {
        let out = dir.join("none.h5");
        let err = dir.join("none.err");
        let mut child = command(None, &forced_args(&config, &out, &[]), &err)
            .env("HNN_MPI_FAULT_PANIC", spec)
            .spawn()
            .unwrap();
        let status = wait_within(&mut child, Duration::from_secs(60), spec);
        assert_eq!(status.code(), Some(0), "{spec:?}: {}", read(&err));
        assert_eq!(h5py_status(&out), [1, 1]);
    }
    std::fs::remove_dir_all(&dir).ok();
}
