//! The sweep's HDF5 output file (docs/output_format.md): layout, out-of-order writes,
//! resume after a crash, refusals. Files are left in
//! `$CARGO_TARGET_TMPDIR/hdf5_output/` for `tests/h5py_check.py`.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hdf5::filters::Filter;
use hdf5::types::{FixedUnicode, VarLenUnicode};
use hnn_mpi::output::{
    open_for_reading, GidRangeRecord, IsecSpec, LfpSpec, OutputError, OutputFile, OutputOptions,
    OutputSpec, SimResult, VsecSpec, ERROR_LEN, FORMAT,
};

// ---------------------------------------------------------------- fixtures

/// The tests run one at a time: HDF5 opens files without `O_CLOEXEC`, so
/// the kill test's child processes would inherit (and keep locked) files
/// that other tests have open at that moment.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hdf5_output");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

const GID_RANGES: [(&str, usize, usize); 5] = [
    ("L2_basket", 0, 35),
    ("L2_pyramidal", 35, 135),
    ("L5_basket", 135, 170),
    ("L5_pyramidal", 170, 270),
    ("evprox", 270, 540),
];

fn spec(n_sims: usize, n_trials: usize, n_times: usize) -> OutputSpec {
    let dt = 0.025;
    OutputSpec {
        config_text: "[simulation]\ntstop = 0.4\n\n[sweep.params]\nw = { values = [] }\n".into(),
        definition_hash: "sha256:0123abcd".into(),
        git_commit: "0123456789abcdef0123456789abcdef01234567".into(),
        n_sims,
        n_trials,
        n_times,
        tstop: dt * (n_times as f64 - 1.0),
        dt,
        mpi_ranks: 4,
        times: (0..n_times).map(|i| i as f64 * dt).collect(),
        param_names: vec!["weight_basket".into(), "weight_pyr".into()],
        param_values: vec![
            (0..n_sims)
                .map(|i| 10f64.powf(-4.0 + i as f64 * 0.1))
                .collect(),
            (0..n_sims).map(|i| 1.0 / (i as f64 + 3.0)).collect(),
        ],
        stat_names: vec![
            "dipole_min".into(),
            "dipole_max".into(),
            "rate_L5_pyramidal".into(),
            "custom".into(),
        ],
        save_dipole: true,
        save_spikes: true,
        gid_ranges: GID_RANGES
            .iter()
            .map(|(n, a, b)| (n.to_string(), *a, *b))
            .collect(),
        extra_attrs: vec![("smooth_window_ms".into(), "30".into())],
        fit: None,
        // somatic voltages of three cells (`save = ["vsec_soma"]`)
        vsec: vec![VsecSpec {
            name: "soma".into(),
            gids: vec![0, 5, 170],
            sections: vec!["soma".into(); 3],
        }],
        // synaptic currents of two cells (`save = ["isec_all"]`)
        isec: vec![IsecSpec {
            name: "all".into(),
            gids: vec![0, 0, 5, 5],
            sections: vec![
                "soma".into(),
                "soma".into(),
                "soma".into(),
                "apical_1".into(),
            ],
            receptors: vec!["ampa".into(), "gabaa".into(), "gabaa".into(), "nmda".into()],
        }],
        // calcium of one cell (`save = ["ca_soma"]`)
        ca: vec![VsecSpec {
            name: "soma".into(),
            gids: vec![170],
            sections: vec!["soma".into()],
        }],
        // an electrode array of two contacts (`[[network.electrode_arrays]]`)
        lfp: vec![LfpSpec {
            name: "shank".into(),
            positions_um: vec![[1.0, 1.0, -325.0], [1.0, 1.0, 1475.0]],
            conductivity: 0.3,
            method: "psa".into(),
            min_distance: 0.5,
        }],
    }
}

fn lfp_value(sim: usize, t: usize, contact: usize, i: usize) -> f64 {
    1e-3 * sim as f64 - 0.5 * t as f64 + 3.0 * contact as f64 + i as f64 / 7.0
}

