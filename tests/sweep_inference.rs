//! Sweeps ready for simulation-based inference (docs/configuration.md §6,
//! §7): integer draws `{ integers = [low, high] }` in random and lhs modes
//! (a per-simulation `event_seed`), the `band_power` statistic over
//! `[summary] f_bands`, their config errors (key and line), and
//! `scripts/sbi_example.py` loading θ, x and the smoothed dipoles of a small
//! sweep run by the binary (Debian's `/usr/bin/python3` with h5py, as
//! tests/plots.rs; never skipped).

use std::path::{Path, PathBuf};
use std::process::Command;

use hnn_mpi::analysis::dipole::smooth;
use hnn_mpi::analysis::objective::band_powers;
use hnn_mpi::config::{Config, DriveKind};

mod common;

const PYTHON: &str = "/usr/bin/python3";

/// 3x3 network, 60 ms, an evoked drive whose time, weight and event seed are
/// drawn; 6 simulations; band powers of two bands.
const SWEEP: &str = r#"
[simulation]
tstop = 60.0
dt = 0.025

[network]
model = "jones_2009"
mesh_shape = [3, 3]

[[drives]]
name = "evprox"
type = "evoked"
mu = "$mu"
sigma = 4.0
numspikes = 1
location = "proximal"
weights_ampa = { L2_basket = 0.08, L2_pyramidal = "$w", L5_basket = 0.2, L5_pyramidal = "$w" }
synaptic_delays = { L2_basket = 0.1, L2_pyramidal = 0.1, L5_basket = 1.0, L5_pyramidal = 1.0 }
event_seed = "$seed"

[sweep]
mode = "random"
n_samples = 6
seed = 11
[sweep.params]
mu = { low = 15.0, high = 30.0 }
w = { low = 1e-3, high = 1e-1, log = true }
seed = { integers = [0, 1000000] }

[summary]
smooth_window_ms = 10
stats = ["dipole_max", "band_power"]
f_bands = [[1.0, 20.0], [20.0, 80.0]]

[output]
save = ["dipole"]
"#;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn points(text: &str) -> Vec<std::collections::BTreeMap<String, f64>> {
    Config::parse(text, "t.toml")
        .unwrap()
        .sweep_points()
        .unwrap()
}

#[test]
fn integer_draws_are_integers_in_range_and_feed_event_seed() {
    let pts = points(SWEEP);
    assert_eq!(pts.len(), 6);
    for p in &pts {
        let s = p["seed"];
        assert!(s.fract() == 0.0 && (0.0..1e6).contains(&s), "{s}");
    }
    let mut seeds: Vec<u64> = pts.iter().map(|p| p["seed"] as u64).collect();
    seeds.dedup();
    assert_eq!(seeds.len(), 6, "{seeds:?}");
    // An integer parameter takes one uniform u per point, as a range does,
    // and is floor(low + u (high - low)): the same sweep with a range in
    // its place has the same other values and the integers as floors.
    let as_range = SWEEP
        .replace(
            "seed = { integers = [0, 1000000] }",
            "seed = { low = 0.0, high = 1000000.0 }",
        )
        .replace(
            "event_seed = \"$seed\"",
            "event_seed = 2\nsigma_unused = \"$seed\"",
        )
        .replace("sigma_unused", "space_constant");
    let ranged = points(&as_range);
    for (a, b) in pts.iter().zip(&ranged) {
        assert_eq!((a["mu"], a["w"]), (b["mu"], b["w"]));
        assert_eq!(a["seed"], b["seed"].floor());
    }
    // The drawn integer is each simulation's event seed.
    let cfg = Config::parse(SWEEP, "t.toml").unwrap();
    for p in &pts {
        let r = cfg.resolve(p).unwrap();
        assert_eq!(r.drives[0].event_seed, p["seed"] as u64);
        assert!(matches!(r.drives[0].kind, DriveKind::Evoked { .. }));
    }
}

