//! Bit-exact checks of `hnn_mpi::network::numpy_random` against values
//! recorded from numpy 2.4.6 / hnn-core 0.6.1 by
//! `scripts/reference/numpy_random.py` (`tests/data/numpy_random/reference.json`).
//!
//! Every float in the JSON is a string holding Python's `repr` of the double;
//! it is parsed with `str::parse::<f64>` (correctly rounded) and compared by
//! bit pattern (`to_bits`), which implies `==` and also distinguishes -0.0.

use std::collections::BTreeMap;

use hnn_mpi::network::numpy_random::{
    connection_probability_kept, connection_probability_prune, default_rng, drive_cell_event_times,
    numpy_arange_f64, DriveEventDynamics, PoissonRate, RandomState,
};
use serde_json::Value;

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/numpy_random/reference.json"
    );
    let text = std::fs::read_to_string(path).expect("read reference.json");
    serde_json::from_str(&text).expect("parse reference.json")
}

/// Decode one float (a repr string).
fn f(v: &Value) -> f64 {
    v.as_str()
        .unwrap_or_else(|| panic!("float must be a string, got {v}"))
        .parse::<f64>()
        .unwrap_or_else(|e| panic!("bad float {v}: {e}"))
}

fn fl(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(f).collect()
}

fn int(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("expected int, got {v}"))
}

fn uint(v: &Value) -> u128 {
    v.as_u64()
        .map(|x| x as u128)
        .unwrap_or_else(|| panic!("expected unsigned int, got {v}"))
}

/// Assert bitwise equality of two f64 sequences.
fn assert_bits(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: length {} != {}\n got  {got:?}\n want {want:?}",
        got.len(),
        want.len()
    );
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits(),
            "{what}: element {i}: got {g:e} ({:#018x}), want {w:e} ({:#018x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}

#[test]
fn header_is_present() {
    let r = reference();
    let h = &r["header"];
    assert_eq!(h["numpy_version"].as_str(), Some("2.4.6"));
    assert_eq!(h["hnn_core_version"].as_str(), Some("0.6.1"));
    assert!(h["produced_by"]
        .as_str()
        .unwrap()
        .ends_with("numpy_random.py"));
}

#[test]
fn random_state_streams() {
    let r = reference();
    let cases = r["random_state"].as_array().unwrap();
    assert!(cases.len() >= 10);
    let mut n_values = 0;
    for case in cases {
        let seed = int(&case["seed"]);
        // raw MT19937 outputs
        let mut rs = RandomState::from_seed_i64(seed);
        let raw = &case["raw32"];
        let n = int(&raw["args"]["n"]) as usize;
        let got: Vec<i64> = (0..n).map(|_| rs.next_u32() as i64).collect();
        let want: Vec<i64> = raw["values"].as_array().unwrap().iter().map(int).collect();
        assert_eq!(got, want, "seed {seed}: raw32");

        let mut rs = RandomState::from_seed_i64(seed);
        for (k, op) in case["ops"].as_array().unwrap().iter().enumerate() {
            let name = op["op"].as_str().unwrap();
            let a = &op["args"];
            let n = || int(&a["n"]) as usize;
            let got: Vec<f64> = match name {
                "random_sample" => rs.random_sample_n(n()),
                "rand" => rs.rand(n()),
                "standard_normal" => rs.standard_normal_n(n()),
                "normal" => rs.normal_n(f(&a["loc"]), f(&a["scale"]), n()),
                "normal_scalar" => vec![rs.normal(f(&a["loc"]), f(&a["scale"]))],
                "normal_array" => rs.normal_array(&fl(&a["loc"]), f(&a["scale"])),
                "exponential" => rs.exponential_n(f(&a["scale"]), n()),
                "exponential_scalar" => vec![rs.exponential(f(&a["scale"]))],
                "uniform" => rs.uniform_n(f(&a["low"]), f(&a["high"]), n()),
                "random_sample_strided" | "standard_normal_strided" | "exponential_strided" => {
                    let stride = int(&a["stride"]) as usize;
                    let all = match name {
                        "random_sample_strided" => rs.random_sample_n(n()),
                        "standard_normal_strided" => rs.standard_normal_n(n()),
                        _ => rs.exponential_n(f(&a["scale"]), n()),
                    };
                    all.into_iter().step_by(stride).collect()
                }
                other => panic!("unknown op {other}"),
            };
            let want = fl(&op["values"]);
            n_values += want.len();
            assert_bits(&got, &want, &format!("RandomState({seed}) op #{k} {name}"));
        }
    }
    assert!(n_values > 500, "only {n_values} values checked");
}

