//! One simulation split over several ranks (`ranks_per_sim`): a 5x5 ERP
//! network and a Poisson/bursty-driven network with tonic biases (two
//! trials) give bit-identical dipoles and spike rasters for 1, 2, 3 and 4
//! ranks per simulation, as do the recorded voltages (`vsec_soma`,
//! `vsec_all`) of an hnn-core JSON network and the synaptic currents and
//! calcium (`isec_*`, `ca_*`) of the calcium model; a sweep with ranks_per_sim = 2 on 4 ranks equals
//! the single-rank file; a rank count that k does not divide is a config
//! error. Needs `mpirun`.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::temp_dir;

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

fn datasets(path: &Path) -> Vec<(String, Vec<u64>)> {
    let f = hdf5::File::open(path).unwrap();
    let mut out = Vec::new();
    for name in [
        "dipole/agg",
        "dipole/L2",
        "dipole/L5",
        "spikes/times",
        "spikes/gids",
        "spikes/offsets",
        "status",
    ] {
        let ds = f.dataset(name).unwrap();
        let bits: Vec<u64> = match name {
            "spikes/gids" | "spikes/offsets" => ds
                .read_raw::<i64>()
                .unwrap()
                .into_iter()
                .map(|x| x as u64)
                .collect(),
            "status" => ds
                .read_raw::<u8>()
                .unwrap()
                .into_iter()
                .map(u64::from)
                .collect(),
            _ => ds
                .read_raw::<f64>()
                .unwrap()
                .into_iter()
                .map(f64::to_bits)
                .collect(),
        };
        out.push((name.to_string(), bits));
    }
    // section recordings, when recorded: gathered to the group's first rank
    for name in [
        "vsec/soma",
        "vsec/all",
        "isec/soma",
        "isec/all",
        "ca/soma",
        "ca/all",
    ] {
        if f.link_exists(name) {
            let bits = f
                .dataset(name)
                .unwrap()
                .read_raw::<f32>()
                .unwrap()
                .into_iter()
                .map(|x| u64::from(x.to_bits()))
                .collect();
            out.push((name.to_string(), bits));
        }
    }
    out
}

fn check(config: &str) {
    let stem = Path::new(config).file_stem().unwrap().to_str().unwrap();
    let dir = temp_dir(&format!("rps-{stem}"));
    let file = |k: usize| dir.join(format!("k{k}.h5"));
    for k in 1..=4 {
        let out = run(
            k,
            &[
                config,
                "-o",
                file(k).to_str().unwrap(),
                "--force",
                "-q",
                "--ranks-per-sim",
                &k.to_string(),
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{config} k={k}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let one = datasets(&file(1));
    assert!(one[3].1.len() > 100, "{config}: the network spikes");
    for k in 2..=4 {
        for ((name, a), (_, b)) in one.iter().zip(datasets(&file(k))) {
            assert!(*a == b, "{config}: {name} differs with ranks_per_sim = {k}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn erp_5x5_identical_for_one_to_four_ranks_per_simulation() {
    check("tests/data/groups/erp_5x5.toml");
}

#[test]
fn poisson_network_identical_for_one_to_four_ranks_per_simulation() {
    check("tests/data/groups/poisson_5x5.toml");
}

#[test]
fn json_network_voltages_identical_for_one_to_four_ranks_per_simulation() {
    check("tests/data/groups/json_vsec_3x3.toml");
}

#[test]
fn law_2021_and_calcium_models_identical_for_one_to_four_ranks_per_simulation() {
    check("tests/data/groups/law_2021_3x3.toml");
    check("tests/data/groups/calcium_3x3.toml");
}

#[test]
fn calcium_model_synaptic_currents_and_calcium_identical_for_one_to_four_ranks_per_simulation() {
    check("tests/data/groups/calcium_isec_3x3.toml");
}

#[test]
fn sweep_with_two_ranks_per_simulation_on_four_ranks() {
    let dir = temp_dir("rps-sweep");
    let single = dir.join("single.h5");
    let grouped = dir.join("grouped.h5");
    let sweep = "tests/data/mpi/short_sweep.toml";
    let out = run(1, &[sweep, "-o", single.to_str().unwrap(), "--force", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        4,
        &[
            sweep,
            "-o",
            grouped.to_str().unwrap(),
            "--force",
            "-q",
            "--ranks-per-sim",
            "2",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for ((name, a), (_, b)) in datasets(&single).iter().zip(datasets(&grouped)) {
        assert!(*a == b, "{name} differs");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ranks_not_divisible_is_a_config_error() {
    let out = run(
        3,
        &[
            "tests/data/mpi/short_sweep.toml",
            "--dry-run",
            "--ranks-per-sim",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ranks-per-sim"));
}
