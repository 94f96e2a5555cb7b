//! Helpers shared by the integration tests: running the binary, scratch
//! directories, reading the reference JSON files, NRMSE, and comparing
//! spike rasters with hnn-core's.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use hnn_mpi::network::description::NetworkDescription;
use serde_json::Value;

/// Runs the hnn-mpi binary from the repository root, without RUST_LOG and
/// with the OpenMPI variables that let it start as root (CI runs as root).
pub fn hnn_mpi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hnn-mpi"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("hnn-mpi starts")
}

/// [`hnn_mpi`], asserting exit code 0 (the message shows both streams).
pub fn hnn_mpi_ok(args: &[&str]) -> Output {
    let out = hnn_mpi(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "hnn-mpi {args:?}: {}",
        show(&out)
    );
    out
}

/// A fresh scratch directory for one test (`tag`) of this test process.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hnn-mpi-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A JSON array of numbers.
pub fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A JSON array of indices.
pub fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap() as usize)
        .collect()
}

/// A JSON file of reference data.
pub fn load_json(path: impl AsRef<std::path::Path>) -> Value {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `rms(ours - reference) / rms(reference)` (SPEC §4).
pub fn nrmse(ours: &[f64], reference: &[f64]) -> f64 {
    assert_eq!(ours.len(), reference.len(), "samples");
    let (se, sr) = reference
        .iter()
        .zip(ours)
        .fold((0.0, 0.0), |(se, sr), (r, o)| {
            (se + (o - r) * (o - r), sr + r * r)
        });
    (se / sr).sqrt()
}

/// Event times of every cell of drive `name` in a reference trial's
/// `drive_events`.
pub fn reference_drive_events(trial: &Value, name: &str) -> Vec<Vec<f64>> {
    trial["drive_events"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(f64s)
        .collect()
}

/// (gid, time) pairs of a reference trial's `spike_gids` / `spike_times`.
pub fn reference_spikes(trial: &Value) -> Vec<(u64, f64)> {
    trial["spike_gids"]
        .as_array()
        .unwrap()
        .iter()
        .zip(f64s(&trial["spike_times"]))
        .map(|(g, t)| (g.as_u64().unwrap(), t))
        .collect()
}

/// (gid, time) pairs of our spikes.
pub fn our_spikes(gids: &[usize], times: &[f64]) -> Vec<(u64, f64)> {
    gids.iter()
        .zip(times)
        .map(|(&g, &t)| (g as u64, t))
        .collect()
}

/// Asserts equal spike counts per cell type and drive (`label` names the
/// case in the message); prints the first differences and returns how many
/// spikes are identical in (gid, time).
pub fn compare_spikes(
    label: &str,
    net: &NetworkDescription,
    ours: &[(u64, f64)],
    refs: &[(u64, f64)],
) -> usize {
    let count = |spikes: &[(u64, f64)], a: usize, b: usize| {
        spikes
            .iter()
            .filter(|(g, _)| (a as u64..b as u64).contains(g))
            .count()
    };
    for (name, a, b) in net.gid_ranges() {
        assert_eq!(
            count(ours, a, b),
            count(refs, a, b),
            "{label}: {name} spike count"
        );
    }
    let (mut ours, mut refs) = (ours.to_vec(), refs.to_vec());
    ours.sort_by(|a, b| a.partial_cmp(b).unwrap());
    refs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let matching = ours.iter().zip(&refs).filter(|(a, b)| a == b).count();
    for (a, b) in ours.iter().zip(&refs).filter(|(a, b)| a != b).take(3) {
        println!("  {label} first differences: ours {a:?} hnn-core {b:?}");
    }
    matching
}
pub mod network_case;

/// A fresh scratch directory `<target tmp>/<group>/<name>` (emptied if it
/// exists), for tests whose outputs are worth looking at after a failure.
pub fn work_dir(group: &str, name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A finished process's exit code, stdout and stderr, for assertion
/// messages.
pub fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
