//! Everything at once (tests/data/lfp/all_recordings_3x3.toml): synaptic
//! currents and calcium of every section (`isec_all`, `ca_all`) beside two
//! electrode arrays. The file passes `tests/h5py_check.py` with all three
//! groups; `/isec`, `/ca` and `/lfp` (with their labels) are bit-identical
//! on 2 ranks, with `ranks_per_sim` 1 (results sent to rank 0 over the
//! wire) and 2 (a rank group's merge), to one rank; and recording the
//! currents and calcium changes neither the potentials nor the dipoles.
//! Needs `mpirun`, `h5diff` and Debian's python3 with h5py.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::temp_dir;

const CONFIG: &str = "tests/data/lfp/all_recordings_3x3.toml";

fn run(ranks: usize, config: &str, file: &Path, ranks_per_sim: usize) {
    let out = Command::new("mpirun")
        .args(["--oversubscribe", "-n", &ranks.to_string()])
        .arg(env!("CARGO_BIN_EXE_hnn-mpi"))
        .args([config, "-o", file.to_str().unwrap(), "--force", "-q"])
        .args(["--ranks-per-sim", &ranks_per_sim.to_string()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("mpirun starts");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{ranks} rank(s), ranks_per_sim {ranks_per_sim}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn h5diff(a: &Path, b: &Path, object: &str) -> Output {
    Command::new("h5diff")
        .args([a.to_str().unwrap(), b.to_str().unwrap(), object, object])
        .output()
        .expect("h5diff runs")
}

fn same(a: &Path, b: &Path, objects: &[&str], what: &str) {
    for object in objects {
        let out = h5diff(a, b, object);
        assert!(
            out.status.success(),
            "{object} differs ({what}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn isec_ca_and_lfp_together_for_any_rank_layout() {
    let dir = temp_dir("all-recordings");
    let file = |tag: &str| dir.join(format!("{tag}.h5"));
    run(1, CONFIG, &file("r1"), 1);
    run(2, CONFIG, &file("r2"), 1);
    run(2, CONFIG, &file("k2"), 2);

    // What a Python user sees, with every group checked.
    let check = Command::new("/usr/bin/python3")
        .arg("tests/h5py_check.py")
        .args([file("r1"), file("k2")].map(|p| p.to_str().unwrap().to_owned()))
        .args(["--isec", "all", "--ca", "all", "--vsec", ""])
        .args([
            "--lfp",
            "shank,off_axis",
            "--n-sims",
            "2",
            "--n-trials",
            "2",
        ])
        .args(["--simulated", "--all-done"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("python3 runs");
    assert!(
        check.status.success(),
        "h5py_check.py: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    // Something worth comparing: currents, calcium and potentials that move.
    let f = hdf5::File::open(file("r1")).unwrap();
    let isec = f.dataset("isec/all").unwrap();
    let ca = f.dataset("ca/all").unwrap();
    assert_eq!(isec.shape()[..2], [2, 2]);
    assert!(
        isec.shape()[2] > 100 && ca.shape()[2] > 0,
        "{:?}",
        ca.shape()
    );
    let i_na: Vec<f32> = isec.read_raw().unwrap();
    assert!(
        i_na.iter().any(|&x| x.abs() > 1e-3),
        "synaptic currents move"
    );
    let lfp: Vec<f64> = f.dataset("lfp/shank").unwrap().read_raw().unwrap();
    assert!(
        lfp.iter().any(|&x| x.abs() > 1.0),
        "a potential worth comparing"
    );
    drop(f);

    let objects = [
        "/isec/all",
        "/isec/all_gids",
        "/isec/all_sections",
        "/isec/all_receptors",
        "/ca/all",
        "/ca/all_gids",
        "/ca/all_sections",
        "/lfp/shank",
        "/lfp/off_axis",
        "/dipole/agg",
        "/spikes/times",
    ];
    same(&file("r1"), &file("r2"), &objects, "2 ranks");
    same(
        &file("r1"),
        &file("k2"),
        &objects,
        "2 ranks, ranks_per_sim 2",
    );

    // The same run without the currents and calcium: the same potentials
    // and dipoles.
    let text = std::fs::read_to_string(CONFIG).unwrap();
    let plain_toml = dir.join("plain.toml");
    let plain_save = r#"save = ["dipole", "spikes"]"#;
    let all_save = r#"save = ["dipole", "spikes", "isec_all", "ca_all"]"#;
    assert!(text.contains(all_save));
    std::fs::write(&plain_toml, text.replace(all_save, plain_save)).unwrap();
    run(1, plain_toml.to_str().unwrap(), &file("plain"), 1);
    same(
        &file("r1"),
        &file("plain"),
        &[
            "/lfp/shank",
            "/lfp/off_axis",
            "/dipole/agg",
            "/spikes/times",
        ],
        "without isec and ca",
    );
    std::fs::remove_dir_all(&dir).ok();
}
