//! A `[fit]` run by the binary (docs/configuration.md §13): the recovery of
//! known parameters from hnn-core's dipole (tests/data/fit/target.txt, made
//! by scripts/reference/fit_target.py at mu = 18 ms, weight_basket = 0.02,
//! weight_pyr = 0.04) by `cma` and `cobyla`; the same file for 1, 2 and 3
//! ranks; `kill -9` in the third generation then `--resume` ending with the
//! uninterrupted run's file; another fit's file refused by `--resume`.
//!
//! Run in release mode: a 3x3 simulation of 60 ms costs tens of ms.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir(name: &str) -> PathBuf {
    common::work_dir("fit_run", name)
}

/// configs/fit_evoked.toml with `solver`, `max_evaluations` and the seed
/// replaced (`popsize` dropped for another solver than cma), its target
/// made absolute, written to `dir/name.toml`.
fn config(dir: &Path, name: &str, solver: &str, max_evaluations: usize, seed: u64) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("configs/fit_evoked.toml")).unwrap();
    let target = repo().join("tests/data/fit/target.txt");
    let mut out = String::new();
    for line in text.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        let line = match key {
            "solver" => format!("solver = \"{solver}\""),
            "max_evaluations" => format!("max_evaluations = {max_evaluations}"),
            "seed" => format!("seed = {seed}"),
            "target" => format!("target = \"{}\"", target.display()),
            // a cma setting
            "popsize" if solver != "cma" => continue,
            _ => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, out).unwrap();
    path
}

