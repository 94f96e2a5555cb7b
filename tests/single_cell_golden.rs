//! Single cells against NEURON: every case of tests/data/single_cell (made
//! by scripts/reference/single_cell.py with hnn-core 0.6.1 on NEURON 8.2.7):
//! soma and mid-section voltages within 1e-4 mV, cell dipole within 1e-6
//! relative error (max |ours - NEURON| / max |NEURON|), at every written
//! sample. The achieved worst figures are printed (`--nocapture`).

use std::path::Path;
use std::sync::Arc;

use hnn_mpi::engine::cell_batch::CellBatch;
use hnn_mpi::engine::events::SynapseTarget;
use hnn_mpi::engine::layout::CellLayout;
use hnn_mpi::engine::simulator::Simulator;
use hnn_mpi::engine::synapse::IClamp;
use hnn_mpi::network::cells_default::default_template;
use serde_json::Value;

const DATA: &str = "tests/data/single_cell";
const V_TOL_MV: f64 = 1e-4;
const DIPOLE_REL_TOL: f64 = 1e-6;

struct Csv {
    columns: Vec<String>,
    rows: Vec<Vec<f64>>,
}

fn read_csv(path: &Path) -> Csv {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let columns = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|x| x.parse::<f64>().unwrap()).collect())
        .collect();
    Csv { columns, rows }
}

struct Outcome {
    worst_v_mv: f64,
    worst_dipole_rel: f64,
}

fn run_case(cell_type: &str, case: &Value) -> Outcome {
    let template = default_template(cell_type).unwrap();
    let layout = Arc::new(CellLayout::new(&template));
    let dt = case["dt"].as_f64().unwrap();
    let tstop = case["tstop"].as_f64().unwrap();
    let stride = case["write_stride"].as_u64().unwrap() as usize;
    let mut batch = CellBatch::new(layout.clone(), 1, 37.0, dt);
    let mut synaptic = Vec::new();
    for stim in case["stimulus"].as_array().unwrap() {
        match stim["kind"].as_str().unwrap() {
            "iclamp" => {
                let node = layout
                    .section(stim["section"].as_str().unwrap())
                    .unwrap()
                    .node_at(stim["loc"].as_f64().unwrap());
                batch.iclamps.push(IClamp {
                    cell: 0,
                    node,
                    del_ms: stim["delay_ms"].as_f64().unwrap(),
                    dur_ms: stim["dur_ms"].as_f64().unwrap(),
                    amp_na: stim["amp_nA"].as_f64().unwrap(),
                    scale: 1.0e2 / layout.area_um2[node],
                });
            }
            "syn" => synaptic.push(stim.clone()),
            other => panic!("unknown stimulus {other}"),
        }
    }
    let mut sim = Simulator::new(vec![batch], dt);
    for stim in &synaptic {
        let receptor = stim["receptor"].as_str().unwrap();
        let weight = stim["weight_uS"].as_f64().unwrap();
        let delay = stim["nc_delay_ms"].as_f64().unwrap();
        for sec in stim["sections"].as_array().unwrap() {
            let site = layout
                .synapse_index(sec.as_str().unwrap(), receptor)
                .unwrap();
            for t in stim["event_times_ms"].as_array().unwrap() {
                // A VecStim fires at its event time; the NetCon delivers
                // at time + delay.
                sim.queue_event(
                    t.as_f64().unwrap() + delay,
                    SynapseTarget {
                        batch: 0,
                        cell: 0,
                        site: site as u32,
                    },
                    weight,
                );
            }
        }
    }
    sim.initialize();

    let csv = read_csv(&Path::new(DATA).join(case["file"].as_str().unwrap()));
    let col = |name: &str| csv.columns.iter().position(|c| c == name);
    let sections: Vec<(usize, usize)> = layout
        .sections
        .iter()
        .map(|s| {
            (
                col(&format!("v_{}", s.name)).unwrap_or_else(|| panic!("no column v_{}", s.name)),
                s.node_at(0.5),
            )
        })
        .collect();
    let dipole_col = col("dipole_fAm");
    let n_steps = (tstop / dt).round() as usize;
    assert_eq!(
        csv.rows.len(),
        n_steps / stride + 1,
        "rows in {}",
        case["file"]
    );
    let mut worst_v: f64 = 0.0;
    let (mut worst_dq, mut max_q): (f64, f64) = (0.0, 0.0);
    let mut q = [0.0];
    for (k, row) in csv.rows.iter().enumerate() {
        if k > 0 {
            for _ in 0..stride {
                sim.step();
            }
            sim.batches[0].dipoles(&mut q);
        }
        assert_eq!(sim.t_ms, row[0], "time at row {k} of {}", case["file"]);
        for &(c, node) in &sections {
            worst_v = worst_v.max((sim.batches[0].voltage(node, 0) - row[c]).abs());
        }
        if let Some(c) = dipole_col {
            worst_dq = worst_dq.max((q[0] - row[c]).abs());
            max_q = max_q.max(row[c].abs());
        }
    }
    Outcome {
        worst_v_mv: worst_v,
        worst_dipole_rel: if max_q > 0.0 { worst_dq / max_q } else { 0.0 },
    }
}

