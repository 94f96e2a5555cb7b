//! The parallel driver end to end: the same file for 1-4 MPI ranks and for
//! a single process; `kill -9` or SIGTERM at an arbitrary moment, then
//! `--resume`, gives the uninterrupted file; a failing simulation is marked
//! failed, the others complete, exit code 3. Needs `mpirun` (OpenMPI, from
//! scripts/setup.sh).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::temp_dir;

const SWEEP: &str = "tests/data/mpi/short_sweep.toml";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_hnn-mpi")
}

fn command(ranks: Option<usize>) -> Command {
    let mut c = match ranks {
        Some(n) => {
            let mut c = Command::new("mpirun");
            c.args(["--oversubscribe", "-n", &n.to_string(), bin()]);
            c
        }
        None => Command::new(bin()),
    };
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1");
    c
}

fn run(ranks: Option<usize>, args: &[&str]) -> Output {
    command(ranks).args(args).output().expect("hnn-mpi starts")
}

/// Run `config` into `out` (`--force`), asserting exit code 0.
fn sweep_ok(ranks: Option<usize>, config: &str, out: &Path) {
    let o = run(
        ranks,
        &[config, "-o", out.to_str().unwrap(), "--force", "-q"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{config} on {ranks:?} ranks: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every dataset the sweep writes, flattened to bits, by path.
fn contents(path: &Path) -> Vec<(String, Vec<u64>)> {
    let f = hdf5::File::open(path).unwrap();
    let mut out = Vec::new();
    let mut names = vec![
        "times".to_string(),
        "dipole/agg".into(),
        "dipole/L2".into(),
        "dipole/L5".into(),
        "spikes/times".into(),
        "spikes/gids".into(),
        "spikes/offsets".into(),
        "params/w".into(),
        "status".into(),
    ];
    for s in ["dipole_min", "dipole_max", "rate_L5_pyramidal"] {
        names.push(format!("summary/{s}"));
    }
    for name in names {
        let ds = f.dataset(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let bits: Vec<u64> = if name == "spikes/gids" || name == "spikes/offsets" {
            ds.read_raw::<i64>()
                .unwrap()
                .into_iter()
                .map(|x| x as u64)
                .collect()
        } else if name == "status" {
            ds.read_raw::<u8>()
                .unwrap()
                .into_iter()
                .map(u64::from)
                .collect()
        } else {
            ds.read_raw::<f64>()
                .unwrap()
                .into_iter()
                .map(f64::to_bits)
                .collect()
        };
        out.push((name, bits));
    }
    out
}

fn assert_same(a: &Path, b: &Path) {
    for ((name, x), (_, y)) in contents(a).into_iter().zip(contents(b)) {
        assert!(
            x == y,
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// What may differ between files of one sweep run on different numbers of
/// ranks (README, "What is identical"): the root attributes `mpi_ranks` and
/// `created`, and the spike work area `/spikes/_pending` (arrival order).
/// `h5diff` over everything else (every dataset and attribute) finds no
/// difference.
fn assert_identical_but_documented(a: &Path, b: &Path) {
    let o = Command::new("h5diff")
        .args(["--exclude-path", "/spikes/_pending"])
        .args([a, b])
        .output()
        .expect("h5diff runs");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "h5diff failed: {text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let allowed = [
        "attribute: <created of </>> and <created of </>>",
        "attribute: <mpi_ranks of </>> and <mpi_ranks of </>>",
    ];
    for line in text.lines() {
        if line.contains("differences found") || line.trim().is_empty() {
            continue;
        }
        assert!(
            allowed.contains(&line.trim()),
            "{} and {} differ beyond mpi_ranks and created: {line}\n{text}",
            a.display(),
            b.display()
        );
    }
}

fn reference(dir: &Path) -> PathBuf {
    let p = dir.join("single.h5");
    sweep_ok(None, SWEEP, &p);
    p
}

#[test]
fn same_file_for_one_to_four_ranks() {
    let dir = temp_dir("ranks");
    let single = reference(&dir);
    for n in 1..=4 {
        let p = dir.join(format!("ranks{n}.h5"));
        sweep_ok(Some(n), SWEEP, &p);
        assert_same(&single, &p);
        assert_identical_but_documented(&single, &p);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// 64 ranks on this machine's few cores (`--oversubscribe`): a 64-point
/// version of the short sweep completes and equals the single process's
/// file (where all 64 small networks share a few batches; here most ranks
/// get one simulation).
#[test]
fn sixty_four_ranks_give_the_single_process_file() {
    let dir = temp_dir("ranks64");
    let config = dir.join("sweep64.toml");
    let text = std::fs::read_to_string(SWEEP)
        .unwrap()
        .replace("logspace = [-3, -1, 8]", "logspace = [-3, -1, 64]")
        .replace("tstop = 30.0", "tstop = 15.0");
    assert!(text.contains("[-3, -1, 64]") && text.contains("15.0"));
    std::fs::write(&config, text).unwrap();
    let cfg = config.to_str().unwrap();
    let (single, many) = (dir.join("single.h5"), dir.join("ranks64.h5"));
    sweep_ok(None, cfg, &single);
    sweep_ok(Some(64), cfg, &many);
    assert_same(&single, &many);
    assert_identical_but_documented(&single, &many);
    let f = hdf5::File::open(&many).unwrap();
    assert_eq!(
        f.attr("mpi_ranks").unwrap().read_scalar::<i64>().unwrap(),
        64
    );
    let status = f.dataset("status").unwrap().read_raw::<u8>().unwrap();
    assert_eq!(status, vec![1; 64]);
    std::fs::remove_dir_all(&dir).ok();
}

/// Interrupt a run of [`SWEEP`] after `delay`, with `signal`, then
/// `--resume` it.
fn interrupt_and_resume(
    ranks: Option<usize>,
    signal: &str,
    delay: Duration,
    dir: &Path,
    name: &str,
) -> PathBuf {
    interrupt_and_resume_config(SWEEP, ranks, signal, delay, dir, name)
}

/// Interrupt a run of `config` after `delay`, with `signal`, then
/// `--resume` it.
fn interrupt_and_resume_config(
    config: &str,
    ranks: Option<usize>,
    signal: &str,
    delay: Duration,
    dir: &Path,
    name: &str,
) -> PathBuf {
    let p = dir.join(name);
    let mut child = command(ranks)
        .args([config, "-o", p.to_str().unwrap(), "--force", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).ok();
    if signal == "-TERM" && status.code() == Some(5) {
        assert!(
            stderr.contains("--resume"),
            "the message says how to resume: {stderr}"
        );
    }
    // Wait for the killed processes to let go of the file.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = if p.exists() {
            run(
                ranks,
                &[config, "-o", p.to_str().unwrap(), "--resume", "-q"],
            )
        } else {
            run(ranks, &[config, "-o", p.to_str().unwrap(), "-q"])
        };
        if out.status.code() == Some(0) {
            break;
        }
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            Instant::now() < deadline && err.contains("lock"),
            "resume failed: {err}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    p
}

#[test]
fn kill_9_then_resume_equals_uninterrupted() {
    let dir = temp_dir("kill9");
    let single = reference(&dir);
    // Moments spread over the run (about a second), from the process id.
    let base = 150 + (std::process::id() % 7) as u64 * 100;
    for (i, ms) in [base, base + 350].into_iter().enumerate() {
        let p = interrupt_and_resume(
            None,
            "-KILL",
            Duration::from_millis(ms),
            &dir,
            &format!("k{i}.h5"),
        );
        assert_same(&single, &p);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The short sweep recording voltages, synaptic currents and calcium
/// (`vsec_soma`, `isec_soma`, `isec_all`, `ca_soma`, `ca_all`).
const RECORDING_SWEEP: &str = "tests/data/mpi/recordings_sweep.toml";

/// `/vsec`, `/isec` and `/ca` of a file, flattened to bits.
fn recordings(path: &Path) -> Vec<(String, Vec<u32>)> {
    let f = hdf5::File::open(path).unwrap();
    let mut out = Vec::new();
    for name in ["vsec/soma", "isec/soma", "isec/all", "ca/soma", "ca/all"] {
        let ds = f.dataset(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let bits = ds.read_raw::<f32>().unwrap().into_iter().map(f32::to_bits);
        out.push((name.to_string(), bits.collect()));
    }
    out
}

/// Section recordings are the same file for a single process and 1-3
/// ranks, and after `kill -9` and `--resume`.
#[test]
fn recordings_identical_for_one_to_three_ranks_and_after_kill_9() {
    let dir = temp_dir("recordings");
    let single = dir.join("single.h5");
    sweep_ok(None, RECORDING_SWEEP, &single);
    let reference = recordings(&single);
    for (name, bits) in &reference {
        // simulated everywhere, and something recorded
        assert!(!bits.is_empty(), "{name}");
        assert!(bits.iter().all(|&b| !f32::from_bits(b).is_nan()), "{name}");
    }
    for n in 1..=3 {
        let p = dir.join(format!("ranks{n}.h5"));
        sweep_ok(Some(n), RECORDING_SWEEP, &p);
        assert!(recordings(&p) == reference, "{n} ranks");
        assert_identical_but_documented(&single, &p);
    }
    let base = 150 + (std::process::id() % 5) as u64 * 100;
    let p = interrupt_and_resume_config(
        RECORDING_SWEEP,
        None,
        "-KILL",
        Duration::from_millis(base),
        &dir,
        "k.h5",
    );
    assert!(recordings(&p) == reference, "after kill -9 and --resume");
    assert_identical_but_documented(&single, &p);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sigterm_then_resume_equals_uninterrupted() {
    let dir = temp_dir("term");
    let single = reference(&dir);
    let p = interrupt_and_resume(None, "-TERM", Duration::from_millis(600), &dir, "t1.h5");
    assert_same(&single, &p);
    let p = interrupt_and_resume(Some(2), "-TERM", Duration::from_millis(900), &dir, "t2.h5");
    assert_same(&single, &p);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn resume_refuses_a_different_config() {
    let dir = temp_dir("refuse");
    let single = reference(&dir);
    let other = dir.join("other.toml");
    let text = std::fs::read_to_string(SWEEP)
        .unwrap()
        .replace("tstop = 30.0", "tstop = 25.0");
    std::fs::write(&other, text).unwrap();
    let out = run(
        None,
        &[
            other.to_str().unwrap(),
            "-o",
            single.to_str().unwrap(),
            "--resume",
        ],
    );
    assert_ne!(out.status.code(), Some(0));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_failing_simulation_is_isolated() {
    let dir = temp_dir("fail");
    let config = dir.join("fail.toml");
    std::fs::write(
        &config,
        "[simulation]\ntstop = 10.0\n[network]\nmesh_shape = [3, 3]\n\
         [[network.tonic_bias]]\ncell_type = \"L5_pyramidal\"\namplitude = \"$a\"\n\
         [sweep]\n[sweep.params]\na = { values = [0.0, 1.7e308, 0.5] }\n",
    )
    .unwrap();
    let p = dir.join("fail.h5");
    for ranks in [None, Some(2)] {
        let out = run(
            ranks,
            &[
                config.to_str().unwrap(),
                "-o",
                p.to_str().unwrap(),
                "--force",
                "-q",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let f = hdf5::File::open(&p).unwrap();
        let status = f.dataset("status").unwrap().read_raw::<u8>().unwrap();
        assert_eq!(status, vec![1, 2, 1]);
    }
    // The diverging network was integrated in one batch with the others
    // (small networks): theirs are the numbers of a sweep without it.
    let healthy_config = dir.join("healthy.toml");
    std::fs::write(
        &healthy_config,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("[0.0, 1.7e308, 0.5]", "[0.0, 0.5]"),
    )
    .unwrap();
    let healthy = dir.join("healthy.h5");
    sweep_ok(None, healthy_config.to_str().unwrap(), &healthy);
    let agg = |path: &Path| -> Vec<u64> {
        let f = hdf5::File::open(path).unwrap();
        let d = f.dataset("dipole/agg").unwrap().read_raw::<f64>().unwrap();
        d.iter().map(|x| x.to_bits()).collect()
    };
    let (with_failure, without) = (agg(&p), agg(&healthy));
    let n = without.len() / 2;
    assert_eq!(&with_failure[..n], &without[..n], "simulation 0");
    assert_eq!(&with_failure[2 * n..], &without[n..], "simulation 2");
    std::fs::remove_dir_all(&dir).ok();
}