fn command(ranks: Option<usize>, args: &[&str]) -> Command {
    let mut c = match ranks {
        Some(n) => {
            let mut c = Command::new("mpirun");
            c.args(["--oversubscribe", "-n", &n.to_string()]);
            c.arg(env!("CARGO_BIN_EXE_hnn-mpi"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_hnn-mpi")),
    };
    c.args(args)
        .current_dir(repo())
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    c
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `hnn-mpi CONFIG -o OUT --force` (or `--resume`), on `ranks` ranks.
fn run(ranks: Option<usize>, config: &Path, out: &Path, resume: bool) -> Output {
    let mode = if resume { "--resume" } else { "--force" };
    command(
        ranks,
        &[config.to_str().unwrap(), "-o", out.to_str().unwrap(), mode],
    )
    .output()
    .expect("hnn-mpi starts")
}

fn run_ok(ranks: Option<usize>, config: &Path, out: &Path) {
    let o = run(ranks, config, out, false);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
}

/// `/fit`'s attributes: (n_evals, best_index, best_objective, stop_reason).
fn fit_attrs(path: &Path) -> (i64, i64, f64, String) {
    let f = hdf5::File::open(path).unwrap();
    let g = f.group("fit").unwrap();
    let i = |n: &str| g.attr(n).unwrap().read_scalar::<i64>().unwrap();
    let reason = g
        .attr("stop_reason")
        .unwrap()
        .read_scalar::<hdf5::types::VarLenUnicode>()
        .unwrap()
        .to_string();
    let best = g
        .attr("best_objective")
        .unwrap()
        .read_scalar::<f64>()
        .unwrap();
    (i("n_evals"), i("best_index"), best, reason)
}

/// The target's RMS (nAm, scaled), from its provenance file.
fn target_rms() -> f64 {
    let text = std::fs::read_to_string(repo().join("tests/data/fit/target.json")).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("\"target_rms_nAm\""))
        .expect("target_rms_nAm in target.json");
    line.split(':')
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches(',')
        .parse()
        .unwrap()
}

/// The best objective of the file is at most 5% of the target's RMS, within
/// the budget, and the recorded best is the smallest stored objective.
fn assert_recovered(path: &Path, budget: i64) {
    let (n_evals, best_index, best, _) = fit_attrs(path);
    assert!(n_evals <= budget, "{n_evals} evaluations, budget {budget}");
    let rms = target_rms();
    assert!(
        best <= 0.05 * rms,
        "best RMSE {best} nAm is more than 5% of the target's RMS {rms} nAm"
    );
    let f = hdf5::File::open(path).unwrap();
    let obj = f
        .dataset("fit/objective")
        .unwrap()
        .read_raw::<f64>()
        .unwrap();
    let min = obj[..n_evals as usize]
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    assert_eq!(obj[best_index as usize], min);
    assert_eq!(best, min);
}

#[test]
fn cma_recovers_the_targets_parameters_within_320_evaluations() {
    let dir = work_dir("cma");
    let cfg = config(&dir, "cma", "cma", 320, 123);
    let out = dir.join("cma.h5");
    run_ok(None, &cfg, &out);
    assert_recovered(&out, 320);
}

#[test]
fn cobyla_recovers_the_targets_parameters_within_200_evaluations() {
    let dir = work_dir("cobyla");
    let cfg = config(&dir, "cobyla", "cobyla", 200, 123);
    let out = dir.join("cobyla.h5");
    run_ok(None, &cfg, &out);
    assert_recovered(&out, 200);
}

/// hnn-core's third solver runs through the same driver: one point per
/// evaluation, the budget spent exactly, and the target found again.
#[test]
fn bayesian_runs_its_budget_and_recovers_the_target() {
    let dir = work_dir("bayesian");
    let cfg = config(&dir, "bayesian", "bayesian", 40, 123);
    let out = dir.join("bayesian.h5");
    run_ok(None, &cfg, &out);
    let (n_evals, _, _, reason) = fit_attrs(&out);
    assert_eq!((n_evals, reason.as_str()), (40, "max_evaluations"));
    assert_recovered(&out, 40);
}

/// `h5diff a b OBJECT` finds no difference, for every object a fit's file
/// holds that is not provenance.
fn assert_same_fit_file(a: &Path, b: &Path) {
    let objects = ["/dipole", "/status", "/errors", "/params", "/fit", "/times"];
    interrupt::assert_h5diff_objects(a, b, &objects);
    // h5diff compares datasets; the attributes of /fit explicitly.
    assert_eq!(fit_attrs(a), fit_attrs(b));
}

#[test]
fn the_fit_file_is_the_same_for_one_two_and_three_ranks() {
    let dir = work_dir("ranks");
    let cfg = config(&dir, "small", "cma", 48, 5);
    let one = dir.join("one.h5");
    run_ok(None, &cfg, &one);
    let (n_evals, _, _, reason) = fit_attrs(&one);
    assert_eq!((n_evals, reason.as_str()), (48, "max_evaluations"));
    for ranks in [2, 3] {
        let out = dir.join(format!("ranks{ranks}.h5"));
        run_ok(Some(ranks), &cfg, &out);
        assert_same_fit_file(&one, &out);
    }
}

/// Rows with status 1 in `path`, read while it is written.
fn rows_done(path: &Path) -> usize {
    let Ok(f) = hnn_mpi::output::open_for_reading(path) else {
        return 0;
    };
    f.dataset("status")
        .and_then(|d| d.read_raw::<u8>())
        .map(|s| s.iter().filter(|&&v| v == 1).count())
        .unwrap_or(0)
}

#[test]
fn a_fit_killed_in_its_third_generation_resumes_to_the_uninterrupted_file() {
    let dir = work_dir("kill");
    // 6 generations of 16.
    let cfg = config(&dir, "kill", "cma", 96, 11);
    let reference = dir.join("reference.h5");
    run_ok(None, &cfg, &reference);
    let out = dir.join("killed.h5");
    let mut child = command(
        None,
        &[
            cfg.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--force",
        ],
    )
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    // The third generation is rows 32..48: kill once one of them is done.
    let start = Instant::now();
    while rows_done(&out) <= 32 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no third generation after 120 s"
        );
        assert!(child.try_wait().unwrap().is_none(), "the fit ended early");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = rows_done(&out);
    assert!(done < 96, "killed after the end ({done} rows done)");
    let o = run(None, &cfg, &out, true);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("resuming"),
        "{}",
        show(&o)
    );
    assert_same_fit_file(&reference, &out);
    // A finished fit resumed runs nothing and stays the same.
    let o = run(Some(2), &cfg, &out, true);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_same_fit_file(&reference, &out);
}

#[test]
fn resume_refuses_the_file_of_another_fit() {
    let dir = work_dir("other");
    let cfg = config(&dir, "first", "cma", 32, 1);
    let out = dir.join("fit.h5");
    run_ok(None, &cfg, &out);
    let before = std::fs::read(&out).unwrap();
    let other = config(&dir, "second", "cma", 32, 2);
    let o = run(None, &other, &out, true);
    assert_eq!(o.status.code(), Some(4), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot resume") && err.contains("definition hash"),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), before, "the file was touched");
}

mod interrupt;

/// SIGTERM to rank 1 of a 2-rank fit in its third generation: rank 0 stops
/// the round, closes the file (exit 5, mpirun returns rank 0's code), every
/// rank leaves the round loop; `--resume` on 3 ranks ends with the
/// uninterrupted file.
#[test]
fn a_fit_signalled_on_a_worker_stops_and_resumes_on_other_ranks() {
    let dir = work_dir("sigterm");
    let cfg = config(&dir, "sig", "cma", 96, 11);
    let reference = dir.join("reference.h5");
    run_ok(None, &cfg, &reference);
    let out = dir.join("sig.h5");
    let err = dir.join("sig.err");
    let args = [
        cfg.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--force",
    ];
    let mut child = interrupt::command(Some(2), &args, &err).spawn().unwrap();
    // generation 1 told: the third generation (rows 32..48) is under way
    interrupt::wait_for_text(&err, "generation 1:", Duration::from_secs(120));
    let pid = interrupt::rank_pid(child.id(), 1);
    interrupt::signal(pid, libc::SIGTERM);
    let status = interrupt::wait_within(&mut child, Duration::from_secs(20), "signalled fit");
    let log = std::fs::read_to_string(&err).unwrap();
    assert_eq!(status.code(), Some(5), "{log}");
    assert!(log.contains("interrupted by SIGTERM on rank 1"), "{log}");
    assert!(!log.contains("fit ended"), "{log}");
    let o = run(Some(3), &cfg, &out, true);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_same_fit_file(&reference, &out);
}

/// A convergence stop (cma's `tolfun`, set large) ends with exit 0 before
/// the budget: the rows after `n_evals` stay pending and empty, and
/// `--resume` of the finished file runs nothing and keeps it.
#[test]
fn a_tolfun_stop_ends_the_fit_early_with_exit_0() {
    let dir = work_dir("tolfun");
    let cfg = config(&dir, "tol", "cma", 320, 123);
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("seed = 123\n", "seed = 123\ntolfun = 3.0\n"),
    )
    .unwrap();
    let out = dir.join("tol.h5");
    run_ok(None, &cfg, &out);
    let (n_evals, _, _, reason) = fit_attrs(&out);
    assert_eq!(reason, "tolfun");
    assert!(n_evals < 320 && n_evals % 16 == 0, "{n_evals} evaluations");
    let f = hdf5::File::open(&out).unwrap();
    let status = f.dataset("status").unwrap().read_raw::<u8>().unwrap();
    let n = n_evals as usize;
    assert!(status[..n].iter().all(|&s| s == 1));
    assert!(status[n..].iter().all(|&s| s == 0));
    let obj = f
        .dataset("fit/objective")
        .unwrap()
        .read_raw::<f64>()
        .unwrap();
    assert!(obj[n..].iter().all(|v| v.is_nan()));
    drop(f);
    let copy = dir.join("copy.h5");
    std::fs::copy(&out, &copy).unwrap();
    let o = run(None, &cfg, &out, true);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_same_fit_file(&copy, &out);
}
