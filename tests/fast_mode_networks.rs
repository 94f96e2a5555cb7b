//! Fast mode (`numerics = "fast"`, docs/engine.md "Fast mode") against
//! hnn-core 0.6.1 on NEURON 8.2.7, networks (tests/data/network, made by
//! scripts/reference/network.py): the ERP on 3x3 and 10x10 meshes, three
//! trials, Poisson + bursty drives with tonic biases, and three of the seed
//! example's points: aggregate-dipole NRMSE <= 0.02 and spike counts per
//! cell type within 2%. The seed example through the binary: its 40 printed
//! min/max peaks within 2%. Within fast mode, results are identical bit for
//! bit across batching, ranks_per_sim and rank counts; the file records the
//! mode and `--resume` refuses a file of the other one. The achieved
//! figures are printed (`--nocapture`).

use std::path::Path;
use std::process::{Command, Output};

use hnn_mpi::analysis::dipole::renormalize_to_nam;
use hnn_mpi::config::Numerics;
use hnn_mpi::engine::network_sim::NetworkSimulation;
use hnn_mpi::network::description::NetworkDescription;

mod common;
use common::network_case::{build, load};
use common::{f64s, hnn_mpi, load_json, nrmse, our_spikes, reference_spikes, temp_dir};

const NRMSE_TOL: f64 = 0.02;
/// Spike counts per cell type, relative.
const COUNT_TOL: f64 = 0.02;
/// The seed example's printed peaks, relative.
const PEAK_TOL: f64 = 0.02;

/// Runs a case's trials in fast mode; returns the worst NRMSE and the worst
/// relative spike-count difference over its trials and cell types.
fn check_case(name: &str) -> (f64, f64) {
    let case = load(name);
    let mut net = build(&case);
    net.numerics = Numerics::Fast;
    let tstop = case["tstop"].as_f64().unwrap();
    let dt = case["dt"].as_f64().unwrap();
    let n_pyr = net.mesh_shape.0 * net.mesh_shape.1;
    let (mut worst_nrmse, mut worst_count): (f64, f64) = (0.0, 0.0);
    for (trial, reference) in case["trials"].as_array().unwrap().iter().enumerate() {
        let result = NetworkSimulation::new(&net, trial, tstop, dt).run();
        let d = renormalize_to_nam(
            &result.times,
            &result.raw_dipoles_fam[0].1,
            &result.raw_dipoles_fam[1].1,
            n_pyr,
        );
        let e = nrmse(&d.agg, &f64s(&reference["dipole"]["agg"]));
        let ours = our_spikes(&result.spike_gids, &result.spike_times);
        let refs = reference_spikes(reference);
        let mut counts = Vec::new();
        for (ct, a, b) in net.gid_ranges() {
            if net.population(&ct).is_none() {
                continue;
            }
            let count = |s: &[(u64, f64)]| {
                s.iter()
                    .filter(|(g, _)| (a as u64..b as u64).contains(g))
                    .count()
            };
            let (o, r) = (count(&ours), count(&refs));
            let rel = if r == 0 {
                if o == 0 {
                    0.0
                } else {
                    f64::INFINITY
                }
            } else {
                (o as f64 - r as f64).abs() / r as f64
            };
            counts.push(format!("{ct} {o}/{r}"));
            worst_count = worst_count.max(rel);
        }
        println!(
            "{name} trial {trial} (fast): agg NRMSE {e:.3e}; spikes (fast/NEURON) {}",
            counts.join(", ")
        );
        worst_nrmse = worst_nrmse.max(e);
    }
    assert!(
        worst_nrmse <= NRMSE_TOL,
        "{name}: fast-mode NRMSE {worst_nrmse:e} > {NRMSE_TOL}"
    );
    assert!(
        worst_count <= COUNT_TOL,
        "{name}: fast-mode spike counts differ by {worst_count} (relative) > {COUNT_TOL}"
    );
    (worst_nrmse, worst_count)
}

#[test]
fn erp_3x3() {
    check_case("erp_3x3");
}

#[test]
fn erp_10x10() {
    check_case("erp_10x10");
}

#[test]
fn erp_3x3_three_trials() {
    check_case("erp_3x3_trials3");
}

#[test]
fn poisson_bursty_tonic_3x3() {
    check_case("poisson_3x3");
}

#[test]
fn seed_example_points() {
    for p in ["seed_p00", "seed_p05", "seed_p19"] {
        check_case(p);
    }
}

fn read_2d(path: &Path, name: &str) -> Vec<f64> {
    let f = hdf5::File::open(path).unwrap();
    f.dataset(name).unwrap().read_raw::<f64>().unwrap()
}

/// The seed use case end to end in fast mode: hnn-core's 40 printed peaks
/// (tests/data/network/seed_summary.json) within 2%; the file says fast.
#[test]
fn seed_example_printed_peaks_within_two_percent() {
    let dir = temp_dir("fast-seed");
    let out_path = dir.join("seed.h5");
    let p = out_path.to_str().unwrap();
    hnn_mpi_ok(&[
        "configs/seed_example.toml",
        "-o",
        p,
        "--force",
        "-q",
        "--numerics",
        "fast",
    ]);
    let f = hdf5::File::open(&out_path).unwrap();
    let mode: hdf5::types::VarLenUnicode = f.attr("numerics").unwrap().read_scalar().unwrap();
    assert_eq!(mode.as_str(), "fast");
    let (mins, maxs) = (
        read_2d(&out_path, "summary/dipole_min"),
        read_2d(&out_path, "summary/dipole_max"),
    );
    let reference = load_json("tests/data/network/seed_summary.json");
    let points = reference["points"].as_array().unwrap();
    assert_eq!((points.len(), mins.len()), (20, 20));
    let mut worst: f64 = 0.0;
    for (i, pt) in points.iter().enumerate() {
        for (ours, key) in [(mins[i], "printed_min_peak"), (maxs[i], "printed_max_peak")] {
            let printed = pt[key].as_f64().unwrap();
            worst = worst.max(((ours - printed) / printed).abs());
        }
    }
    println!("seed example (fast): worst relative error against the 40 printed peaks {worst:.3e}");
    assert!(worst <= PEAK_TOL, "worst relative error {worst:e}");
    std::fs::remove_dir_all(&dir).ok();
}