#[test]
fn every_cell_type_matches_neuron() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(DATA).join("cases.json")).unwrap())
            .unwrap();
    let mut n_cases = 0;
    let mut failures = Vec::new();
    let (mut worst_v, mut worst_q): (f64, f64) = (0.0, 0.0);
    for (cell_type, entry) in manifest["cell_types"].as_object().unwrap() {
        for case in entry["cases"].as_array().unwrap() {
            let out = run_case(cell_type, case);
            let name = case["name"].as_str().unwrap();
            println!(
                "{cell_type:>13} {name:<22} max|dV| = {:.3e} mV   dipole rel = {:.3e}",
                out.worst_v_mv, out.worst_dipole_rel
            );
            if out.worst_v_mv > V_TOL_MV || out.worst_dipole_rel > DIPOLE_REL_TOL {
                failures.push(format!("{cell_type}/{name}"));
            }
            worst_v = worst_v.max(out.worst_v_mv);
            worst_q = worst_q.max(out.worst_dipole_rel);
            n_cases += 1;
        }
    }
    println!("{n_cases} cases: worst max|dV| = {worst_v:.3e} mV, worst dipole rel = {worst_q:.3e}");
    assert!(
        n_cases >= 30,
        "expected every case of the manifest, got {n_cases}"
    );
    assert!(failures.is_empty(), "cases beyond tolerance: {failures:?}");
}

/// The compartments themselves: areas, axial resistances and initial
/// voltages equal NEURON's (structure.json), node by node.
#[test]
fn geometry_matches_neuron() {
    for cell_type in ["L2_pyramidal", "L5_pyramidal", "L2_basket", "L5_basket"] {
        let s: Value = serde_json::from_str(
            &std::fs::read_to_string(Path::new(DATA).join(cell_type).join("structure.json"))
                .unwrap(),
        )
        .unwrap();
        let layout = CellLayout::new(&default_template(cell_type).unwrap());
        let sections = s["sections"].as_array().expect("sections");
        assert_eq!(sections.len(), layout.sections.len(), "{cell_type}");
        let mut worst: f64 = 0.0;
        for sec in sections {
            let name = sec["name"].as_str().unwrap();
            let nodes = layout.section(name).unwrap();
            assert_eq!(
                sec["nseg"].as_u64().unwrap() as usize,
                nodes.nseg,
                "{cell_type} {name} nseg"
            );
            for seg in sec["nodes"].as_array().unwrap() {
                let x = seg["x"].as_f64().unwrap();
                if x <= 0.0 || x >= 1.0 {
                    continue;
                }
                let node = nodes.node_at(x);
                let area = seg["area_um2"].as_f64().unwrap();
                let ri = seg["ri_Mohm"].as_f64().unwrap();
                worst = worst
                    .max(((layout.area_um2[node] - area) / area).abs())
                    .max(((layout.ri_mohm[node] - ri) / ri).abs());
                assert_eq!(
                    layout.v0_mv[node],
                    seg["v"].as_f64().unwrap(),
                    "{cell_type} {name}({x}) v0"
                );
            }
        }
        println!("{cell_type}: worst relative area/ri difference {worst:.3e}");
        assert!(
            worst < 1e-14,
            "{cell_type}: areas/ri differ from NEURON by {worst:e}"
        );
    }
}
