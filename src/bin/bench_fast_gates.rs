//! Micro-benchmark: fast mode's tabulated gate update
//! (`fast_gates::GateTable::advance`, docs/engine.md §9), nanoseconds per
//! gate-element, for one, two and three gates per table (ar and km; ca and
//! cat; hh2) on hh2's grid (-100 to 100 mV, 200 intervals, refined 16
//! times). The voltages are 95% near rest (-72 to -58 mV) and 5% anywhere
//! in -90 to 40 mV, in a random order; the factors are smooth made-up
//! functions (the cost does not depend on their values).
//!
//!   bench-fast-gates [ELEMENTS] [REPEATS]      (default 6000 elements, 2000)
//!
//! Prints one JSON line per gate count: the best of five rounds.

use std::time::Instant;

use hnn_mpi::engine::mechanisms::fast_gates::GateTable;
use hnn_mpi::engine::mechanisms::Scratch;
use hnn_mpi::engine::table::Table;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(6000);
    let repeats: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let mut seed = 12345u64;
    let mut uniform = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let v: Vec<f64> = (0..n)
        .map(|_| {
            if uniform() < 0.05 {
                -90.0 + 130.0 * uniform()
            } else {
                -72.0 + 14.0 * uniform()
            }
        })
        .collect();
    let x0: Vec<f64> = (0..n).map(|_| uniform()).collect();
    bench::<1>(&v, &x0, repeats);
    bench::<2>(&v, &x0, repeats);
    bench::<3>(&v, &x0, repeats);
}

fn bench<const G: usize>(v: &[f64], x0: &[f64], repeats: usize) {
    let dt = 0.025;
    // [inf, tau (ms)] per gate, shifted in v from one gate to the next.
    let table = Table::<6>::build(-100.0, 100.0, 200, |v| {
        std::array::from_fn(|k| {
            let u = (v + 10.0 * (k / 2) as f64 + 40.0) / 9.0;
            if k % 2 == 0 {
                1.0 / (1.0 + (-u).exp())
            } else {
                0.1 + 4.0 * (-u * u).exp()
            }
        })
    });
    let gates: [(usize, usize); G] = std::array::from_fn(|g| (2 * g, 2 * g + 1));
    let t = GateTable::from_table(&table, 16, gates, dt);
    let n = v.len();
    let nodes: Vec<usize> = vec![0];
    let mut scratch = Scratch::new(n);
    let mut xs: Vec<Vec<f64>> = vec![x0.to_vec(); G];
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..repeats {
            let mut it = xs.iter_mut();
            let gs: [&mut [f64]; G] = std::array::from_fn(|_| &mut it.next().unwrap()[..]);
            t.advance(v, &nodes, n, dt, &mut scratch, gs);
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    let ns = best * 1e9 / (repeats * n * G) as f64;
    println!("{{\"gates\":{G},\"elements\":{n},\"ns_per_gate_element\":{ns:.3}}}");
}
