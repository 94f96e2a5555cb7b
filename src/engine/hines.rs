//! The Hines solver: Gaussian elimination on the tree matrix, in NEURON's
//! order (`triang` from the leaves up, `bksub` from the root down;
//! src/nrnoc/solve.cpp). Arrays are `[node * n_cells + cell]`.

use super::layout::NO_PARENT;

/// Solve in place: `rhs` becomes the voltage change; `d` is destroyed.
/// `a[i]`/`b[i]` couple node `i` with `parent[i]`; parents precede children.
pub fn solve(parent: &[usize], a: &[f64], b: &[f64], d: &mut [f64], rhs: &mut [f64], nc: usize) {
    let n = parent.len();
    for i in (0..n).rev() {
        let p = parent[i];
        if p == NO_PARENT {
            continue;
        }
        let (ai, bi) = (a[i], b[i]);
        // Split so the child rows (i > p) and parent rows borrow disjointly.
        let (d_lo, d_hi) = d.split_at_mut(i * nc);
        let (r_lo, r_hi) = rhs.split_at_mut(i * nc);
        let dp = &mut d_lo[p * nc..p * nc + nc];
        let rp = &mut r_lo[p * nc..p * nc + nc];
        for c in 0..nc {
            let pp = ai / d_hi[c];
            dp[c] -= pp * bi;
            rp[c] -= pp * r_hi[c];
        }
    }
    for i in 0..n {
        let p = parent[i];
        if p == NO_PARENT {
            for c in 0..nc {
                rhs[i * nc + c] /= d[i * nc + c];
            }
            continue;
        }
        let bi = b[i];
        let (r_lo, r_hi) = rhs.split_at_mut(i * nc);
        let rp = &r_lo[p * nc..p * nc + nc];
        let di = &d[i * nc..i * nc + nc];
        for c in 0..nc {
            r_hi[c] -= bi * rp[c];
            r_hi[c] /= di[c];
        }
    }
}

/// [`solve`] for fast mode (docs/engine.md, "Fast mode"): one division
/// per element instead of two. Triangularisation keeps each finished
/// row's reciprocal `1 / d` in `d`, which back-substitution then multiplies
/// by (rounding differs from [`solve`] by an ulp or so).
pub fn solve_fast(
    parent: &[usize],
    a: &[f64],
    b: &[f64],
    d: &mut [f64],
    rhs: &mut [f64],
    nc: usize,
) {
    let n = parent.len();
    for i in (0..n).rev() {
        let p = parent[i];
        let (d_lo, d_hi) = d.split_at_mut(i * nc);
        let di = &mut d_hi[..nc];
        if p == NO_PARENT {
            for x in di.iter_mut() {
                *x = 1.0 / *x;
            }
            continue;
        }
        let (ai, bi) = (a[i], b[i]);
        let (r_lo, r_hi) = rhs.split_at_mut(i * nc);
        let ri = &r_hi[..nc];
        let dp = &mut d_lo[p * nc..p * nc + nc];
        let rp = &mut r_lo[p * nc..p * nc + nc];
        eliminate_row_fast(di, dp, rp, ri, ai, bi);
    }
    for i in 0..n {
        let p = parent[i];
        let di = &d[i * nc..i * nc + nc];
        if p == NO_PARENT {
            for (r, &inv) in rhs[i * nc..i * nc + nc].iter_mut().zip(di) {
                *r *= inv;
            }
            continue;
        }
        let bi = b[i];
        let (r_lo, r_hi) = rhs.split_at_mut(i * nc);
        let rp = &r_lo[p * nc..p * nc + nc];
        let ri = &mut r_hi[..nc];
        substitute_row_fast(ri, rp, di, bi);
    }
}

/// One row of [`solve_fast`]'s back-substitution (out of line, like
/// [`eliminate_row_fast`], so the loop vectorises).
#[inline(never)]
fn substitute_row_fast(ri: &mut [f64], rp: &[f64], di: &[f64], bi: f64) {
    for ((r, &x), &inv) in ri.iter_mut().zip(rp).zip(di) {
        *r = (*r - bi * x) * inv;
    }
}

/// One row of [`solve_fast`]'s triangularisation, out of line: as
/// arguments, its rows are known not to overlap (Rust's `noalias`), which
/// LLVM cannot see in the split slices of one array, and the loops
/// vectorise (inlined, they stay scalar).
#[inline(never)]
fn eliminate_row_fast(
    di: &mut [f64],
    dp: &mut [f64],
    rp: &mut [f64],
    ri: &[f64],
    ai: f64,
    bi: f64,
) {
    for (((x, dp), rp), &r) in di.iter_mut().zip(dp).zip(rp).zip(ri) {
        let inv = 1.0 / *x;
        *x = inv;
        let pp = ai * inv;
        *dp -= pp * bi;
        *rp -= pp * r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3-node chain solved by the Hines method equals the dense solution.
    #[test]
    fn solves_a_small_tree() {
        // Node 0 root; 1 and 2 children of 0.
        let parent = [NO_PARENT, 0, 0];
        let a = [0.0, -1.0, -2.0];
        let b = [0.0, -3.0, -4.0];
        let mut d = [10.0, 11.0, 12.0];
        let mut rhs = [1.0, 2.0, 3.0];
        // Dense: row0: d0 x0 + a1 x1 + a2 x2 = r0; row i: b_i x0 + d_i x_i = r_i.
        let m = [[10.0, -1.0, -2.0], [-3.0, 11.0, 0.0], [-4.0, 0.0, 12.0]];
        let r = rhs;
        solve(&parent, &a, &b, &mut d, &mut rhs, 1);
        for (row, &ri) in m.iter().zip(&r) {
            let lhs: f64 = row.iter().zip(&rhs).map(|(x, y)| x * y).sum();
            assert!((lhs - ri).abs() < 1e-12);
        }
    }

    /// The fast solver agrees with the exact one to rounding on a tree
    /// with branching (node 1 has children 3 and 4) and several cells.
    #[test]
    fn fast_solve_matches_exact() {
        let parent = [NO_PARENT, 0, 0, 1, 1, 3];
        let a = [0.0, -1.0, -2.0, -0.5, -0.7, -0.3];
        let b = [0.0, -3.0, -4.0, -0.6, -0.2, -0.9];
        let nc = 3;
        let d: Vec<f64> = (0..parent.len() * nc).map(|k| 10.0 + k as f64).collect();
        let rhs: Vec<f64> = (0..parent.len() * nc)
            .map(|k| 1.0 - 0.3 * k as f64)
            .collect();
        let (mut d1, mut r1) = (d.clone(), rhs.clone());
        let (mut d2, mut r2) = (d, rhs);
        solve(&parent, &a, &b, &mut d1, &mut r1, nc);
        solve_fast(&parent, &a, &b, &mut d2, &mut r2, nc);
        for (x, y) in r1.iter().zip(&r2) {
            assert!((x - y).abs() <= 1e-14 * x.abs().max(1.0), "{x} vs {y}");
        }
    }
}
