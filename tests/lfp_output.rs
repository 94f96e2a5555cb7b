//! `/lfp` end to end (docs/output_format.md §8b): a sweep with two
//! electrode arrays (tests/data/lfp/lfp_3x3.toml) stores exactly what the
//! engine computes for each simulation and trial, with the arrays'
//! geometry as attributes; the file is bit-identical for 1, 2 and 3 ranks
//! and for `ranks_per_sim` 1, 2 and 3 (`h5diff` on `/lfp`, and on the
//! whole file but the attributes that name the run); an hnn-core network
//! file's `rec_arrays` are recorded too; h5py reads the file
//! (`tests/h5py_check.py`) and `scripts/plot_lfp.py` draws it. Needs
//! `mpirun`, `h5diff` and Debian's python3 with h5py, scipy, matplotlib.

use std::path::Path;
use std::process::{Command, Output};

use hnn_mpi::config::Config;
use hnn_mpi::engine::mechanisms::Catalogue;
use hnn_mpi::engine::network_sim::NetworkSimulation;
use hnn_mpi::network::from_config::build_network;

mod common;
use common::temp_dir;

const CONFIG: &str = "tests/data/lfp/lfp_3x3.toml";

fn run(ranks: usize, args: &[&str]) -> Output {
    let mut c = Command::new("mpirun");
    c.args([
        "--oversubscribe",
        "-n",
        &ranks.to_string(),
        env!("CARGO_BIN_EXE_hnn-mpi"),
    ])
    .args(args)
    .current_dir(env!("CARGO_MANIFEST_DIR"))
    .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
    .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    c.output().expect("mpirun starts")
}