/// `SimResult::lfp` of a simulation under spec `s`.
fn lfp_of(s: &OutputSpec, sim: usize) -> Vec<Vec<Vec<f64>>> {
    s.lfp
        .iter()
        .map(|a| {
            (0..s.n_trials)
                .map(|t| {
                    (0..a.n_contacts())
                        .flat_map(|k| (0..s.n_times).map(move |i| lfp_value(sim, t, k, i)))
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn vsec_value(sim: usize, t: usize, trace: usize, i: usize) -> f32 {
    -65.0 + sim as f32 * 0.5 + t as f32 * 0.25 + trace as f32 * 2.0 + i as f32 * 0.125
}

/// A sample of `/vsec` (group 0), `/isec` (1) or `/ca` (2).
fn trace_value(group: usize, sim: usize, t: usize, trace: usize, i: usize) -> f32 {
    match group {
        0 => vsec_value(sim, t, trace, i),
        1 => -(sim as f32) * 0.03125 + t as f32 * 0.5 - trace as f32 * 0.25 + i as f32 * 1e-3,
        _ => 1e-4 + sim as f32 * 1e-6 + t as f32 * 1e-5 + trace as f32 * 1e-7 + i as f32 * 1e-8,
    }
}

/// A recording of `n_traces` traces of group `group` under spec `s`.
fn recording(s: &OutputSpec, group: usize, sim: usize, n_traces: usize) -> Vec<Vec<f32>> {
    (0..s.n_trials)
        .map(|t| {
            (0..n_traces)
                .flat_map(|k| (0..s.n_times).map(move |i| trace_value(group, sim, t, k, i)))
                .collect()
        })
        .collect()
}

/// One recording dataset of a spec: name, gids, sections, receptors.
type Recording<'a> = (&'a str, &'a [usize], &'a [String], Option<&'a [String]>);

/// `SimResult::vsec` of a simulation under spec `s`.
fn vsec_of(s: &OutputSpec, sim: usize) -> Vec<Vec<Vec<f32>>> {
    let n = s.vsec.iter().map(|v| v.n_traces());
    n.map(|n| recording(s, 0, sim, n)).collect()
}

/// `SimResult::isec` of a simulation under spec `s`.
fn isec_of(s: &OutputSpec, sim: usize) -> Vec<Vec<Vec<f32>>> {
    let n = s.isec.iter().map(|v| v.n_traces());
    n.map(|n| recording(s, 1, sim, n)).collect()
}

/// `SimResult::ca` of a simulation under spec `s`.
fn ca_of(s: &OutputSpec, sim: usize) -> Vec<Vec<Vec<f32>>> {
    let n = s.ca.iter().map(|v| v.n_traces());
    n.map(|n| recording(s, 2, sim, n)).collect()
}

fn opts(work_chunk: usize) -> OutputOptions {
    OutputOptions {
        spike_work_chunk: work_chunk,
        ..Default::default()
    }
}

fn dipole_value(sim: usize, t: usize, c: usize, i: usize) -> f64 {
    sim as f64 * 1000.0 + t as f64 * 100.0 + c as f64 * 10.0 + i as f64 * 0.125 - 3.0
}

fn summary_value(sim: usize, stat: usize, t: usize) -> f64 {
    sim as f64 * 10.0 + stat as f64 + t as f64 * 0.5
}

fn n_spikes(sim: usize, t: usize) -> usize {
    (sim * 7 + t * 3) % 11
}

fn spikes(sim: usize, t: usize) -> (Vec<f64>, Vec<i64>) {
    let n = n_spikes(sim, t);
    (
        (0..n)
            .map(|k| 0.25 * k as f64 + sim as f64 + 0.01 * t as f64)
            .collect(),
        (0..n)
            .map(|k| ((sim * 31 + t * 7 + k * 13) % 540) as i64)
            .collect(),
    )
}

fn result(s: &OutputSpec, sim: usize) -> SimResult {
    SimResult {
        sim,
        dipoles: Some(
            (0..s.n_trials)
                .map(|t| {
                    [0, 1, 2].map(|c| (0..s.n_times).map(|i| dipole_value(sim, t, c, i)).collect())
                })
                .collect(),
        ),
        summary: (0..s.stat_names.len())
            .map(|k| (0..s.n_trials).map(|t| summary_value(sim, k, t)).collect())
            .collect(),
        spikes: (0..s.n_trials).map(|t| spikes(sim, t)).collect(),
        vsec: vsec_of(s, sim),
        isec: isec_of(s, sim),
        ca: ca_of(s, sim),
        lfp: lfp_of(s, sim),
        error: None,
    }
}

fn failure(sim: usize) -> SimResult {
    SimResult::failed(
        sim,
        format!("simulation {sim} diverged: NaN voltage at t = 12.5 ms"),
    )
}

/// What every simulation should be: 0 pending, 1 done, 2 failed.
fn expected_status(n_sims: usize, failed: &[usize], pending: &[usize]) -> Vec<u8> {
    (0..n_sims)
        .map(|i| {
            if failed.contains(&i) {
                2
            } else if pending.contains(&i) {
                0
            } else {
                1
            }
        })
        .collect()
}

// ---------------------------------------------------------------- reading

fn attr_str(loc: &hdf5::Location, name: &str) -> String {
    let a = loc
        .attr(name)
        .unwrap_or_else(|e| panic!("attribute {name}: {e}"));
    assert_eq!(
        a.dtype().unwrap().to_descriptor().unwrap().to_string(),
        "unicode (var len)",
        "attribute {name}"
    );
    a.read_scalar::<VarLenUnicode>()
        .unwrap()
        .as_str()
        .to_string()
}

fn attr_i64(loc: &hdf5::Location, name: &str) -> i64 {
    let a = loc.attr(name).unwrap();
    assert_eq!(
        a.dtype().unwrap().to_descriptor().unwrap().to_string(),
        "int64"
    );
    a.read_scalar::<i64>().unwrap()
}

fn attr_f64(loc: &hdf5::Location, name: &str) -> f64 {
    let a = loc.attr(name).unwrap();
    assert_eq!(
        a.dtype().unwrap().to_descriptor().unwrap().to_string(),
        "float64"
    );
    a.read_scalar::<f64>().unwrap()
}

fn dtype(ds: &hdf5::Dataset) -> String {
    ds.dtype().unwrap().to_descriptor().unwrap().to_string()
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

/// Checks every path, shape, dtype, attribute and value of a closed file
/// against the fixtures.
fn check_file(path: &Path, s: &OutputSpec, failed: &[usize], pending: &[usize]) {
    let f = hdf5::File::open(path).unwrap();
    let (n, nt, nx) = (s.n_sims, s.n_trials, s.n_times);
    let status = expected_status(n, failed, pending);

    // root attributes
    assert_eq!(attr_str(&f, "format"), FORMAT);
    assert_eq!(attr_str(&f, "version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(attr_str(&f, "git_commit"), s.git_commit);
    assert_eq!(attr_str(&f, "config"), s.config_text);
    assert_eq!(attr_str(&f, "definition_hash"), s.definition_hash);
    assert_eq!(attr_i64(&f, "n_sims"), n as i64);
    assert_eq!(attr_i64(&f, "n_trials"), nt as i64);
    assert_eq!(attr_i64(&f, "n_times"), nx as i64);
    assert_eq!(attr_i64(&f, "mpi_ranks"), s.mpi_ranks as i64);
    assert!(same(attr_f64(&f, "tstop"), s.tstop));
    assert!(same(attr_f64(&f, "dt"), s.dt));
    let created = attr_str(&f, "created");
    let b = created.as_bytes();
    assert!(
        b.len() == 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[19] == b'Z',
        "created = {created}"
    );
    assert!(created.as_str() > "2024" && created.as_str() < "2200");
    assert!(!attr_str(&f, "hostname").is_empty());
    assert_eq!(attr_str(&f, "smooth_window_ms"), "30");

    // /times
    let times = f.dataset("times").unwrap();
    assert_eq!(times.shape(), [nx]);
    assert_eq!(dtype(&times), "float64");
    assert_eq!(attr_str(&times, "units"), "ms");
    assert_eq!(times.read_raw::<f64>().unwrap(), s.times);

    // /params
    let params = f.group("params").unwrap();
    assert_eq!(params.member_names().unwrap().len(), s.param_names.len());
    for (name, values) in s.param_names.iter().zip(&s.param_values) {
        let d = params.dataset(name).unwrap();
        assert_eq!(d.shape(), [n]);
        assert_eq!(dtype(&d), "float64");
        assert_eq!(&d.read_raw::<f64>().unwrap(), values);
    }

    // /dipole
    if s.save_dipole {
        let g = f.group("dipole").unwrap();
        let mut names = g.member_names().unwrap();
        names.sort();
        assert_eq!(names, ["L2", "L5", "agg"]);
        for (c, name) in ["agg", "L2", "L5"].iter().enumerate() {
            let d = g.dataset(name).unwrap();
            assert_eq!(d.shape(), [n, nt, nx], "/dipole/{name}");
            assert_eq!(dtype(&d), "float64");
            assert_eq!(attr_str(&d, "units"), "nAm");
            assert_eq!(attr_str(&d, "smoothed"), "no");
            assert_eq!(attr_str(&d, "scaled"), "no");
            assert!(attr_str(&d, "description").contains("neither smoothed nor scaled"));
            let chunk = d.chunk().expect("chunked");
            assert_eq!(chunk[0], 1);
            assert_eq!(chunk[2], nx);
            if hdf5::filters::deflate_available() {
                assert_eq!(d.filters(), [Filter::Shuffle, Filter::Deflate(4)]);
            }
            let v = d.read_raw::<f64>().unwrap();
            for sim in 0..n {
                for t in 0..nt {
                    for i in 0..nx {
                        let got = v[(sim * nt + t) * nx + i];
                        if status[sim] == 1 {
                            assert!(
                                same(got, dipole_value(sim, t, c, i)),
                                "{name}[{sim},{t},{i}]"
                            );
                        } else {
                            assert!(got.is_nan(), "{name}[{sim},{t},{i}] = {got}");
                        }
                    }
                }
            }
        }
    } else {
        assert!(!f.link_exists("dipole"));
    }

    // /vsec, /isec, /ca
    let groups: [(&str, &str, &str, Vec<Recording>); 3] = [
        (
            "vsec",
            "mV",
            "sec(0.5)",
            s.vsec
                .iter()
                .map(|v| (v.name.as_str(), &v.gids[..], &v.sections[..], None))
                .collect(),
        ),
        (
            "isec",
            "nA",
            "record_isec",
            s.isec
                .iter()
                .map(|v| {
                    (
                        v.name.as_str(),
                        &v.gids[..],
                        &v.sections[..],
                        Some(&v.receptors[..]),
                    )
                })
                .collect(),
        ),
        (
            "ca",
            "mM",
            "cai",
            s.ca.iter()
                .map(|v| (v.name.as_str(), &v.gids[..], &v.sections[..], None))
                .collect(),
        ),
    ];
    let names = |d: hdf5::Dataset| -> Vec<String> {
        d.read_raw::<VarLenUnicode>()
            .unwrap()
            .iter()
            .map(|x| x.as_str().to_string())
            .collect()
    };
    for (group_index, (group, units, described, sets)) in groups.iter().enumerate() {
        if sets.is_empty() {
            assert!(!f.link_exists(group));
        }
        for (name, want_gids, sections, receptors) in sets {
            let d = f.dataset(&format!("{group}/{name}")).unwrap();
            let nc = want_gids.len();
            assert_eq!(d.shape(), [n, nt, nc, nx]);
            assert_eq!(dtype(&d), "float32");
            assert_eq!(attr_str(&d, "units"), *units);
            assert!(attr_str(&d, "description").contains(described));
            let chunk = d.chunk().expect("chunked");
            assert_eq!((chunk[0], chunk[1], chunk[3]), (1, 1, nx));
            let gids = f.dataset(&format!("{group}/{name}_gids")).unwrap();
            let want: Vec<i64> = want_gids.iter().map(|&g| g as i64).collect();
            assert_eq!(gids.read_raw::<i64>().unwrap(), want);
            let secs = names(f.dataset(&format!("{group}/{name}_sections")).unwrap());
            assert_eq!(secs, *sections);
            let r = f.dataset(&format!("{group}/{name}_receptors"));
            match receptors {
                Some(want) => assert_eq!(names(r.unwrap()), *want),
                None => assert!(r.is_err(), "{group}/{name}_receptors"),
            }
            let vals = d.read_raw::<f32>().unwrap();
            for sim in 0..n {
                for t in 0..nt {
                    for k in 0..nc {
                        for i in 0..nx {
                            let got = vals[((sim * nt + t) * nc + k) * nx + i];
                            if status[sim] == 1 {
                                let want = trace_value(group_index, sim, t, k, i);
                                assert_eq!(got.to_bits(), want.to_bits());
                            } else {
                                assert!(got.is_nan(), "{group}[{sim},{t},{k},{i}] = {got}");
                            }
                        }
                    }
                }
            }
        }
    }

    // /lfp
    if s.lfp.is_empty() {
        assert!(!f.link_exists("lfp"));
    }
    for a in &s.lfp {
        let d = f.dataset(&format!("lfp/{}", a.name)).unwrap();
        let nc = a.n_contacts();
        assert_eq!(d.shape(), [n, nt, nc, nx]);
        assert_eq!(dtype(&d), "float64");
        assert_eq!(attr_str(&d, "units"), "uV");
        assert_eq!(attr_str(&d, "method"), a.method);
        let pos: Vec<f64> = d.attr("positions").unwrap().read_raw().unwrap();
        assert_eq!(pos, a.positions_um.concat());
        let cond: f64 = d.attr("conductivity").unwrap().read_scalar().unwrap();
        let mind: f64 = d.attr("min_distance").unwrap().read_scalar().unwrap();
        assert_eq!((cond, mind), (a.conductivity, a.min_distance));
        let chunk = d.chunk().expect("chunked");
        assert_eq!((chunk[0], chunk[1], chunk[3]), (1, 1, nx));
        if hdf5::filters::deflate_available() {
            assert_eq!(d.filters(), [Filter::Shuffle, Filter::Deflate(4)]);
        }
        let vals = d.read_raw::<f64>().unwrap();
        for sim in 0..n {
            for t in 0..nt {
                for k in 0..nc {
                    for i in 0..nx {
                        let got = vals[((sim * nt + t) * nc + k) * nx + i];
                        if status[sim] == 1 {
                            assert_eq!(got.to_bits(), lfp_value(sim, t, k, i).to_bits());
                        } else {
                            assert!(got.is_nan(), "lfp[{sim},{t},{k},{i}] = {got}");
                        }
                    }
                }
            }
        }
    }

    // /summary
    let g = f.group("summary").unwrap();
    assert_eq!(g.member_names().unwrap().len(), s.stat_names.len());
    for (k, stat) in s.stat_names.iter().enumerate() {
        let d = g.dataset(stat).unwrap();
        assert_eq!(d.shape(), [n, nt]);
        assert_eq!(dtype(&d), "float64");
        let units = match stat.as_str() {
            "dipole_min" | "dipole_max" => "nAm",
            "rate_L5_pyramidal" => "Hz",
            _ => "",
        };
        assert_eq!(attr_str(&d, "units"), units, "{stat}");
        let v = d.read_raw::<f64>().unwrap();
        for sim in 0..n {
            for t in 0..nt {
                let got = v[sim * nt + t];
                if status[sim] == 1 {
                    assert!(same(got, summary_value(sim, k, t)));
                } else {
                    assert!(got.is_nan());
                }
            }
        }
    }

    // /spikes
    if s.save_spikes {
        let g = f.group("spikes").unwrap();
        let mut names = g.member_names().unwrap();
        names.sort();
        assert_eq!(names, ["_pending", "gids", "offsets", "times"]);
        let w = g.group("_pending").unwrap();
        let mut names = w.member_names().unwrap();
        names.sort();
        assert_eq!(names, ["gids", "index", "times"]);
        assert_eq!(w.dataset("index").unwrap().shape(), [n * nt, 2]);
        let st = g.dataset("times").unwrap();
        let sg = g.dataset("gids").unwrap();
        let so = g.dataset("offsets").unwrap();
        assert_eq!(dtype(&st), "float64");
        assert_eq!(dtype(&sg), "int64");
        assert_eq!(dtype(&so), "int64");
        assert_eq!(attr_str(&st, "units"), "ms");
        assert_eq!(so.shape(), [n * nt + 1]);
        let (tv, gv, ov) = (
            st.read_raw::<f64>().unwrap(),
            sg.read_raw::<i64>().unwrap(),
            so.read_raw::<i64>().unwrap(),
        );
        let total: usize = (0..n)
            .filter(|&i| status[i] == 1)
            .map(|i| (0..nt).map(|t| n_spikes(i, t)).sum::<usize>())
            .sum();
        assert_eq!(tv.len(), total);
        assert_eq!(gv.len(), total);
        assert_eq!(ov[0], 0);
        assert_eq!(ov[n * nt] as usize, total);
        for (sim, &st) in status.iter().enumerate().take(n) {
            for t in 0..nt {
                let e = sim * nt + t;
                let (a, b) = (ov[e] as usize, ov[e + 1] as usize);
                if st == 1 {
                    let (et, eg) = spikes(sim, t);
                    assert_eq!(&tv[a..b], &et[..], "spike times of ({sim}, {t})");
                    assert_eq!(&gv[a..b], &eg[..], "spike gids of ({sim}, {t})");
                } else {
                    assert_eq!(a, b, "({sim}, {t}) has no spikes");
                }
            }
        }
    } else {
        assert!(!f.link_exists("spikes"));
    }

    // /cells/gid_ranges
    let gr = f.dataset("cells/gid_ranges").unwrap();
    assert_eq!(gr.shape(), [GID_RANGES.len()]);
    let recs = gr.read_raw::<GidRangeRecord>().unwrap();
    for (r, (name, a, b)) in recs.iter().zip(GID_RANGES) {
        assert_eq!(
            (r.name.as_str(), r.start, r.stop),
            (name, a as i64, b as i64)
        );
    }

    // /status, /errors
    let d = f.dataset("status").unwrap();
    assert_eq!(d.shape(), [n]);
    assert_eq!(dtype(&d), "uint8");
    assert_eq!(d.read_raw::<u8>().unwrap(), status);
    let d = f.dataset("errors").unwrap();
    assert_eq!(d.shape(), [n]);
    assert_eq!(dtype(&d), format!("unicode (len {ERROR_LEN})"));
    let errors = d.read_raw::<FixedUnicode<ERROR_LEN>>().unwrap();
    for sim in 0..n {
        let want = if status[sim] == 2 {
            failure(sim).error.unwrap()
        } else {
            String::new()
        };
        assert_eq!(errors[sim].as_str(), want, "/errors[{sim}]");
    }
}

/// Every dataset's contents (as bits), for comparing two files; not the
/// spike work area, which holds the same spikes in arrival order.
fn snapshot(path: &Path) -> Vec<(String, Vec<u64>)> {
    let f = hdf5::File::open(path).unwrap();
    let mut out = Vec::new();
    let mut names = Vec::new();
    fn walk(g: &hdf5::Group, prefix: &str, names: &mut Vec<String>) {
        for m in g.member_names().unwrap() {
            let p = format!("{prefix}/{m}");
            if p == "/spikes/_pending" {
                continue; // the work area: arrival order
            }
            if let Ok(sub) = g.group(&m) {
                walk(&sub, &p, names);
            } else {
                names.push(p);
            }
        }
    }
    walk(&f, "", &mut names);
    for p in names {
        let d = f.dataset(&p).unwrap();
        let bits: Vec<u64> = match dtype(&d).as_str() {
            "float64" => d
                .read_raw::<f64>()
                .unwrap()
                .iter()
                .map(|x| x.to_bits())
                .collect(),
            "float32" => d
                .read_raw::<f32>()
                .unwrap()
                .iter()
                .map(|x| u64::from(x.to_bits()))
                .collect(),
            "unicode (var len)" => d
                .read_raw::<VarLenUnicode>()
                .unwrap()
                .iter()
                .flat_map(|s| {
                    s.as_str()
                        .bytes()
                        .map(u64::from)
                        .chain([u64::MAX])
                        .collect::<Vec<_>>()
                })
                .collect(),
            "int64" => d
                .read_raw::<i64>()
                .unwrap()
                .iter()
                .map(|&x| x as u64)
                .collect(),
            "uint8" => d
                .read_raw::<u8>()
                .unwrap()
                .iter()
                .map(|&x| x as u64)
                .collect(),
            t if t.starts_with("unicode (len") => d
                .read_raw::<FixedUnicode<ERROR_LEN>>()
                .unwrap()
                .iter()
                .flat_map(|s| {
                    s.as_str()
                        .bytes()
                        .map(u64::from)
                        .chain([u64::MAX])
                        .collect::<Vec<_>>()
                })
                .collect(),
            _ => d
                .read_raw::<GidRangeRecord>()
                .unwrap()
                .iter()
                .flat_map(|r| {
                    r.name
                        .as_str()
                        .bytes()
                        .map(u64::from)
                        .chain([r.start as u64, r.stop as u64])
                        .collect::<Vec<_>>()
                })
                .collect(),
        };
        let mut shape = d.shape().iter().map(|&x| x as u64).collect::<Vec<_>>();
        shape.extend(bits);
        out.push((p, shape));
    }
    out
}

fn assert_same_data(a: &Path, b: &Path) {
    let (sa, sb) = (snapshot(a), snapshot(b));
    let na: Vec<&String> = sa.iter().map(|x| &x.0).collect();
    let nb: Vec<&String> = sb.iter().map(|x| &x.0).collect();
    assert_eq!(na, nb, "same datasets");
    for ((p, x), (_, y)) in sa.iter().zip(&sb) {
        assert!(
            x == y,
            "dataset {p} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// Writes all simulations in order (failures as given) and closes.
fn reference_file(name: &str, s: &OutputSpec, failed: &[usize]) -> PathBuf {
    let p = tmp(name);
    let mut out = OutputFile::create(&p, s, false).unwrap();
    for sim in 0..s.n_sims {
        out.write(&if failed.contains(&sim) {
            failure(sim)
        } else {
            result(s, sim)
        })
        .unwrap();
    }
    out.close().unwrap();
    p
}

// ---------------------------------------------------------------- tests

#[test]
fn out_of_order_writes_give_every_spec_path() {
    let _serial = serial();
    let s = spec(13, 2, 17);
    let p = tmp("out_of_order.h5");
    // small work-area chunks: spikes of one simulation span several chunks
    let mut out = OutputFile::create_with(&p, &s, false, &opts(4)).unwrap();
    let order = [5, 2, 6, 0, 3, 1, 4, 12, 7, 8, 9, 10, 11];
    let failed = [3, 9];
    for &sim in &order {
        let r = if failed.contains(&sim) {
            failure(sim)
        } else {
            result(&s, sim)
        };
        out.write(&r).unwrap();
        assert_eq!(out.spikes_csr_complete(), Some(false));
    }
    assert_eq!(out.n_done(), 11);
    assert_eq!(out.n_failed(), 2);
    // a reader sees a consistent file while it is open for writing
    let snapshot_open = expected_status(13, &failed, &[]);
    assert_eq!(out.status(), &snapshot_open[..]);
    out.close().unwrap();
    check_file(&p, &s, &failed, &[]);
    // same data as written in order
    let r = reference_file("in_order.h5", &s, &failed);
    assert_same_data(&p, &r);
}

#[test]
fn resume_after_drop_equals_uninterrupted() {
    let _serial = serial();
    let s = spec(11, 3, 9);
    let failed = [4];
    let reference = reference_file("resume_reference.h5", &s, &failed);

    let p = tmp("resumed.h5");
    let mut out = OutputFile::create_with(&p, &s, false, &opts(3)).unwrap();
    for sim in [7, 1, 4, 0, 10, 2] {
        out.write(&if failed.contains(&sim) {
            failure(sim)
        } else {
            result(&s, sim)
        })
        .unwrap();
    }
    drop(out); // interrupted: no close()

    // the interrupted file is readable: finished simulations complete
    {
        let f = hdf5::File::open(&p).unwrap();
        let status = f.dataset("status").unwrap().read_raw::<u8>().unwrap();
        assert_eq!(status, [1, 1, 1, 0, 2, 0, 0, 1, 0, 0, 1]);
        let off = f
            .dataset("spikes/offsets")
            .unwrap()
            .read_raw::<i64>()
            .unwrap();
        assert_eq!(off[off.len() - 1], -1, "no CSR before close");
    }

    let (mut out, status) = OutputFile::resume(&p, &s).unwrap();
    assert_eq!(status, [1, 1, 1, 0, 2, 0, 0, 1, 0, 0, 1]);
    assert_eq!(out.spikes_csr_complete(), Some(false));
    for sim in (0..s.n_sims).filter(|&i| status[i] == 0).rev() {
        out.write(&result(&s, sim)).unwrap();
    }
    out.close().unwrap();
    check_file(&p, &s, &failed, &[]);
    assert_same_data(&p, &reference);
}

#[test]
fn resume_refuses_another_definition_or_layout() {
    let _serial = serial();
    let s = spec(5, 1, 8);
    let p = tmp("refuse.h5");
    let mut out = OutputFile::create(&p, &s, false).unwrap();
    out.write(&result(&s, 2)).unwrap();
    drop(out);

    let mut other = s.clone();
    other.definition_hash = "sha256:ffff".into();
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(matches!(e, OutputError::DefinitionMismatch { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("different network/sweep definition"), "{msg}");
    assert!(
        msg.contains("sha256:0123abcd") && msg.contains("sha256:ffff"),
        "{msg}"
    );

    // same hash, different layout: refused too
    let mut other = s.clone();
    other.stat_names.push("dipole_rms".into());
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(matches!(e, OutputError::LayoutMismatch { .. }), "{e}");
    assert!(e.to_string().contains("dipole_rms"), "{e}");
    let mut other = s.clone();
    other.param_values[0][3] += 1e-12;
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(e.to_string().contains("weight_basket"), "{e}");
    let mut other = s.clone();
    other.save_spikes = false;
    assert!(matches!(
        OutputFile::resume(&p, &other),
        Err(OutputError::LayoutMismatch { .. })
    ));
    let mut other = s.clone();
    other.vsec.clear();
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(e.to_string().contains("voltages"), "{e}");
    let mut other = s.clone();
    other.vsec[0].gids.push(7);
    other.vsec[0].sections.push("soma".into());
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(e.to_string().contains("/vsec/soma has shape"), "{e}");
    let mut other = s.clone();
    other.isec.clear();
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(e.to_string().contains("synaptic currents"), "{e}");
    let mut other = s.clone();
    other.ca.clear();
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(e.to_string().contains("calcium"), "{e}");
    let mut other = s.clone();
    other.isec[0].gids.push(7);
    other.isec[0].sections.push("soma".into());
    other.isec[0].receptors.push("ampa".into());
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(e.to_string().contains("/isec/all has shape"), "{e}");
    let mut other = s.clone();
    other.lfp.clear();
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(e.to_string().contains("electrode arrays"), "{e}");
    let mut other = s.clone();
    other.lfp[0].positions_um.push([0.0, 0.0, 0.0]);
    let e = OutputFile::resume(&p, &other).err().unwrap();
    assert!(e.to_string().contains("/lfp/shank has shape"), "{e}");

    // a different config text with the same definition is accepted
    let mut other = s.clone();
    other.config_text.push_str("# a comment\n");
    let (out, status) = OutputFile::resume(&p, &other).unwrap();
    assert_eq!(status, [0, 0, 1, 0, 0]);
    drop(out);

    // not an output file
    let q = tmp("not_ours.h5");
    std::fs::write(&q, b"plain text").unwrap();
    let e = OutputFile::resume(&q, &s).err().unwrap();
    assert!(matches!(e, OutputError::NotOurs { .. }), "{e}");
    let q = tmp("plain_hdf5.h5");
    hdf5::File::create(&q).unwrap();
    let e = OutputFile::resume(&q, &s).err().unwrap();
    assert!(
        e.to_string().contains("not an hnn-mpi/1 output file"),
        "{e}"
    );
    let e = OutputFile::resume(tmp("missing.h5"), &s).err().unwrap();
    assert!(matches!(e, OutputError::NotFound(_)), "{e}");
}

#[test]
fn create_refuses_an_existing_file_without_force() {
    let _serial = serial();
    let s = spec(3, 1, 4);
    let p = tmp("exists.h5");
    let mut out = OutputFile::create(&p, &s, false).unwrap();
    out.write(&result(&s, 0)).unwrap();
    out.close().unwrap();

    let e = OutputFile::create(&p, &s, false).err().unwrap();
    assert!(matches!(e, OutputError::Exists(_)));
    assert!(e.to_string().contains("--force"), "{e}");
    // untouched
    let f = hdf5::File::open(&p).unwrap();
    assert_eq!(
        f.dataset("status").unwrap().read_raw::<u8>().unwrap(),
        [1, 0, 0]
    );
    drop(f);

    // --force: a fresh file
    let out = OutputFile::create(&p, &s, true).unwrap();
    assert_eq!(out.status(), [0, 0, 0]);
    out.close().unwrap();
    let f = hdf5::File::open(&p).unwrap();
    assert_eq!(
        f.dataset("status").unwrap().read_raw::<u8>().unwrap(),
        [0, 0, 0]
    );
    // no temporary file left behind (the kill test's children may leave
    // theirs, for killed.h5, in the same directory)
    let dir = p.parent().unwrap();
    assert!(std::fs::read_dir(dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with(".exists.h5.creating-")));

    // a missing directory is an error, not created
    let q = p.parent().unwrap().join("no_such_dir").join("x.h5");
    let e = OutputFile::create(&q, &s, true).err().unwrap();
    assert!(matches!(e, OutputError::MissingDirectory { .. }), "{e}");
    assert!(e.to_string().contains("does not exist"), "{e}");
    assert!(!q.parent().unwrap().exists());
}

#[test]
fn resume_resets_what_an_interrupted_write_left() {
    let _serial = serial();
    // What a killed `write` can leave: a pending simulation with data (its
    // summary is written first), a pending one with a message (a failure's
    // message is written first), a done one with an old message (a retry
    // clears it after the status).
    let s = spec(6, 2, 7);
    let p = tmp("interrupted.h5");
    let mut out = OutputFile::create(&p, &s, false).unwrap();
    for sim in [0, 2, 5] {
        out.write(&result(&s, sim)).unwrap();
    }
    out.write(&failure(4)).unwrap();
    drop(out);
    {
        let f = hdf5::File::open_rw(&p).unwrap();
        let row = ndarray::arr1(&[1.5, 2.5]);
        for stat in &s.stat_names {
            let d = f.dataset(&format!("summary/{stat}")).unwrap();
            d.write_slice(&row, ndarray::s![1, ..]).unwrap();
        }
        let d = f.dataset("dipole/L5").unwrap();
        d.write_slice(
            &ndarray::Array2::<f64>::zeros((2, 7)),
            ndarray::s![1, .., ..],
        )
        .unwrap();
        let e = f.dataset("errors").unwrap();
        let msg: FixedUnicode<ERROR_LEN> = "partial".parse().unwrap();
        e.write_slice(&ndarray::arr1(&[msg]), ndarray::s![3..4])
            .unwrap();
        e.write_slice(&ndarray::arr1(&[msg]), ndarray::s![0..1])
            .unwrap();
    }
    let (out, status) = OutputFile::resume(&p, &s).unwrap();
    assert_eq!(status, [1, 0, 1, 0, 2, 1]);
    out.close().unwrap();
    check_file(&p, &s, &[4], &[1, 3]);
    let (mut out, _) = OutputFile::resume(&p, &s).unwrap();
    out.write(&result(&s, 1)).unwrap();
    out.write(&result(&s, 3)).unwrap();
    out.close().unwrap();
    check_file(&p, &s, &[4], &[]);
}

#[test]
fn write_rejects_bad_results() {
    let _serial = serial();
    let s = spec(4, 2, 5);
    let p = tmp("bad_results.h5");
    let mut out = OutputFile::create(&p, &s, false).unwrap();
    let bad = |mut f: Box<dyn FnMut(&mut SimResult)>| {
        let mut r = result(&s, 1);
        f(&mut r);
        r
    };
    for r in [
        bad(Box::new(|r| r.sim = 4)),
        bad(Box::new(|r| r.dipoles = None)),
        bad(Box::new(|r| {
            r.dipoles.as_mut().unwrap().pop().map(|_| ()).unwrap()
        })),
        bad(Box::new(|r| r.dipoles.as_mut().unwrap()[1][2].push(0.0))),
        bad(Box::new(|r| r.summary.pop().map(|_| ()).unwrap())),
        bad(Box::new(|r| r.summary[0].push(1.0))),
        bad(Box::new(|r| r.spikes.pop().map(|_| ()).unwrap())),
        bad(Box::new(|r| r.spikes[1].1.push(3))),
        bad(Box::new(|r| r.vsec.clear())),
        bad(Box::new(|r| r.vsec[0].pop().map(|_| ()).unwrap())),
        bad(Box::new(|r| r.vsec[0][1].push(0.0))),
        bad(Box::new(|r| r.isec.clear())),
        bad(Box::new(|r| r.isec[0].pop().map(|_| ()).unwrap())),
        bad(Box::new(|r| r.ca[0][0].pop().map(|_| ()).unwrap())),
        bad(Box::new(|r| r.ca.push(Vec::new()))),
        bad(Box::new(|r| r.lfp.clear())),
        bad(Box::new(|r| r.lfp[0].pop().map(|_| ()).unwrap())),
        bad(Box::new(|r| r.lfp[0][1].push(0.0))),
    ] {
        let e = out.write(&r).err().unwrap();
        assert!(matches!(e, OutputError::InvalidResult { .. }), "{e}");
    }
    assert_eq!(out.status(), [0, 0, 0, 0], "nothing written");
    out.write(&result(&s, 1)).unwrap();
    let e = out.write(&result(&s, 1)).err().unwrap();
    assert!(matches!(e, OutputError::AlreadyDone { sim: 1, .. }), "{e}");
    // a failed simulation may be retried
    out.write(&failure(2)).unwrap();
    out.write(&result(&s, 2)).unwrap();
    out.write(&result(&s, 0)).unwrap();
    out.write(&result(&s, 3)).unwrap();
    out.close().unwrap();
    check_file(&p, &s, &[], &[]);
}

#[test]
fn failed_simulation_retried_after_close() {
    let _serial = serial();
    // close() builds the CSR; a retried simulation goes to a new work area
    // and the next close merges the old CSR with it.
    let s = spec(10, 2, 6);
    let p = tmp("retry_after_close.h5");
    let mut out = OutputFile::create_with(&p, &s, false, &opts(3)).unwrap();
    for sim in 0..10 {
        out.write(&if sim == 4 {
            failure(4)
        } else {
            result(&s, sim)
        })
        .unwrap();
    }
    out.close().unwrap();
    check_file(&p, &s, &[4], &[]);

    let (mut out, status) = OutputFile::resume(&p, &s).unwrap();
    assert_eq!(status[4], 2);
    assert_eq!(out.spikes_csr_complete(), Some(true));
    out.write(&result(&s, 4)).unwrap();
    assert_eq!(out.spikes_csr_complete(), Some(false));
    out.close().unwrap();
    check_file(&p, &s, &[], &[]);
    let reference = reference_file("retry_reference.h5", &s, &[]);
    assert_same_data(&p, &reference);
}

#[test]
fn close_with_pending_simulations_then_resume() {
    let _serial = serial();
    let s = spec(9, 1, 5);
    let p = tmp("pending_close.h5");
    let mut out = OutputFile::create_with(&p, &s, false, &opts(2)).unwrap();
    for sim in [8, 0, 5, 6, 2] {
        out.write(&result(&s, sim)).unwrap();
    }
    out.close().unwrap();
    // a valid CSR with empty entries for the pending simulations
    check_file(&p, &s, &[], &[1, 3, 4, 7]);

    let (mut out, status) = OutputFile::resume(&p, &s).unwrap();
    assert_eq!(status, [1, 0, 1, 0, 0, 1, 1, 0, 1]);
    for sim in [7, 3, 1, 4] {
        out.write(&result(&s, sim)).unwrap();
    }
    out.close().unwrap();
    check_file(&p, &s, &[], &[]);
    assert_same_data(&p, &reference_file("pending_reference.h5", &s, &[]));
}

#[test]
fn without_dipoles_and_spikes() {
    let _serial = serial();
    let mut s = spec(3, 2, 4);
    s.save_dipole = false;
    s.save_spikes = false;
    let p = tmp("summary_only.h5");
    let mut out = OutputFile::create(&p, &s, false).unwrap();
    let mut r = result(&s, 1);
    r.dipoles = None;
    r.spikes.clear();
    out.write(&r).unwrap();
    out.write(&result(&s, 0)).unwrap(); // extra data are ignored
    out.write(&failure(2)).unwrap();
    out.close().unwrap();
    check_file(&p, &s, &[2], &[]);
}

#[test]
fn large_spike_counts_cross_copy_pieces() {
    let _serial = serial();
    // ~2.1 M spikes: building the CSR (from the work area, then from the old
    // CSR and a new work area) copies in pieces of 2^20 spikes.
    let mut s = spec(3, 1, 3);
    s.save_dipole = false;
    let p = tmp("many_spikes.h5");
    let mut out = OutputFile::create(&p, &s, false).unwrap();
    let big = |sim: usize| {
        let n = 700_000 + sim * 1000;
        SimResult {
            sim,
            dipoles: None,
            summary: vec![vec![sim as f64]; 4],
            spikes: vec![(
                (0..n).map(|k| k as f64 * 1e-3 + sim as f64).collect(),
                (0..n).map(|k| (k % 540) as i64 + sim as i64).collect(),
            )],
            vsec: vsec_of(&s, sim),
            isec: isec_of(&s, sim),
            ca: ca_of(&s, sim),
            lfp: lfp_of(&s, sim),
            error: None,
        }
    };
    out.write(&big(2)).unwrap();
    out.write(&failure(1)).unwrap();
    out.write(&big(0)).unwrap();
    out.close().unwrap();
    let (mut out, _) = OutputFile::resume(&p, &s).unwrap();
    out.write(&big(1)).unwrap();
    out.close().unwrap();
    let f = hdf5::File::open(&p).unwrap();
    let off = f
        .dataset("spikes/offsets")
        .unwrap()
        .read_raw::<i64>()
        .unwrap();
    assert_eq!(off, [0, 700_000, 1_401_000, 2_103_000]);
    let t = f
        .dataset("spikes/times")
        .unwrap()
        .read_raw::<f64>()
        .unwrap();
    let g = f.dataset("spikes/gids").unwrap().read_raw::<i64>().unwrap();
    for sim in 0..3 {
        let r = big(sim);
        let (a, b) = (off[sim] as usize, off[sim + 1] as usize);
        assert!(t[a..b] == r.spikes[0].0[..], "times of {sim}");
        assert!(g[a..b] == r.spikes[0].1[..], "gids of {sim}");
    }
}

// ------------------------------------------------- kill -9 during writes

const CRASH_ENV: &str = "HNN_OUTPUT_CRASH_CHILD";

/// `HNN_OUTPUT_KILL_SIMS` (default 40) simulations; `HNN_OUTPUT_KILL_SEED`
/// varies the kill schedule (for stress runs, e.g. in a loop over seeds).
fn crash_spec() -> OutputSpec {
    let n = std::env::var("HNN_OUTPUT_KILL_SIMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    spec(n, 2, 200)
}

fn crash_failed(sim: usize) -> bool {
    sim % 13 == 5
}

fn crash_result(s: &OutputSpec, sim: usize) -> SimResult {
    if crash_failed(sim) {
        failure(sim)
    } else {
        result(s, sim)
    }
}

/// The child of `writer_killed_outside_swmr_mode`: opens the file for
/// writing the plain way (as `resume` does before SWMR mode), then waits to
/// be killed.
#[test]
#[ignore = "run by writer_killed_outside_swmr_mode"]
fn hold_child() {
    let Ok(path) = std::env::var("HNN_OUTPUT_HOLD_CHILD") else {
        return;
    };
    let f = hdf5::File::with_options()
        .with_fapl(|p| p.libver_latest())
        .open_rw(&path)
        .unwrap();
    f.flush().unwrap();
    println!("HNNREADY");
    std::thread::sleep(std::time::Duration::from_secs(30));
    drop(f);
}

#[test]
fn writer_killed_outside_swmr_mode() {
    let _serial = serial();
    // Killed between opening and starting SWMR mode: the file says "open
    // for writing" but not "SWMR writing"; readers and resume cope.
    let s = spec(4, 1, 5);
    let p = tmp("held.h5");
    let mut out = OutputFile::create(&p, &s, false).unwrap();
    out.write(&result(&s, 1)).unwrap();
    out.close().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["hold_child", "--exact", "--ignored", "--nocapture"])
        .env("HNN_OUTPUT_HOLD_CHILD", &p)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines {
        if line.unwrap().contains("HNNREADY") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(hdf5::File::open(&p).is_err(), "plain opens refuse it");
    let f = open_for_reading(&p).unwrap();
    assert_eq!(
        f.dataset("status").unwrap().read_raw::<u8>().unwrap(),
        [0, 1, 0, 0]
    );
    drop(f);
    let (mut out, status) = OutputFile::resume(&p, &s).unwrap();
    assert_eq!(status, [0, 1, 0, 0]);
    for sim in [0, 2, 3] {
        out.write(&result(&s, sim)).unwrap();
    }
    out.close().unwrap();
    check_file(&p, &s, &[], &[]);
}

/// A simple deterministic permutation (LCG-driven Fisher–Yates).
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for i in (1..n).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = ((x >> 33) as usize) % (i + 1);
        v.swap(i, j);
    }
    v
}

/// The child of `kill_9_during_writes_then_resume`: creates or resumes the
/// file, writes the pending simulations in a shuffled order, reporting
/// each, then closes it; the parent kills it at random points.
#[test]
#[ignore = "run by kill_9_during_writes_then_resume"]
fn crash_child() {
    let Ok(path) = std::env::var(CRASH_ENV) else {
        return;
    };
    let seed: u64 = std::env::var("HNN_OUTPUT_CRASH_SEED")
        .unwrap()
        .parse()
        .unwrap();
    let s = crash_spec();
    let (mut out, status) = if Path::new(&path).exists() {
        OutputFile::resume(&path, &s).unwrap()
    } else {
        let out = OutputFile::create_with(&path, &s, false, &opts(64)).unwrap();
        (out, vec![0; s.n_sims])
    };
    for sim in permutation(s.n_sims, seed) {
        if status[sim] != 0 {
            continue;
        }
        out.write(&crash_result(&s, sim)).unwrap();
        println!("HNNDONE {sim}");
    }
    println!("HNNALL");
    out.close().unwrap();
    println!("HNNCLOSED");
}

#[test]
fn kill_9_during_writes_then_resume() {
    let _serial = serial();
    let s = crash_spec();
    // (`HNN_OUTPUT_KILL_FILE`: another file, for parallel stress runs)
    let p = match std::env::var("HNN_OUTPUT_KILL_FILE") {
        Ok(f) => {
            let _ = std::fs::remove_file(&f);
            PathBuf::from(f)
        }
        Err(_) => tmp("killed.h5"),
    };
    let exe = std::env::current_exe().unwrap();
    let mut x: u64 = std::env::var("HNN_OUTPUT_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12345);
    let mut reported: BTreeSet<usize> = BTreeSet::new();
    let mut rounds = 0;
    let mut killed = 0;
    loop {
        rounds += 1;
        assert!(rounds < 500, "the child made no progress");
        let mut child = Command::new(&exe)
            .args([
                "crash_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CRASH_ENV, &p)
            .env("HNN_OUTPUT_CRASH_SEED", rounds.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        let kill_after = 1 + (x >> 33) as usize % 4;
        let delay_us = (x >> 20) % 3000;
        let kill_in_close = !(x >> 45).is_multiple_of(3) && rounds < 100;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        let mut closed = false;
        for line in lines.by_ref() {
            // (libtest prints "test crash_child ... " before the first line)
            let line = line.unwrap();
            if let Some(k) = line.find("HNNDONE ") {
                reported.insert(line[k + 8..].trim().parse().unwrap());
                seen += 1;
                if seen == kill_after {
                    break;
                }
            } else if line.contains("HNNALL") && kill_in_close {
                break; // kill it while it closes the file (or just after)
            } else if line.contains("HNNCLOSED") {
                closed = true;
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_micros(delay_us));
        let _ = child.kill(); // SIGKILL (unless it has finished)
        let st = child.wait().unwrap();
        killed += usize::from(st.signal() == Some(9));
        drop(lines);
        // every simulation the child reported written is done on disk, with
        // complete data
        let f = open_for_reading(&p).unwrap();
        let status = f.dataset("status").unwrap().read_raw::<u8>().unwrap();
        for &sim in &reported {
            assert_ne!(
                status[sim], 0,
                "sim {sim} reported written (round {rounds}, {st})"
            );
        }
        let v = f.dataset("dipole/agg").unwrap().read_raw::<f64>().unwrap();
        for sim in (0..s.n_sims).filter(|&i| status[i] == 1) {
            let base = sim * s.n_trials * s.n_times;
            for i in [0, 7, s.n_times * s.n_trials - 1] {
                let (t, k) = (i / s.n_times, i % s.n_times);
                assert!(same(v[base + i], dipole_value(sim, t, 0, k)), "{sim}");
            }
        }
        drop(f);
        if closed {
            break;
        }
    }
    assert!(killed >= 1, "the child was never killed ({rounds} rounds)");
    let (mut out, status) = OutputFile::resume(&p, &s).unwrap();
    assert!(status.iter().all(|&x| x != 0));
    assert_eq!(out.spikes_csr_complete(), Some(true));
    let dup = out.write(&crash_result(&s, 0)).err().unwrap();
    assert!(matches!(dup, OutputError::AlreadyDone { .. }));
    out.close().unwrap();
    let failed: Vec<usize> = (0..s.n_sims).filter(|&i| crash_failed(i)).collect();
    check_file(&p, &s, &failed, &[]);
    let reference = p.with_extension("reference.h5");
    let _ = std::fs::remove_file(&reference);
    let mut out = OutputFile::create_with(&reference, &s, false, &opts(64)).unwrap();
    for sim in 0..s.n_sims {
        out.write(&crash_result(&s, sim)).unwrap();
    }
    out.close().unwrap();
    assert_same_data(&p, &reference);
    eprintln!("kill -9 test: {rounds} rounds, {killed} kills");
}

/// Throughput and size with realistic shapes: `HNN_OUTPUT_BENCH_SIMS`
/// (default 2000) simulations of 6801 samples and ~1000 spikes, written in
/// a shuffled order. Run with `--ignored --nocapture`.
#[test]
#[ignore = "benchmark"]
fn bench_realistic_sweep() {
    let _serial = serial();
    let n: usize = std::env::var("HNN_OUTPUT_BENCH_SIMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let n_times = 6801;
    let mut s = spec(n, 1, n_times);
    s.stat_names = vec!["dipole_min".into(), "dipole_max".into()];
    s.vsec.clear();
    s.isec.clear();
    s.ca.clear();
    s.lfp.clear();
    let p = tmp("bench.h5");
    let t0 = std::time::Instant::now();
    let mut out = OutputFile::create(&p, &s, false).unwrap();
    let t_create = t0.elapsed();
    let mut x: u64 = 1;
    let mut rnd = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let t1 = std::time::Instant::now();
    let mut max_write = std::time::Duration::ZERO;
    for sim in permutation(n, 3) {
        // a damped oscillation with noise, like a dipole (nAm)
        let dip: Vec<f64> = (0..n_times)
            .map(|i| {
                let t = i as f64 * 0.025;
                30.0 * (-t / 40.0).exp() * (t / 7.0 + sim as f64 * 0.01).sin() + 0.5 * rnd()
            })
            .collect();
        let n_sp = 800 + (rnd() * 400.0) as usize;
        let mut times: Vec<f64> = (0..n_sp)
            .map(|_| (rnd() * 170.0 / 0.025).round() * 0.025)
            .collect();
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let gids: Vec<i64> = (0..n_sp).map(|_| (rnd() * 270.0) as i64).collect();
        let r = SimResult {
            sim,
            dipoles: Some(vec![[
                dip.clone(),
                dip.iter().map(|v| v * 0.3).collect(),
                dip.iter().map(|v| v * 0.7).collect(),
            ]]),
            summary: vec![vec![-1.0], vec![1.0]],
            spikes: vec![(times, gids)],
            vsec: Vec::new(),
            isec: Vec::new(),
            ca: Vec::new(),
            lfp: Vec::new(),
            error: None,
        };
        let w = std::time::Instant::now();
        out.write(&r).unwrap();
        max_write = max_write.max(w.elapsed());
    }
    let t_write = t1.elapsed();
    let t2 = std::time::Instant::now();
    out.close().unwrap();
    let t_close = t2.elapsed();
    let size = std::fs::metadata(&p).unwrap().len();
    let raw = (n * n_times * 3 * 8) as f64 + (n * 1000 * 16) as f64;
    eprintln!(
        "bench: {n} sims: create {:.2?}, write {:.2?} ({:.2?}/sim, max {:.2?}), close {:.2?}; \
         file {:.1} MB, raw dipoles+spikes {:.1} MB",
        t_create,
        t_write,
        t_write / n as u32,
        max_write,
        t_close,
        size as f64 / 1e6,
        raw / 1e6
    );
}
