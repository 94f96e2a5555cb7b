//! Synaptic currents and calcium (`isec_*`, `ca_*`) against hnn-core 0.6.1
//! on NEURON 8.2 (tests/data/recordings, made by
//! scripts/reference/recordings.py): the law_2021 and calcium models, 3x3
//! with the ERP drives, `record_isec` and `record_ca` = 'all' and 'soma'.
//! Asserts, in the engine's double precision: the traces hnn-core returns
//! for every cell (gid, section, key, in its order), every kept trace within
//! 1e-6 of its largest value (relative), the t = 0 samples bit for bit (the
//! sign of `i = 0 * (v - e)`), and the 'soma' recordings equal to the soma
//! rows of 'all'. Prints the largest relative difference and how many
//! samples are bit-identical. One run of the binary checks the file's
//! `/isec` and `/ca` (single precision) against the same data.

use std::collections::BTreeMap;
use std::path::Path;

use hdf5::types::{VarLenAscii, VarLenUnicode};
use hnn_mpi::config::Config;
use hnn_mpi::engine::mechanisms::Catalogue;
use hnn_mpi::engine::network_sim::{NetworkSimulation, TrialResult, VsecMode};
use hnn_mpi::network::description::NetworkDescription;
use hnn_mpi::network::from_config::build_network;
use serde_json::Value;

mod common;
use common::{hnn_mpi_ok, temp_dir};

const REL_TOL: f64 = 1e-6;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn reference(case: &str) -> hdf5::File {
    hdf5::File::open(root().join(format!("tests/data/recordings/{case}.h5"))).unwrap()
}

fn strings(f: &hdf5::File, name: &str) -> Vec<String> {
    let ds = f.dataset(name).unwrap();
    match ds.read_raw::<VarLenUnicode>() {
        Ok(v) => v.iter().map(|s| s.as_str().to_string()).collect(),
        Err(_) => ds
            .read_raw::<VarLenAscii>()
            .unwrap()
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    }
}

fn ints(f: &hdf5::File, name: &str) -> Vec<usize> {
    let v = f.dataset(name).unwrap().read_raw::<i64>().unwrap();
    v.into_iter().map(|x| x as usize).collect()
}

/// The reference's `cells_kept` attribute: the gids it wrote.
fn cells_kept(f: &hdf5::File) -> Vec<usize> {
    let v = f.attr("cells_kept").unwrap().read_raw::<i64>().unwrap();
    v.into_iter().map(|x| x as usize).collect()
}

fn attr_json(f: &hdf5::File, name: &str) -> Value {
    let s = f
        .attr(name)
        .unwrap()
        .read_scalar::<VarLenUnicode>()
        .unwrap();
    serde_json::from_str(s.as_str()).unwrap()
}

/// `[trace][sample]` of a `[1, n_traces, n_samples]` reference dataset.
fn rows(f: &hdf5::File, name: &str) -> Vec<Vec<f64>> {
    let ds = f.dataset(name).unwrap();
    let shape = ds.shape();
    let flat = ds.read_raw::<f64>().unwrap();
    flat.chunks_exact(shape[2]).map(<[f64]>::to_vec).collect()
}

fn network(case: &str) -> (NetworkDescription, f64, f64) {
    let cfg = Config::from_file(&root().join(format!("tests/data/models/{case}.toml"))).unwrap();
    let points = cfg.sweep_points().unwrap();
    let resolved = cfg.resolve(&points[0]).unwrap();
    let net = build_network(&resolved, &cfg, &Catalogue).unwrap();
    (net, resolved.simulation.tstop, resolved.simulation.dt)
}

fn simulate(case: &str, mode: VsecMode) -> TrialResult {
    let (net, tstop, dt) = network(case);
    NetworkSimulation::new(&net, 0, tstop, dt)
        .record_isec(Some(mode))
        .record_ca(Some(mode))
        .run()
}

/// Largest relative difference (to the reference trace's largest value)
/// of our samples `ours[rows[j]]` against `reference[j]`, and how many are
/// bit-identical.
fn compare(ours: &[f64], reference: &[f64], sample_rows: &[usize]) -> (f64, usize) {
    let scale = reference.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let mut worst = 0.0f64;
    let mut same = 0;
    for (j, &r) in reference.iter().enumerate() {
        let o = ours[sample_rows[j]];
        same += usize::from(o.to_bits() == r.to_bits());
        let d = (o - r).abs();
        worst = worst.max(if scale > 0.0 { d / scale } else { d });
    }
    (worst, same)
}

