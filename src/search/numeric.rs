//! The searches' numerics that must give the same bits on every machine:
//! standard normal numbers from a seeded ChaCha8 stream and the symmetric
//! eigen-decomposition of the CMA-ES covariance.
//!
//! Why hand-written: `rand_distr`'s normal sampler (ziggurat) promises its
//! values only within one minor version and calls the platform's `exp`;
//! Box–Muller with the pure-Rust `libm` gives the same numbers on every
//! platform and release. `nalgebra`'s `SymmetricEigen` is deterministic on
//! one machine, but its products may go through `matrixmultiply`, whose
//! kernels are chosen by the CPU's features at run time; a cyclic Jacobi
//! uses only `+ - * / sqrt` in a fixed order, and the matrices are small
//! (n = number of fit parameters).

use rand_chacha::rand_core::RngCore;
use rand_chacha::ChaCha8Rng;

/// A uniform number in [0, 1) from the top 53 bits of one `u64`.
pub(super) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Fill `out` with independent N(0, 1) numbers: basic Box–Muller, both
/// numbers of each pair used in order; an odd last one discards its twin.
pub fn fill_standard_normal(rng: &mut ChaCha8Rng, out: &mut [f64]) {
    let mut i = 0;
    while i < out.len() {
        // 1 - u lies in (0, 1]: ln never sees 0.
        let u1 = 1.0 - uniform(rng);
        let u2 = uniform(rng);
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let t = 2.0 * std::f64::consts::PI * u2;
        out[i] = r * libm::cos(t);
        if i + 1 < out.len() {
            out[i + 1] = r * libm::sin(t);
        }
        i += 2;
    }
}

/// Eigenvalues (ascending) and eigenvectors of the symmetric `n`×`n`
/// matrix `a` (row-major; only its upper triangle is read). The vectors
/// are the columns of the returned row-major matrix, in the order of the
/// values. Cyclic Jacobi rotations (Numerical Recipes' `jacobi`), at most
/// 50 sweeps; its 5–10 sweeps to full precision for the small matrices of
/// a fit cost nothing next to one simulation.
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let mut b: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
    let mut d = b.clone();
    let mut z = vec![0.0; n];
    for sweep in 1..=50 {
        let mut off = 0.0;
        for p in 0..n {
            for q in p + 1..n {
                off += a[p * n + q].abs();
            }
        }
        if off == 0.0 {
            break;
        }
        let tresh = if sweep < 4 {
            0.2 * off / (n * n) as f64
        } else {
            0.0
        };
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                let g = 100.0 * apq.abs();
                if sweep > 4 && d[p].abs() + g == d[p].abs() && d[q].abs() + g == d[q].abs() {
                    a[p * n + q] = 0.0;
                } else if apq.abs() > tresh {
                    let h = d[q] - d[p];
                    let t = if h.abs() + g == h.abs() {
                        apq / h
                    } else {
                        let theta = 0.5 * h / apq;
                        let t = 1.0 / (theta.abs() + libm::sqrt(1.0 + theta * theta));
                        if theta < 0.0 {
                            -t
                        } else {
                            t
                        }
                    };
                    let c = 1.0 / libm::sqrt(1.0 + t * t);
                    let s = t * c;
                    let tau = s / (1.0 + c);
                    let h = t * apq;
                    z[p] -= h;
                    z[q] += h;
                    d[p] -= h;
                    d[q] += h;
                    a[p * n + q] = 0.0;
                    let rot = |m: &mut [f64], i: usize, j: usize| {
                        let (g, h) = (m[i], m[j]);
                        m[i] = g - s * (h + g * tau);
                        m[j] = h + s * (g - h * tau);
                    };
                    for j in 0..p {
                        rot(&mut a, j * n + p, j * n + q);
                    }
                    for j in p + 1..q {
                        rot(&mut a, p * n + j, j * n + q);
                    }
                    for j in q + 1..n {
                        rot(&mut a, p * n + j, q * n + j);
                    }
                    for j in 0..n {
                        rot(&mut v, j * n + p, j * n + q);
                    }
                }
            }
        }
        for p in 0..n {
            b[p] += z[p];
            d[p] = b[p];
            z[p] = 0.0;
        }
    }
    // Ascending values, ties in index order (a stable sort).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| d[i].total_cmp(&d[j]));
    let values = order.iter().map(|&i| d[i]).collect();
    let mut vectors = vec![0.0; n * n];
    for (col, &k) in order.iter().enumerate() {
        for row in 0..n {
            vectors[row * n + col] = v[row * n + k];
        }
    }
    (values, vectors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn eigen_reconstructs_the_matrix() {
        let n = 4;
        // A symmetric positive definite matrix with distinct eigenvalues.
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = 1.0 / (1.0 + i as f64 + j as f64) + if i == j { 1.0 } else { 0.0 };
            }
        }
        let (d, b) = symmetric_eigen(&a, n);
        assert!(d.windows(2).all(|w| w[0] <= w[1]));
        for i in 0..n {
            for j in 0..n {
                let r: f64 = (0..n).map(|k| b[i * n + k] * d[k] * b[j * n + k]).sum();
                assert!(
                    (r - a[i * n + j]).abs() < 1e-14,
                    "{i} {j}: {r} vs {}",
                    a[i * n + j]
                );
                let o: f64 = (0..n).map(|k| b[k * n + i] * b[k * n + j]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((o - want).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn normals_have_unit_moments() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut z = vec![0.0; 200_001];
        fill_standard_normal(&mut rng, &mut z);
        let m = z.iter().sum::<f64>() / z.len() as f64;
        let v = z.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / z.len() as f64;
        assert!(m.abs() < 0.01, "mean {m}");
        assert!((v - 1.0).abs() < 0.01, "variance {v}");
    }
}