#[test]
fn integer_draws_cover_a_small_range_and_lhs_strata() {
    // 4 integers, 4000 draws: each value about 1000 times.
    let text = "[sweep]\nmode = \"random\"\nn_samples = 4000\nseed = 3\n[sweep.params]\nk = { integers = [-2, 2] }\n[simulation]\ntstop = \"$k\"\n";
    // tstop must be > 0: resolution refuses k <= 0 at its point.
    let e = Config::parse(text, "t.toml").unwrap_err();
    assert_eq!(e.key, "simulation.tstop");
    assert!(e.message.contains("from $k, sweep point"), "{e}");
    let ok = text.replace("tstop = \"$k\"", "celsius = \"$k\"");
    let mut counts = [0usize; 4];
    for p in points(&ok) {
        counts[(p["k"] + 2.0) as usize] += 1;
    }
    assert!(
        counts.iter().all(|&c| (880..1120).contains(&c)),
        "{counts:?}"
    );
    // lhs: n points on n integers: each integer exactly once.
    let lhs = "[sweep]\nmode = \"lhs\"\nn_samples = 50\nseed = 9\n[sweep.params]\nk = { integers = [100, 150] }\n[simulation]\ncelsius = \"$k\"\n";
    let mut ks: Vec<i64> = points(lhs).iter().map(|p| p["k"] as i64).collect();
    ks.sort();
    assert_eq!(ks, (100..150).collect::<Vec<_>>());
}

/// (what, the line the error names (a fragment of it), replace this, by
/// this, key, message fragment): each a config error at that line.
const BAD: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "integers in product mode",
        "mu = { low",
        "mode = \"random\"\nn_samples = 6\nseed = 11",
        "mode = \"product\"",
        "sweep.params.mu.low",
        "ranges are for mode",
    ),
    (
        "empty integer range",
        "seed = { integers",
        "[0, 1000000]",
        "[5, 5]",
        "sweep.params.seed.integers[1]",
        "must be > low",
    ),
    (
        "fractional integer",
        "seed = { integers",
        "[0, 1000000]",
        "[0.5, 10]",
        "sweep.params.seed.integers[0]",
        "an integer",
    ),
    (
        "three integers",
        "seed = { integers",
        "[0, 1000000]",
        "[0, 1, 2]",
        "sweep.params.seed.integers",
        "got 3 elements",
    ),
    (
        "beyond 2^53",
        "seed = { integers",
        "[0, 1000000]",
        "[0, 9007199254740993]",
        "sweep.params.seed.integers[1]",
        "within ±2^53",
    ),
    (
        "integers and a range",
        "seed = { integers",
        "{ integers = [0, 1000000] }",
        "{ integers = [0, 10], low = 1.0, high = 2.0 }",
        "sweep.params.seed",
        "give exactly one of",
    ),
    (
        "negative seed",
        "event_seed",
        "[0, 1000000]",
        "[-5, 0]",
        "drives[0].event_seed",
        "from $seed, sweep point",
    ),
    (
        "band_power without f_bands",
        "stats =",
        "f_bands = [[1.0, 20.0], [20.0, 80.0]]",
        "",
        "summary.stats[1]",
        "band_power needs [summary] f_bands",
    ),
    (
        "f_bands without band_power",
        "f_bands =",
        "stats = [\"dipole_max\", \"band_power\"]",
        "stats = [\"dipole_max\"]",
        "summary.f_bands",
        "add \"band_power\" to stats",
    ),
    (
        "band upside down",
        "f_bands =",
        "[20.0, 80.0]]",
        "[80.0, 20.0]]",
        "summary.f_bands[1][1]",
        "must be > the band's low end",
    ),
    (
        "negative frequency",
        "f_bands =",
        "[[1.0, 20.0]",
        "[[-1.0, 20.0]",
        "summary.f_bands[0][0]",
        "must be >= 0 Hz",
    ),
    (
        "flat band list",
        "f_bands =",
        "[[1.0, 20.0], [20.0, 80.0]]",
        "[1.0, 20.0]",
        "summary.f_bands[0]",
        "a band [low, high]",
    ),
    (
        "no band",
        "f_bands =",
        "[[1.0, 20.0], [20.0, 80.0]]",
        "[]",
        "summary.f_bands",
        "no band",
    ),
    (
        "three-number band",
        "f_bands =",
        "[20.0, 80.0]]",
        "[20.0, 80.0, 90.0]]",
        "summary.f_bands[1]",
        "got 3 numbers",
    ),
    (
        "unknown statistic",
        "stats =",
        "\"band_power\"]",
        "\"band_powers\"]",
        "summary.stats[1]",
        "did you mean `band_power`?",
    ),
];

