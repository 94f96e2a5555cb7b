//! SIGTERM and SIGINT are honoured within about a second (issue 12, class
//! 8): during one long simulation, during a slow config and network build,
//! during a sweep alone and under mpirun (to mpirun itself, to one worker,
//! to rank 0 alone, to a `ranks_per_sim` group's second rank). Each run
//! exits 5 (mpirun, signalled itself, exits 1) with the resume hint; the
//! file is closed and valid (h5py reads `/status`: finished simulations 1,
//! abandoned ones 0) and `--resume` completes it to the uninterrupted file
//! (`h5diff /dipole /status`). And the engine's poll hook abandons a
//! simulation or a batch in flight.

use std::ops::ControlFlow;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use hnn_mpi::config::Config;
use hnn_mpi::sweep::SweepPlan;

mod common;
mod interrupt;
use common::temp_dir;
use interrupt::*;

/// What a signal may take to act, from its sending to the process's exit.
const PROMPT: Duration = Duration::from_secs(2);

/// The same under mpirun, which adds about 1 s of its own whenever a rank
/// exits non-zero (measured), plus scheduling noise of a loaded CI machine.
const PROMPT_MPIRUN: Duration = Duration::from_secs(4);

/// Send `sig` to `pid` and wait for `child` to exit, at most `limit`;
/// returns the exit code and how long it took.
fn stop(child: &mut Child, pid: u32, sig: i32, limit: Duration) -> (Option<i32>, Duration) {
    let start = Instant::now();
    signal(pid, sig);
    let status = wait_within(child, Duration::from_secs(60), "a signalled run");
    let took = start.elapsed();
    assert!(
        took <= limit,
        "the signal took {took:?} to act (limit {limit:?})"
    );
    (status.code(), took)
}

fn sig_name(sig: i32) -> &'static str {
    if sig == libc::SIGINT {
        "SIGINT"
    } else {
        "SIGTERM"
    }
}

/// How many simulations the interruption message says are saved.
fn saved(log: &str) -> usize {
    let line = log
        .lines()
        .find(|l| l.starts_with("hnn-mpi: interrupted by"))
        .unwrap_or_else(|| panic!("no interruption message: {log}"));
    // "hnn-mpi: interrupted by WHAT: K of N simulations done ..."
    let counts = line.split(": ").nth(2).unwrap_or_default();
    counts
        .split_whitespace()
        .next()
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("no count in {line:?}"))
}

/// Checks the interrupted file: closed and valid, finished simulations 1,
/// abandoned ones 0, as many done as the message says; then `--resume`
/// gives the uninterrupted file.
fn check_interrupted_file(log: &str, config: &Path, out: &Path, reference: &Path) {
    assert!(
        log.contains("rerun the same command with --resume"),
        "{log}"
    );
    let status = h5py_status(out);
    assert!(status.iter().all(|&s| s <= 1), "{status:?}");
    let done = status.iter().filter(|&&s| s == 1).count();
    assert_eq!(done, saved(log), "{status:?}: {log}");
    assert_eq!(resume(config, out), done);
    assert_h5diff_same(reference, out);
}

