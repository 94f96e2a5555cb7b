//! `[network] hnn_json` and `[output] save = [..., "vsec_soma"]` end to end:
//! the `hnn-mpi` binary on a TOML config naming an hnn-core network file
//! (tests/data/hnn_json/mixed_3x3.json), its HDF5 file checked against
//! hnn-core's golden data (dipole NRMSE, spike counts, somatic voltages);
//! TOML drives and biases added after the file's; config errors.

use std::path::Path;
use std::process::Command;

use hdf5::types::VarLenUnicode;
use serde_json::Value;

mod common;
use common::{f64s, hnn_mpi, hnn_mpi_ok, temp_dir, usizes};

fn data(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hnn_json")
        .join(file)
        .to_str()
        .unwrap()
        .to_string()
}

fn units(ds: &hdf5::Dataset) -> String {
    ds.attr("units")
        .unwrap()
        .read_scalar::<VarLenUnicode>()
        .unwrap()
        .as_str()
        .to_string()
}

#[test]
fn hnn_json_network_with_somatic_voltages_end_to_end() {
    let golden: Value =
        serde_json::from_str(&std::fs::read_to_string(data("mixed_3x3.golden.json")).unwrap())
            .unwrap();
    let dir = temp_dir("json-e2e");
    let config = dir.join("mixed.toml");
    std::fs::write(
        &config,
        format!(
            "[simulation]\ntstop = 100.0\ndt = 0.025\nn_trials = 2\n\n\
             [network]\nhnn_json = {:?}\n\n\
             [output]\nsave = [\"dipole\", \"spikes\", \"vsec_soma\"]\n",
            data("mixed_3x3.json")
        ),
    )
    .unwrap();
    let h5 = dir.join("out.h5");
    hnn_mpi_ok(&[
        config.to_str().unwrap(),
        "-o",
        h5.to_str().unwrap(),
        "--force",
        "-q",
    ]);
    let f = hdf5::File::open(&h5).unwrap();
    assert_eq!(f.dataset("status").unwrap().read_raw::<u8>().unwrap(), [1]);
    let n_times = golden["n_times"].as_u64().unwrap() as usize;

    // /vsec/soma: [sim, trial, cell, time], f32 mV, every real cell in gid
    // order (24 in a 3x3 network), no drive cell
    let v = f.dataset("vsec/soma").unwrap();
    assert_eq!(v.shape(), [1, 2, 24, n_times]);
    assert_eq!(units(&v), "mV");
    let gids = f
        .dataset("vsec/soma_gids")
        .unwrap()
        .read_raw::<i64>()
        .unwrap();
    assert_eq!(gids, (0..24).collect::<Vec<i64>>());
    let secs = f
        .dataset("vsec/soma_sections")
        .unwrap()
        .read_raw::<VarLenUnicode>()
        .unwrap();
    assert!(secs.iter().all(|s| s.as_str() == "soma"));
    let volts = v.read_raw::<f32>().unwrap();
    let idx = usizes(&golden["vsec_sample_idx"]);

    let agg = f.dataset("dipole/agg").unwrap().read_raw::<f64>().unwrap();
    let offsets = f
        .dataset("spikes/offsets")
        .unwrap()
        .read_raw::<i64>()
        .unwrap();
    let spike_gids = f.dataset("spikes/gids").unwrap().read_raw::<i64>().unwrap();
    let ranges: Vec<(String, i64, i64)> = f
        .dataset("cells/gid_ranges")
        .unwrap()
        .read_raw::<hnn_mpi::output::GidRangeRecord>()
        .unwrap()
        .into_iter()
        .map(|r| (r.name.as_str().to_string(), r.start, r.stop))
        .collect();
    let names: Vec<&str> = ranges.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "L2_basket",
            "L2_pyramidal",
            "L5_basket",
            "L5_pyramidal",
            "evprox1",
            "evdist1",
            "poisson",
            "bursty"
        ]
    );

    for (trial, reference) in golden["trials"].as_array().unwrap().iter().enumerate() {
        let ours = &agg[trial * n_times..(trial + 1) * n_times];
        let r = f64s(&reference["dipole"]["agg"]);
        let (se, sr) = r.iter().zip(ours).fold((0.0, 0.0), |(se, sr), (r, o)| {
            (se + (o - r) * (o - r), sr + r * r)
        });
        let nrmse = (se / sr).sqrt();
        assert!(nrmse <= 1e-4, "trial {trial}: NRMSE {nrmse}");

        let ours_gids = &spike_gids[offsets[trial] as usize..offsets[trial + 1] as usize];
        let ref_gids: Vec<i64> = reference["spike_gids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_i64().unwrap())
            .collect();
        for (name, a, b) in &ranges {
            let count = |g: &[i64]| g.iter().filter(|g| (*a..*b).contains(g)).count();
            assert_eq!(
                count(ours_gids),
                count(&ref_gids),
                "trial {trial}: {name} spikes"
            );
        }

        let mut worst = 0.0f64;
        for cell in 0..24 {
            let r = f64s(&reference["vsec"][cell.to_string()]["soma"]);
            let base = (trial * 24 + cell) * n_times;
            for (&i, rv) in idx.iter().zip(&r) {
                worst = worst.max((f64::from(volts[base + i]) - rv).abs());
            }
        }
        println!(
            "trial {trial}: agg NRMSE {nrmse:.3e}, {} spikes, somatic voltages (f32 in the file) \
             within {worst:.3e} mV",
            ours_gids.len()
        );
        assert!(worst <= 1e-3, "trial {trial}: voltages off by {worst} mV");
    }
    drop(f);

    // What a Python user sees: tests/h5py_check.py (Debian's python3 with
    // h5py, installed by scripts/setup.sh) checks the layout, /vsec included.
    let out = Command::new("/usr/bin/python3")
        .args([
            "tests/h5py_check.py",
            h5.to_str().unwrap(),
            "--n-trials",
            "2",
            "--n-times",
            &n_times.to_string(),
            "--dipole",
            "--spikes",
            "--vsec",
            "soma",
            "--cell-types",
            "L2_basket,L2_pyramidal,L5_basket,L5_pyramidal,evprox1,evdist1,poisson,bursty",
            "--all-done",
            "--simulated",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("python3 starts (scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "h5py_check.py: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Drives and tonic biases of the TOML come after the file's: the TOML
/// drive's gids follow the file's drives; `vsec_all` lists every section.
#[test]
fn toml_drives_follow_the_files_and_vsec_all_lists_sections() {
    let dir = temp_dir("json-extra");
    let config = dir.join("extra.toml");
    std::fs::write(
        &config,
        format!(
            "[simulation]\ntstop = 20.0\n\n\
             [network]\nhnn_json = {:?}\n\
             [[network.tonic_bias]]\ncell_type = \"L2_basket\"\namplitude = 0.1\n\n\
             [[drives]]\nname = \"extra\"\ntype = \"evoked\"\nmu = 5.0\nsigma = 1.0\n\
             numspikes = 1\nlocation = \"proximal\"\n\
             weights_ampa = {{ L2_basket = 0.01 }}\nsynaptic_delays = {{ L2_basket = 0.1 }}\n\n\
             [output]\nsave = [\"vsec_all\"]\n",
            data("custom_3x3.json")
        ),
    )
    .unwrap();
    let h5 = dir.join("out.h5");
    hnn_mpi_ok(&[
        config.to_str().unwrap(),
        "-o",
        h5.to_str().unwrap(),
        "--force",
        "-q",
    ]);
    let f = hdf5::File::open(&h5).unwrap();
    let ranges = f
        .dataset("cells/gid_ranges")
        .unwrap()
        .read_raw::<hnn_mpi::output::GidRangeRecord>()
        .unwrap();
    let last = ranges.last().unwrap();
    assert_eq!(last.name.as_str(), "extra");
    assert_eq!(last.start, ranges[ranges.len() - 2].stop);
    assert!(!f.link_exists("dipole"));
    let v = f.dataset("vsec/all").unwrap();
    let gids = f
        .dataset("vsec/all_gids")
        .unwrap()
        .read_raw::<i64>()
        .unwrap();
    let secs: Vec<String> = f
        .dataset("vsec/all_sections")
        .unwrap()
        .read_raw::<VarLenUnicode>()
        .unwrap()
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    // 6 basket cells x 1 section + 9 L2 pyramidal x 8 + 9 L5 pyramidal x 9
    assert_eq!(v.shape()[2], 6 + 72 + 81);
    assert_eq!(gids.len(), secs.len());
    assert!(gids.windows(2).all(|w| w[0] <= w[1]));
    // gid 3 is the first L2 pyramidal cell: hnn-core's section order
    let l2: Vec<&str> = gids
        .iter()
        .zip(&secs)
        .filter(|(g, _)| **g == 3)
        .map(|(_, s)| s.as_str())
        .collect();
    assert_eq!(
        l2,
        [
            "apical_trunk",
            "apical_1",
            "apical_tuft",
            "apical_oblique",
            "basal_1",
            "basal_2",
            "basal_3",
            "soma"
        ]
    );
    let volts = v.read_raw::<f32>().unwrap();
    assert!(volts.iter().all(|x| x.is_finite()));
    drop(f);
    std::fs::remove_dir_all(&dir).ok();
}

/// Config errors name the file and the key (exit 2).
#[test]
fn hnn_json_config_errors() {
    let dir = temp_dir("json-errors");
    for (name, network, wanted) in [
        (
            "broken",
            format!("hnn_json = {:?}", data("broken/unknown_mechanism.json")),
            vec![
                "network.hnn_json",
                "unknown_mechanism.json",
                "mechanism `hh3`",
            ],
        ),
        (
            "params",
            format!(
                "hnn_json = {:?}\n[network.params]\ngbar_L2Pyr_L2Pyr_ampa = 0.1",
                data("mixed_3x3.json")
            ),
            vec![
                "params.toml:3",
                "network.params",
                "not allowed with `hnn_json`",
            ],
        ),
        (
            "celsius",
            format!("hnn_json = {:?}", data("mixed_3x3.json")),
            vec!["simulation.celsius", "celsius = 37"],
        ),
    ] {
        let sim = if name == "celsius" {
            "[simulation]\ncelsius = 30.0\n"
        } else {
            ""
        };
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, format!("{sim}[network]\n{network}\n")).unwrap();
        let out = hnn_mpi(&[config.to_str().unwrap(), "--dry-run"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        for w in wanted {
            assert!(err.contains(w), "{name}: {err:?} lacks {w:?}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
