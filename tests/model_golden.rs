//! hnn-core's other models and parameter files against hnn-core 0.6.1 on
//! NEURON (tests/data/models, made by scripts/reference/models.py): the
//! neymotin_2020, law_2021 and calcium models with the ERP drives, the gamma
//! example's parameter file with a Poisson drive and a tonic bias, and the
//! three points of a `[network.params]` sweep. Each network is built the way
//! the CLI builds it, from the TOML config beside the golden file
//! (`build_network`). Asserts the cell templates (synapses, per-segment
//! mechanism values) and the connectivity equal hnn-core's, aggregate-dipole
//! NRMSE <= 1e-4 and identical spike counts per cell type; prints NRMSE and
//! how many spikes match in (gid, time). One end-to-end run of the binary on
//! the sweep config checks the HDF5 file against the same golden data.

use std::path::{Path, PathBuf};

use hnn_mpi::analysis::dipole::renormalize_to_nam;
use hnn_mpi::config::Config;
use hnn_mpi::engine::mechanisms::Catalogue;
use hnn_mpi::engine::network_sim::NetworkSimulation;
use hnn_mpi::network::description::NetworkDescription;
use hnn_mpi::network::from_config::build_network;
use serde_json::Value;

mod common;
use common::{compare_spikes, f64s, hnn_mpi_ok, load_json, nrmse, reference_spikes};

const NRMSE_TOL: f64 = 1e-4;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/models")
        .join(name)
}

fn golden(case: &str) -> Value {
    load_json(data(&format!("{case}.json")))
}

/// The network of sweep point `point` of a config, as the CLI builds it.
fn network(config: &str, point: usize) -> (NetworkDescription, f64, f64) {
    let cfg = Config::from_file(&data(config)).unwrap();
    let points = cfg.sweep_points().unwrap();
    let resolved = cfg.resolve(&points[point]).unwrap();
    let net = build_network(&resolved, &cfg, &Catalogue).unwrap();
    (net, resolved.simulation.tstop, resolved.simulation.dt)
}

fn close(a: f64, b: f64) -> bool {
    // numpy's exp (SIMD) and Rust's may differ in the last bit.
    a == b || (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs())
}

/// Sections, mechanisms (per segment) and synapses equal the templates
/// hnn-core built (its `Cell` after `_compute_section_mechs`).
fn check_templates(name: &str, net: &NetworkDescription, g: &Value) {
    for pop in &net.populations {
        let t = &pop.template;
        let gc = &g["cells"][&pop.name];
        for (receptor, s) in gc["synapses"].as_object().unwrap() {
            let ours = t.synapse(receptor).unwrap();
            assert_eq!(
                (
                    ours.param("e").unwrap(),
                    ours.param("tau1").unwrap(),
                    ours.param("tau2").unwrap()
                ),
                (
                    s["e"].as_f64().unwrap(),
                    s["tau1"].as_f64().unwrap(),
                    s["tau2"].as_f64().unwrap()
                ),
                "{name}: {} {receptor} synapse",
                pop.name
            );
        }
        assert_eq!(
            t.synapses.len(),
            gc["synapses"].as_object().unwrap().len(),
            "{name}: {} synapses",
            pop.name
        );
        let gsecs = gc["sections"].as_object().unwrap();
        assert_eq!(
            t.sections.len(),
            gsecs.len(),
            "{name}: {} sections",
            pop.name
        );
        for (i, s) in t.sections.iter().enumerate() {
            let gs = &gsecs[&s.name];
            let what = format!("{name}: {} {}", pop.name, s.name);
            assert_eq!(
                (s.l_um, s.diam_um, s.ra_ohm_cm, s.cm_uf_per_cm2, s.v0_mv),
                (
                    gs["L"].as_f64().unwrap(),
                    gs["diam"].as_f64().unwrap(),
                    gs["Ra"].as_f64().unwrap(),
                    gs["cm"].as_f64().unwrap(),
                    gs["v0"].as_f64().unwrap()
                ),
                "{what}: geometry"
            );
            assert_eq!(s.nseg as u64, gs["nseg"].as_u64().unwrap(), "{what}: nseg");
            let gm = gs["mechs"].as_object().unwrap();
            let mut names: Vec<&str> = s.mechanisms.iter().map(|m| m.name.as_str()).collect();
            let mut gnames: Vec<&str> = gm.keys().map(String::as_str).collect();
            names.sort_unstable();
            gnames.sort_unstable();
            assert_eq!(names, gnames, "{what}: mechanisms");
            for m in &s.mechanisms {
                let gattrs = gm[&m.name].as_object().unwrap();
                assert_eq!(
                    m.params.len(),
                    gattrs.len(),
                    "{what}: {} parameters",
                    m.name
                );
                for (attr, gv) in gattrs {
                    let ours = t.segment_values(i, &m.params[attr]);
                    let theirs = match gv {
                        Value::Array(xy) => f64s(&xy[1]),
                        x => vec![x.as_f64().unwrap(); s.nseg],
                    };
                    assert_eq!(ours.len(), theirs.len(), "{what}: {attr}");
                    for (a, b) in ours.iter().zip(&theirs) {
                        assert!(close(*a, *b), "{what}: {attr} {a:e} vs hnn-core {b:e}");
                    }
                }
            }
        }
    }
}

