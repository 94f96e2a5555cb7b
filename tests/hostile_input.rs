//! Hostile values through the real binary (issue 12, classes 6, 7 and 9):
//! each is refused up front with exit code 2 and a message that names the
//! config file, the line, the key and the problem (for hnn-core network
//! files also the file and the JSON field), by `--dry-run` and by a real
//! run alike, without writing an output file; the network-file ones also
//! under `mpirun -n 2`, which must end promptly.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{hnn_mpi, temp_dir};
use serde_json::Value;

/// A small valid network: one evoked drive on a 1x1 mesh.
const BASE_DRIVE: &str = r#"[[drives]]
name = "d"
type = "evoked"
mu = 10.0
sigma = 1.0
numspikes = 1
location = "proximal"
weights_ampa = { L2_basket = 0.01 }
"#;

/// The 1-based line marked `# <--`.
fn marked_line(text: &str) -> usize {
    text.lines()
        .position(|l| l.contains("# <--"))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no line marked # <-- in:\n{text}"))
}

/// `config` must be refused with exit 2 naming `config:line: key:` and
/// `fragment`, both by --dry-run and by a real run, and leave no file.
fn assert_refused(dir: &Path, name: &str, text: &str, key: &str, fragments: &[&str]) {
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, text).unwrap();
    let line = marked_line(text);
    let out = dir.join(format!("{name}.h5"));
    let c = config.to_str().unwrap();
    let o = out.to_str().unwrap();
    for args in [vec![c, "--dry-run", "-o", o], vec![c, "-o", o]] {
        let run = hnn_mpi(&args);
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{name} {args:?}: {err}");
        let place = format!("{c}:{line}: {key}: ");
        assert!(err.contains(&place), "{name}: {err:?} lacks {place:?}");
        for f in fragments {
            assert!(err.contains(f), "{name}: {err:?} lacks {f:?}");
        }
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!out.exists(), "{name}: {} was written", out.display());
    }
}

