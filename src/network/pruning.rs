//! hnn-core 0.6.1's connection pruning (`hnn_core/network.py`,
//! `_connection_probability`): which of a connection's gid pairs survive a
//! probability below 1, drawn from numpy's `default_rng(conn_seed)`
//! ([`crate::compat::numpy_pcg64`]).

use crate::compat::numpy_pcg64::default_rng;

/// Which connections `hnn_core.network._connection_probability(conn,
/// probability, conn_seed)` keeps, for `n_connections` connections
/// flattened in `conn['gid_pairs']` order (source by source, targets in
/// list order). `kept[i]` is true iff flat connection `i` survives.
///
/// hnn-core:
/// ```text
/// rng = np.random.default_rng(conn_seed)
/// n_connections = np.round(len(all_connections) * probability).astype(int)
/// new_connections = rng.choice(range(len(all_connections)), n_connections, replace=False)
/// keep connection_idx iff connection_idx in new_connections
/// ```
/// (`np.round` rounds half to even). `conn_seed=None` (OS entropy) is not
/// reproducible and therefore not supported. Panics like hnn-core if
/// `probability` is not in (0, 1); the callers prune only below 1, and
/// `rules::probability` refuses 0 and less.
pub fn connection_probability_kept(
    n_connections: usize,
    probability: f64,
    conn_seed: u128,
) -> Vec<bool> {
    if probability <= 0.0 || probability >= 1.0 {
        panic!("hnn-core raises ValueError: probability must be in the range (0,1)");
    }
    let mut rng = default_rng(conn_seed);
    let n_keep = (n_connections as f64 * probability).round_ties_even() as usize;
    let chosen = rng.choice(n_connections as u64, n_keep, false);
    let mut kept = vec![false; n_connections];
    for c in chosen {
        kept[c as usize] = true;
    }
    kept
}

/// `hnn_core.network._connection_probability(conn, probability, conn_seed)`
/// applied to `conn['gid_pairs']` given as `(src_gid, target_gids)` in dict
/// order: returns the pruned pairs in the same order; sources left with no
/// target are removed (`conn['gid_pairs'].pop(src_gid)`).
pub fn connection_probability_prune<S: Copy, T: Copy>(
    gid_pairs: &[(S, Vec<T>)],
    probability: f64,
    conn_seed: u128,
) -> Vec<(S, Vec<T>)> {
    let n: usize = gid_pairs.iter().map(|(_, t)| t.len()).sum();
    let kept = connection_probability_kept(n, probability, conn_seed);
    let mut connection_idx = 0;
    let mut out = Vec::new();
    for (src, targets) in gid_pairs {
        let mut target_new = Vec::new();
        for &t in targets {
            if kept[connection_idx] {
                target_new.push(t);
            }
            connection_idx += 1;
        }
        if !target_new.is_empty() {
            out.push((*src, target_new));
        }
    }
    out
}

/// In-place form of [`connection_probability_prune`] (hnn-core modifies
/// `conn['gid_pairs']` in place).
pub fn connection_probability_apply<S: Copy, T: Copy>(
    gid_pairs: &mut Vec<(S, Vec<T>)>,
    probability: f64,
    conn_seed: u128,
) {
    *gid_pairs = connection_probability_prune(gid_pairs, probability, conn_seed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_in_place_matches_prune() {
        let pairs: Vec<(usize, Vec<usize>)> = (0..6).map(|s| (s, vec![s, s + 10])).collect();
        let mut p2 = pairs.clone();
        connection_probability_apply(&mut p2, 0.5, 3);
        assert_eq!(p2, connection_probability_prune(&pairs, 0.5, 3));
        assert_eq!(p2.iter().map(|(_, t)| t.len()).sum::<usize>(), 6);
    }
}
