//! End-to-end checks of the `hnn-mpi` binary: exit codes and messages (docs/cli.md).
//! Each run is a single-rank MPI singleton, as on a laptop without mpirun.

use std::path::PathBuf;
use std::process::Output;

mod common;
use common::hnn_mpi;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hnn-mpi-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn help_exits_zero_and_lists_exit_codes() {
    let out = hnn_mpi(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Exit codes:"), "{help}");
    assert!(help.contains("--ranks-per-sim"), "{help}");
}

#[test]
fn bad_arguments_exit_two() {
    for args in [
        &[][..],
        &["configs/seed_example.toml", "--resume", "--force"][..],
        &["configs/seed_example.toml", "--ranks-per-sim", "0"][..],
        &["configs/seed_example.toml", "--no-such-flag"][..],
    ] {
        let out = hnn_mpi(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn missing_config_exits_two_naming_the_file() {
    let out = hnn_mpi(&["configs/does_not_exist.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("configs/does_not_exist.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn malformed_toml_exits_two_naming_file_and_line() {
    let path = temp_file("broken.toml", "[simulation]\ntstop = 170.0\ndt = = 0.025\n");
    let out = hnn_mpi(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(path.to_str().unwrap()), "{err}");
    assert!(err.contains("line 3"), "{err}");
}

/// The seed use case end to end: `hnn-mpi configs/seed_example.toml`
/// reproduces the 20 min/max peaks that hnn-core's Batch Simulation example
/// prints (/work/shared/seed, copied into tests/data/network/seed_summary.json
/// as `printed_min_peak`/`printed_max_peak`) to a relative error <= 1e-6.
#[test]
fn seed_example_reproduces_the_printed_peaks() {
    let dir = std::env::temp_dir().join(format!("hnn-mpi-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_path = dir.join("seed.h5");
    let out = hnn_mpi(&[
        "configs/seed_example.toml",
        "-o",
        out_path.to_str().unwrap(),
        "--force",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = hdf5::File::open(&out_path).unwrap();
    let mins = file
        .dataset("summary/dipole_min")
        .unwrap()
        .read_2d::<f64>()
        .unwrap();
    let maxs = file
        .dataset("summary/dipole_max")
        .unwrap()
        .read_2d::<f64>()
        .unwrap();
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/network/seed_summary.json").unwrap(),
    )
    .unwrap();
    let points = reference["points"].as_array().unwrap();
    assert_eq!(points.len(), 20);
    assert_eq!(mins.shape(), [20, 1]);
    let mut worst: f64 = 0.0;
    for (i, p) in points.iter().enumerate() {
        for (ours, key) in [
            (mins[[i, 0]], "printed_min_peak"),
            (maxs[[i, 0]], "printed_max_peak"),
        ] {
            let printed = p[key].as_f64().unwrap();
            worst = worst.max(((ours - printed) / printed).abs());
        }
    }
    println!("seed example: worst relative error against the 40 printed numbers {worst:.3e}");
    assert!(worst <= 1e-6, "worst relative error {worst:e}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Every broken config of tests/data/configs (tests/config_errors.rs checks
/// their messages in detail): the binary exits 2, names the file and a
/// line, and touches no output file.
#[test]
fn broken_configs_exit_two_and_write_nothing() {
    let dir = std::env::temp_dir().join(format!("hnn-mpi-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_path = dir.join("never.h5");
    let mut n = 0;
    for entry in std::fs::read_dir("tests/data/configs").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !(name.starts_with("bad_") && name.ends_with(".toml")) {
            continue;
        }
        let rel = format!("tests/data/configs/{name}");
        let out = hnn_mpi(&[&rel, "-o", out_path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!("{rel}:")),
            "{name}: message names the file and line: {err}"
        );
        assert!(!out_path.exists(), "{name}: an output file was written");
        n += 1;
    }
    assert!(n >= 40, "only {n} broken configs found");
    std::fs::remove_dir_all(&dir).ok();
}

/// An output directory that cannot exist (its parent is a file) is an
/// argument error naming `--output` (missing directories are created:
/// tests/file_safety.rs); an existing output file is never overwritten
/// without --force.
#[test]
fn output_path_errors_exit_two_and_keep_existing_files() {
    let parent = temp_file("a-file-not-a-dir", "");
    let below = parent.join("dir/x.h5");
    let out = hnn_mpi(&["configs/seed_example.toml", "-o", below.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "--output: {} is not a directory",
            parent.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(parent.is_file());
    let existing = temp_file("existing.h5", "precious results");
    let out = hnn_mpi(&[
        "configs/seed_example.toml",
        "-o",
        existing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "precious results"
    );
}

/// `--dry-run` validates, prints the count and the first points, writes
/// nothing.
#[test]
fn dry_run_prints_the_plan() {
    let out = hnn_mpi(&[
        "configs/seed_example.toml",
        "--dry-run",
        "-o",
        "/nonexistent-dir/x.h5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("20 simulation(s)"), "{text}");
    assert!(
        text.contains("sim 0: weight_basket = 9.999999999999999e-5"),
        "{text}"
    );
    // 3x3 networks: 9 pyramidal cells per type, ten to a batch.
    assert!(
        text.contains("up to 10 simulations integrated together"),
        "{text}"
    );
}

/// `--dry-run` reports the size per simulation of each section recording:
/// `isec_all` on the 10x10 ERP network is hnn-core's 3 synapses of each
/// basket cell's soma, 30 of each L2 and 34 of each L5 pyramidal cell
/// (7 and 8 dendrites with ampa, nmda, gabaa, gabab, the soma gabaa and
/// gabab), 6801 samples in single precision.
#[test]
fn dry_run_reports_the_size_of_isec_all_per_simulation() {
    let dir = std::env::temp_dir().join(format!("hnn-mpi-dry-isec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("erp10.toml");
    std::fs::write(
        &config,
        "[simulation]\ntstop = 170.0\n[network]\nmodel = \"jones_2009\"\n\
         mesh_shape = [10, 10]\nerp_drives = true\n\
         [output]\nsave = [\"dipole\", \"isec_all\", \"ca_soma\"]\n",
    )
    .unwrap();
    let out = hnn_mpi(&[config.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let n_isec = 2 * 35 * 3 + 100 * 30 + 100 * 34;
    let mb = n_isec as f64 * 6801.0 * 4.0 / 1e6;
    assert_eq!(n_isec, 6610);
    let line = format!("/isec/all: {n_isec} traces, {mb:.1} MB per simulation");
    assert!(text.contains(&line), "{line}\n{text}");
    // the somata of the 100 L5 pyramidal cells have calcium
    assert!(
        text.contains("/ca/soma: 100 traces, 2.7 MB per simulation"),
        "{text}"
    );
    // 12 trials of it are more than one simulation's results can be (one
    // MPI message): refused before the run, naming `output.save`, line 8
    std::fs::write(
        &config,
        "[simulation]\ntstop = 170.0\nn_trials = 12\n[network]\nmodel = \"jones_2009\"\n\
         mesh_shape = [10, 10]\n[output]\nsave = [\"dipole\", \"isec_all\"]\n",
    )
    .unwrap();
    let out = hnn_mpi(&[config.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("erp10.toml:8: output.save"), "{err}");
    assert!(err.contains("results are about 2.2 GB"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `--dry-run | head -1`: a reader that stops early is no error (it used
/// to panic on the broken pipe and exit 101).
#[test]
fn dry_run_into_a_closed_pipe_exits_0() {
    let (reader, writer) = std::io::pipe().unwrap();
    // No reader at all: the first write fails with EPIPE.
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hnn-mpi"))
        .args(["configs/seed_example.toml", "--dry-run"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panic"), "{}", stderr(&out));
}

/// A location a target cell type lacks is found when the network is built,
/// and named like every other config error: key, file and line.
#[test]
fn a_location_the_cell_lacks_names_the_key_and_line() {
    let config = temp_file(
        "bad_location.toml",
        "[simulation]\ntstop = 20.0\n[network]\nmesh_shape = [3, 3]\n\
         [[drives]]\nname = \"d\"\ntype = \"evoked\"\nmu = 10.0\nsigma = 1.0\nnumspikes = 1\n\
         location = \"apical_tuft\"\nweights_ampa = { L2_basket = 0.01 }\n",
    );
    let out = hnn_mpi(&[config.to_str().unwrap(), "-o", "/tmp/never-written.h5"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("bad_location.toml:11: drives[0].location"),
        "{err}"
    );
    assert!(!std::path::Path::new("/tmp/never-written.h5").exists());
}

/// Bad `[network.params]` keys and parameter files (tests/data/models/bad_*.toml)
/// exit 2 with the config file and line, before any output is written.
#[test]
fn bad_network_params_exit_two() {
    let out_path = std::env::temp_dir().join(format!("hnn-mpi-params-{}.h5", std::process::id()));
    let mut n = 0;
    for entry in std::fs::read_dir("tests/data/models").unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !(name.starts_with("bad_") && name.ends_with(".toml")) {
            continue;
        }
        let rel = format!("tests/data/models/{name}");
        let out = hnn_mpi(&[&rel, "-o", out_path.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(&format!("{rel}:")), "{name}: {err}");
        assert!(!out_path.exists(), "{name}: an output file was written");
        n += 1;
    }
    assert!(n >= 6, "only {n} files");
}
