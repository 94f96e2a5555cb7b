//! Networks against hnn-core 0.6.1 on NEURON (tests/data/network, made by
//! scripts/reference/network.py): the default ERP on 3x3 and 10x10 meshes,
//! three trials, Poisson + bursty drives with tonic biases, and the seed
//! example's parameter points. Asserts aggregate-dipole NRMSE <= 1e-4 and
//! identical spike counts per cell type; also that every drive event time
//! equals hnn-core's bit for bit. Prints NRMSE and (gid, time) matches.

use std::collections::BTreeMap;
use std::path::Path;

use hnn_mpi::analysis::dipole::renormalize_to_nam;
use hnn_mpi::engine::network_sim::NetworkSimulation;
use hnn_mpi::network::description::{NetworkDescription, TonicBias};
use hnn_mpi::network::drives::{attach_drive, DriveDynamics, DriveSpec, PoissonRate};
use hnn_mpi::network::jones_2009::{add_erp_drives, default_connection_weights, jones_2009};
use serde_json::Value;

mod common;
use common::{
    compare_spikes, f64s, load_json, nrmse, our_spikes, reference_drive_events, reference_spikes,
};

const NRMSE_TOL: f64 = 1e-4;

fn load(case: &str) -> Value {
    load_json(Path::new("tests/data/network").join(format!("{case}.json")))
}

/// A per-cell-type table, or one number for every target type.
fn per_type(v: &Value, targets: &[String]) -> BTreeMap<String, f64> {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| (k.clone(), x.as_f64().unwrap()))
            .collect(),
        Value::Number(n) => targets
            .iter()
            .map(|t| (t.clone(), n.as_f64().unwrap()))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// The network of a case, from the hnn-core calls its header records.
