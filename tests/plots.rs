//! The Python side of the output file: a small sweep run by the binary is
//! read with h5py (`tests/h5py_check.py`: every docs/output_format.md path, type and
//! shape, and the summaries recomputed with numpy) and plotted
//! (`scripts/plot_sweep.py`: hnn-core's Batch Simulation figures).
//!
//! Needs `/usr/bin/python3` with h5py, numpy and matplotlib, which
//! `scripts/setup.sh` installs (Debian's python3-h5py, python3-matplotlib);
//! without them the test fails and says so — it is never skipped.
//! Files are left in `$CARGO_TARGET_TMPDIR/plots/` for inspection.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

const PYTHON: &str = "/usr/bin/python3";

/// The seed example shrunk: 3x3 network, 40 ms, 4 simulations zipped over
/// the two drive weights, 5 ms smoothing, dipoles and spikes saved. The drive
/// comes at 15 ms so that the network responds within tstop.
const CONFIG: &str = r#"
[simulation]
tstop = 40.0
dt = 0.025
n_trials = 1

[network]
model = "jones_2009"
mesh_shape = [3, 3]

[[drives]]
name = "evprox"
type = "evoked"
mu = 15.0
sigma = 2.0
numspikes = 1
location = "proximal"
weights_ampa = { L2_basket = "$weight_basket", L2_pyramidal = "$weight_pyr", L5_basket = "$weight_basket", L5_pyramidal = "$weight_pyr" }
synaptic_delays = { L2_basket = 0.1, L2_pyramidal = 0.1, L5_basket = 1.0, L5_pyramidal = 1.0 }

[sweep]
mode = "zip"
[sweep.params]
weight_basket = { logspace = [-3, -1, 4] }
weight_pyr = { logspace = [-3, -1, 4] }

[summary]
smooth_window_ms = 5
stats = ["dipole_min", "dipole_max", "dipole_rms", "rate_L5_pyramidal"]

[output]
save = ["dipole", "spikes"]
"#;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir(name: &str) -> PathBuf {
    common::work_dir("plots", name)
}

/// Fails (never skips) when the Python side is missing: CI runs
/// scripts/setup.sh first, which installs it.
fn require_python() {
    let out = Command::new(PYTHON)
        .args(["-c", "import h5py, numpy, matplotlib"])
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "{PYTHON} lacks h5py/numpy/matplotlib; run scripts/setup.sh \
             (it installs python3-h5py and python3-matplotlib)\n{}",
            common::show(&o)
        ),
        Err(e) => panic!("cannot run {PYTHON} ({e}); run scripts/setup.sh"),
    }
}

fn python(args: &[&str]) -> Output {
    Command::new(PYTHON)
        .args(args)
        .current_dir(repo())
        .env("MPLBACKEND", "Agg")
        .env_remove("DISPLAY")
        .output()
        .expect("python starts")
}

