//! Benchmark: the cost of an electrode array. hnn-core's default ERP on a
//! 10x10 network, one trial, without arrays and with hnn-core's example
//! laminar array (25 contacts at (135, 135, z), z = -325, -225, ..., 2075
//! µm, PSA), run alternately; the ratio of the medians is the LFP's cost
//! (the bound: at most 1.25).
//!
//!   bench-lfp [TSTOP_MS] [ROUNDS] [MESH]      (default: 170 ms, 3 rounds, 10)
//!
//! Prints one JSON line: the wall times (s) of each round, the medians and
//! their ratio, and the same for the thread's CPU time (`cpu_ratio`: the
//! figure to trust on a machine shared with other work).

use std::time::Instant;

use hnn_mpi::engine::network_sim::NetworkSimulation;
use hnn_mpi::network::description::NetworkDescription;
use hnn_mpi::network::electrode::{ElectrodeArray, LfpMethod};
use hnn_mpi::network::jones_2009::{add_erp_drives, default_connection_weights, jones_2009};

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// This thread's CPU time, s: on a shared machine it counts only the time
/// the simulation ran, where the wall clock also counts the other
/// processes' turns.
fn thread_cpu_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a pointer to a live timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// (wall, thread CPU) seconds of one run.
fn time(net: &NetworkDescription, tstop: f64) -> (f64, f64) {
    let (start, cpu) = (Instant::now(), thread_cpu_s());
    let r = NetworkSimulation::new(net, 0, tstop, 0.025).run();
    let s = (start.elapsed().as_secs_f64(), thread_cpu_s() - cpu);
    std::hint::black_box(r);
    s
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tstop: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(170.0);
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let mesh: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let mut plain = jones_2009((mesh, mesh), &default_connection_weights()).expect("model");
    add_erp_drives(&mut plain, 0.0).expect("drives");
    let mut with = plain.clone();
    with.electrode_arrays.push(ElectrodeArray {
        name: "laminar".into(),
        positions_um: (0..25)
            .map(|k| [135.0, 135.0, -325.0 + 100.0 * k as f64])
            .collect(),
        conductivity_s_per_m: 0.3,
        method: LfpMethod::Psa,
        min_distance_um: 0.5,
    });
    let (mut a, mut b, mut ca, mut cb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (w, c) = time(&plain, tstop);
        a.push(w);
        ca.push(c);
        let (w, c) = time(&with, tstop);
        b.push(w);
        cb.push(c);
    }
    let (ma, mb) = (median(&mut a.clone()), median(&mut b.clone()));
    let (mca, mcb) = (median(&mut ca.clone()), median(&mut cb.clone()));
    println!(
        "{{\"mesh\": {mesh}, \"tstop_ms\": {tstop}, \"contacts\": 25, \"plain_s\": {a:?}, \
         \"lfp_s\": {b:?}, \"median_plain_s\": {ma}, \"median_lfp_s\": {mb}, \"ratio\": {:.4}, \
         \"plain_cpu_s\": {ca:?}, \"lfp_cpu_s\": {cb:?}, \"cpu_ratio\": {:.4}}}",
        mb / ma,
        mcb / mca
    );
}