fn build(case: &Value) -> NetworkDescription {
    let mesh = case["mesh_shape"].as_array().unwrap();
    let mesh = (
        mesh[0].as_u64().unwrap() as usize,
        mesh[1].as_u64().unwrap() as usize,
    );
    let mut net = jones_2009(mesh, &default_connection_weights()).unwrap();
    let calls = case["network"]["calls"].to_string();
    if calls.contains("add_erp_drives_to_jones_model") {
        add_erp_drives(&mut net, 0.0).unwrap();
        return net;
    }
    // JSON objects come back sorted by key: attach in hnn-core's gid order.
    let mut drives: Vec<(&String, &Value)> = case["drives"].as_object().unwrap().iter().collect();
    drives.sort_by_key(|(_, d)| d["gid_range"][0].as_u64().unwrap());
    for (name, d) in drives {
        let targets: Vec<String> = d["target_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        let dy = &d["dynamics"];
        let dynamics = match d["type"].as_str().unwrap() {
            "evoked" => DriveDynamics::Evoked {
                mu: dy["mu"].as_f64().unwrap(),
                sigma: dy["sigma"].as_f64().unwrap(),
                numspikes: dy["numspikes"].as_u64().unwrap() as usize,
            },
            "poisson" => DriveDynamics::Poisson {
                tstart: dy["tstart"].as_f64().unwrap(),
                tstop: dy["tstop"].as_f64().unwrap(),
                rate_constant: match &dy["rate_constant"] {
                    Value::Object(_) => {
                        PoissonRate::PerTargetType(per_type(&dy["rate_constant"], &targets))
                    }
                    x => PoissonRate::Constant(x.as_f64().unwrap()),
                },
            },
            "bursty" => DriveDynamics::Bursty {
                tstart: dy["tstart"].as_f64().unwrap(),
                tstart_std: dy["tstart_std"].as_f64().unwrap(),
                tstop: dy["tstop"].as_f64().unwrap(),
                burst_rate: dy["burst_rate"].as_f64().unwrap(),
                burst_std: dy["burst_std"].as_f64().unwrap(),
                numspikes: dy["numspikes"].as_u64().unwrap() as usize,
                spike_isi: dy["spike_isi"].as_f64().unwrap(),
            },
            other => panic!("drive type {other} not in these cases"),
        };
        let spec = DriveSpec {
            name: name.clone(),
            dynamics,
            location: d["location"].as_str().unwrap().into(),
            n_drive_cells: if d["cell_specific"].as_bool().unwrap() {
                None
            } else {
                Some(d["n_drive_cells"].as_u64().unwrap() as usize)
            },
            cell_specific: d["cell_specific"].as_bool().unwrap(),
            weights_ampa: per_type(&d["weights_ampa"], &targets),
            weights_nmda: per_type(&d["weights_nmda"], &targets),
            synaptic_delays: per_type(&d["synaptic_delays"], &targets),
            space_constant: d["space_constant"].as_f64().unwrap(),
            probability: per_type(&d["probability"], &targets),
            event_seed: d["event_seed"].as_u64().unwrap(),
            conn_seed: d["conn_seed"].as_u64().unwrap(),
        };
        attach_drive(&mut net, spec).unwrap();
        assert_eq!(
            net.gid_range(name).unwrap().0 as u64,
            d["gid_range"][0].as_u64().unwrap()
        );
    }
    for (cell_type, b) in case["tonic_biases"]["tonic"]
        .as_object()
        .into_iter()
        .flatten()
    {
        net.tonic_biases.push(TonicBias {
            cell_type: cell_type.clone(),
            amplitude: b["amplitude"].as_f64().unwrap(),
            t0: b["t0"].as_f64().unwrap(),
            tstop: b["tstop"].as_f64(),
            section: b["section"].as_str().unwrap().into(),
        });
    }
    net
}

fn check_case(name: &str) {
    let case = load(name);
    let net = build(&case);
    let tstop = case["tstop"].as_f64().unwrap();
    let dt = case["dt"].as_f64().unwrap();
    let n_pyr = net.mesh_shape.0 * net.mesh_shape.1;
    for (trial, reference) in case["trials"].as_array().unwrap().iter().enumerate() {
        // Drive events: every drive cell, bit for bit.
        for drive in &net.drives {
            let ours = drive.event_times(&net, trial, tstop);
            let refs = reference_drive_events(reference, &drive.name);
            assert_eq!(
                ours, refs,
                "{name} trial {trial}: events of drive {}",
                drive.name
            );
        }
        let result = NetworkSimulation::new(&net, trial, tstop, dt).run();
        let d = renormalize_to_nam(
            &result.times,
            &result.raw_dipoles_fam[0].1,
            &result.raw_dipoles_fam[1].1,
            n_pyr,
        );
        let nrmse = nrmse(&d.agg, &f64s(&reference["dipole"]["agg"]));
        // Spikes: counts per type, and exact (gid, time) matches.
        let ours = our_spikes(&result.spike_gids, &result.spike_times);
        let refs = reference_spikes(reference);
        let label = format!("{name} trial {trial}");
        let matching = compare_spikes(&label, &net, &ours, &refs);
        println!(
            "{label}: agg NRMSE {nrmse:.3e}; spikes {} (ours) {} (hnn-core), identical (gid, time): {matching}",
            ours.len(),
            refs.len()
        );
        assert!(nrmse <= NRMSE_TOL, "{name} trial {trial}: NRMSE {nrmse:e}");
    }
}

#[test]
fn erp_3x3() {
    check_case("erp_3x3");
}

#[test]
fn erp_10x10() {
    check_case("erp_10x10");
}

#[test]
fn erp_3x3_three_trials() {
    check_case("erp_3x3_trials3");
}

#[test]
fn poisson_bursty_tonic_3x3() {
    check_case("poisson_3x3");
}

#[test]
fn seed_example_points() {
    for p in ["seed_p00", "seed_p05", "seed_p19"] {
        check_case(p);
    }
}

/// Every NetCon (source, target, synapse, weight, delay) equals the one
/// hnn-core's NetworkBuilder made in NEURON (erp_3x3), within 2 ulps.
#[test]
fn netcon_weights_and_delays() {
    use hnn_mpi::network::description::gaussian_connection;
    let case = load("erp_3x3");
    let net = build(&case);
    let keys: Vec<String> = case["netcons"]["syn_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let mut refs: Vec<(u64, u64, String, u64, u64)> = Vec::new();
    for group in case["netcons"]["groups"].as_array().unwrap() {
        for row in group["rows"].as_array().unwrap() {
            let r = row.as_array().unwrap();
            refs.push((
                r[0].as_u64().unwrap(),
                r[1].as_u64().unwrap(),
                keys[r[2].as_u64().unwrap() as usize].clone(),
                r[3].as_f64().unwrap().to_bits(),
                r[4].as_f64().unwrap().to_bits(),
            ));
        }
    }
    let mut ours = Vec::new();
    for c in &net.connections {
        let tpl = &net.population(&c.target_type).unwrap().template;
        let sections = tpl
            .location_sections(&c.loc)
            .unwrap_or_else(|| vec![c.loc.clone()]);
        for (src, targets) in &c.gid_pairs {
            for &t in targets {
                let (w, d) = gaussian_connection(
                    net.position(*src),
                    net.position(t),
                    &c.params,
                    net.inplane_distance,
                );
                for sec in &sections {
                    ours.push((
                        *src as u64,
                        t as u64,
                        format!("{sec}_{}", c.receptor),
                        w.to_bits(),
                        d.to_bits(),
                    ));
                }
            }
        }
    }
    assert_eq!(
        ours.len(),
        case["netcons"]["n_netcons"].as_u64().unwrap() as usize
    );
    refs.sort();
    ours.sort();
    // hnn-core computes exp(-d²/λ²) with numpy, whose SIMD exp (AVX-512
    // here) differs from glibc's by one ulp for some arguments, and the
    // weight's product rounds once more: allow 2 ulps.
    let ulps = |a: u64, b: u64| (a as i64 - b as i64).unsigned_abs();
    let mut identical = 0;
    for (a, b) in ours.iter().zip(&refs) {
        assert_eq!((a.0, a.1, &a.2), (b.0, b.1, &b.2), "NetCon endpoints");
        assert!(
            ulps(a.3, b.3) <= 2 && ulps(a.4, b.4) <= 2,
            "NetCon {a:?} vs NEURON {b:?}"
        );
        identical += usize::from(a == b);
    }
    println!(
        "{} NetCons: {identical} bit-identical, the rest within 2 ulps",
        ours.len()
    );
}
