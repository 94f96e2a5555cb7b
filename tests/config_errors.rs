//! The configuration layer against broken and good configs
//! (tests/data/configs/, see its README.md) and against numpy's numbers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hnn_mpi::config::{
    numpy_linspace, numpy_logspace, svml_pow, Config, ConfigError, DriveKind, ModelName,
    ModelSource, NDriveCells, Num, PerCellType, SaveItem, Stat, SweepMode,
};
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/configs")
        .join(name)
}

fn load(name: &str) -> Result<Config, ConfigError> {
    Config::from_file(&data(name))
}

/// (file, key path, line, message fragment)
const BAD: &[(&str, &str, usize, &str)] = &[
    // unknown keys, with close matches
    (
        "bad_unknown_key_simulation.toml",
        "simulation.tstpo",
        3,
        "unknown key; did you mean `tstop`?",
    ),
    (
        "bad_unknown_top_level.toml",
        "simulations",
        2,
        "did you mean `simulation`?",
    ),
    (
        "bad_unknown_key_drive.toml",
        "drives[0].sigmaa",
        6,
        "did you mean `sigma`?",
    ),
    (
        "bad_unknown_key_network.toml",
        "network.gains",
        3,
        "did you mean `global_gains`?",
    ),
    (
        "bad_sweep_key.toml",
        "sweep.nsamples",
        4,
        "did you mean `n_samples`?",
    ),
    (
        "bad_key_of_other_drive_type.toml",
        "drives[0].rate_constant",
        10,
        "not a parameter of evoked drives",
    ),
    // wrong types
    (
        "bad_wrong_type_tstop.toml",
        "simulation.tstop",
        4,
        "expected a number or \"$name\"",
    ),
    (
        "bad_wrong_type_mesh.toml",
        "network.mesh_shape",
        4,
        "two positive integers",
    ),
    (
        "bad_params_not_number.toml",
        "network.params.gbar_L2Pyr_L5Pyr",
        6,
        "got a string (\"strong\")",
    ),
    ("bad_drives_not_array.toml", "drives", 2, "write [[drives]]"),
    (
        "bad_reference_in_string.toml",
        "drives[0].location",
        8,
        "stand for numbers only",
    ),
    (
        "bad_reference_in_summary.toml",
        "summary.smooth_window_ms",
        16,
        "allowed only in [simulation], [network] and [[drives]]",
    ),
    ("bad_toml_syntax.toml", "", 7, "invalid TOML"),
    // missing required keys (line of the table header)
    (
        "bad_missing_mu.toml",
        "drives[0].mu",
        5,
        "missing required key `mu`",
    ),
    (
        "bad_missing_type.toml",
        "drives[0].type",
        2,
        "missing required key `type`",
    ),
    (
        "bad_random_missing_seed.toml",
        "sweep.seed",
        11,
        "missing required key `seed`",
    ),
    // enumerations
    (
        "bad_unknown_drive_type.toml",
        "drives[0].type",
        4,
        "unknown drive type \"gaussian\"",
    ),
    (
        "bad_unknown_model.toml",
        "network.model",
        3,
        "did you mean `jones_2009`?",
    ),
    (
        "bad_sweep_mode.toml",
        "sweep.mode",
        3,
        "unknown sweep mode \"grid\"",
    ),
    (
        "bad_unknown_stat.toml",
        "summary.stats[1]",
        5,
        "unknown statistic \"dipole_mean\"",
    ),
    (
        "bad_rate_stat_cell_type.toml",
        "summary.stats[0]",
        3,
        "did you mean `rate_L2_pyramidal`?",
    ),
    (
        "bad_unknown_save_item.toml",
        "output.save[1]",
        4,
        "unknown save item \"lfp\"",
    ),
    (
        "bad_connection_receptor.toml",
        "network.connections[0].receptor",
        6,
        "unknown receptor \"gaba\"",
    ),
    // cell types of the built-in models
    (
        "bad_cell_type_typo.toml",
        "drives[1].weights_ampa.L2_pyrmidal",
        21,
        "unknown cell type `L2_pyrmidal`; did you mean `L2_pyramidal`?",
    ),
    (
        "bad_tonic_bias_cell_type.toml",
        "network.tonic_bias[0].cell_type",
        3,
        "did you mean `L5_pyramidal`?",
    ),
    (
        "bad_distal_l5_basket.toml",
        "drives[0].weights_ampa.L5_basket",
        12,
        "cannot target L5_basket",
    ),
    (
        "bad_delays_cover.toml",
        "drives[0].synaptic_delays",
        10,
        "missing: L5_pyramidal",
    ),
    // references
    (
        "bad_unknown_reference.toml",
        "drives[0].weights_ampa.L2_pyramidal",
        10,
        "unknown sweep parameter $weigth_pyr; did you mean $weight_pyr?",
    ),
    (
        "bad_unused_parameter.toml",
        "sweep.params.sigma_e",
        14,
        "is used nowhere",
    ),
    // empty sweeps, zip lengths, sweep forms
    (
        "bad_empty_sweep_params.toml",
        "sweep.params",
        4,
        "empty sweep",
    ),
    (
        "bad_empty_values.toml",
        "sweep.params.mu_e.values",
        13,
        "empty sweep",
    ),
    (
        "bad_num_zero.toml",
        "sweep.params.mu_e.logspace[2]",
        13,
        "empty sweep: num = 0",
    ),
    (
        "bad_zip_unequal.toml",
        "sweep.params.sigma_e",
        15,
        "mu_e has 20, sigma_e has 10",
    ),
    (
        "bad_lhs_with_values.toml",
        "sweep.params.mu_e.values",
        16,
        "draws each parameter from a range",
    ),
    (
        "bad_range_in_product.toml",
        "sweep.params.mu_e.low",
        13,
        "ranges are for mode = \"random\" or \"lhs\"",
    ),
    (
        "bad_log_range_nonpositive.toml",
        "sweep.params.mu_e.low",
        16,
        "must be > 0 with log = true",
    ),
    // value ranges, literal and referenced
    (
        "bad_negative_sigma.toml",
        "drives[0].sigma",
        9,
        "must be >= 0 (got -5)",
    ),
    (
        "bad_sigma_ref_negative.toml",
        "drives[0].sigma",
        6,
        "must be >= 0 (got -2 from $s, sweep point 1)",
    ),
    (
        "bad_dt_zero.toml",
        "simulation.dt",
        4,
        "must be > 0 (got 0)",
    ),
    (
        "bad_tstop_negative.toml",
        "simulation.tstop",
        3,
        "must be > 0 (got -1)",
    ),
    (
        "bad_n_trials_zero.toml",
        "simulation.n_trials",
        3,
        "must be >= 1 (got 0)",
    ),
    (
        "bad_n_trials_ref_fraction.toml",
        "simulation.n_trials",
        3,
        "must be a non-negative integer (got 2.5 from $n, sweep point 1)",
    ),
    (
        "bad_mesh_zero.toml",
        "network.mesh_shape[0]",
        3,
        "must be >= 1 (got 0)",
    ),
    (
        "bad_probability_range.toml",
        "drives[0].probability",
        10,
        "must be in (0, 1] (got 1.5)",
    ),
    (
        "bad_global_gain_negative.toml",
        "network.global_gains.i_e",
        4,
        "must be >= 0 (got -0.5)",
    ),
    (
        "bad_bursty_isi.toml",
        "drives[0].spike_isi",
        8,
        "must fit in the burst period",
    ),
    (
        "bad_ranks_per_sim_zero.toml",
        "parallel.ranks_per_sim",
        3,
        "must be >= 1 (got 0)",
    ),
    // consistency
    (
        "bad_rmse_without_reference.toml",
        "summary.stats[1]",
        4,
        "dipole_rmse needs [summary] reference",
    ),
    (
        "bad_duplicate_drive.toml",
        "drives[1].name",
        12,
        "duplicate drive name \"evprox\"",
    ),
    (
        "bad_erp_name_clash.toml",
        "drives[0].name",
        6,
        "taken by `network.erp_drives`",
    ),
    (
        "bad_model_and_json.toml",
        "network.hnn_json",
        4,
        "replaces `model`",
    ),
    (
        "bad_cell_specific_count.toml",
        "drives[0].n_drive_cells",
        10,
        "must be \"n_cells\"",
    ),
    (
        "bad_poisson_rate_table_not_cell_specific.toml",
        "drives[0].rate_constant",
        8,
        "needs cell_specific = true",
    ),
    (
        "bad_smooth_window_long.toml",
        "summary.smooth_window_ms",
        6,
        "longer than the simulation (tstop = 20 ms)",
    ),
    (
        "bad_smooth_window_short.toml",
        "summary.smooth_window_ms",
        3,
        "must be at least 1 ms",
    ),
    (
        "bad_spike_train_lengths.toml",
        "drives[0].gids",
        7,
        "got 3 times and 2 gids",
    ),
    // electrode arrays (hnn-core's ExtracellularArray checks)
    (
        "bad_electrode_empty_positions.toml",
        "network.electrode_arrays[0].positions",
        7,
        "at least one contact",
    ),
    (
        "bad_electrode_contact.toml",
        "network.electrode_arrays[0].positions[1]",
        8,
        "expected a contact [x, y, z] of three numbers",
    ),
    (
        "bad_electrode_contact_string.toml",
        "network.electrode_arrays[0].positions[0][1]",
        7,
        "expected a number",
    ),
    (
        "bad_electrode_conductivity.toml",
        "network.electrode_arrays[0].conductivity",
        8,
        "must be a positive number (S/m), got -0.3",
    ),
    (
        "bad_electrode_min_distance.toml",
        "network.electrode_arrays[0].min_distance",
        8,
        "must be a positive number (µm), got 0",
    ),
    (
        "bad_electrode_method.toml",
        "network.electrode_arrays[0].method",
        8,
        "unknown method \"lsb\"; did you mean",
    ),
    (
        "bad_electrode_duplicate_name.toml",
        "network.electrode_arrays[1].name",
        10,
        "array \"shank\" is already defined (network.electrode_arrays[0])",
    ),
];

