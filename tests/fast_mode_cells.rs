//! Fast mode (`numerics = "fast"`, docs/engine.md "Fast mode") against
//! NEURON, single cells: every case of tests/data/single_cell (made by
//! scripts/reference/single_cell.py with hnn-core 0.6.1 on NEURON 8.2.7).
//! Every voltage column's mean |ΔV| over the written trace <= 0.05 mV, and
//! every somatic spike (upward crossing of 0 mV, hnn-core's threshold)
//! within 0.1 ms of NEURON's, with the same number of spikes. The spike
//! detector is checked on exact mode first (NEURON's times to 1e-9 ms).
//! Also convergence: the fast/exact difference shrinks as dt halves from
//! 0.05 to 0.025 to 0.0125 ms. The achieved figures are printed
//! (`--nocapture`).

use std::path::Path;
use std::sync::Arc;

use hnn_mpi::config::Numerics;
use hnn_mpi::engine::cell_batch::CellBatch;
use hnn_mpi::engine::events::SynapseTarget;
use hnn_mpi::engine::layout::CellLayout;
use hnn_mpi::engine::simulator::Simulator;
use hnn_mpi::engine::synapse::IClamp;
use hnn_mpi::network::cells_default::default_template;
use serde_json::Value;

const DATA: &str = "tests/data/single_cell";
/// Mean |ΔV| over the trace, mV (Jaxley's validation figure).
const MEAN_DV_TOL_MV: f64 = 0.05;
/// Each spike time, ms.
const SPIKE_TOL_MS: f64 = 0.1;
/// hnn-core's spike threshold (net._params["threshold"]), mV.
const THRESHOLD_MV: f64 = 0.0;

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

/// One case's cell, stimuli queued and initialised, in `numerics` at `dt`.
fn build_case(
    cell_type: &str,
    case: &Value,
    numerics: Numerics,
    dt: f64,
) -> (Simulator, Arc<CellLayout>) {
    let template = default_template(cell_type).unwrap();
    let layout = Arc::new(CellLayout::new(&template));
    let mut batch = CellBatch::with_numerics(layout.clone(), 1, 37.0, dt, numerics);
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
                let target = SynapseTarget {
                    batch: 0,
                    cell: 0,
                    site: site as u32,
                };
                sim.queue_event(t.as_f64().unwrap() + delay, target, weight);
            }
        }
    }
    sim.initialize();
    (sim, layout)
}

/// A run's somatic trace (every step) and spike times.
struct Run {
    /// Soma voltage after each step (index 0: the initial value), mV.
    v_soma: Vec<f64>,
    spikes_ms: Vec<f64>,
}

/// Steps the case to its end; `on_row(k, sim)` after every `stride` steps.
fn run(
    cell_type: &str,
    case: &Value,
    numerics: Numerics,
    dt: f64,
    stride: usize,
    mut on_row: impl FnMut(usize, &Simulator, &CellLayout),
) -> Run {
    let (mut sim, layout) = build_case(cell_type, case, numerics, dt);
    let soma = layout.section("soma").unwrap().node_at(0.5);
    let n_steps = (case["tstop"].as_f64().unwrap() / dt).round() as usize;
    let mut v_soma = vec![sim.batches[0].voltage(soma, 0)];
    let mut spikes_ms = Vec::new();
    on_row(0, &sim, &layout);
    for step in 1..=n_steps {
        sim.step();
        let v = sim.batches[0].voltage(soma, 0);
        // NetCon threshold detection at fixed step: the step whose end
        // voltage first reaches the threshold.
        if v >= THRESHOLD_MV && *v_soma.last().unwrap() < THRESHOLD_MV {
            spikes_ms.push(sim.t_ms);
        }
        v_soma.push(v);
        if step % stride == 0 {
            on_row(step / stride, &sim, &layout);
        }
    }
    Run { v_soma, spikes_ms }
}

struct Figures {
    /// Largest over the voltage columns of the mean |ΔV| over the trace.
    mean_dv_mv: f64,
    worst_spike_ms: f64,
    n_spikes: usize,
}

