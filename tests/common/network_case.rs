//! The networks of the golden cases in `tests/data/network/` (made by
//! scripts/reference/network.py), built from the hnn-core calls each case's
//! header records; shared by the exact (`network_golden.rs`) and fast-mode
//! (`fast_mode_networks.rs`) checks.

use std::collections::BTreeMap;
use std::path::Path;

use hnn_mpi::network::description::{NetworkDescription, TonicBias};
use hnn_mpi::network::drives::{attach_drive, DriveDynamics, DriveSpec, PoissonRate};
use hnn_mpi::network::jones_2009::{add_erp_drives, default_connection_weights, jones_2009};
use serde_json::Value;

use super::load_json;

pub fn load(case: &str) -> Value {
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
pub fn build(case: &Value) -> NetworkDescription {
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
