//! `[fit]` (docs/configuration.md §13): a valid fit config parses with
//! hnn-core's defaults and its target file is read; every bad input of
//! issue 15 (a fit with a sweep, empty or non-positive log ranges, a
//! missing, malformed or short target, unknown solver or objective, f_bands
//! on an rmse fit, ...) is a config error naming the key and its line.

use std::path::{Path, PathBuf};

use hnn_mpi::config::dipole_text::read_dipole_text;
use hnn_mpi::config::{Config, FitObjective, Solver};

/// hnn-core's ERP fit on a 3x3 network: the proximal drive's time and two
/// AMPA weights, against the 1 ms noisy ERP of tests/data/objectives.
const FIT: &str = r#"
[simulation]
tstop = 170.0
dt = 0.025
n_trials = 2

[network]
model = "jones_2009"
mesh_shape = [3, 3]

[[drives]]
name = "evprox"
type = "evoked"
mu = "$mu"
sigma = 2.47
numspikes = 1
location = "proximal"
weights_ampa = { L2_basket = 0.08831, L2_pyramidal = "$w_pyr", L5_basket = "$w_basket", L5_pyramidal = "$w_pyr" }
synaptic_delays = { L2_basket = 0.1, L2_pyramidal = 0.1, L5_basket = 1.0, L5_pyramidal = 1.0 }

[fit]
solver = "cma"
objective = "dipole_rmse"
target = "target_noisy_1ms.txt"
scale_factor = 3000.0
smooth_window_ms = 30.0
max_evaluations = 320
seed = 7
[fit.params]
mu = { low = 20.0, high = 40.0 }
w_pyr = { low = 1e-3, high = 1e-1, log = true }
w_basket = { low = 0.01, high = 0.4 }
"#;

fn objectives_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/objectives")
}

/// Parse as a file in tests/data/objectives (the target's directory) and
/// read the input files, as `Config::from_file` does.
fn load(text: &str) -> Result<Config, hnn_mpi::config::ConfigError> {
    let file = objectives_dir().join("fit.toml");
    let cfg = Config::parse(text, &file.display().to_string())?;
    cfg.check_input_files()?;
    Ok(cfg)
}

#[test]
fn a_fit_config_parses_with_hnn_cores_defaults() {
    let cfg = load(FIT).unwrap();
    let fit = cfg.fit.as_ref().unwrap();
    assert_eq!(fit.solver, Solver::Cma);
    assert_eq!(fit.objective, FitObjective::DipoleRmse);
    assert_eq!((fit.popsize, fit.sigma0, fit.tolfun), (16, 0.25, 0.01));
    assert_eq!((fit.max_evaluations, fit.seed), (320, 7));
    assert_eq!((fit.tstart_ms, fit.tstop_ms), (0.0, None));
    assert_eq!(fit.param_names(), ["mu", "w_pyr", "w_basket"]);
    // hnn-core starts at the middle of each range (log10 middle with log)
    let mid = &fit.check_points()[0];
    assert_eq!(mid["mu"], 30.0);
    assert!((mid["w_pyr"] - 1e-2).abs() < 1e-15);
    assert!(cfg.sweep.is_none());
    let r = cfg.resolve(mid).unwrap();
    assert_eq!(r.drives[0].weights_ampa["L5_basket"], mid["w_basket"]);
    let t = cfg.read_fit_target().unwrap().unwrap();
    assert_eq!((t.times_ms.len(), t.n_columns), (171, 2));

    // maximize_psd with one weight for every band, cobyla
    let psd = FIT
        .replace("solver = \"cma\"", "solver = \"cobyla\"")
        .replace(
            "objective = \"dipole_rmse\"",
            "objective = \"maximize_psd\"",
        )
        .replace(
            "target = \"target_noisy_1ms.txt\"",
            "f_bands = [[15.0, 30.0], [30.0, 80.0]]\nrelative_bandpower = 0.5",
        );
    let cfg = load(&psd).unwrap();
    let fit = cfg.fit.as_ref().unwrap();
    assert_eq!(fit.solver, Solver::Cobyla);
    assert_eq!(fit.f_bands, [(15.0, 30.0), (30.0, 80.0)]);
    assert_eq!(fit.relative_bandpower, [0.5, 0.5]);
    assert!(fit.target.is_none());
}