fn case_against_neuron(cell_type: &str, case: &Value, numerics: Numerics) -> Figures {
    let dt = case["dt"].as_f64().unwrap();
    let stride = case["write_stride"].as_u64().unwrap() as usize;
    let csv = read_csv(&Path::new(DATA).join(case["file"].as_str().unwrap()));
    let v_cols: Vec<(usize, String)> = csv
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.strip_prefix("v_").map(|s| (i, s.to_string())))
        .collect();
    assert!(v_cols.iter().any(|(_, s)| s == "soma"));
    let mut sum_dv = vec![0.0; v_cols.len()];
    let out = run(cell_type, case, numerics, dt, stride, |k, sim, layout| {
        let row = &csv.rows[k];
        for (j, (c, section)) in v_cols.iter().enumerate() {
            let node = layout.section(section).unwrap().node_at(0.5);
            sum_dv[j] += (sim.batches[0].voltage(node, 0) - row[*c]).abs();
        }
    });
    let n_rows = csv.rows.len() as f64;
    let mean_dv_mv = sum_dv.iter().map(|s| s / n_rows).fold(0.0, f64::max);
    let neuron = f64s(&case["neuron_spike_times_ms"]);
    assert_eq!(
        out.spikes_ms.len(),
        neuron.len(),
        "{cell_type}/{} ({numerics:?}): {} spikes, NEURON {}",
        case["name"],
        out.spikes_ms.len(),
        neuron.len()
    );
    let worst_spike_ms = out
        .spikes_ms
        .iter()
        .zip(&neuron)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    Figures {
        mean_dv_mv,
        worst_spike_ms,
        n_spikes: neuron.len(),
    }
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(Path::new(DATA).join("cases.json")).unwrap())
        .unwrap()
}

fn every_case() -> Vec<(String, Value)> {
    let m = manifest();
    m["cell_types"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(ct, e)| {
            e["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (ct.clone(), c.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_single_cell_case_within_the_fast_mode_tolerances() {
    let cases = every_case();
    assert!(
        cases.len() >= 30,
        "every case of the manifest: {}",
        cases.len()
    );
    let (mut worst_dv, mut worst_spike, mut spikes): (f64, f64, usize) = (0.0, 0.0, 0);
    let mut failures = Vec::new();
    for (cell_type, case) in &cases {
        let name = case["name"].as_str().unwrap();
        // The detector on exact mode: NEURON's spike times.
        let exact = case_against_neuron(cell_type, case, Numerics::Exact);
        assert!(
            exact.worst_spike_ms < 1e-9,
            "{cell_type}/{name}: exact-mode spike times differ from NEURON's by {} ms",
            exact.worst_spike_ms
        );
        let fast = case_against_neuron(cell_type, case, Numerics::Fast);
        println!(
            "{cell_type:>13} {name:<22} fast: mean|dV| = {:.2e} mV (exact {:.1e}), {} spike(s), worst spike time {:.3} ms",
            fast.mean_dv_mv, exact.mean_dv_mv, fast.n_spikes, fast.worst_spike_ms
        );
        if fast.mean_dv_mv > MEAN_DV_TOL_MV || fast.worst_spike_ms > SPIKE_TOL_MS {
            failures.push(format!("{cell_type}/{name}"));
        }
        worst_dv = worst_dv.max(fast.mean_dv_mv);
        worst_spike = worst_spike.max(fast.worst_spike_ms);
        spikes += fast.n_spikes;
    }
    println!(
        "{} cases, {spikes} spikes: worst mean|dV| {worst_dv:.3e} mV (tolerance {MEAN_DV_TOL_MV}), worst spike time {worst_spike:.3} ms (tolerance {SPIKE_TOL_MS})",
        cases.len()
    );
    assert!(spikes > 0, "the cases include spiking ones");
    assert!(failures.is_empty(), "cases beyond tolerance: {failures:?}");
}

/// Mean |V_fast - V_exact| at the soma over a case, every step, at `dt`.
fn fast_exact_difference(cell_type: &str, case: &Value, dt: f64) -> f64 {
    let exact = run(cell_type, case, Numerics::Exact, dt, 1, |_, _, _| {});
    let fast = run(cell_type, case, Numerics::Fast, dt, 1, |_, _, _| {});
    let n = exact.v_soma.len() as f64;
    exact
        .v_soma
        .iter()
        .zip(&fast.v_soma)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / n
}

#[test]
fn fast_exact_difference_shrinks_with_dt() {
    let cases = every_case();
    let mut checked = 0;
    for (cell_type, name) in [
        ("L5_pyramidal", "step"),
        ("L2_pyramidal", "step"),
        ("L5_pyramidal", "ampa_proximal_strong"),
        ("L2_basket", "step"),
    ] {
        let Some((_, case)) = cases
            .iter()
            .find(|(ct, c)| ct == cell_type && c["name"] == name)
        else {
            continue;
        };
        let d: Vec<f64> = [0.05, 0.025, 0.0125]
            .iter()
            .map(|&dt| fast_exact_difference(cell_type, case, dt))
            .collect();
        println!(
            "{cell_type}/{name}: mean |V_fast - V_exact| at the soma = {:.3e}, {:.3e}, {:.3e} mV at dt = 0.05, 0.025, 0.0125 ms",
            d[0], d[1], d[2]
        );
        assert!(
            d[0] > d[1] && d[1] > d[2],
            "{cell_type}/{name}: the difference does not shrink with dt: {d:?}"
        );
        checked += 1;
    }
    assert!(checked >= 3, "the convergence cases exist in the manifest");
}