#[test]
fn generator_streams() {
    let r = reference();
    for case in r["generator"].as_array().unwrap() {
        let seed = uint(&case["seed"]);
        let mut g = default_rng(seed);
        let (state, inc) = g.bit_generator().state();
        let st = &case["state_after_seeding"];
        let parse_hex = |v: &Value| {
            u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
        };
        assert_eq!(state, parse_hex(&st["state"]), "default_rng({seed}) state");
        assert_eq!(inc, parse_hex(&st["inc"]), "default_rng({seed}) inc");
        for (k, op) in case["ops"].as_array().unwrap().iter().enumerate() {
            let a = &op["args"];
            match op["op"].as_str().unwrap() {
                "random" => {
                    let got = g.random_n(int(&a["n"]) as usize);
                    assert_bits(
                        &got,
                        &fl(&op["values"]),
                        &format!("default_rng({seed}) op #{k} random"),
                    );
                }
                "choice" => {
                    let pop = a["n"].as_u64().unwrap();
                    let size = int(&a["size"]) as usize;
                    let replace = a["replace"].as_bool().unwrap();
                    let got = g.choice(pop, size, replace);
                    let want: Vec<i64> = op["values"].as_array().unwrap().iter().map(int).collect();
                    assert_eq!(
                        got, want,
                        "default_rng({seed}) op #{k} choice({pop}, {size}, replace={replace})"
                    );
                }
                other => panic!("unknown op {other}"),
            }
        }
    }
}

#[test]
fn arange_matches_numpy() {
    let r = reference();
    for case in r["arange"].as_array().unwrap() {
        let (a, b, c) = (f(&case["start"]), f(&case["stop"]), f(&case["step"]));
        assert_bits(
            &numpy_arange_f64(a, b, c),
            &fl(&case["values"]),
            &format!("np.arange({a}, {b}, {c})"),
        );
    }
}

/// Build a `DriveEventDynamics` from hnn-core's dynamics dict (as encoded in the
/// JSON) and the drive type string.
fn dynamics_from_json(drive_type: &str, d: &Value) -> DriveEventDynamics {
    match drive_type {
        "evoked" | "gaussian" => DriveEventDynamics::Evoked {
            mu: f(&d["mu"]),
            sigma: f(&d["sigma"]),
            numspikes: int(&d["numspikes"]) as usize,
        },
        "poisson" => DriveEventDynamics::Poisson {
            tstart: f(&d["tstart"]),
            tstop: f(&d["tstop"]),
            rate_constant: match &d["rate_constant"] {
                Value::Object(m) => PoissonRate::PerTargetType(
                    m.iter()
                        .map(|(k, v)| (k.clone(), f(v)))
                        .collect::<BTreeMap<_, _>>(),
                ),
                v => PoissonRate::Constant(f(v)),
            },
        },
        "bursty" => DriveEventDynamics::Bursty {
            tstart: f(&d["tstart"]),
            tstart_std: f(&d["tstart_std"]),
            tstop: f(&d["tstop"]),
            burst_rate: f(&d["burst_rate"]),
            burst_std: f(&d["burst_std"]),
            numspikes: int(&d["numspikes"]) as usize,
            spike_isi: f(&d["spike_isi"]),
        },
        "spike_train" => DriveEventDynamics::SpikeTrain {
            times: d.get("times").map(fl).unwrap_or_default(),
            gids: d
                .get("gids")
                .map(|g| g.as_array().unwrap().iter().map(int).collect())
                .unwrap_or_default(),
        },
        other => panic!("unknown drive type {other}"),
    }
}

fn target(v: &Value) -> Option<&str> {
    match v.as_str().unwrap() {
        "any" => None,
        t => Some(t),
    }
}

#[test]
fn drive_cell_event_times_direct_calls() {
    let r = reference();
    let dc = &r["drive_calls"];
    let table = dc["dynamics_table"].as_array().unwrap();
    let cases = dc["cases"].as_array().unwrap();
    assert!(cases.len() > 100);
    let mut n_times = 0;
    let mut seen = std::collections::BTreeSet::new();
    for (k, c) in cases.iter().enumerate() {
        let drive_type = c["drive_type"].as_str().unwrap();
        seen.insert(drive_type.to_string());
        let dynamics = dynamics_from_json(drive_type, &table[int(&c["dynamics"]) as usize]);
        let got = drive_cell_event_times(
            &dynamics,
            f(&c["tstop"]),
            target(&c["target_type"]),
            int(&c["trial_idx"]),
            int(&c["drive_cell_gid"]),
            int(&c["event_seed"]),
            int(&c["trial_seed_offset"]),
        );
        let want = fl(&c["times"]);
        n_times += want.len();
        assert_bits(
            &got,
            &want,
            &format!("drive_calls case #{k} ({drive_type}): {c}"),
        );
    }
    for t in ["evoked", "gaussian", "poisson", "bursty", "spike_train"] {
        assert!(seen.contains(t), "no {t} case");
    }
    assert!(n_times > 500, "only {n_times} event times checked");
}

