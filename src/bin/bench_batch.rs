//! Benchmark: the simulations of a sweep one at a time against the same
//! simulations integrated in batches of k networks
//! (`NetworkSimulation::new_batch`), and the floor the exact gate updates
//! put under any simulation of these networks.
//!
//!   bench-batch CONFIG [N_SIMS] [K...]      (default: 10 sims, k = 1 2 5 10)
//!
//! Prints JSON lines: per k, the wall time per simulation (integration
//! only: networks are built before the clock starts); then the gate
//! updates of one simulation (every `cnexp` state of every cell at every
//! step) with the cost of one update in the engine's `cnexp_row` and in its
//! three IEEE divisions alone, and the time per simulation those imply.

use std::hint::black_box;
use std::time::Instant;

use hnn_mpi::config::Config;
use hnn_mpi::engine::mechanisms::{cnexp_row, Catalogue};
use hnn_mpi::engine::network_sim::NetworkSimulation;
use hnn_mpi::network::description::NetworkDescription;
use hnn_mpi::network::from_config::build_network;

/// Cells per row in the floor measurements: a batch of ten 3x3 networks.
const ROW: usize = 90;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: bench-batch CONFIG [N_SIMS] [K...]");
        std::process::exit(2);
    };
    let config = Config::from_file(path.as_ref()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let n_sims: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let ks: Vec<usize> = if args.len() > 3 {
        args[3..].iter().map(|s| s.parse().expect("k")).collect()
    } else {
        vec![1, 2, 5, 10]
    };
    let points = config.sweep_points().expect("sweep");
    let first = config.resolve(&points[0]).expect("point");
    let (tstop, dt) = (first.simulation.tstop, first.simulation.dt);
    let nets: Vec<NetworkDescription> = points
        .iter()
        .cycle()
        .take(n_sims)
        .map(|p| {
            build_network(&config.resolve(p).expect("point"), &config, &Catalogue).expect("network")
        })
        .collect();
    for k in ks {
        let start = Instant::now();
        for chunk in nets.chunks(k.max(1)) {
            let members: Vec<(&NetworkDescription, usize)> = chunk.iter().map(|n| (n, 0)).collect();
            let results = NetworkSimulation::new_batch(&members, tstop, dt).run_batch(&mut |_| {});
            assert_eq!(results.len(), chunk.len());
        }
        let s = start.elapsed().as_secs_f64();
        println!(
            "{{\"k\":{k},\"sims\":{n_sims},\"seconds\":{s:.4},\"seconds_per_sim\":{:.5}}}",
            s / n_sims as f64
        );
    }
    let steps = (tstop / dt).round() as usize;
    let gates = NetworkSimulation::new(&nets[0], 0, tstop, dt).n_gate_states() * steps;
    let (ns_cnexp, ns_div) = gate_update_ns(dt);
    println!(
        "{{\"gate_updates_per_sim\":{gates},\"ns_per_gate_update\":{ns_cnexp:.3},\
         \"ns_per_gate_divisions\":{ns_div:.3},\"floor_seconds_per_sim\":{:.4},\
         \"division_floor_seconds_per_sim\":{:.4}}}",
        gates as f64 * ns_cnexp * 1e-9,
        gates as f64 * ns_div * 1e-9
    );
}

/// Nanoseconds per gate update: the engine's `cnexp_row` over rows of
/// [`ROW`] cells, and the three divisions of its expression alone (no
/// `exp`, no table: what no exact implementation can skip).
fn gate_update_ns(dt: f64) -> (f64, f64) {
    let tau: Vec<f64> = (0..ROW).map(|i| 0.1 + 0.11 * i as f64).collect();
    let inf: Vec<f64> = (0..ROW).map(|i| i as f64 / ROW as f64).collect();
    let mut x = vec![0.5; ROW];
    let (mut arg, mut e) = (vec![0.0; ROW], vec![0.0; ROW]);
    let reps = 200_000;
    let start = Instant::now();
    for _ in 0..reps {
        cnexp_row(
            &mut x,
            black_box(&inf),
            black_box(&tau),
            dt,
            &mut arg,
            &mut e,
        );
    }
    let cnexp = start.elapsed().as_secs_f64();
    black_box(&x);
    let start = Instant::now();
    for _ in 0..reps {
        divisions_only(&mut x, black_box(&inf), black_box(&tau), dt);
    }
    let div = start.elapsed().as_secs_f64();
    black_box(&x);
    let per = 1e9 / (reps * ROW) as f64;
    (cnexp * per, div * per)
}

/// `cnexp_row`'s expression with `exp(a)` replaced by `a`: its divisions
/// `-1/tau`, `inf/tau` and `(-(inf/tau))/rate`, correctly rounded.
#[inline(never)]
fn divisions_only(x: &mut [f64], inf: &[f64], tau: &[f64], dt: f64) {
    for c in 0..x.len() {
        let rate = -1.0 / tau[c];
        let a = dt * rate;
        x[c] = x[c] + (1.0 - a) * (-(inf[c] / tau[c]) / rate - x[c]);
    }
}