fn ok(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn h5diff(a: &Path, b: &Path, object: &str) -> Output {
    Command::new("h5diff")
        .args([a.to_str().unwrap(), b.to_str().unwrap(), object, object])
        .output()
        .expect("h5diff runs")
}

/// Each simulation's `/lfp` equals, bit for bit, the engine's result for
/// that point's network (built from the same config).
#[test]
fn file_holds_the_engine_lfp() {
    let dir = temp_dir("lfp-engine");
    let file = dir.join("one.h5");
    ok(
        &run(1, &[CONFIG, "-o", file.to_str().unwrap(), "--force", "-q"]),
        "run",
    );
    let config = Config::from_file(Path::new(CONFIG)).unwrap();
    let points = config.sweep_points().unwrap();
    let f = hdf5::File::open(&file).unwrap();
    let status: Vec<u8> = f.dataset("status").unwrap().read_raw().unwrap();
    assert!(status.iter().all(|&s| s == 1));
    let mut peak = 0.0f64;
    for (sim, point) in points.iter().enumerate() {
        let cfg = config.resolve(point).unwrap();
        let net = build_network(&cfg, &config, &Catalogue).unwrap();
        assert_eq!(net.electrode_arrays.len(), 2);
        for trial in 0..cfg.simulation.n_trials {
            let r =
                NetworkSimulation::new(&net, trial, cfg.simulation.tstop, cfg.simulation.dt).run();
            for a in &r.lfp {
                let d = f.dataset(&format!("lfp/{}", a.name)).unwrap();
                let stored: ndarray::Array2<f64> =
                    d.read_slice_2d(ndarray::s![sim, trial, .., ..]).unwrap();
                for (c, trace) in a.contacts_uv.iter().enumerate() {
                    for (k, &v) in trace.iter().enumerate() {
                        assert_eq!(
                            stored[[c, k]].to_bits(),
                            v.to_bits(),
                            "sim {sim} trial {trial} {} contact {c} sample {k}",
                            a.name
                        );
                        peak = peak.max(v.abs());
                    }
                }
            }
        }
    }
    assert!(peak > 1.0, "a potential worth comparing ({peak} µV)");
    let shank = f.dataset("lfp/shank").unwrap();
    assert_eq!(shank.shape(), [3, 2, 5, 1601]);
    let m: hdf5::types::VarLenUnicode = f
        .dataset("lfp/off_axis")
        .unwrap()
        .attr("method")
        .unwrap()
        .read_scalar()
        .unwrap();
    assert_eq!(m.as_str(), "lsa");
    drop(f);
    // What a Python user sees (Debian's python3 with h5py).
    let check = Command::new("/usr/bin/python3")
        .args([
            "tests/h5py_check.py",
            file.to_str().unwrap(),
            "--lfp",
            "shank,off_axis",
            "--simulated",
            "--all-done",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "h5py_check.py: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    // scripts/plot_lfp.py: the laminar array with its CSD, the off-axis one
    // (three contacts) without.
    let plot = Command::new("/usr/bin/python3")
        .args([
            "scripts/plot_lfp.py",
            file.to_str().unwrap(),
            "--sim",
            "2",
            "--outdir",
            dir.to_str().unwrap(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("python3 runs");
    let said = String::from_utf8_lossy(&plot.stderr);
    assert!(
        plot.status.success(),
        "plot_lfp.py: {said}{}",
        String::from_utf8_lossy(&plot.stdout)
    );
    assert!(said.contains("off_axis: no CSD (3 contacts"), "{said}");
    for name in ["shank", "off_axis"] {
        let png = dir.join(format!("one_lfp_{name}_sim2.png"));
        assert!(
            std::fs::metadata(&png).is_ok_and(|m| m.len() > 10_000),
            "{}",
            png.display()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// 1, 2 and 3 ranks, and 1, 2 and 3 ranks per simulation (on 3 ranks for
/// k = 3, on 2 for k = 2): `/lfp` bit-identical.
#[test]
fn lfp_identical_for_any_rank_layout() {
    let dir = temp_dir("lfp-ranks");
    let file = |tag: &str| dir.join(format!("{tag}.h5"));
    let layouts: [(&str, usize, usize); 5] = [
        ("r1", 1, 1),
        ("r2", 2, 1),
        ("r3", 3, 1),
        ("k2", 2, 2),
        ("k3", 3, 3),
    ];
    for (tag, ranks, k) in layouts {
        ok(
            &run(
                ranks,
                &[
                    CONFIG,
                    "-o",
                    file(tag).to_str().unwrap(),
                    "--force",
                    "-q",
                    "--ranks-per-sim",
                    &k.to_string(),
                ],
            ),
            tag,
        );
    }
    for (tag, _, _) in &layouts[1..] {
        for object in [
            "/lfp/shank",
            "/lfp/off_axis",
            "/dipole/agg",
            "/spikes/times",
        ] {
            let out = h5diff(&file("r1"), &file(tag), object);
            assert!(
                out.status.success(),
                "{object} differs between 1 rank and {tag}: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A run whose file cannot fit on its file system is refused before
/// anything is written, with the projected size (16 TB here: 1e5
/// simulations of five contacts over 1e5 ms) and the `/lfp` share of it;
/// `--dry-run` shows the same projection.
#[test]
fn a_file_larger_than_the_free_space_is_refused() {
    let dir = temp_dir("lfp-huge");
    let config = dir.join("huge.toml");
    std::fs::write(
        &config,
        r#"[simulation]
tstop = 100000.0

[network]
model = "jones_2009"
mesh_shape = [1, 1]

[[network.electrode_arrays]]
name = "shank"
positions = [[0.0, 0.0, 0.0], [0.0, 0.0, 100.0], [0.0, 0.0, 200.0], [0.0, 0.0, 300.0], [0.0, 0.0, 400.0]]

[[drives]]
name = "evprox"
type = "evoked"
mu = 10.0
sigma = 2.0
numspikes = 1
location = "proximal"
weights_ampa = { L2_basket = "$w", L2_pyramidal = "$w", L5_basket = "$w", L5_pyramidal = "$w" }

[sweep]
mode = "product"
[sweep.params]
w = { linspace = [0.001, 0.01, 100000] }

[output]
save = ["spikes"]
"#,
    )
    .unwrap();
    let out_file = dir.join("huge.h5");
    let c = config.to_str().unwrap();
    let o = out_file.to_str().unwrap();
    let dry = common::hnn_mpi(&[c, "-o", o, "--dry-run"]);
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        text.contains("/lfp 16.0 TB (5 electrode contacts, 160.0 MB per simulation)"),
        "{text}"
    );
    let run = common::hnn_mpi(&[c, "-o", o]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--output: the output file is projected to hold")
            && err.contains("/lfp 16.0 TB of it")
            && err.contains("free"),
        "{err}"
    );
    assert!(!out_file.exists(), "nothing written");
    std::fs::remove_dir_all(&dir).ok();
}

/// An hnn-core network file's `rec_arrays` (`net.add_electrode_array('shank',
/// [(1, 1, 100), (1, 1, 600)])`) are recorded as `/lfp/shank`, equal to the
/// same array given in the config on the built-in 3x3 network.
#[test]
fn hnn_json_rec_arrays_are_recorded() {
    let dir = temp_dir("lfp-json");
    let json =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hnn_json/rec_arrays_3x3.json");
    let from_json = dir.join("json.toml");
    std::fs::write(
        &from_json,
        format!(
            "[simulation]\ntstop = 20.0\n\n[network]\nhnn_json = {:?}\nerp_drives = true\n",
            json.to_str().unwrap()
        ),
    )
    .unwrap();
    let builtin = dir.join("builtin.toml");
    std::fs::write(
        &builtin,
        "[simulation]\ntstop = 20.0\n\n[network]\nmodel = \"jones_2009\"\nmesh_shape = [3, 3]\n\
         erp_drives = true\n\n[[network.electrode_arrays]]\nname = \"shank\"\n\
         positions = [[1.0, 1.0, 100.0], [1.0, 1.0, 600.0]]\n",
    )
    .unwrap();
    let (a, b) = (dir.join("json.h5"), dir.join("builtin.h5"));
    for (config, out) in [(&from_json, &a), (&builtin, &b)] {
        let o = common::hnn_mpi(&[config.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"]);
        ok(&o, config.to_str().unwrap());
    }
    let f = hdf5::File::open(&a).unwrap();
    let d = f.dataset("lfp/shank").unwrap();
    assert_eq!(d.shape(), [1, 1, 2, 801]);
    let v: Vec<f64> = d.read_raw().unwrap();
    assert!(v.iter().all(|x| x.is_finite()) && v.iter().any(|&x| x != 0.0));
    let out = h5diff(&a, &b, "/lfp/shank");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).ok();
}