#[test]
fn instantiate_drives_whole_network() {
    let r = reference();
    let inst = &r["instantiate_drives"];
    let fields: Vec<&str> = inst["call_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "drive",
            "drive_type",
            "tstop",
            "target_type",
            "trial_idx",
            "drive_cell_gid",
            "event_seed",
            "trial_seed_offset",
            "times"
        ]
    );
    let n_gids = int(&inst["n_gids"]);
    let n_trials = int(&inst["n_trials"]) as usize;
    let drives: BTreeMap<&str, &Value> = inst["drives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap(), d))
        .collect();

    // 1. Replay every call hnn-core made, with its arguments.
    let calls = inst["calls"].as_array().unwrap();
    for (k, c) in calls.iter().enumerate() {
        let c = c.as_array().unwrap();
        let drive = drives[c[0].as_str().unwrap()];
        let drive_type = c[1].as_str().unwrap();
        assert_eq!(drive["type"].as_str().unwrap(), drive_type);
        // hnn-core passes event_seed = drive['event_seed'] and
        // trial_seed_offset = net._n_gids
        assert_eq!(int(&c[6]), int(&drive["event_seed"]));
        assert_eq!(int(&c[7]), n_gids);
        let dynamics = dynamics_from_json(drive_type, &drive["dynamics"]);
        let got = drive_cell_event_times(
            &dynamics,
            f(&c[2]),
            target(&c[3]),
            int(&c[4]),
            int(&c[5]),
            int(&c[6]),
            int(&c[7]),
        );
        assert_bits(&got, &fl(&c[8]), &format!("instantiate call #{k}: {c:?}"));
    }

    // 2. Rebuild drive['events'] (n_trials x n_drive_cells x n_events) the way
    //    Network._instantiate_drives does, for the non-cell-specific drives
    //    (one call per drive cell, target 'any').  Cell-specific drives make
    //    one call per target type of the drive cell's connections; their
    //    nesting is checked via the replayed calls above.
    let tstop = f(&inst["tstop"]);
    for (name, d) in &drives {
        if d["cell_specific"].as_bool().unwrap() {
            continue;
        }
        let drive_type = d["type"].as_str().unwrap();
        let dynamics = dynamics_from_json(drive_type, &d["dynamics"]);
        let gr = d["gid_range"].as_array().unwrap();
        let n_cells = int(&gr[1]) - int(&gr[0]);
        let events = d["events"].as_array().unwrap();
        assert_eq!(events.len(), n_trials);
        for (trial_idx, trial) in events.iter().enumerate() {
            let trial = trial.as_array().unwrap();
            assert_eq!(trial.len() as i64, n_cells, "{name} trial {trial_idx}");
            for (gid_offset, want) in trial.iter().enumerate() {
                let got = drive_cell_event_times(
                    &dynamics,
                    tstop,
                    None,
                    trial_idx as i64,
                    gid_offset as i64,
                    int(&d["event_seed"]),
                    n_gids,
                );
                assert_bits(
                    &got,
                    &fl(want),
                    &format!("{name} events[{trial_idx}][{gid_offset}]"),
                );
            }
        }
    }

    // 3. Connection pruning done while the drives were attached.
    for c in inst["connection_probability_calls"].as_array().unwrap() {
        check_prune_call(c);
    }
}

fn pairs(v: &Value) -> Vec<(i64, Vec<i64>)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p = p.as_array().unwrap();
            (
                int(&p[0]),
                p[1].as_array().unwrap().iter().map(int).collect(),
            )
        })
        .collect()
}

fn check_prune_call(c: &Value) {
    let got = connection_probability_prune(
        &pairs(&c["gid_pairs_in"]),
        f(&c["probability"]),
        uint(&c["conn_seed"]),
    );
    assert_eq!(got, pairs(&c["gid_pairs_out"]), "{c}");
}

#[test]
fn connection_probability_synthetic() {
    let r = reference();
    for c in r["connection_probability"].as_array().unwrap() {
        let n_src = int(&c["n_src"]);
        let n_tgt = int(&c["n_target_per_src"]);
        let p = f(&c["probability"]);
        let seed = uint(&c["conn_seed"]);
        // gid_pairs_rule: src = 1000 + 7*s; targets = [3*s + 11*t]
        let gid_pairs: Vec<(i64, Vec<i64>)> = (0..n_src)
            .map(|s| (1000 + 7 * s, (0..n_tgt).map(|t| 3 * s + 11 * t).collect()))
            .collect();
        let n = (n_src * n_tgt) as usize;
        let kept = connection_probability_kept(n, p, seed);
        let got: Vec<i64> = (0..n as i64).filter(|&i| kept[i as usize]).collect();
        let want: Vec<i64> = c["kept_flat_indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(int)
            .collect();
        assert_eq!(got, want, "n={n} p={p} seed={seed}");
        if let Some(out) = c.get("gid_pairs_out") {
            assert_eq!(
                connection_probability_prune(&gid_pairs, p, seed),
                pairs(out),
                "n={n} p={p} seed={seed}"
            );
        }
    }
}
