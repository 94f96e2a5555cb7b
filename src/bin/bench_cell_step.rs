//! Micro-benchmark: cost of one fixed time step of L5 pyramidal cells, in
//! nanoseconds per compartment-step, for a batch of 1 cell (what NEURON's
//! one-cell figure compares with) and for larger batches (the network case,
//! where the structure-of-arrays layout vectorises across cells).
//!
//! Run by scripts/bench/cell_step.sh beside NEURON's figure; prints one JSON
//! line per batch size and numerics mode (exact, fast: docs/engine.md),
//! the two modes' repeats interleaved so that a machine's changing load
//! falls on both alike.
//!
//!   bench-cell-step [tstop_ms] [repeats]      (default 1000 ms, best of 3)

use std::sync::Arc;
use std::time::Instant;

use hnn_mpi::config::Numerics;
use hnn_mpi::engine::cell_batch::CellBatch;
use hnn_mpi::engine::layout::CellLayout;
use hnn_mpi::engine::simulator::Simulator;
use hnn_mpi::engine::synapse::IClamp;
use hnn_mpi::network::cells_default::default_template;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tstop_ms: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000.0);
    let dt_ms = 0.025;
    let template = default_template("L5_pyramidal").expect("L5_pyramidal template");
    let layout = Arc::new(CellLayout::new(&template));
    let soma = layout.section("soma").expect("soma").node_at(0.5);
    let repeats: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    for &n_cells in &[1usize, 10, 100] {
        let mut sims: Vec<(Numerics, Simulator, f64)> = Numerics::ALL
            .iter()
            .map(|&m| {
                (
                    m,
                    make_sim(&layout, soma, n_cells, tstop_ms, dt_ms, m),
                    f64::INFINITY,
                )
            })
            .collect();
        let steps = (tstop_ms / dt_ms).round() as usize;
        for _ in 0..repeats {
            for (_, sim, best) in &mut sims {
                sim.initialize();
                let start = Instant::now();
                for _ in 0..steps {
                    sim.step();
                }
                *best = best.min(start.elapsed().as_secs_f64());
            }
        }
        let compartments = layout.n_segments() * n_cells;
        for (numerics, _, best) in &sims {
            let ns = best * 1e9 / (compartments as f64 * steps as f64);
            println!(
                "{{\"simulator\":\"hnn-mpi\",\"numerics\":\"{}\",\"cells\":{n_cells},\"ns_per_compartment_step\":{ns:.3},\"n_compartments\":{compartments},\"steps\":{steps},\"seconds\":{best:.4}}}",
                numerics.as_str()
            );
        }
    }
}

/// `n_cells` L5 pyramidal cells with 3 nA from 10 ms on, as
/// scripts/bench/neuron_cell_step.py.
fn make_sim(
    layout: &Arc<CellLayout>,
    soma: usize,
    n_cells: usize,
    tstop_ms: f64,
    dt_ms: f64,
    numerics: Numerics,
) -> Simulator {
    {
        let mut batch = CellBatch::with_numerics(layout.clone(), n_cells, 37.0, dt_ms, numerics);
        for cell in 0..n_cells {
            // As scripts/bench/neuron_cell_step.py: 3 nA from 10 ms on.
            batch.iclamps.push(IClamp {
                cell,
                node: soma,
                del_ms: 10.0,
                dur_ms: tstop_ms,
                amp_na: 3.0,
                scale: 1.0e2 / layout.area_um2[soma],
            });
        }
        Simulator::new(vec![batch], dt_ms)
    }
}