/// Runs the small sweep into `dir/small.h5`.
fn run_small_sweep(dir: &Path) -> PathBuf {
    let config = dir.join("small.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let h5 = dir.join("small.h5");
    common::hnn_mpi_ok(&[
        config.to_str().unwrap(),
        "-o",
        h5.to_str().unwrap(),
        "--force",
        "-q",
    ]);
    assert!(h5.is_file(), "no output file {}", h5.display());
    h5
}

fn assert_png(path: &Path) {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    assert!(
        bytes.len() > 10_000,
        "{} has only {} bytes: an empty figure?",
        path.display(),
        bytes.len()
    );
}

#[test]
fn small_sweep_reads_with_h5py_and_plots() {
    require_python();
    let dir = work_dir("small");
    let h5 = run_small_sweep(&dir);
    let h5s = h5.to_str().unwrap();

    // Layout (every docs/output_format.md path, type, shape) and content.
    let out = python(&[
        "tests/h5py_check.py",
        h5s,
        "--n-sims",
        "4",
        "--n-trials",
        "1",
        "--n-times",
        "1601",
        "--mpi-ranks",
        "1",
        "--params",
        "weight_basket,weight_pyr",
        "--stats",
        "dipole_min,dipole_max,dipole_rms,rate_L5_pyramidal",
        "--cell-types",
        "L2_basket,L2_pyramidal,L5_basket,L5_pyramidal,evprox",
        "--dipole",
        "--spikes",
        "--all-done",
        "--simulated",
        "--smooth-window",
        "5",
    ]);
    assert!(
        out.status.success(),
        "h5py_check.py: {}",
        common::show(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("ok "),
        "{}",
        common::show(&out)
    );

    // The two figures of hnn-core's example.
    let plots = dir.join("png");
    let out = python(&[
        "scripts/plot_sweep.py",
        h5s,
        "--param",
        "weight_basket",
        "--window",
        "5",
        "--outdir",
        plots.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "plot_sweep.py: {}",
        common::show(&out)
    );
    assert_png(&plots.join("small_overlay.png"));
    assert_png(&plots.join("small_peaks.png"));
}

#[test]
fn plot_sweep_names_the_available_parameters() {
    require_python();
    let dir = work_dir("bad-param");
    let h5 = run_small_sweep(&dir);
    let out = python(&[
        "scripts/plot_sweep.py",
        h5.to_str().unwrap(),
        "--param",
        "weight_nope",
        "--outdir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", common::show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("weight_nope") && err.contains("weight_basket, weight_pyr"),
        "{}",
        common::show(&out)
    );
}

/// `scripts/plot_lfp.py`'s CSD is hnn-core's: its `calculate_csd2d` and
/// `_get_laminar_z_coords` spacing, applied to the laminar PSA LFP of
/// `tests/data/extracellular/erp_3x3.h5` (trial 0), equal bit for bit the
/// `calculate_csd2d(lfp[0], delta=300)` that hnn-core 0.6.1 computed on the
/// same data (`csd_erp_3x3.h5`, scripts/reference/extracellular_analytic.py);
/// a non-laminar array has no CSD.
#[test]
fn plot_lfp_csd_is_hnn_cores() {
    require_python();
    let code = r#"
import sys, h5py, numpy as np
sys.path.insert(0, "scripts")
import plot_lfp
with h5py.File("tests/data/extracellular/erp_3x3.h5") as f:
    d = f["lfp/lam_psa"]
    lfp, pos = d[0], d.attrs["positions"]
    off = f["lfp/off_psa"].attrs["positions"]
with h5py.File("tests/data/extracellular/csd_erp_3x3.h5") as f:
    want = f["lam_psa"][:]
(depths, delta), why = plot_lfp.laminar_z(pos)
assert why is None and delta == 300.0, (delta, why)
got = plot_lfp.calculate_csd2d(lfp, delta)
assert got.shape == want.shape, (got.shape, want.shape)
assert np.array_equal(got.view(np.uint64), want.view(np.uint64)), np.max(np.abs(got - want))
lam, why = plot_lfp.laminar_z(off)
assert lam is None and "not equispaced" in why, why
print("ok")
"#;
    let out = python(&["-c", code]);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ok"),
        "{}",
        common::show(&out)
    );
}

/// A small fit (configs/fit_evoked.toml, 32 evaluations) read with h5py
/// (`tests/h5py_check.py`'s /fit checks) and drawn by `scripts/plot_fit.py`.
#[test]
fn a_fit_reads_with_h5py_and_plots() {
    require_python();
    let dir = work_dir("fit");
    let text = std::fs::read_to_string(repo().join("configs/fit_evoked.toml"))
        .unwrap()
        .replace("max_evaluations = 320", "max_evaluations = 32")
        .replace(
            "target = \"../tests/data/fit/target.txt\"",
            &format!(
                "target = \"{}\"",
                repo().join("tests/data/fit/target.txt").display()
            ),
        );
    assert!(text.contains("max_evaluations = 32\n") || text.contains("max_evaluations = 32 "));
    let config = dir.join("fit.toml");
    std::fs::write(&config, text).unwrap();
    let h5 = dir.join("fit.h5");
    common::hnn_mpi_ok(&[
        config.to_str().unwrap(),
        "-o",
        h5.to_str().unwrap(),
        "--force",
        "-q",
    ]);
    let h5s = h5.to_str().unwrap();
    let out = python(&[
        "tests/h5py_check.py",
        h5s,
        "--all-done",
        "--simulated",
        "--n-sims",
        "32",
        "--params",
        "mu,weight_basket,weight_pyr",
    ]);
    assert!(
        out.status.success(),
        "h5py_check.py: {}",
        common::show(&out)
    );
    let png = dir.join("fit.png");
    let out = python(&["scripts/plot_fit.py", h5s, "-o", png.to_str().unwrap()]);
    assert!(out.status.success(), "plot_fit.py: {}", common::show(&out));
    assert_png(&png);
    // A sweep's file is no fit's: refused with a message, exit 1.
    let sweep = run_small_sweep(&dir);
    let out = python(&["scripts/plot_fit.py", sweep.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", common::show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no /fit group"));
}
