//! Micro-benchmark of the gate kernels (exact `cnexp_row`), ns per
//! gate-element; temporary exploration tool.
use std::time::Instant;

use hnn_mpi::engine::mechanisms::cnexp_row;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let reps = 2_000_000_00 / n;
    let tau: Vec<f64> = (0..n)
        .map(|i| 0.1 + 5.0 * ((i as f64 * 0.37).sin().abs()))
        .collect();
    let inf: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos().abs()).collect();
    let mut x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.13).cos().abs()).collect();
    let (mut a, mut e) = (vec![0.0; n], vec![0.0; n]);
    for round in 0..3 {
        let s = Instant::now();
        for _ in 0..reps {
            cnexp_row(&mut x, &inf, &tau, 0.025, &mut a, &mut e);
        }
        let t = s.elapsed().as_secs_f64();
        let s = Instant::now();
        for _ in 0..reps {
            unsafe { divs(&mut x, &inf, &tau) };
            std::hint::black_box(&mut x);
        }
        let t2 = s.elapsed().as_secs_f64();
        println!(
            "round {round} n {n}: cnexp_row {:.3} ns/elem, 3 divisions only {:.3} ns/elem ({})",
            t * 1e9 / (reps * n) as f64,
            t2 * 1e9 / (reps * n) as f64,
            x[0]
        );
    }
}

#[target_feature(enable = "avx2")]
unsafe fn divs(x: &mut [f64], inf: &[f64], tau: &[f64]) {
    use std::arch::x86_64::*;
    let neg_one = _mm256_set1_pd(-1.0);
    for c in (0..x.len() / 4 * 4).step_by(4) {
        let t = _mm256_loadu_pd(tau.as_ptr().add(c));
        let i = _mm256_loadu_pd(inf.as_ptr().add(c));
        let r = _mm256_div_pd(neg_one, t);
        let q = _mm256_div_pd(i, t);
        _mm256_storeu_pd(x.as_mut_ptr().add(c), _mm256_div_pd(q, r));
    }
}