fn hnn_mpi_ok(args: &[&str]) -> Output {
    let out = hnn_mpi(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Networks integrated in one fast-mode batch give each network its own
/// fast-mode simulation's numbers, bit for bit; exact and fast differ.
#[test]
fn fast_mode_batches_identical_to_single_runs() {
    let case = load("seed_p05");
    let mut nets: Vec<NetworkDescription> = ["seed_p00", "seed_p05", "seed_p19"]
        .iter()
        .map(|c| build(&load(c)))
        .collect();
    let exact = NetworkSimulation::new(&nets[1], 0, 60.0, 0.025).run();
    for n in &mut nets {
        n.numerics = Numerics::Fast;
    }
    let members: Vec<(&NetworkDescription, usize)> = nets.iter().map(|n| (n, 0)).collect();
    let batch = NetworkSimulation::new_batch(&members, 60.0, 0.025).run_batch(&mut |_| {});
    for (net, b) in nets.iter().zip(&batch) {
        let single = NetworkSimulation::new(net, 0, 60.0, 0.025).run();
        let bits = |r: &hnn_mpi::engine::network_sim::TrialResult| -> Vec<u64> {
            r.raw_dipoles_fam
                .iter()
                .flat_map(|(_, d)| d.iter().map(|x| x.to_bits()))
                .chain(r.spike_times.iter().map(|t| t.to_bits()))
                .chain(r.spike_gids.iter().map(|&g| g as u64))
                .collect()
        };
        assert!(bits(&single) == bits(b), "batched fast run differs");
    }
    assert!(
        exact.raw_dipoles_fam[0].1 != batch[1].raw_dipoles_fam[0].1,
        "fast mode changes the numbers"
    );
    assert!(case["tstop"].as_f64().unwrap() >= 60.0);
}

fn mpirun(ranks: usize, args: &[&str]) -> Output {
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
    let out = c.output().expect("mpirun starts");
    assert_eq!(
        out.status.code(),
        Some(0),
        "mpirun -n {ranks} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn dataset_bits(path: &Path) -> Vec<(String, Vec<u64>)> {
    let f = hdf5::File::open(path).unwrap();
    ["dipole/agg", "dipole/L2", "dipole/L5", "summary/dipole_max"]
        .iter()
        .map(|name| {
            let v = f.dataset(name).unwrap().read_raw::<f64>().unwrap();
            (name.to_string(), v.into_iter().map(f64::to_bits).collect())
        })
        .collect()
}

/// Fast mode over MPI: one rank, three ranks (simulations spread and
/// batched differently) and ranks_per_sim = 2 write the same numbers.
#[test]
fn fast_mode_identical_across_ranks_and_ranks_per_sim() {
    let dir = temp_dir("fast-ranks");
    let file = |tag: &str| dir.join(format!("{tag}.h5"));
    let cfg = "tests/data/mpi/short_sweep.toml";
    let base = ["--force", "-q", "--numerics", "fast"];
    let one = file("one");
    hnn_mpi_ok(&[&[cfg, "-o", one.to_str().unwrap()][..], &base[..]].concat());
    let three = file("three");
    mpirun(
        3,
        &[&[cfg, "-o", three.to_str().unwrap()][..], &base[..]].concat(),
    );
    let rps = file("rps");
    mpirun(
        2,
        &[
            &[cfg, "-o", rps.to_str().unwrap(), "--ranks-per-sim", "2"][..],
            &base[..],
        ]
        .concat(),
    );
    let want = dataset_bits(&one);
    for other in [&three, &rps] {
        for ((name, a), (_, b)) in want.iter().zip(dataset_bits(other)) {
            assert!(
                *a == b,
                "{}: {name} differs from the one-rank run",
                other.display()
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `--resume` refuses a file of the other numerics mode, either way, and
/// leaves it as it was; the same mode resumes.
#[test]
fn resume_refuses_the_other_numerics_mode() {
    let dir = temp_dir("fast-resume");
    let cfg = "tests/data/mpi/short_sweep.toml";
    for (written, asked) in [("fast", "exact"), ("exact", "fast")] {
        let path = dir.join(format!("{written}.h5"));
        let p = path.to_str().unwrap();
        hnn_mpi_ok(&[cfg, "-o", p, "--force", "-q", "--numerics", written]);
        let before = std::fs::read(&path).unwrap();
        let out = hnn_mpi(&[cfg, "-o", p, "--resume", "-q", "--numerics", asked]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{err}");
        assert!(
            err.contains(&format!("numerics = \"{written}\"")) && err.contains(asked),
            "{err}"
        );
        assert!(
            std::fs::read(&path).unwrap() == before,
            "the refused file changed"
        );
        hnn_mpi_ok(&[cfg, "-o", p, "--resume", "-q", "--numerics", written]);
    }
    std::fs::remove_dir_all(&dir).ok();
}