#[test]
fn the_target_reader_takes_hnn_cores_four_column_files() {
    let d = read_dipole_text(&objectives_dir().join("target_fine.txt")).unwrap();
    assert_eq!((d.times_ms.len(), d.n_columns), (2501, 4));
    assert_eq!(d.times_ms[1], 0.02);
    assert_eq!(d.agg[0], 1.3061);
}

/// (what, the line the error names (a fragment of it), replace this, by
/// this, key, message fragment).
const BAD: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "fit with a sweep",
        "[fit]",
        "[fit]",
        "[sweep]\nmode = \"zip\"\n[sweep.params]\nx = { values = [1.0] }\n[fit]",
        "fit",
        "[fit] or [sweep], not both",
    ),
    (
        "empty range",
        "mu = { low",
        "mu = { low = 20.0, high = 40.0 }",
        "mu = { low = 20.0, high = 20.0 }",
        "fit.params.mu.high",
        "empty range",
    ),
    (
        "log range through 0",
        "w_pyr = { low",
        "low = 1e-3, high = 1e-1, log = true",
        "low = 0.0, high = 1e-1, log = true",
        "fit.params.w_pyr.low",
        "must be > 0 with log = true",
    ),
    (
        "missing target",
        "target =",
        "target_noisy_1ms.txt",
        "no_such_erp.txt",
        "fit.target",
        "file not found",
    ),
    (
        "target shorter than tstop",
        "target =",
        "tstop = 170.0",
        "tstop = 200.0",
        "fit.target",
        "shorter than the comparison window",
    ),
    (
        "unknown solver",
        "solver =",
        "solver = \"cma\"",
        "solver = \"cmaes\"",
        "fit.solver",
        "did you mean `cma`?",
    ),
    (
        "unknown objective",
        "objective =",
        "objective = \"dipole_rmse\"",
        "objective = \"dipole_rsme\"",
        "fit.objective",
        "did you mean `dipole_rmse`?",
    ),
    (
        "f_bands on an rmse fit",
        "f_bands",
        "seed = 7",
        "seed = 7\nf_bands = [[15.0, 30.0]]",
        "fit.f_bands",
        "only for objective = \"maximize_psd\"",
    ),
    (
        "no target for rmse",
        "[fit]",
        "target = \"target_noisy_1ms.txt\"\n",
        "",
        "fit.target",
        "missing required key `target`",
    ),
    (
        "maximize_psd without f_bands",
        "[fit]",
        "objective = \"dipole_rmse\"\ntarget = \"target_noisy_1ms.txt\"",
        "objective = \"maximize_psd\"",
        "fit.f_bands",
        "missing required key `f_bands`",
    ),
    (
        "popsize for cobyla",
        "popsize",
        "solver = \"cma\"",
        "solver = \"cobyla\"\npopsize = 8",
        "fit.popsize",
        "only for solver = \"cma\"",
    ),
    (
        "popsize of one",
        "popsize",
        "seed = 7",
        "seed = 7\npopsize = 1",
        "fit.popsize",
        "must be >= 2",
    ),
    (
        "no evaluations",
        "max_evaluations",
        "max_evaluations = 320",
        "max_evaluations = 0",
        "fit.max_evaluations",
        "must be >= 1",
    ),
    (
        "less than one generation",
        "max_evaluations",
        "max_evaluations = 320",
        "max_evaluations = 10",
        "fit.max_evaluations",
        "less than one cma generation (popsize = 16",
    ),
    (
        "window past the simulation",
        "tstop = 171",
        "seed = 7",
        "seed = 7\ntstop = 171.0",
        "fit.tstop",
        "must be <= [simulation] tstop",
    ),
    (
        "window upside down",
        "tstart",
        "seed = 7",
        "seed = 7\ntstart = 100.0\ntstop = 50.0",
        "fit.tstart",
        "must be < the window's end",
    ),
    (
        "smoothing longer than the simulation",
        "smooth_window_ms",
        "smooth_window_ms = 30.0",
        "smooth_window_ms = 500.0",
        "fit.smooth_window_ms",
        "at most the simulation",
    ),
    (
        "zero scale factor",
        "scale_factor",
        "scale_factor = 3000.0",
        "scale_factor = 0.0",
        "fit.scale_factor",
        "must not be 0",
    ),
    (
        "unused fit parameter",
        "sigma_x",
        "w_basket = { low = 0.01, high = 0.4 }",
        "w_basket = { low = 0.01, high = 0.4 }\nsigma_x = { low = 1.0, high = 2.0 }",
        "fit.params.sigma_x",
        "used nowhere",
    ),
    (
        "reference to no fit parameter",
        "mu = \"$mu_x\"",
        "mu = \"$mu\"",
        "mu = \"$mu_x\"",
        "drives[0].mu",
        "unknown fit parameter $mu_x; did you mean `mu`?",
    ),
    (
        "fit parameter in the file layout",
        "n_trials",
        "n_trials = 2",
        "n_trials = \"$mu\"",
        "simulation.n_trials",
        "cannot be a sweep parameter",
    ),
    (
        "a weight range reaching below 0",
        "L5_basket",
        "w_basket = { low = 0.01, high = 0.4 }",
        "w_basket = { low = -0.1, high = 0.4 }",
        "drives[0].weights_ampa.L5_basket",
        "must be >= 0",
    ),
    (
        "unknown key with a close match",
        "smoth",
        "smooth_window_ms = 30.0",
        "smoth_window_ms = 30.0",
        "fit.smoth_window_ms",
        "did you mean `smooth_window_ms`?",
    ),
];