/// hnn-core's structure of the 'all' recordings of every cell
/// (`{gid: {section: [keys]}}`, `{gid: [sections]}`) equals ours.
fn check_structure(case: &str, f: &hdf5::File, r: &TrialResult) {
    // gid -> section -> keys in hnn-core's order (the JSON object's
    // sections come back sorted; their order is checked on the kept cells)
    type Keys = BTreeMap<usize, BTreeMap<String, Vec<String>>>;
    let mut theirs: Keys = BTreeMap::new();
    for (gid, secs) in attr_json(f, "isec_structure_all").as_object().unwrap() {
        let entry = theirs.entry(gid.parse().unwrap()).or_default();
        for (sec, keys) in secs.as_object().unwrap() {
            let keys = keys.as_array().unwrap().iter();
            let keys: Vec<String> = keys.map(|k| k.as_str().unwrap().to_string()).collect();
            if !keys.is_empty() {
                entry.insert(sec.clone(), keys);
            }
        }
    }
    let mut ours: Keys = BTreeMap::new();
    for t in &r.isec {
        let entry = ours.entry(t.gid).or_default();
        let keys = entry.entry(t.section.clone()).or_default();
        keys.push(format!("{}_{}", t.section, t.receptor));
    }
    theirs.retain(|_, secs| !secs.is_empty());
    assert_eq!(ours, theirs, "{case}: isec traces of every cell");
    let n_isec = f
        .attr("n_isec_traces_all_cells")
        .unwrap()
        .read_scalar::<i64>()
        .unwrap() as usize;
    assert_eq!(r.isec.len(), n_isec, "{case}: isec traces");
    let mut ca: Vec<(usize, String)> = Vec::new();
    for (gid, secs) in attr_json(f, "ca_structure_all").as_object().unwrap() {
        for s in secs.as_array().unwrap() {
            ca.push((gid.parse().unwrap(), s.as_str().unwrap().to_string()));
        }
    }
    let mut mine: Vec<(usize, String)> = r.ca.iter().map(|t| (t.gid, t.section.clone())).collect();
    ca.sort();
    mine.sort();
    assert_eq!(mine, ca, "{case}: ca traces");
}

