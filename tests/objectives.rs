//! hnn-core 0.6.1's objective functions (`_rmse_evoked`,
//! `_anticorr_evoked`, `_maximize_psd`) and the band powers of
//! `_get_relative_power`, against the values hnn-core's own functions give
//! on golden simulated dipoles and noisy targets
//! (tests/data/objectives/objectives.json, made by
//! scripts/reference/objectives.py). Every value agrees to 1e-12 relative.

use std::path::{Path, PathBuf};

use hnn_mpi::analysis::objective::{
    anticorr, anticorr_evoked, average_trials, band_powers, maximize_psd, preprocess,
    resample_and_weight, rmse, rmse_evoked, sfreq_hz, Preprocess, Target,
};
use hnn_mpi::analysis::stats::ReferenceDipole;
use serde_json::Value;

const RTOL: f64 = 1e-12;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

fn json(p: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(p)).unwrap()).unwrap()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn opt(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// The aggregate dipole (nAm) of every trial of a golden network case.
fn trials(case: &str) -> Vec<Vec<f64>> {
    json(&format!("network/{case}.json"))["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| f64s(&t["dipole"]["agg"]))
        .collect()
}

fn times() -> Vec<f64> {
    f64s(&json("network/times.json")["times"])
}

/// The target named in a case: a file in hnn-core's text format, or
/// seed_p05's aggregate dipole times 3000.
fn target(name: &str, times: &[f64]) -> (Vec<f64>, Vec<f64>) {
    if name == "seed_p05_x3000" {
        let agg = trials("seed_p05").remove(0);
        (times.to_vec(), agg.iter().map(|v| 3000.0 * v).collect())
    } else {
        let r = ReferenceDipole::read(&data(&format!("objectives/{name}"))).unwrap();
        (r.times_ms, r.agg)
    }
}

fn close(ours: f64, theirs: f64, what: &str) {
    let rel = (ours - theirs).abs() / theirs.abs();
    assert!(
        rel <= RTOL,
        "{what}: ours {ours:e}, hnn-core {theirs:e}, relative difference {rel:e}"
    );
    eprintln!("{what}: relative difference {rel:.1e}");
}

#[test]
fn objectives_equal_hnn_core() {
    let reference = json("objectives/objectives.json");
    let times = times();
    let mut checked = 0;
    for c in reference["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let objective = c["objective"].as_str().unwrap();
        let prep = Preprocess {
            scale_factor: opt(&c["scale_factor"]),
            smooth_window_ms: opt(&c["smooth_window_ms"]),
        };
        let all = trials(c["dipoles"].as_str().unwrap());
        match objective {
            "dipole_rmse" | "dipole_corr" => {
                let n = c["n_trials"].as_u64().unwrap() as usize;
                let (tt, ta) = target(c["target"].as_str().unwrap(), &times);
                let t = Target {
                    times_ms: &tt,
                    agg: &ta,
                };
                let (tstart, tstop) = (
                    c["tstart_ms"].as_f64().unwrap(),
                    c["tstop_ms"].as_f64().unwrap(),
                );
                let f = if objective == "dipole_rmse" {
                    rmse_evoked
                } else {
                    anticorr_evoked
                };
                let ours = f(&times, &all[..n], t, &prep, tstart, tstop).unwrap();
                close(ours, c["value"].as_f64().unwrap(), name);
            }
            "maximize_psd" => {
                let bands: Vec<(f64, f64)> = c["f_bands"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| (b[0].as_f64().unwrap(), b[1].as_f64().unwrap()))
                    .collect();
                // hnn-core repeats a float weight for every band.
                let weights = match &c["relative_bandpower"] {
                    Value::Array(_) => f64s(&c["relative_bandpower"]),
                    w => vec![w.as_f64().unwrap(); bands.len()],
                };
                let ours = maximize_psd(&times, &all[0], &prep, &bands, &weights).unwrap();
                close(ours, c["value"].as_f64().unwrap(), name);
            }
            "band_power" => {
                let n = c["n_samples"].as_u64().unwrap() as usize;
                let bands: Vec<(f64, f64)> = c["f_bands"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| (b[0].as_f64().unwrap(), b[1].as_f64().unwrap()))
                    .collect();
                let fs = sfreq_hz(&times);
                assert_eq!(fs, c["sfreq_hz"].as_f64().unwrap());
                let bp = band_powers(&all[0][..n], fs, &bands);
                let (abs, rel) = (f64s(&c["absolute"]), f64s(&c["relative"]));
                for (k, b) in bp.iter().enumerate() {
                    close(b.absolute, abs[k], &format!("{name} band {k} absolute"));
                    close(b.relative, rel[k], &format!("{name} band {k} relative"));
                }
            }
            other => panic!("unknown objective {other} in the reference"),
        }
        checked += 1;
    }
    assert_eq!(checked, 17, "every reference case checked");
}

/// The pieces compose as the evoked objectives do: preprocess each trial,
/// average, align, compare (a check of the public building blocks).
#[test]
fn building_blocks_compose_to_the_objective() {
    let times = times();
    let all = trials("erp_3x3_trials3");
    let (tt, ta) = target("target_noisy_1ms.txt", &times);
    let prep = Preprocess {
        scale_factor: Some(3000.0),
        smooth_window_ms: Some(30.0),
    };
    let fs = sfreq_hz(&times);
    let processed: Vec<Vec<f64>> = all
        .iter()
        .map(|t| preprocess(t, fs, &prep).unwrap())
        .collect();
    let avg = average_trials(&processed).unwrap();
    let a = resample_and_weight(&times, &avg, &tt, &ta, 0.0, 170.0).unwrap();
    // The 1 ms target has 171 samples; the window drops the last one.
    assert_eq!(a.sim.len(), 170);
    let t = Target {
        times_ms: &tt,
        agg: &ta,
    };
    assert_eq!(
        rmse(&a),
        rmse_evoked(&times, &all, t, &prep, 0.0, 170.0).unwrap()
    );
    assert_eq!(
        anticorr(&a),
        anticorr_evoked(&times, &all, t, &prep, 0.0, 170.0).unwrap()
    );
}