#[test]
fn broken_configs_name_key_line_and_problem() {
    let mut failures = Vec::new();
    for &(file, key, line, fragment) in BAD {
        let path = data(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# BAD: "),
            "{file}: first line must say what is wrong"
        );
        // the expected line is the one the file marks
        let marked = text.lines().nth(line - 1).unwrap_or("");
        assert!(
            marked.contains("<--"),
            "{file}: line {line} is not marked <--: {marked:?}"
        );
        match Config::parse(&text, &path.display().to_string()) {
            Ok(_) => failures.push(format!("{file}: parsed without error")),
            Err(e) => {
                if e.key != key || e.line != Some(line) || !e.message.contains(fragment) {
                    failures.push(format!(
                        "{file}: expected {key} at line {line} with {fragment:?}; got {} at line {:?}: {}",
                        e.key, e.line, e.message
                    ));
                }
                let shown = e.to_string();
                assert!(
                    shown.starts_with(&format!("{}:{line}: ", path.display())),
                    "{file}: {shown}"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_bad_file_is_in_the_table() {
    let mut files: Vec<String> = std::fs::read_dir(data(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bad_") && n.ends_with(".toml"))
        .collect();
    files.sort();
    for f in files {
        assert!(
            BAD.iter().any(|b| b.0 == f),
            "{f} has no expectation in BAD"
        );
    }
}

#[test]
fn display_format() {
    let e = Config::parse("[[drives]]\nname = \"d\"\ntype = \"evoked\"\nmu = 1\nsigma = -5\nnumspikes = 1\nlocation = \"proximal\"\nweights_ampa = { L2_basket = 1.0 }\n", "configs/x.toml")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "configs/x.toml:5: drives[0].sigma: must be >= 0 (got -5)"
    );
    assert_eq!(e.column, Some(9));
}

#[test]
fn unreadable_file_and_missing_input_files() {
    let e = Config::from_file(&data("no_such_file.toml")).unwrap_err();
    assert_eq!(e.line, None);
    assert!(e.message.contains("cannot read"), "{e}");
    // parse() does not open input files; from_file() checks them
    let text = "[summary]\nstats = [\"dipole_rmse\"]\nreference = \"missing_dipole.txt\"\n";
    let file = data("virtual.toml").display().to_string();
    assert!(Config::parse(text, &file).is_ok());
    let dir = std::env::temp_dir().join(format!("hnn_mpi_cfg_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.toml");
    std::fs::write(&path, text).unwrap();
    let e = Config::from_file(&path).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("summary.reference", Some(3)));
    assert!(e.message.contains("file not found"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------
// numpy

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("numpy_reference.json")).unwrap()).unwrap()
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// The `weight_basket` values printed by hnn-core's "Batch Simulation"
/// example (/work/shared/seed/batch_simulation_example.txt).
const SEED_PRINTED: [f64; 20] = [
    9.999999999999999e-05,
    0.00014384498882876628,
    0.000206913808111479,
    0.00029763514416313193,
    0.00042813323987193956,
    0.0006158482110660266,
    0.0008858667904100822,
    0.0012742749857031334,
    0.0018329807108324356,
    0.002636650898730358,
    0.00379269019073225,
    0.005455594781168514,
    0.007847599703514606,
    0.011288378916846885,
    0.01623776739188721,
    0.023357214690901212,
    0.033598182862837805,
    0.04832930238571752,
    0.06951927961775606,
    0.09999999999999999,
];

#[test]
fn logspace_reproduces_the_seed_printout() {
    assert!(same_bits(&numpy_logspace(-4.0, -1.0, 20), &SEED_PRINTED));
}

#[test]
fn linspace_logspace_and_power_match_numpy() {
    let r = reference();
    assert_eq!(
        numbers(&r["seed_weight_basket_printed"]),
        SEED_PRINTED.to_vec()
    );
    for case in r["logspace"].as_array().unwrap() {
        let a = numbers(&case["args"]);
        let got = numpy_logspace(a[0], a[1], a[2] as usize);
        assert!(same_bits(&got, &numbers(&case["values"])), "logspace{a:?}");
    }
    for case in r["linspace"].as_array().unwrap() {
        let a = numbers(&case["args"]);
        let got = numpy_linspace(a[0], a[1], a[2] as usize);
        assert!(same_bits(&got, &numbers(&case["values"])), "linspace{a:?}");
    }
    let (ys, want) = (
        numbers(&r["power10"]["y"]),
        numbers(&r["power10"]["values"]),
    );
    let got: Vec<f64> = ys.iter().map(|&y| svml_pow::pow(10.0, y)).collect();
    assert!(same_bits(&got, &want), "np.power(10.0, y)");
    for case in r["power_other_bases"].as_array().unwrap() {
        let x = case["x"].as_f64().unwrap();
        let got: Vec<f64> = numbers(&case["y"])
            .iter()
            .map(|&y| svml_pow::pow(x, y))
            .collect();
        assert!(
            same_bits(&got, &numbers(&case["values"])),
            "np.power({x}, y)"
        );
    }
}

// ---------------------------------------------------------------------------
// good configs

fn repo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

#[test]
fn seed_example_gives_numpys_20_zip_points() {
    let cfg = Config::from_file(&repo("configs/seed_example.toml")).unwrap();
    let sweep = cfg.sweep.as_ref().unwrap();
    assert_eq!(sweep.mode, SweepMode::Zip);
    assert_eq!(cfg.param_names(), vec!["weight_basket", "weight_pyr"]);
    let points = cfg.sweep_points().unwrap();
    assert_eq!(points.len(), 20);
    assert_eq!(cfg.n_sims(), 20);
    let basket: Vec<f64> = points.iter().map(|p| p["weight_basket"]).collect();
    let pyr: Vec<f64> = points.iter().map(|p| p["weight_pyr"]).collect();
    assert!(same_bits(&basket, &SEED_PRINTED));
    assert!(same_bits(&pyr, &SEED_PRINTED));

    let sim = cfg.resolve(&points[5]).unwrap();
    assert_eq!(sim.simulation.tstop, 170.0);
    assert_eq!(sim.simulation.dt, 0.025);
    assert_eq!(sim.simulation.n_trials, 1);
    assert_eq!(
        sim.network.model,
        ModelSource::Builtin(ModelName::Jones2009)
    );
    assert_eq!(sim.network.mesh_shape, [3, 3]);
    let d = &sim.drives[0];
    assert_eq!(d.name, "evprox");
    assert_eq!(
        d.kind,
        DriveKind::Evoked {
            mu: 40.0,
            sigma: 5.0,
            numspikes: 1
        }
    );
    assert_eq!(
        d.weights_ampa["L2_basket"].to_bits(),
        SEED_PRINTED[5].to_bits()
    );
    assert_eq!(
        d.weights_ampa["L5_pyramidal"].to_bits(),
        SEED_PRINTED[5].to_bits()
    );
    assert!(d.weights_nmda.is_empty());
    assert_eq!(d.synaptic_delays.get("L5_basket"), Some(1.0));
    // hnn-core's add_evoked_drive defaults
    assert_eq!(d.n_drive_cells, NDriveCells::NCells);
    assert!(d.cell_specific);
    assert_eq!(d.space_constant, 3.0);
    assert_eq!(d.probability, PerCellType::All(1.0));
    assert_eq!((d.event_seed, d.conn_seed), (2, Some(3)));
    assert_eq!(cfg.summary.smooth_window_ms, Some(30.0));
    assert_eq!(cfg.summary.stats, vec![Stat::DipoleMin, Stat::DipoleMax]);
    assert_eq!(cfg.output.path, PathBuf::from("results/seed_example.h5"));
    assert_eq!(cfg.output.save, vec![SaveItem::Dipole]);
    assert_eq!(cfg.parallel.ranks_per_sim, 1);
    // the unresolved config keeps the references
    assert_eq!(
        cfg.drives[0].weights_ampa["L2_pyramidal"],
        Num::Ref("weight_pyr".into())
    );
    assert_eq!(
        cfg.locate("drives[0].weights_ampa.L2_pyramidal")
            .map(|l| l.0),
        Some(17)
    );
}

#[test]
fn product_sweep_is_itertools_product_in_file_order() {
    let cfg = load("good_product.toml").unwrap();
    let points = cfg.sweep_points().unwrap();
    assert_eq!(points.len(), 2 * 5 * 3);
    assert_eq!(cfg.param_names(), vec!["tstop", "mu", "gbar"]);
    let tstops = [100.0, 170.0];
    let mus = [20.0, 30.0, 40.0, 50.0, 60.0];
    let gbars = numpy_logspace(-4.0, -3.0, 3);
    let mut i = 0;
    for t in tstops {
        for m in mus {
            for g in &gbars {
                let p = &points[i];
                assert_eq!((p["tstop"], p["mu"], p["gbar"]), (t, m, *g), "point {i}");
                i += 1;
            }
        }
    }
    let sim = cfg.resolve(&points[29]).unwrap();
    assert_eq!(sim.simulation.tstop, 170.0);
    assert_eq!(sim.simulation.n_trials, 2);
    assert_eq!(sim.network.params["gbar_L2Pyr_L5Pyr"], gbars[2]);
    assert!(matches!(sim.drives[0].kind, DriveKind::Evoked { mu, .. } if mu == 60.0));
    assert_eq!(sim.point, points[29]);
}

#[test]
fn random_sweep_is_deterministic_and_in_bounds() {
    let a = load("good_random.toml").unwrap();
    let pa = a.sweep_points().unwrap();
    let pb = load("good_random.toml").unwrap().sweep_points().unwrap();
    assert_eq!(pa.len(), 50);
    assert_eq!(pa, pb);
    for p in &pa {
        assert!((5.0..=30.0).contains(&p["rate"]), "{p:?}");
        assert!((1e-5..=1e-2).contains(&p["w"]), "{p:?}");
    }
    // log = true spreads draws over the decades
    let small = pa.iter().filter(|p| p["w"] < 1e-4).count();
    assert!((5..=30).contains(&small), "{small} of 50 draws below 1e-4");
    // another seed, other points
    let text = std::fs::read_to_string(data("good_random.toml"))
        .unwrap()
        .replace("seed = 12345", "seed = 54321");
    let other = Config::parse(&text, "good_random.toml").unwrap();
    assert_ne!(other.sweep_points().unwrap(), pa);
    // resolved: bursty defaults of hnn-core
    let sim = a.resolve(&pa[0]).unwrap();
    let d = &sim.drives[0];
    assert_eq!(d.n_drive_cells, NDriveCells::Count(1));
    assert!(!d.cell_specific);
    assert_eq!(d.space_constant, 100.0);
    match d.kind {
        DriveKind::Bursty {
            tstart,
            tstart_std,
            tstop,
            burst_rate,
            burst_std,
            numspikes,
            spike_isi,
        } => {
            assert_eq!(
                (tstart, tstart_std, tstop, burst_std),
                (0.0, 0.0, None, 0.0)
            );
            assert_eq!((numspikes, spike_isi), (2, 10.0));
            assert_eq!(burst_rate, pa[0]["rate"]);
        }
        ref k => panic!("{k:?}"),
    }
}

#[test]
fn lhs_sweep_has_one_value_per_stratum() {
    let cfg = load("good_lhs.toml").unwrap();
    let points = cfg.sweep_points().unwrap();
    let n = 40;
    assert_eq!(points.len(), n);
    assert_eq!(
        points,
        load("good_lhs.toml").unwrap().sweep_points().unwrap()
    );
    let fractions = |f: &dyn Fn(&BTreeMap<String, f64>) -> f64| {
        let mut x: Vec<f64> = points.iter().map(f).collect();
        x.sort_by(f64::total_cmp);
        x
    };
    let mu = fractions(&|p| (p["mu"] - 20.0) / 40.0);
    let sigma =
        fractions(&|p| (p["sigma"].log10() - 0.5f64.log10()) / (8.0f64.log10() - 0.5f64.log10()));
    for x in [mu, sigma] {
        for (k, v) in x.iter().enumerate() {
            let (lo, hi) = (k as f64 / n as f64, (k + 1) as f64 / n as f64);
            assert!(*v >= lo - 1e-12 && *v <= hi + 1e-12, "stratum {k}: {v}");
        }
    }
    for p in &points {
        assert!((20.0..=60.0).contains(&p["mu"]));
        assert!((0.5..=8.0).contains(&p["sigma"]));
        cfg.resolve(p).unwrap();
    }
}

#[test]
fn full_config_resolves_every_table() {
    let cfg = load("good_full.toml").unwrap();
    assert_eq!(cfg.network.model, ModelSource::Builtin(ModelName::Law2021));
    assert_eq!(
        cfg.input_path(cfg.network.params_file.as_ref().unwrap()),
        data("params.json")
    );
    assert_eq!(
        cfg.input_path(cfg.summary.reference.as_ref().unwrap()),
        data("dipole.txt")
    );
    assert_eq!(cfg.output.path, PathBuf::from("results/good_full.h5"));
    assert_eq!(
        cfg.output.save,
        vec![SaveItem::Dipole, SaveItem::Spikes, SaveItem::VsecSoma]
    );
    assert_eq!(
        cfg.summary.stats,
        vec![
            Stat::DipoleRmse,
            Stat::DipolePeakToPeak,
            Stat::Rate("L5_pyramidal".into())
        ]
    );
    assert_eq!(cfg.summary.stats[2].name(), "rate_L5_pyramidal");
    assert_eq!(cfg.parallel.ranks_per_sim, 4);
    let points = cfg.sweep_points().unwrap();
    assert_eq!(points.len(), 2);
    let s = cfg.resolve(&points[1]).unwrap();
    assert_eq!(s.simulation.n_trials, 3);
    assert_eq!(s.simulation.celsius, 36.0);
    let n = &s.network;
    assert_eq!(n.mesh_shape, [4, 5]);
    assert_eq!(n.erp_drives.as_ref().unwrap().tstart, 20.0);
    assert_eq!(
        (n.global_gains.e_e, n.global_gains.e_i, n.global_gains.i_i),
        (Some(1.5), None, Some(2.0))
    );
    assert_eq!(n.tonic_bias.len(), 2);
    assert_eq!(n.tonic_bias[0].cell_type.as_deref(), Some("L5_pyramidal"));
    assert_eq!(n.tonic_bias[0].amplitude, PerCellType::All(-0.5));
    assert_eq!(
        (n.tonic_bias[0].t0, n.tonic_bias[0].tstop),
        (10.0, Some(90.0))
    );
    assert_eq!(n.tonic_bias[0].bias_name, "tonic");
    assert_eq!(n.tonic_bias[1].amplitude.get("L5_basket"), Some(2.0));
    assert_eq!(n.tonic_bias[1].section, "soma");
    let c = &n.connections[0];
    assert_eq!(
        (c.src.as_str(), c.target.as_str(), c.receptor.as_str()),
        ("evdist1", "L2_pyramidal", "nmda")
    );
    assert_eq!(
        (c.weight, c.delay, c.lamtha, c.probability, c.gain),
        (2.0, 1.0, 3.0, 0.5, 1.0)
    );
    assert_eq!((c.conn_seed, c.allow_autapses), (Some(11), false));
    assert_eq!(n.params["L5Pyr_gabaa_tau2"], 2.0);

    let p = &s.drives[0];
    match &p.kind {
        DriveKind::Poisson {
            tstart,
            tstop,
            rate_constant,
        } => {
            assert_eq!((*tstart, *tstop), (5.0, None));
            assert_eq!(rate_constant.get("L5_pyramidal"), Some(15.0));
        }
        k => panic!("{k:?}"),
    }
    assert_eq!((p.event_seed, p.conn_seed), (4, Some(8)));
    assert_eq!(p.probability.get("L2_pyramidal"), Some(0.5));
    assert_eq!(p.space_constant, 100.0);
    let b = &s.drives[1];
    assert_eq!(b.n_drive_cells, NDriveCells::Count(10));
    assert_eq!(b.target_types(), vec!["L2_pyramidal", "L5_pyramidal"]);
    assert!(matches!(b.kind, DriveKind::Bursty { numspikes: 3, tstop: Some(t), .. } if t == 90.0));
    let t = &s.drives[2];
    assert_eq!(
        t.kind,
        DriveKind::SpikeTrain {
            times: vec![10.0, 20.0, 30.0, 12.0],
            gids: vec![5, 9, 5, 7]
        }
    );
    assert_eq!(t.n_drive_cells, NDriveCells::Count(3));
    assert!(!t.cell_specific);
    assert_eq!(t.conn_seed, None);
    // located errors for the network builder
    let e = cfg.error_at(
        "drives[2].location",
        "L5_pyramidal cells have no section `x`",
    );
    assert_eq!(e.line, Some(72));
    assert_eq!(e.key, "drives[2].location");
}

#[test]
fn no_sweep_is_one_empty_point() {
    let cfg = Config::parse("", "configs/empty.toml").unwrap();
    assert_eq!(cfg.sweep_points().unwrap(), vec![BTreeMap::new()]);
    assert_eq!(cfg.n_sims(), 1);
    let s = cfg.resolve(&BTreeMap::new()).unwrap();
    assert_eq!(
        (s.simulation.tstop, s.simulation.dt, s.simulation.n_trials),
        (170.0, 0.025, 1)
    );
    assert_eq!(s.simulation.celsius, 37.0);
    assert_eq!(s.network.mesh_shape, [10, 10]);
    assert_eq!(s.network.model, ModelSource::Builtin(ModelName::Jones2009));
    assert!(s.network.erp_drives.is_none() && s.drives.is_empty());
    assert_eq!(cfg.output.path, PathBuf::from("results/empty.h5"));
}

#[test]
fn shipped_configs_load() {
    let erp = Config::from_file(&repo("configs/erp_default.toml")).unwrap();
    assert_eq!(erp.n_sims(), 1);
    let s = erp.resolve(&BTreeMap::new()).unwrap();
    assert_eq!(s.network.mesh_shape, [10, 10]);
    assert_eq!(s.network.erp_drives.as_ref().unwrap().tstart, 0.0);
    assert_eq!(s.simulation.tstop, 170.0);
    assert_eq!(erp.output.path, PathBuf::from("results/erp_default.h5"));
    assert_eq!(erp.summary.stats, vec![Stat::DipoleMin, Stat::DipoleMax]);

    let sweep = Config::from_file(&repo("configs/sweep.toml")).unwrap();
    assert_eq!(sweep.n_sims(), 4096);
    let points = sweep.sweep_points().unwrap();
    assert_eq!(points.len(), 4096);
    let names: Vec<&str> = sweep.drives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["evdist1", "evprox1", "evprox2"]);
    // point i: evprox1 index i / 256, evdist1 L2 index (i / 16) % 16, L5 index i % 16
    let i = 1234;
    let s = sweep.resolve(&points[i]).unwrap();
    assert_eq!(
        s.drives[1].weights_ampa["L5_pyramidal"],
        numpy_logspace(-4.0, -1.0, 16)[i / 256]
    );
    assert_eq!(
        s.drives[0].weights_ampa["L2_pyramidal"],
        numpy_logspace(-7.0, -3.0, 16)[(i / 16) % 16]
    );
    assert_eq!(
        s.drives[0].weights_ampa["L5_pyramidal"],
        numpy_logspace(-3.0, 0.0, 16)[i % 16]
    );
    assert_eq!(s.drives[0].event_seed, 274);
    assert_eq!(s.drives[2].weights_ampa["L2_pyramidal"], 1.438840);
}

/// Errors only the network builder finds, about `[network.params]` and
/// `params_file` (tests/data/models/bad_*.toml, marked like the files
/// above): the key, its line, and for parameter files the file's path.
#[test]
fn network_params_errors_name_key_line_and_file() {
    use hnn_mpi::engine::mechanisms::Catalogue;
    use hnn_mpi::network::from_config::build_network;
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/models");
    let cases: &[(&str, &str, usize, &[&str])] = &[
        (
            "bad_params_unknown_key.toml",
            "network.params.gbar_L2Pyr_L5Pry",
            7,
            &["unknown HNN parameter; did you mean gbar_L2Pyr_L5Pyr?"],
        ),
        (
            "bad_params_drive_key.toml",
            "network.params.t_evprox_1",
            6,
            &["a drive parameter", "[[drives]]"],
        ),
        (
            "bad_params_fixed_in_model.toml",
            "network.params.L5Pyr_gabab_tau1",
            7,
            &["has no effect in model 'law_2021'", "45 ms"],
        ),
        (
            "bad_params_file_param.toml",
            "network.params_file",
            4,
            &["malformed.param: line 3: expected `name: value`"],
        ),
        (
            "bad_params_file_json.toml",
            "network.params_file",
            4,
            &["malformed.json: not valid JSON"],
        ),
        (
            "bad_params_file_celsius.toml",
            "network.params_file",
            4,
            &["celsius = 36", "set [simulation] celsius = 36"],
        ),
    ];
    for &(file, key, line, fragments) in cases {
        let path = models.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# BAD: "), "{file}");
        assert!(
            text.lines().nth(line - 1).unwrap().contains("<--"),
            "{file}: line {line} is not marked"
        );
        let cfg = Config::from_file(&path).unwrap();
        let resolved = cfg.resolve(&cfg.sweep_points().unwrap()[0]).unwrap();
        let e = build_network(&resolved, &cfg, &Catalogue).unwrap_err();
        assert_eq!((e.key.as_str(), e.line), (key, Some(line)), "{file}: {e}");
        for f in fragments {
            assert!(e.message.contains(f), "{file}: {e}");
        }
        assert!(
            e.to_string()
                .starts_with(&format!("{}:{line}: ", path.display())),
            "{e}"
        );
    }
}