/// Connections in hnn-core's order, with its weights, delays, space
/// constants and number of gid pairs.
fn check_connectivity(name: &str, net: &NetworkDescription, g: &Value) {
    let gconn = g["connectivity"].as_array().unwrap();
    assert_eq!(net.connections.len(), gconn.len(), "{name}: connections");
    for (i, (c, gc)) in net.connections.iter().zip(gconn).enumerate() {
        let nc = &gc["nc_dict"];
        let n_pairs: usize = c.gid_pairs.iter().map(|(_, t)| t.len()).sum();
        assert_eq!(
            (
                c.src_type.as_str(),
                c.target_type.as_str(),
                c.loc.as_str(),
                c.receptor.as_str(),
                n_pairs as u64
            ),
            (
                gc["src_type"].as_str().unwrap(),
                gc["target_type"].as_str().unwrap(),
                gc["loc"].as_str().unwrap(),
                gc["receptor"].as_str().unwrap(),
                gc["n_pairs"].as_u64().unwrap()
            ),
            "{name}: connection {i}"
        );
        assert_eq!(
            (
                c.params.a_weight,
                c.params.a_delay,
                c.params.lamtha,
                c.params.threshold,
                c.params.gain
            ),
            (
                nc["A_weight"].as_f64().unwrap(),
                nc["A_delay"].as_f64().unwrap(),
                nc["lamtha"].as_f64().unwrap(),
                nc["threshold"].as_f64().unwrap(),
                nc["gain"].as_f64().unwrap()
            ),
            "{name}: connection {i} ({} -> {} {})",
            c.src_type,
            c.target_type,
            c.receptor
        );
    }
    for (ty, r) in g["gid_ranges"].as_object().unwrap() {
        let (a, b) = net.gid_range(ty).unwrap();
        assert_eq!(
            [a as u64, b as u64],
            [r[0].as_u64().unwrap(), r[1].as_u64().unwrap()],
            "{name}: gid range of {ty}"
        );
    }
}

/// Spike counts per population equal; prints how many (gid, time) match.
fn check_spikes(name: &str, net: &NetworkDescription, ours: &[(u64, f64)], g: &Value) -> usize {
    let refs = reference_spikes(&g["trials"][0]);
    let matching = compare_spikes(name, net, ours, &refs);
    println!(
        "{name}: spikes {} (ours) {} (hnn-core), identical (gid, time): {matching}",
        ours.len(),
        refs.len()
    );
    matching
}

