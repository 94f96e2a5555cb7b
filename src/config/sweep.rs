//! Sweep expansion (docs/configuration.md §6.2): the ordered list of
//! parameter points.
//!
//! - `product`: `itertools.product` over the parameters in `[sweep.params]`
//!   file order, the last parameter varying fastest.
//! - `zip`: point i takes the i-th value of every parameter (equal lengths).
//! - `random`: `n_samples` points; a `rand_chacha::ChaCha8Rng` seeded with
//!   `ChaCha8Rng::seed_from_u64(seed)` gives uniforms
//!   `u = (next_u64() >> 11) * 2^-53` in [0, 1), drawn point by point and,
//!   within a point, parameter by parameter in file order. A parameter
//!   `{low, high}` takes `low + u * (high - low)`; with `log = true`,
//!   `10^(log10(low) + u * (log10(high) - log10(low)))`. A parameter
//!   `{ integers = [low, high] }` takes `low + min(floor(u * (high - low)),
//!   high - low - 1)`: one of the integers low..high-1 (numpy's
//!   `Generator.integers(low, high)` range), each with probability
//!   1/(high - low) up to 2^-53 relative (the 53 bits of `u`); one `u` per
//!   parameter and point, as for ranges.
//! - `lhs`: Latin hypercube, same generator and uniforms. For each parameter
//!   in file order: first a permutation `perm` of the strata 0..n
//!   (Fisher-Yates: for i = n-1 down to 1, j = min(floor(u * (i + 1)), i),
//!   swap `perm[i]` and `perm[j]`), then for each point k = 0..n a fraction
//!   `x_k = (perm[k] + u) / n` mapped to the parameter's range as in
//!   `random`. Each parameter thus has exactly one value per stratum
//!   `[low + s (high - low) / n, low + (s + 1) (high - low) / n)` (strata of
//!   equal width in log10 space when `log = true`). An integer parameter
//!   maps `x_k` as `random` maps `u`: with at least as many integers as
//!   points, each stratum gives a different integer.
//!
//! `linspace` and `logspace` are numpy's, bit for bit
//! ([`crate::compat::numpy_space`]).

use std::collections::BTreeMap;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::types::{ParamSpec, Sweep, SweepMode};
use crate::compat::numpy_space::{numpy_linspace, numpy_logspace};

impl ParamSpec {
    /// The explicit list of values (`values`, `linspace`, `logspace`);
    /// `None` for a `{low, high}` range (drawn by `random` / `lhs`).
    pub fn values(&self) -> Option<Vec<f64>> {
        match self {
            ParamSpec::Values(v) => Some(v.clone()),
            ParamSpec::Linspace { start, stop, num } => Some(numpy_linspace(*start, *stop, *num)),
            ParamSpec::Logspace { start, stop, num } => Some(numpy_logspace(*start, *stop, *num)),
            ParamSpec::Range { .. } | ParamSpec::Integers { .. } => None,
        }
    }

    /// Number of listed values (`None` for a range).
    pub fn n_values(&self) -> Option<usize> {
        match self {
            ParamSpec::Values(v) => Some(v.len()),
            ParamSpec::Linspace { num, .. } | ParamSpec::Logspace { num, .. } => Some(*num),
            ParamSpec::Range { .. } | ParamSpec::Integers { .. } => None,
        }
    }
}

/// Uniform in [0, 1) from 53 random bits.
fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Map a fraction x in [0, 1] onto a `{low, high, log}` range.
pub(crate) fn map_range(low: f64, high: f64, log: bool, x: f64) -> f64 {
    if log {
        let (a, b) = (low.log10(), high.log10());
        10f64.powf(a + x * (b - a))
    } else {
        low + x * (high - low)
    }
}

/// Map a fraction x in [0, 1) onto the integers low..high-1 (see the
/// module docs).
fn map_integers(low: i64, high: i64, x: f64) -> f64 {
    let span = (high - low) as u64;
    let k = ((x * span as f64) as u64).min(span - 1);
    (low + k as i64) as f64
}