#[test]
fn bad_fits_name_key_and_line() {
    let mut failures = Vec::new();
    for &(what, marker, from, to, key, fragment) in BAD {
        assert!(FIT.contains(from), "{what}: {from:?} not in the config");
        let text = FIT.replacen(from, to, 1);
        let want_line = text
            .lines()
            .position(|l| l.contains(marker))
            .unwrap_or_else(|| panic!("{what}: no line has {marker:?}"))
            + 1;
        match load(&text) {
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

/// Malformed target files: each refused at `fit.target` with the file's own
/// line in the message.
#[test]
fn malformed_targets_are_config_errors() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fit_config");
    std::fs::create_dir_all(&dir).unwrap();
    let good: String = (0..=170).map(|i| format!("{i}.000\t0.5\n")).collect();
    let cases: &[(&str, String, &str)] = &[
        (
            "three_columns.txt",
            good.replace("\t0.5\n", "\t0.5\t0.1\n"),
            "three_columns.txt:1: 3 columns",
        ),
        (
            "ragged.txt",
            good.replacen("2.000\t0.5", "2.000\t0.5\t0.1\t0.2", 1),
            "ragged.txt:3: 4 columns where the lines before have 2",
        ),
        (
            "not_a_number.txt",
            good.replacen("5.000\t0.5", "5.000\tx", 1),
            "not_a_number.txt:6: not a number",
        ),
        (
            "backwards.txt",
            good.replacen("7.000", "5.000", 1),
            "backwards.txt:8: time 5 ms does not follow",
        ),
        ("one_sample.txt", "0.0 1.0\n".into(), "1 sample(s)"),
        ("nan.txt", good.replacen("0.5", "nan", 1), "is not a finite"),
    ];
    let line = FIT.lines().position(|l| l.contains("target =")).unwrap() + 1;
    for (name, contents, fragment) in cases {
        let (name, fragment) = (*name, *fragment);
        std::fs::write(dir.join(name), contents).unwrap();
        let text = FIT.replace(
            "target = \"target_noisy_1ms.txt\"",
            &format!("target = \"{}\"", dir.join(name).display()),
        );
        let e = load(&text).unwrap_err();
        assert_eq!(e.key, "fit.target", "{name}: {e}");
        assert_eq!(e.line, Some(line), "{name}: {e}");
        assert!(e.message.contains(fragment), "{name}: {e}");
    }
}

/// The binary checks the table and the target and, with `--dry-run`,
/// prints the fit's plan (solver, budget, search space).
#[test]
fn the_binary_prints_a_fits_plan() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fit_config_cli");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        objectives_dir().join("target_noisy_1ms.txt"),
        dir.join("target_noisy_1ms.txt"),
    )
    .unwrap();
    let config = dir.join("fit.toml");
    std::fs::write(&config, FIT).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hnn-mpi"))
        .arg(&config)
        .arg("--dry-run")
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("fit with cma (dipole_rmse), at most 320 evaluations")
            && stdout.contains("w_pyr in [1e-3, 1e-1] (log10 space)"),
        "{stdout}"
    );
}