#[test]
fn resources_beyond_any_machine_are_refused_before_the_run() {
    let dir = temp_dir("hostile-resources");
    let one_cell = "[network]\nmesh_shape = [1, 1]\n";
    let cases: Vec<(&str, String, &str, Vec<&str>)> = vec![
        (
            "dt_tiny",
            format!("[simulation]\ndt = 1e-9 # <--\n{one_cell}{BASE_DRIVE}"),
            "simulation.dt",
            vec![
                "1.700e11 time steps per trial (tstop 170 ms / dt 1e-9 ms)",
                "1.4 TB per recorded trace",
                "at most 1e8 steps",
            ],
        ),
        (
            "tstop_huge",
            format!("[simulation]\ntstop = 1e9 # <--\n{one_cell}{BASE_DRIVE}"),
            "simulation.tstop",
            vec!["4.000e10 time steps per trial", "at most 1e8 steps"],
        ),
        (
            "trials_many",
            format!("[simulation]\nn_trials = 100000000 # <--\n{one_cell}{BASE_DRIVE}"),
            "simulation.n_trials",
            vec!["one simulation needs about", "100000000 trial(s) x 6801 samples", "at most"],
        ),
        (
            "trials_i64_max",
            format!("[simulation]\nn_trials = 9223372036854775807 # <--\n{one_cell}{BASE_DRIVE}"),
            "simulation.n_trials",
            vec!["9223372036854775807 trial(s)", "of memory"],
        ),
        (
            "mesh_huge",
            format!("[network]\nmesh_shape = [1000, 1000] # <--\n{BASE_DRIVE}"),
            "network.mesh_shape",
            vec!["a 1000 x 1000 mesh has 2.667e6 cells", "connection pairs", "at most 1e9 pairs"],
        ),
        (
            "numspikes_huge",
            format!(
                "{one_cell}{}",
                BASE_DRIVE.replace("numspikes = 1", "numspikes = 1000000000 # <--")
            ),
            "drives[0].numspikes",
            vec!["draw about 1.000e9 events per trial", "at most 1e8 events per trial"],
        ),
        (
            "poisson_rate_huge",
            format!(
                "{one_cell}[[drives]]\nname = \"p\"\ntype = \"poisson\"\nrate_constant = 1e12 # <--\n\
                 location = \"proximal\"\nweights_ampa = {{ L2_basket = 0.01 }}\n"
            ),
            "drives[0].rate_constant",
            vec!["draw about 1.700e11 events per trial"],
        ),
        (
            "burst_rate_huge",
            format!(
                "{one_cell}[[drives]]\nname = \"b\"\ntype = \"bursty\"\nburst_rate = 1e9 # <--\n\
                 spike_isi = 0\nlocation = \"proximal\"\nweights_ampa = {{ L2_basket = 0.01 }}\n"
            ),
            "drives[0].burst_rate",
            vec!["events per trial", "at most 1e8"],
        ),
        (
            "burst_start_spread_huge",
            format!(
                "{one_cell}[[drives]]\nname = \"b\"\ntype = \"bursty\"\nburst_rate = 10\ntstart_std = 1e300 # <--\n\
                 location = \"proximal\"\nweights_ampa = {{ L2_basket = 0.01 }}\n"
            ),
            "drives[0].tstart_std",
            vec!["events per trial", "at most 1e8"],
        ),
        (
            "burst_start_spread_large",
            format!(
                "{one_cell}[[drives]]\nname = \"b\"\ntype = \"bursty\"\nburst_rate = 10\ntstart_std = 1e15 # <--\n\
                 location = \"proximal\"\nweights_ampa = {{ L2_basket = 0.01 }}\n"
            ),
            "drives[0].tstart_std",
            vec!["events per trial", "at most 1e8"],
        ),
        (
            "drive_cells_huge",
            format!(
                "{one_cell}{BASE_DRIVE}cell_specific = false\nn_drive_cells = 100000000 # <--\n"
            ),
            "drives[0].n_drive_cells",
            vec!["must be at most 1000000 drive cells (got 100000000)"],
        ),
        (
            "drive_cells_times_targets",
            "[network]\nmesh_shape = [20, 20]\n[[drives]]\nname = \"wide\"\ntype = \"evoked\"\n\
             mu = 10.0\nsigma = 1.0\nnumspikes = 1\nlocation = \"proximal\"\ncell_specific = false\n\
             n_drive_cells = 1000000 # <--\n\
             weights_ampa = { L2_basket = 0.01, L2_pyramidal = 0.01, L5_basket = 0.01, L5_pyramidal = 0.01 }\n\
             weights_nmda = { L2_basket = 0.01, L2_pyramidal = 0.01, L5_basket = 0.01, L5_pyramidal = 0.01 }\n"
                .to_string(),
            "drives[0].n_drive_cells",
            vec![
                "drive 'wide' connects 1000000 drive cells to 2.160e3 synapses each",
                "at most 1e9 pairs",
            ],
        ),
        (
            "sweep_point_rate_huge",
            format!(
                "{one_cell}[[drives]]\nname = \"p\"\ntype = \"poisson\"\nrate_constant = \"$r\" # <--\n\
                 location = \"proximal\"\nweights_ampa = {{ L2_basket = 0.01 }}\n\
                 [sweep.params]\nr = {{ values = [10, 1e12] }}\n"
            ),
            "drives[0].rate_constant",
            vec!["events per trial (sweep point 1)", "from drive 'p'"],
        ),
    ];
    for (name, text, key, fragments) in &cases {
        assert_refused(&dir, name, text, key, fragments);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn values_that_would_fail_later_are_refused_up_front() {
    let dir = temp_dir("hostile-later");
    let one_cell = "[network]\nmesh_shape = [1, 1]\n";
    let reference_nan = dir.join("dipole_nan.txt");
    std::fs::write(&reference_nan, "0.0 0.0\n0.025 0.1\n0.05 nan\n0.075 0.2\n").unwrap();
    let reference_back = dir.join("dipole_back.txt");
    std::fs::write(&reference_back, "0.0 0.0\n0.05 0.1\n0.025 0.2\n").unwrap();
    let reference_late = dir.join("dipole_late.txt");
    std::fs::write(&reference_late, "200.0 0.0\n300.0 0.1\n").unwrap();
    let params_negative = dir.join("negative.param");
    std::fs::write(&params_negative, "tstop: 170.0\ngbar_L2Pyr_L5Pyr: -0.5\n").unwrap();
    let params_json_negative = dir.join("zero.json");
    std::fs::write(&params_json_negative, "{\"gbar_L5Pyr_L5Basket\": -1e-3}").unwrap();
    let summary = |file: &Path| {
        format!(
            "[summary]\nstats = [\"dipole_rmse\"]\nreference = {:?} # <--\n",
            file.to_str().unwrap()
        )
    };
    let sweep = |p: &str| format!("[sweep]\n[sweep.params]\n{p} = {{ values = [1, 2] }}\n");
    let cases: Vec<(&str, String, &str, Vec<String>)> = vec![
        (
            "sweep_n_trials",
            format!(
                "[simulation]\nn_trials = \"$n\" # <--\n{one_cell}{BASE_DRIVE}{}",
                sweep("n")
            ),
            "simulation.n_trials",
            vec!["cannot be a sweep parameter (\"$n\")".into(), "same n_trials".into()],
        ),
        (
            "sweep_tstop",
            format!(
                "[simulation]\ntstop = \"$t\" # <--\n{one_cell}{BASE_DRIVE}{}",
                sweep("t")
            ),
            "simulation.tstop",
            vec!["cannot be a sweep parameter".into(), "/times".into()],
        ),
        (
            "sweep_dt",
            format!("[simulation]\ndt = \"$h\" # <--\n{one_cell}{BASE_DRIVE}{}", sweep("h")),
            "simulation.dt",
            vec!["cannot be a sweep parameter".into()],
        ),
        (
            "sweep_mesh",
            format!("[network]\nmesh_shape = [1, \"$m\"] # <--\n{BASE_DRIVE}{}", sweep("m")),
            "network.mesh_shape[1]",
            vec!["/cells/gid_ranges".into()],
        ),
        (
            "sweep_drive_cells",
            format!(
                "{one_cell}{BASE_DRIVE}cell_specific = false\nn_drive_cells = \"$k\" # <--\n{}",
                sweep("k")
            ),
            "drives[0].n_drive_cells",
            vec!["number of drive cells".into()],
        ),
        (
            "event_seed_beyond_numpy",
            format!("{one_cell}{BASE_DRIVE}event_seed = 4294967296 # <--\n"),
            "drives[0].event_seed",
            vec!["must be at most 4294967295".into()],
        ),
        (
            "event_seed_overflows_in_trial_2",
            format!(
                "[simulation]\nn_trials = 2\n{one_cell}{BASE_DRIVE}event_seed = 4294967292 # <--\n"
            ),
            "drives[0].event_seed",
            vec!["beyond numpy's 2**32 - 1".into()],
        ),
        (
            "sigma_negative_zero",
            format!(
                "{one_cell}{}",
                BASE_DRIVE.replace("sigma = 1.0", "sigma = -0.0 # <--")
            ),
            "drives[0].sigma",
            vec!["must be >= 0 (and not -0.0)".into()],
        ),
        (
            "poisson_starts_after_the_end",
            format!(
                "{one_cell}[[drives]]\nname = \"p\"\ntype = \"poisson\"\nrate_constant = 10.0\n\
                 tstart = 200.0 # <--\nlocation = \"proximal\"\nweights_ampa = {{ L2_basket = 0.01 }}\n"
            ),
            "drives[0].tstart",
            vec!["must be <= the simulation's tstop when the drive has no tstop".into()],
        ),
        (
            "reference_nan",
            format!("{one_cell}{BASE_DRIVE}{}", summary(&reference_nan)),
            "summary.reference",
            vec![
                format!("{}:3: NaN is not a finite number", reference_nan.display()),
            ],
        ),
        (
            "reference_outside_the_simulation",
            format!("{one_cell}{BASE_DRIVE}{}", summary(&reference_late)),
            "summary.reference",
            vec!["covers 200 to 300 ms, the simulation 0 to 170 ms".into()],
        ),
        (
            "params_weight_negative",
            format!("[network]\nmesh_shape = [1, 1]\n[network.params]\ngbar_L2Pyr_L5Pyr = -0.5 # <--\n{BASE_DRIVE}"),
            "network.params.gbar_L2Pyr_L5Pyr",
            vec!["must be >= 0 (got -0.5)".into()],
        ),
        (
            "params_length_zero",
            format!("[network]\nmesh_shape = [1, 1]\n[network.params]\nL5Pyr_soma_L = 0 # <--\n{BASE_DRIVE}"),
            "network.params.L5Pyr_soma_L",
            vec!["must be > 0 (got 0)".into()],
        ),
        (
            "params_file_weight_negative",
            format!(
                "[network]\nmesh_shape = [1, 1]\nparams_file = {:?} # <--\n{BASE_DRIVE}",
                params_negative.to_str().unwrap()
            ),
            "network.params_file",
            vec![format!("{}: gbar_L2Pyr_L5Pyr: must be >= 0 (got -0.5)", params_negative.display())],
        ),
        (
            "params_json_file_weight_negative",
            format!(
                "[network]\nmesh_shape = [1, 1]\nparams_file = {:?} # <--\n{BASE_DRIVE}",
                params_json_negative.to_str().unwrap()
            ),
            "network.params_file",
            vec![format!("{}: gbar_L5Pyr_L5Basket: must be >= 0 (got -0.001)", params_json_negative.display())],
        ),
        (
            "reference_times_back",
            format!("{one_cell}{BASE_DRIVE}{}", summary(&reference_back)),
            "summary.reference",
            vec![format!("{}:3: time 0.025 ms", reference_back.display()), "times must increase".into()],
        ),
    ];
    for (name, text, key, fragments) in &cases {
        let f: Vec<&str> = fragments.iter().map(String::as_str).collect();
        assert_refused(&dir, name, text, key, &f);
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn network_file() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hnn_json/mixed_3x3.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Runs `mpirun -n 2` on `config`; fails if it has not ended after 60 s.
fn mpirun_2(config: &Path, out: &Path) -> (Option<i32>, String) {
    let mut child = Command::new("mpirun")
        .args(["--oversubscribe", "-n", "2", env!("CARGO_BIN_EXE_hnn-mpi")])
        .arg(config)
        .arg("-o")
        .arg(out)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun starts");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code(), err);
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            child.wait().ok();
            panic!("mpirun -n 2 {} still running after 60 s", config.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A network file with one value made hostile, through a config that uses
/// it: refused (exit 2) naming the config line, `network.hnn_json`, the
/// network file and the JSON field, alone and under `mpirun -n 2`.
#[test]
fn hostile_network_file_values_are_refused_by_the_toml_rules() {
    let dir = temp_dir("hostile-json");
    type Mutation = fn(&mut Value);
    let cases: Vec<(&str, Mutation, &str, &str)> = vec![
        (
            "sigma_negative",
            |v| v["external_drives"]["evprox1"]["dynamics"]["sigma"] = (-3.0).into(),
            "external_drives.evprox1.dynamics.sigma",
            "must be >= 0 (got -3)",
        ),
        (
            "delay_negative",
            |v| v["connectivity"][0]["nc_dict"]["A_delay"] = (-1.0).into(),
            "connectivity[0].nc_dict.A_delay",
            "must be >= 0 (got -1)",
        ),
        (
            "weight_negative",
            |v| v["connectivity"][1]["nc_dict"]["A_weight"] = (-0.5).into(),
            "connectivity[1].nc_dict.A_weight",
            "must be >= 0 (got -0.5)",
        ),
        (
            "lamtha_zero",
            |v| v["connectivity"][2]["nc_dict"]["lamtha"] = 0.0.into(),
            "connectivity[2].nc_dict.lamtha",
            "must be > 0 (got 0)",
        ),
        (
            "probability_above_one",
            |v| v["connectivity"][0]["probability"] = 1.5.into(),
            "connectivity[0].probability",
            "must be in (0, 1] (got 1.5)",
        ),
        (
            "poisson_rate_zero",
            |v| {
                v["external_drives"]["poisson"]["dynamics"]["rate_constant"]["L2_pyramidal"] =
                    0.0.into()
            },
            "external_drives.poisson.dynamics.rate_constant.L2_pyramidal",
            "must be > 0 (got 0)",
        ),
        (
            "poisson_tstop_before_tstart",
            |v| v["external_drives"]["poisson"]["dynamics"]["tstop"] = 5.0.into(),
            "external_drives.poisson.dynamics.tstop",
            "must be >= tstart (got tstop = 5, tstart = 10)",
        ),
        (
            "burst_std_negative",
            |v| v["external_drives"]["bursty"]["dynamics"]["burst_std"] = (-1.0).into(),
            "external_drives.bursty.dynamics.burst_std",
            "must be >= 0",
        ),
        (
            "burst_longer_than_period",
            |v| v["external_drives"]["bursty"]["dynamics"]["spike_isi"] = 50.0.into(),
            "external_drives.bursty.dynamics.spike_isi",
            "a burst ((numspikes - 1) * spike_isi = 100 ms) must fit in the burst period",
        ),
        (
            "numspikes_zero",
            |v| v["external_drives"]["evdist1"]["dynamics"]["numspikes"] = 0.into(),
            "external_drives.evdist1.dynamics.numspikes",
            "must be >= 1 (got 0)",
        ),
        (
            "event_seed_beyond_numpy",
            |v| v["external_drives"]["evdist1"]["event_seed"] = 5_000_000_000u64.into(),
            "external_drives.evdist1.event_seed",
            "must be at most 4294967295",
        ),
        (
            "synaptic_delay_negative",
            |v| v["external_drives"]["evprox1"]["synaptic_delays"]["L2_basket"] = (-0.1).into(),
            "external_drives.evprox1.synaptic_delays.L2_basket",
            "must be >= 0 (got -0.1)",
        ),
        (
            "tonic_t0_negative",
            |v| v["external_biases"]["tonic"]["L5_pyramidal"]["t0"] = (-5.0).into(),
            "external_biases.tonic.L5_pyramidal.t0",
            "must be >= 0 (got -5)",
        ),
        (
            "drive_gid_range_huge",
            |v| v["gid_ranges"]["bursty"]["stop"] = 200_000_071u64.into(),
            "gid_ranges.bursty",
            "drive bursty: gids [71, 200000071): must be at most 1000000 drive cells",
        ),
        (
            "mesh_side_zero",
            |v| v["N_pyr_x"] = 0.into(),
            "N_pyr_x",
            "must be >= 1 (got 0)",
        ),
    ];
    for (name, mutate, field, fragment) in cases {
        let mut v = network_file();
        mutate(&mut v);
        let file: PathBuf = dir.join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_string(&v).unwrap()).unwrap();
        let text = format!(
            "[simulation]\ntstop = 100.0\n[network]\nhnn_json = {:?} # <--\n",
            file.to_str().unwrap()
        );
        let wanted = [format!("{}: `{field}`: {fragment}", file.display())];
        let w: Vec<&str> = wanted.iter().map(String::as_str).collect();
        assert_refused(&dir, name, &text, "network.hnn_json", &w);
        let config = dir.join(format!("{name}.toml"));
        let out = dir.join(format!("{name}-mpi.h5"));
        let (code, err) = mpirun_2(&config, &out);
        assert_eq!(code, Some(2), "{name} under mpirun: {err}");
        assert!(err.contains(&wanted[0]), "{name} under mpirun: {err:?}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!out.exists(), "{name}: mpirun wrote {}", out.display());
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// --dry-run prints the run's estimates.
#[test]
fn dry_run_prints_the_estimates() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/seed_example.toml");
    let out = common::hnn_mpi_ok(&[config.to_str().unwrap(), "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for w in [
        "estimate: 24 cells",
        "connection pairs",
        "memory per simulation",
        "output file",
        "(20 x 1 trials x 6801 samples)",
        "compartment-steps, about",
    ] {
        assert!(text.contains(w), "{text:?} lacks {w:?}");
    }
}

/// A network file whose drive asks for 10^9 spikes per drive cell: its
/// values are valid one by one, the run is not (the drive events of a trial
/// are drawn at once), so the estimate refuses it before anything runs.
#[test]
fn network_file_drive_events_beyond_the_cap_are_refused() {
    let dir = temp_dir("hostile-json-events");
    let mut v = network_file();
    v["external_drives"]["evdist1"]["dynamics"]["numspikes"] = 1_000_000_000u64.into();
    let file = dir.join("numspikes.json");
    std::fs::write(&file, serde_json::to_string(&v).unwrap()).unwrap();
    let text = format!(
        "[simulation]\ntstop = 100.0\n[network]\nhnn_json = {:?} # <--\n",
        file.to_str().unwrap()
    );
    assert_refused(
        &dir,
        "numspikes",
        &text,
        "network.hnn_json",
        &[
            "the drives draw about 2.000e9 events per trial",
            "(2.000e9 from drive 'evdist1')",
            "at most 1e8 events per trial",
        ],
    );
    let (code, err) = mpirun_2(&dir.join("numspikes.toml"), &dir.join("numspikes-mpi.h5"));
    assert_eq!(code, Some(2), "under mpirun: {err}");
    assert!(err.contains("from drive 'evdist1'"), "{err}");
    assert!(!dir.join("numspikes-mpi.h5").exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// Input files beyond 1 GiB (here sparse, taking no disk space) are
/// refused by their size before they are read.
#[test]
fn input_files_beyond_one_gib_are_refused_unread() {
    let dir = temp_dir("hostile-huge-files");
    let huge = |name: &str| {
        let p = dir.join(name);
        let f = std::fs::File::create(&p).unwrap();
        f.set_len((1 << 30) + 1).unwrap();
        p
    };
    let config = huge("huge.toml");
    let out = hnn_mpi(&[config.to_str().unwrap(), "--dry-run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "cannot read config file {}: the file has 1073741825 bytes",
            config.display()
        )),
        "{err}"
    );
    let network = huge("huge.json");
    let text = format!(
        "[network]\nhnn_json = {:?} # <--\n",
        network.to_str().unwrap()
    );
    assert_refused(
        &dir,
        "huge_network",
        &text,
        "network.hnn_json",
        &["cannot read the network file: the file has 1073741825 bytes"],
    );
    let reference = huge("huge_dipole.txt");
    let text = format!(
        "[network]\nmesh_shape = [1, 1]\n{BASE_DRIVE}[summary]\nstats = [\"dipole_rmse\"]\n\
         reference = {:?} # <--\n",
        reference.to_str().unwrap()
    );
    assert_refused(
        &dir,
        "huge_reference",
        &text,
        "summary.reference",
        &["the file has 1073741825 bytes"],
    );
    std::fs::remove_dir_all(&dir).ok();
}