/// A sampled parameter's value at fraction `x` of its range.
fn map_spec(spec: &ParamSpec, x: f64) -> f64 {
    match *spec {
        ParamSpec::Range { low, high, log } => map_range(low, high, log, x),
        ParamSpec::Integers { low, high } => map_integers(low, high, x),
        _ => unreachable!("validated: random and lhs modes take ranges and integers only"),
    }
}

/// Number of points of a (validated) sweep without expanding it.
pub(crate) fn count_points(sweep: &Sweep) -> usize {
    match sweep.mode {
        SweepMode::Product => sweep
            .params
            .iter()
            .map(|p| p.spec.n_values().unwrap_or(0))
            .product(),
        SweepMode::Zip => sweep
            .params
            .first()
            .and_then(|p| p.spec.n_values())
            .unwrap_or(0),
        SweepMode::Random | SweepMode::Lhs => sweep.n_samples.unwrap_or(0),
    }
}

/// Expand a validated sweep (see the module docs for the order and schemes).
pub(crate) fn expand(sweep: &Sweep) -> Vec<BTreeMap<String, f64>> {
    let names: Vec<&str> = sweep.params.iter().map(|p| p.name.as_str()).collect();
    let point = |vals: &[f64]| -> BTreeMap<String, f64> {
        names
            .iter()
            .zip(vals)
            .map(|(n, v)| (n.to_string(), *v))
            .collect()
    };
    match sweep.mode {
        SweepMode::Product => {
            let lists: Vec<Vec<f64>> = sweep
                .params
                .iter()
                .map(|p| p.spec.values().unwrap_or_default())
                .collect();
            let total: usize = lists.iter().map(Vec::len).product();
            let mut out = Vec::with_capacity(total);
            let mut idx = vec![0usize; lists.len()];
            for _ in 0..total {
                let vals: Vec<f64> = idx.iter().zip(&lists).map(|(&i, l)| l[i]).collect();
                out.push(point(&vals));
                // odometer: last parameter fastest
                for d in (0..idx.len()).rev() {
                    idx[d] += 1;
                    if idx[d] < lists[d].len() {
                        break;
                    }
                    idx[d] = 0;
                }
            }
            out
        }
        SweepMode::Zip => {
            let lists: Vec<Vec<f64>> = sweep
                .params
                .iter()
                .map(|p| p.spec.values().unwrap_or_default())
                .collect();
            let n = lists.first().map_or(0, Vec::len);
            (0..n)
                .map(|i| {
                    let vals: Vec<f64> = lists.iter().map(|l| l[i]).collect();
                    point(&vals)
                })
                .collect()
        }
        SweepMode::Random => {
            let n = sweep.n_samples.unwrap_or(0);
            let mut rng = ChaCha8Rng::seed_from_u64(sweep.seed.unwrap_or(0));
            (0..n)
                .map(|_| {
                    let vals: Vec<f64> = sweep
                        .params
                        .iter()
                        .map(|p| map_spec(&p.spec, uniform(&mut rng)))
                        .collect();
                    point(&vals)
                })
                .collect()
        }
        SweepMode::Lhs => {
            let n = sweep.n_samples.unwrap_or(0);
            let mut rng = ChaCha8Rng::seed_from_u64(sweep.seed.unwrap_or(0));
            let columns: Vec<Vec<f64>> = sweep
                .params
                .iter()
                .map(|p| {
                    let mut perm: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        let j = ((uniform(&mut rng) * (i + 1) as f64) as usize).min(i);
                        perm.swap(i, j);
                    }
                    perm.iter()
                        .map(|&s| {
                            let x = (s as f64 + uniform(&mut rng)) / n as f64;
                            map_spec(&p.spec, x)
                        })
                        .collect()
                })
                .collect();
            (0..n)
                .map(|k| {
                    let vals: Vec<f64> = columns.iter().map(|c| c[k]).collect();
                    point(&vals)
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::types::SweepParam;

    #[test]
    fn linspace_matches_numpy_shapes() {
        assert_eq!(numpy_linspace(0.0, 1.0, 0), Vec::<f64>::new());
        assert_eq!(numpy_linspace(2.0, 5.0, 1), vec![2.0]);
        assert_eq!(numpy_linspace(0.0, 1.0, 5), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        // numpy.linspace(0, 1, 3) -> [0. , 0.5, 1. ]
        assert_eq!(numpy_linspace(0.0, 1.0, 3), vec![0.0, 0.5, 1.0]);
        // constant sequences take numpy's step == 0 branch
        assert_eq!(numpy_linspace(3.0, 3.0, 4), vec![3.0; 4]);
    }

    #[test]
    fn logspace_seed_endpoints() {
        let v = numpy_logspace(-4.0, -1.0, 20);
        assert_eq!(v[0], 9.999999999999999e-05);
        assert_eq!(v[19], 0.09999999999999999);
    }

    fn range_sweep(mode: SweepMode, n: usize, seed: u64) -> Sweep {
        Sweep {
            mode,
            params: vec![
                SweepParam {
                    name: "a".into(),
                    spec: ParamSpec::Range {
                        low: -1.0,
                        high: 3.0,
                        log: false,
                    },
                },
                SweepParam {
                    name: "b".into(),
                    spec: ParamSpec::Range {
                        low: 1e-4,
                        high: 1e-1,
                        log: true,
                    },
                },
            ],
            n_samples: Some(n),
            seed: Some(seed),
        }
    }

    #[test]
    fn product_order_is_itertools() {
        let s = Sweep {
            mode: SweepMode::Product,
            params: vec![
                SweepParam {
                    name: "x".into(),
                    spec: ParamSpec::Values(vec![1.0, 2.0]),
                },
                SweepParam {
                    name: "y".into(),
                    spec: ParamSpec::Values(vec![10.0, 20.0, 30.0]),
                },
            ],
            n_samples: None,
            seed: None,
        };
        let pts = expand(&s);
        let got: Vec<(f64, f64)> = pts.iter().map(|p| (p["x"], p["y"])).collect();
        assert_eq!(
            got,
            vec![
                (1.0, 10.0),
                (1.0, 20.0),
                (1.0, 30.0),
                (2.0, 10.0),
                (2.0, 20.0),
                (2.0, 30.0)
            ]
        );
        assert_eq!(count_points(&s), 6);
    }

    #[test]
    fn lhs_has_one_value_per_stratum() {
        let n = 37;
        let pts = expand(&range_sweep(SweepMode::Lhs, n, 7));
        assert_eq!(pts.len(), n);
        let mut seen_a = vec![0; n];
        let mut seen_b = vec![0; n];
        for p in &pts {
            let xa = (p["a"] + 1.0) / 4.0;
            let xb = (p["b"].log10() + 4.0) / 3.0;
            seen_a[((xa * n as f64) as usize).min(n - 1)] += 1;
            seen_b[((xb * n as f64 + 1e-9) as usize).min(n - 1)] += 1;
        }
        assert!(seen_a.iter().all(|&c| c == 1), "{seen_a:?}");
        assert!(seen_b.iter().all(|&c| c == 1), "{seen_b:?}");
    }

    #[test]
    fn random_is_seeded_and_in_bounds() {
        let a = expand(&range_sweep(SweepMode::Random, 100, 1));
        let b = expand(&range_sweep(SweepMode::Random, 100, 1));
        let c = expand(&range_sweep(SweepMode::Random, 100, 2));
        assert_eq!(a, b);
        assert_ne!(a, c);
        for p in &a {
            assert!((-1.0..=3.0).contains(&p["a"]));
            assert!((1e-4..=1e-1).contains(&p["b"]));
        }
    }
}