fn check_case(case: &str) {
    let f = reference(case);
    let sample_rows = ints(&f, "sample_rows");
    let all = simulate(case, VsecMode::All);
    check_structure(case, &f, &all);
    let ref_times = f.dataset("times").unwrap().read_raw::<f64>().unwrap();
    for (j, &row) in sample_rows.iter().enumerate() {
        assert!(
            (all.times[row] - ref_times[j]).abs() < 1e-9,
            "{case}: times"
        );
    }

    // isec 'all', the kept cells: labels in order, then values.
    let kept = cells_kept(&f);
    let ours: Vec<_> = all.isec.iter().filter(|t| kept.contains(&t.gid)).collect();
    let (gids, sections, receptors) = (
        ints(&f, "isec/all_gids"),
        strings(&f, "isec/all_sections"),
        strings(&f, "isec/all_receptors"),
    );
    let labels: Vec<(usize, &str, &str)> = ours
        .iter()
        .map(|t| (t.gid, t.section.as_str(), t.receptor.as_str()))
        .collect();
    let theirs: Vec<(usize, &str, &str)> = gids
        .iter()
        .zip(&sections)
        .zip(&receptors)
        .map(|((&g, s), r)| (g, s.as_str(), r.as_str()))
        .collect();
    assert_eq!(labels, theirs, "{case}: /isec/all labels");
    let mut worst = 0.0f64;
    let (mut same, mut total) = (0, 0);
    for (t, r) in ours.iter().zip(rows(&f, "isec/all")) {
        assert_eq!(
            t.i_na[0].to_bits(),
            r[0].to_bits(),
            "{case}: i at t = 0 of cell {} {} {}",
            t.gid,
            t.section,
            t.receptor
        );
        let (w, s) = compare(&t.i_na, &r, &sample_rows);
        assert!(
            w <= REL_TOL,
            "{case}: isec of cell {} {} {}: relative difference {w:e}",
            t.gid,
            t.section,
            t.receptor
        );
        worst = worst.max(w);
        same += s;
        total += r.len();
    }
    println!(
        "{case}: isec ({} traces): max relative difference {worst:.3e}, {same} of {total} \
         samples bit-identical",
        ours.len()
    );

    // ca 'all', the kept cells.
    let ours: Vec<_> = all.ca.iter().filter(|t| kept.contains(&t.gid)).collect();
    let labels: Vec<(usize, &str)> = ours.iter().map(|t| (t.gid, t.section.as_str())).collect();
    let (gids, sections) = (ints(&f, "ca/all_gids"), strings(&f, "ca/all_sections"));
    let theirs: Vec<(usize, &str)> = gids
        .iter()
        .zip(&sections)
        .map(|(&g, s)| (g, s.as_str()))
        .collect();
    assert_eq!(labels, theirs, "{case}: /ca/all labels");
    let mut worst = 0.0f64;
    let (mut same, mut total) = (0, 0);
    for (t, r) in ours.iter().zip(rows(&f, "ca/all")) {
        assert_eq!(
            t.cai_mm[0].to_bits(),
            r[0].to_bits(),
            "{case}: cai at t = 0"
        );
        let (w, s) = compare(&t.cai_mm, &r, &sample_rows);
        assert!(
            w <= REL_TOL,
            "{case}: cai of cell {} {}: relative difference {w:e}",
            t.gid,
            t.section
        );
        worst = worst.max(w);
        same += s;
        total += r.len();
    }
    println!(
        "{case}: ca ({} traces): max relative difference {worst:.3e}, {same} of {total} samples \
         bit-identical",
        ours.len()
    );

    // 'soma': the soma rows of 'all' (the reference's soma_index), bit for
    // bit, for every cell.
    let soma = simulate(case, VsecMode::Soma);
    let soma_isec: Vec<_> = all.isec.iter().filter(|t| t.section == "soma").collect();
    assert_eq!(soma.isec.len(), soma_isec.len(), "{case}: isec soma traces");
    for (a, b) in soma.isec.iter().zip(soma_isec) {
        assert_eq!(a, b, "{case}: isec soma of cell {}", a.gid);
    }
    let soma_ca: Vec<_> = all.ca.iter().filter(|t| t.section == "soma").collect();
    assert_eq!(soma.ca.len(), soma_ca.len(), "{case}: ca soma traces");
    for (a, b) in soma.ca.iter().zip(soma_ca) {
        assert_eq!(a, b, "{case}: ca soma of cell {}", a.gid);
    }
    let kept_soma: Vec<(usize, &str)> = soma
        .isec
        .iter()
        .filter(|t| kept.contains(&t.gid))
        .map(|t| (t.gid, t.receptor.as_str()))
        .collect();
    let index = ints(&f, "isec/soma_index");
    let theirs: Vec<(usize, &str)> = index
        .iter()
        .map(|&k| (gids_isec(&f)[k], receptors[k].as_str()))
        .collect();
    assert_eq!(kept_soma, theirs, "{case}: isec soma rows");
    // recording changes nothing else: the dipole equals the plain run's
    let (net, tstop, dt) = network(case);
    let plain = NetworkSimulation::new(&net, 0, tstop, dt).run();
    assert_eq!(
        plain.raw_dipoles_fam, all.raw_dipoles_fam,
        "{case}: dipoles"
    );
    assert_eq!(plain.spike_gids, all.spike_gids, "{case}: spikes");
}

fn gids_isec(f: &hdf5::File) -> Vec<usize> {
    ints(f, "isec/all_gids")
}

#[test]
fn law_2021_isec_and_ca_match_hnn_core() {
    check_case("law_2021");
}

#[test]
fn calcium_isec_and_ca_match_hnn_core() {
    check_case("calcium");
}

fn file_rows(f: &hdf5::File, name: &str) -> (Vec<usize>, usize, Vec<f32>) {
    let ds = f.dataset(name).unwrap();
    let shape = ds.shape();
    assert_eq!(shape[..2], [1, 1], "{name}: one simulation, one trial");
    let gids = ints(f, &format!("{name}_gids"));
    (gids, shape[3], ds.read_raw::<f32>().unwrap())
}