#[test]
fn too_many_bands_are_refused() {
    let bands: Vec<String> = (0..1001).map(|k| format!("[{k}.0, {k}.5]")).collect();
    let text = SWEEP.replace(
        "[[1.0, 20.0], [20.0, 80.0]]",
        &format!("[{}]", bands.join(", ")),
    );
    let e = Config::parse(&text, "t.toml").unwrap_err();
    assert_eq!(e.key, "summary.f_bands", "{e}");
    assert!(e.message.contains("1001 bands; at most 1000"), "{e}");
}

#[test]
fn bad_inference_sweeps_name_key_and_line() {
    let mut failures = Vec::new();
    for &(what, marker, from, to, key, fragment) in BAD {
        assert!(SWEEP.contains(from), "{what}: {from:?} not in the config");
        let text = SWEEP.replacen(from, to, 1);
        let want_line = text.lines().position(|l| l.contains(marker)).unwrap() + 1;
        match Config::parse(&text, "t.toml") {
            Ok(_) => failures.push(format!("{what}: parsed without error")),
            Err(e) => {
                if e.key != key || e.line != Some(want_line) || !e.message.contains(fragment) {
                    failures.push(format!(
                        "{what}: expected {key} at line {want_line} with {fragment:?}; got {} at line {:?}: {}",
                        e.key, e.line, e.message
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn work_dir(name: &str) -> PathBuf {
    common::work_dir("sweep_inference", name)
}

fn run_sweep(dir: &Path) -> PathBuf {
    let config = dir.join("sbi.toml");
    std::fs::write(&config, SWEEP).unwrap();
    let h5 = dir.join("sbi.h5");
    common::hnn_mpi_ok(&[
        config.to_str().unwrap(),
        "-o",
        h5.to_str().unwrap(),
        "--force",
        "-q",
    ]);
    h5
}

/// The stored band powers are those of the smoothed aggregate dipole of
/// each simulation; the integer seeds are stored exactly and give each
/// simulation its own drive; sbi_example.py loads θ, x and the dipoles.
#[test]
fn band_power_sweep_and_the_sbi_example() {
    let dir = work_dir("band_power");
    let h5 = run_sweep(&dir);
    let f = hdf5::File::open(&h5).unwrap();
    let times = f.dataset("times").unwrap().read_raw::<f64>().unwrap();
    let agg = f.dataset("dipole/agg").unwrap().read_raw::<f64>().unwrap();
    let n_times = times.len();
    let seeds = f.dataset("params/seed").unwrap().read_raw::<f64>().unwrap();
    let expected: Vec<f64> = points(SWEEP).iter().map(|p| p["seed"]).collect();
    assert_eq!(seeds, expected);
    let mut names: Vec<String> = f.group("summary").unwrap().member_names().unwrap();
    names.sort();
    assert_eq!(
        names,
        [
            "band_power_0",
            "band_power_1",
            "band_power_rel_0",
            "band_power_rel_1",
            "dipole_max"
        ]
    );
    let read = |n: &str| {
        f.dataset(&format!("summary/{n}"))
            .unwrap()
            .read_raw::<f64>()
            .unwrap()
    };
    let units = |n: &str| {
        f.dataset(&format!("summary/{n}"))
            .unwrap()
            .attr("units")
            .unwrap()
            .read_scalar::<hdf5::types::VarLenUnicode>()
            .unwrap()
            .to_string()
    };
    assert_eq!(units("band_power_0"), "nAm^2/Hz");
    assert_eq!(units("band_power_rel_1"), "");
    let (b0, b1, r0, r1) = (
        read("band_power_0"),
        read("band_power_1"),
        read("band_power_rel_0"),
        read("band_power_rel_1"),
    );
    let fs = 1000.0 / (times[1] - times[0]);
    for i in 0..6 {
        let x = smooth(&agg[i * n_times..(i + 1) * n_times], 10.0, fs).unwrap();
        let bp = band_powers(&x, fs, &[(1.0, 20.0), (20.0, 80.0)]);
        assert_eq!([b0[i], b1[i]], [bp[0].absolute, bp[1].absolute], "sim {i}");
        assert_eq!([r0[i], r1[i]], [bp[0].relative, bp[1].relative], "sim {i}");
        assert!(
            r0[i] > 0.0 && r0[i] + r1[i] <= 1.0,
            "sim {i}: {} {}",
            r0[i],
            r1[i]
        );
    }

    // The Python side.
    let npz = dir.join("sbi.npz");
    let code = format!(
        r#"
import sys, numpy as np
sys.path.insert(0, "scripts")
import sbi_example
d = sbi_example.load("{h5}")
assert d["theta"].shape == (6, 3), d["theta"].shape
assert list(d["param_names"]) == ["mu", "w", "seed"], d["param_names"]
assert d["x"].shape == (6, 5), d["x"].shape
assert d["dipoles"].shape == (6, {n_times})
print("seeds", " ".join(str(int(s)) for s in d["theta"][:, 2]))
"#,
        h5 = h5.display()
    );
    let out = Command::new(PYTHON)
        .args(["-c", &code])
        .current_dir(repo())
        .output()
        .expect("python starts");
    assert!(out.status.success(), "{}", common::show(&out));
    let want: Vec<String> = expected.iter().map(|s| (*s as u64).to_string()).collect();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("seeds {}", want.join(" "))),
        "{}",
        common::show(&out)
    );
    let out = Command::new(PYTHON)
        .arg("scripts/sbi_example.py")
        .arg(&h5)
        .arg("--save")
        .arg(&npz)
        .current_dir(repo())
        .output()
        .expect("python starts");
    assert!(out.status.success(), "{}", common::show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("theta (6, 3): mu, w, seed"),
        "{}",
        common::show(&out)
    );
    assert!(
        stdout.contains("x (6, 5): band_power_0, band_power_1, band_power_rel_0"),
        "{}",
        common::show(&out)
    );
    assert!(npz.is_file());
}

/// A failed simulation is skipped: its row is left out of θ and x.
#[test]
fn sbi_example_skips_failed_simulations() {
    let dir = work_dir("failed");
    let h5 = run_sweep(&dir);
    {
        let f = hdf5::File::open_rw(&h5).unwrap();
        let status = f.dataset("status").unwrap();
        let mut s = status.read_raw::<u8>().unwrap();
        s[2] = 2;
        s[4] = 0;
        status.write_raw(&s).unwrap();
    }
    let code = format!(
        r#"
import sys
sys.path.insert(0, "scripts")
import sbi_example
d = sbi_example.load("{}")
assert list(d["sims"]) == [0, 1, 3, 5], d["sims"]
assert d["theta"].shape == (4, 3) and d["x"].shape == (4, 5)
print("ok")
"#,
        h5.display()
    );
    let out = Command::new(PYTHON)
        .args(["-c", &code])
        .current_dir(repo())
        .output()
        .expect("python starts");
    assert!(out.status.success(), "{}", common::show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("skipping 1 pending and 1 failed"),
        "{}",
        common::show(&out)
    );
}