fn check_case(config: &str, point: usize, case: &str) {
    let g = golden(case);
    let (net, tstop, dt) = network(config, point);
    assert_eq!(
        (tstop, dt),
        (g["tstop"].as_f64().unwrap(), g["dt"].as_f64().unwrap())
    );
    check_templates(case, &net, &g);
    check_connectivity(case, &net, &g);
    assert_eq!(
        net.threshold,
        g["params_used"]["threshold"].as_f64().unwrap()
    );
    assert_eq!(net.celsius, g["params_used"]["celsius"].as_f64().unwrap());
    let result = NetworkSimulation::new(&net, 0, tstop, dt).run();
    let d = renormalize_to_nam(
        &result.times,
        &result.raw_dipoles_fam[0].1,
        &result.raw_dipoles_fam[1].1,
        net.mesh_shape.0 * net.mesh_shape.1,
    );
    let e = nrmse(&d.agg, &f64s(&g["trials"][0]["agg"]));
    println!("{case}: agg NRMSE {e:.3e}");
    let ours: Vec<(u64, f64)> = result
        .spike_gids
        .iter()
        .zip(&result.spike_times)
        .map(|(&g, &t)| (g as u64, t))
        .collect();
    check_spikes(case, &net, &ours, &g);
    assert!(e <= NRMSE_TOL, "{case}: NRMSE {e:e}");
}

#[test]
fn neymotin_2020_erp() {
    check_case("neymotin_2020.toml", 0, "neymotin_2020");
}

#[test]
fn law_2021_erp() {
    check_case("law_2021.toml", 0, "law_2021");
}

#[test]
fn calcium_erp() {
    check_case("calcium.toml", 0, "calcium");
}

#[test]
fn gamma_params_file() {
    check_case("gamma.toml", 0, "gamma");
}

/// The legacy `.param` version of the gamma file (hnn-core's read_params
/// reads both to the same Params, checked by models.py) builds the same
/// network.
#[test]
fn param_and_json_files_build_the_same_network() {
    let (a, _, _) = network("gamma.toml", 0);
    let (b, _, _) = network("gamma_param.toml", 0);
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    // and the file's weights differ from the model defaults
    let (c, _, _) = network("neymotin_2020.toml", 0);
    assert_ne!(
        a.connections[0].params.a_weight,
        c.connections[0].params.a_weight
    );
}

#[test]
fn network_params_sweep_points() {
    for p in 0..3 {
        check_case("params_sweep.toml", p, &format!("params_sweep_p{p}"));
    }
}

/// `hnn-mpi tests/data/models/params_sweep.toml`: the three `"$name"`
/// references of `[network.params]` reach the network; every simulation's
/// dipole and spikes in the HDF5 file match hnn-core's.
#[test]
fn network_params_sweep_end_to_end() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("model_golden");
    std::fs::create_dir_all(&dir).unwrap();
    let out_path = dir.join("params_sweep.h5");
    hnn_mpi_ok(&[
        data("params_sweep.toml").to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
        "--force",
        "-q",
    ]);
    let f = hdf5::File::open(&out_path).unwrap();
    let agg = f.dataset("dipole/agg").unwrap().read_dyn::<f64>().unwrap();
    assert_eq!(agg.shape()[..2], [3, 1]);
    let w = f.dataset("params/w").unwrap().read_raw::<f64>().unwrap();
    assert_eq!(w, vec![0.0005, 0.001, 0.002]);
    let times = f
        .dataset("spikes/times")
        .unwrap()
        .read_raw::<f64>()
        .unwrap();
    let gids = f.dataset("spikes/gids").unwrap().read_raw::<i64>().unwrap();
    let offsets = f
        .dataset("spikes/offsets")
        .unwrap()
        .read_raw::<i64>()
        .unwrap();
    let (net, _, _) = network("params_sweep.toml", 0);
    for p in 0..3 {
        let case = format!("params_sweep_p{p}");
        let g = golden(&case);
        let ours: Vec<f64> = (0..agg.shape()[2]).map(|k| agg[[p, 0, k]]).collect();
        let e = nrmse(&ours, &f64s(&g["trials"][0]["agg"]));
        println!("{case} (hnn-mpi binary): agg NRMSE {e:.3e}");
        assert!(e <= NRMSE_TOL, "{case}: NRMSE {e:e}");
        let (a, b) = (offsets[p] as usize, offsets[p + 1] as usize);
        let spikes: Vec<(u64, f64)> = gids[a..b]
            .iter()
            .zip(&times[a..b])
            .map(|(&g, &t)| (g as u64, t))
            .collect();
        check_spikes(&case, &net, &spikes, &g);
    }
}