/// The binary's `/isec/all`, `/isec/soma`, `/ca/all`, `/ca/soma` (single
/// precision) against hnn-core: labels, and every kept trace within 1e-6
/// of its largest value.
#[test]
fn output_file_isec_and_ca_match_hnn_core() {
    let case = "calcium";
    let dir = temp_dir("recordings-golden");
    let config = dir.join("calcium.toml");
    let text = std::fs::read_to_string(root().join("tests/data/models/calcium.toml")).unwrap();
    std::fs::write(
        &config,
        format!(
            "{text}\n[output]\nsave = [\"isec_soma\", \"isec_all\", \"ca_soma\", \"ca_all\"]\n"
        ),
    )
    .unwrap();
    let out = dir.join("calcium.h5");
    hnn_mpi_ok(&[
        config.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--force",
        "-q",
    ]);
    let file = hdf5::File::open(&out).unwrap();
    let f = reference(case);
    let sample_rows = ints(&f, "sample_rows");
    let kept = cells_kept(&f);
    for (ours_name, ref_name, ref_rows) in [
        ("isec/all", "isec/all", None),
        ("isec/soma", "isec/all", Some("isec/soma_index")),
        ("ca/all", "ca/all", None),
        ("ca/soma", "ca/all", Some("ca/soma_index")),
    ] {
        let (gids, n_times, values) = file_rows(&file, ours_name);
        let sections = strings(&file, &format!("{ours_name}_sections"));
        let reference = rows(&f, ref_name);
        let ref_sections = strings(&f, &format!("{ref_name}_sections"));
        let ref_gids = ints(&f, &format!("{ref_name}_gids"));
        let wanted: Vec<usize> = match ref_rows {
            Some(index) => ints(&f, index),
            None => (0..reference.len()).collect(),
        };
        let ours: Vec<usize> = (0..gids.len())
            .filter(|&k| kept.contains(&gids[k]))
            .collect();
        assert_eq!(ours.len(), wanted.len(), "{ours_name}: kept traces");
        let mut worst = 0.0f64;
        for (&k, &w) in ours.iter().zip(&wanted) {
            assert_eq!(
                (gids[k], &sections[k]),
                (ref_gids[w], &ref_sections[w]),
                "{ours_name}: trace {k}"
            );
            if ours_name.starts_with("isec") {
                let receptors = strings(&file, &format!("{ours_name}_receptors"));
                let ref_receptors = strings(&f, "isec/all_receptors");
                assert_eq!(receptors[k], ref_receptors[w], "{ours_name}: trace {k}");
            }
            let trace: Vec<f64> = values[k * n_times..(k + 1) * n_times]
                .iter()
                .map(|&x| f64::from(x))
                .collect();
            let (d, _) = compare(&trace, &reference[w], &sample_rows);
            assert!(
                d <= REL_TOL,
                "{ours_name}: trace {k}: relative difference {d:e}"
            );
            worst = worst.max(d);
        }
        let units = file
            .dataset(ours_name)
            .unwrap()
            .attr("units")
            .unwrap()
            .read_scalar::<VarLenUnicode>()
            .unwrap();
        let want = if ours_name.starts_with("isec") {
            "nA"
        } else {
            "mM"
        };
        assert_eq!(units.as_str(), want, "{ours_name}: units");
        println!("{ours_name} (file, float32): max relative difference {worst:.3e}");
    }
    drop(file);
    // What a Python user sees: tests/h5py_check.py (Debian's python3 with
    // h5py, installed by scripts/setup.sh) checks the layout, /isec and /ca
    // included.
    let check = std::process::Command::new("/usr/bin/python3")
        .args(["tests/h5py_check.py", out.to_str().unwrap()])
        .args(["--isec", "soma,all", "--ca", "soma,all", "--vsec", ""])
        .args(["--no-spikes", "--all-done", "--simulated"])
        .current_dir(root())
        .output()
        .expect("python3 starts (scripts/setup.sh installs it)");
    assert!(
        check.status.success(),
        "h5py_check.py: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}
