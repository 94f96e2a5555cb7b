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
}