#[test]
fn a_long_simulation_stops_within_a_second() {
    let dir = temp_dir("sig-long");
    // hnn-core's default ERP network, four trials: a minute of work.
    let config = dir.join("long.toml");
    std::fs::write(
        &config,
        "[simulation]\nn_trials = 4\n[network]\nmodel = \"jones_2009\"\nmesh_shape = [10, 10]\n\
         erp_drives = true\n[output]\nsave = [\"dipole\", \"spikes\"]\n",
    )
    .unwrap();
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let out = dir.join("long.h5");
        let err = dir.join("long.err");
        let args = forced_args(&config, &out, &[]);
        let mut child = command(None, &args, &err).spawn().unwrap();
        wait_for_text(&err, "to run on", Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(500));
        let pid = child.id();
        let (code, took) = stop(&mut child, pid, sig, PROMPT);
        let log = read(&err);
        assert_eq!(code, Some(5), "{log}");
        assert!(
            log.contains(&format!(
                "interrupted by {}: 0 of 1 simulations done",
                sig_name(sig)
            )),
            "{log}"
        );
        assert!(log.contains("--resume"), "{log}");
        // Closed, valid, the simulation abandoned: pending.
        assert_eq!(h5py_status(&out), [0]);
        println!("{}: exit after {took:?}", sig_name(sig));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_slow_build_ends_at_once_and_writes_nothing() {
    let dir = temp_dir("sig-build");
    // A spike_train drive of 500,000 source gids: seconds to read and build.
    let n = 500_000;
    let times: Vec<String> = (0..n).map(|i| format!("{}.5", 1 + i % 50)).collect();
    let gids: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let config = dir.join("build.toml");
    std::fs::write(
        &config,
        format!(
            "[simulation]\ntstop = 20.0\n[network]\nmodel = \"jones_2009\"\nmesh_shape = [3, 3]\n\
             [[drives]]\nname = \"train\"\ntype = \"spike_train\"\ntimes = [{}]\ngids = [{}]\n\
             location = \"proximal\"\nweights_ampa = {{ L2_pyramidal = 0.001 }}\n\
             synaptic_delays = {{ L2_pyramidal = 0.1 }}\n",
            times.join(", "),
            gids.join(", ")
        ),
    )
    .unwrap();
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let out = dir.join("build.h5");
        let err = dir.join("build.err");
        let args = [config.to_str().unwrap(), "-o", out.to_str().unwrap()];
        let mut child = command(None, &args, &err).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let pid = child.id();
        let (code, took) = stop(&mut child, pid, sig, Duration::from_millis(1500));
        let log = read(&err);
        assert_eq!(code, Some(5), "{log}");
        assert!(
            log.contains(&format!(
                "interrupted by {} before the output file was opened: nothing was written",
                sig_name(sig)
            )),
            "{log}"
        );
        assert!(!log.contains("to run on"), "still building: {log}");
        assert!(!out.exists(), "nothing written");
        println!("{}: exit after {took:?}", sig_name(sig));
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A sweep long enough to be interrupted in its middle: three batches of
/// ten per rank, a second or two each.
fn sweep(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    // 240 simulations: long enough (about 7 s on two ranks of an idle
    // 2026 EPYC, Zen 4) that mpirun's signal, passed on 1 s after it gets
    // it 1.5 s into the run, reaches a sweep still under way (with 40, and
    // then 80 once the engine got faster, an idle machine finished first).
    let config = sweep_config(dir, "sweep", 240, 60.0);
    let reference = dir.join("reference.h5");
    interrupt::reference(&config, &reference);
    (config, reference)
}

/// Start `config` on `ranks`, wait until the file is open and `after`
/// more; returns the child and its log file.
fn start(
    ranks: Option<usize>,
    extra: &[&str],
    config: &Path,
    out: &Path,
    after: Duration,
) -> Child {
    let err = out.with_extension("err");
    let args = forced_args(config, out, extra);
    let child = command(ranks, &args, &err).spawn().unwrap();
    wait_for_text(&err, "to run on", Duration::from_secs(60));
    std::thread::sleep(after);
    child
}

#[test]
fn a_sweep_interrupted_alone_resumes_to_the_uninterrupted_file() {
    let dir = temp_dir("sig-sweep");
    let (config, reference) = sweep(&dir);
    for (sig, after) in [(libc::SIGINT, 1500), (libc::SIGTERM, 300)] {
        let out = dir.join(format!("alone{sig}.h5"));
        let mut child = start(None, &[], &config, &out, Duration::from_millis(after));
        let pid = child.id();
        let (code, took) = stop(&mut child, pid, sig, PROMPT);
        let log = read(&out.with_extension("err"));
        assert_eq!(code, Some(5), "{log}");
        assert!(
            log.contains(&format!("interrupted by {}", sig_name(sig))),
            "{log}"
        );
        check_interrupted_file(&log, &config, &out, &reference);
        println!("{}: exit after {took:?}", sig_name(sig));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sigterm_to_mpirun_closes_the_file_within_its_grace_period() {
    let dir = temp_dir("sig-mpirun");
    let (config, reference) = sweep(&dir);
    let out = dir.join("mpirun.h5");
    let mut child = start(Some(2), &[], &config, &out, Duration::from_millis(1500));
    let pid = child.id();
    // Open MPI 4.1's mpirun passes SIGTERM on to the ranks 1 s after it
    // gets it, and kills them 1 s later (odls_base_sigkill_timeout).
    let (code, took) = stop(&mut child, pid, libc::SIGTERM, Duration::from_secs(4));
    let log = read(&out.with_extension("err"));
    // mpirun, itself signalled, exits 1 whatever the ranks return.
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("hnn-mpi: interrupted by SIGTERM"), "{log}");
    check_interrupted_file(&log, &config, &out, &reference);
    println!("mpirun: exit after {took:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_signal_to_one_rank_stops_the_whole_job() {
    let dir = temp_dir("sig-rank");
    let (config, reference) = sweep(&dir);
    // (signalled rank, ranks_per_sim, what rank 0 reports)
    let cases = [
        (1, "1", "interrupted by SIGTERM on rank 1"),
        (0, "1", "interrupted by SIGTERM:"),
        (
            1,
            "2",
            "interrupted by a signal to another rank of rank 0's group",
        ),
    ];
    for (i, (rank, k, message)) in cases.into_iter().enumerate() {
        let out = dir.join(format!("rank{i}.h5"));
        let extra = ["--ranks-per-sim", k];
        let mut child = start(Some(2), &extra, &config, &out, Duration::from_millis(1500));
        let pid = rank_pid(child.id(), rank);
        let (code, took) = stop(&mut child, pid, libc::SIGTERM, PROMPT_MPIRUN);
        let log = read(&out.with_extension("err"));
        // mpirun returns rank 0's code.
        assert_eq!(code, Some(5), "case {i}: {log}");
        assert!(log.contains(message), "case {i}: {log}");
        check_interrupted_file(&log, &config, &out, &reference);
        println!("case {i}: exit after {took:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_poll_hook_abandons_a_simulation_and_a_batch_in_flight() {
    let dir = temp_dir("sig-engine");
    let config = sweep_config(&dir, "engine", 3, 30.0);
    let text = std::fs::read_to_string(&config).unwrap();
    let plan = SweepPlan::new(Config::parse(&text, "engine.toml").unwrap()).unwrap();
    // Alone: abandoned at the first poll at or after 5 ms (every 64 steps
    // of 0.025 ms: 1.6 ms).
    let mut stop_at_5 = |t_ms: f64| {
        if t_ms >= 5.0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let abandoned = plan.simulate_until(0, None, &mut stop_at_5).unwrap_err();
    assert!(
        (5.0..5.0 + 1.6 + 1e-9).contains(&abandoned.t_ms),
        "{abandoned}"
    );
    // A batch: nothing finished; with a hook that never breaks, every
    // result, equal to the simulation's alone.
    let (results, abandoned) = plan.simulate_batch_until(&[0, 1, 2], &mut stop_at_5);
    assert!(results.is_empty());
    assert!(abandoned.is_some_and(|a| a.t_ms >= 5.0));
    // Asked to stop at once: abandoned before any network is built.
    let (results, abandoned) = plan.simulate_batch_until(&[0, 1], &mut |_| ControlFlow::Break(()));
    assert!(results.is_empty());
    assert_eq!(abandoned.map(|a| a.t_ms), Some(0.0));
    let (results, abandoned) =
        plan.simulate_batch_until(&[0, 1, 2], &mut |_| ControlFlow::Continue(()));
    assert!(abandoned.is_none());
    assert_eq!(results.len(), 3);
    let alone = plan.simulate(1, None, &mut |_| {});
    let bits = |r: &hnn_mpi::output::SimResult| -> Vec<u64> {
        r.dipoles.as_ref().unwrap()[0][0]
            .iter()
            .map(|x| x.to_bits())
            .collect()
    };
    assert_eq!(bits(&results[1]), bits(&alone));
    std::fs::remove_dir_all(&dir).ok();
}
