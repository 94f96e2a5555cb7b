//! Bayesian optimisation for `[fit] solver = "bayesian"`: hnn-core
//! 0.6.1's `bayes_opt` (hnn_core/externals/bayesopt.py, after Brochu, Cora
//! and de Freitas' tutorial): evaluate the starting point, then, one
//! evaluation at a time, fit a Gaussian process to every value so far and
//! evaluate the random candidate with the best expected improvement.
//!
//! What is hnn-core's: one point per evaluation, the first at the middle of
//! every range; a Gaussian process with a squared-exponential (RBF) kernel
//! of variance 1 and a nugget of 1e-10 (scikit-learn's
//! `GaussianProcessRegressor()` defaults); uniform random candidates over
//! the box; expected improvement; `max_evaluations` the only stop.
//!
//! What differs, on purpose (docs/configuration.md §13):
//! - The search runs in the unit cube (log10 space for `log = true`), and
//!   the kernel's length scale is chosen at every evaluation by the
//!   largest marginal likelihood among [`LENGTH_SCALES`]; the values are
//!   centred and scaled to unit variance first. hnn-core keeps the length
//!   at 1 in each parameter's own units, which makes a weight's range
//!   (1e-4 to 1e-2 µS) one flat correlation and a time's range (20 to 60
//!   ms) 40 independent lengths.
//! - The candidate taken is the one of largest expected improvement
//!   `(f* - µ) Φ(z) + σ φ(z)`, `z = (f* - µ) / σ` for a minimisation;
//!   hnn-core takes the `argmin` of `(µ - f*) Φ + σ φ`, which favours
//!   candidates the process is sure about.
//! - [`N_CANDIDATES`] candidates from a seeded ChaCha8 stream (hnn-core
//!   draws 10,000 from numpy's global, unseeded generator).
//! - A failed simulation (told as +inf) enters the process as the largest
//!   finite value told so far.
//!
//! Deterministic: the same seed and the same told values ask the same
//! points. The linear algebra is a Cholesky factorisation written here (a
//! fixed order of `+ - * / sqrt`, as `numeric.rs` says why), on at most
//! `max_evaluations` points.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::numeric::uniform;
use super::{Search, SearchError, StopReason};

/// Candidate length scales of the kernel, unit-cube lengths.
pub const LENGTH_SCALES: [f64; 6] = [0.05, 0.1, 0.2, 0.35, 0.6, 1.0];
/// scikit-learn's `GaussianProcessRegressor(alpha=1e-10)`.
const NUGGET: f64 = 1e-10;
/// Random candidates per evaluation.
pub const N_CANDIDATES: usize = 2000;

/// The Gaussian-process search, one point per `ask`.
pub struct Bayesian {
    n: usize,
    x0: Vec<f64>,
    xs: Vec<Vec<f64>>,
    values: Vec<f64>,
    pending: Option<Vec<f64>>,
    max_evaluations: usize,
    rng: ChaCha8Rng,
    stop: Option<StopReason>,
}

impl Bayesian {
    /// A search from `x0` (in the unit cube) for at most `max_evaluations`
    /// evaluations, candidates drawn from `seed`.
    pub fn new(x0: &[f64], max_evaluations: usize, seed: u64) -> Result<Self, SearchError> {
        if x0.is_empty() || x0.iter().any(|x| !(0.0..=1.0).contains(x)) {
            return Err(SearchError::Invalid(
                "bayesian: the starting point must lie in the unit cube".into(),
            ));
        }
        if max_evaluations == 0 {
            return Err(SearchError::Invalid(
                "bayesian: max_evaluations must be at least 1".into(),
            ));
        }
        Ok(Bayesian {
            n: x0.len(),
            x0: x0.to_vec(),
            xs: Vec::new(),
            values: Vec::new(),
            pending: None,
            max_evaluations,
            rng: ChaCha8Rng::seed_from_u64(seed),
            stop: None,
        })
    }

    /// The next point: the candidate of largest expected improvement.
    fn propose(&mut self) -> Vec<f64> {
        let finite_max = self
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        let raw: Vec<f64> = self
            .values
            .iter()
            .map(|&v| if v.is_finite() { v } else { finite_max })
            .collect();
        let candidates: Vec<Vec<f64>> = (0..N_CANDIDATES)
            .map(|_| (0..self.n).map(|_| uniform(&mut self.rng)).collect())
            .collect();
        if !finite_max.is_finite() {
            // Nothing learnt yet (every simulation failed): a random point.
            return candidates[0].clone();
        }
        let n_obs = raw.len() as f64;
        let mean = raw.iter().sum::<f64>() / n_obs;
        let var = raw.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n_obs;
        let scale = if var > 0.0 { var.sqrt() } else { 1.0 };
        let y: Vec<f64> = raw.iter().map(|v| (v - mean) / scale).collect();
        let best = y.iter().copied().fold(f64::INFINITY, f64::min);
        let gp = LENGTH_SCALES
            .iter()
            .filter_map(|&l| Gp::fit(&self.xs, &y, l))
            .max_by(|a, b| a.log_likelihood.total_cmp(&b.log_likelihood));
        let Some(gp) = gp else {
            return candidates[0].clone();
        };
        let mut chosen = 0;
        let mut chosen_ei = f64::NEG_INFINITY;
        for (k, c) in candidates.iter().enumerate() {
            let (mu, sigma) = gp.predict(&self.xs, c);
            let ei = expected_improvement(best, mu, sigma);
            // Strictly larger: the first of equal candidates, whatever the
            // platform.
            if ei > chosen_ei {
                chosen_ei = ei;
                chosen = k;
            }
        }
        candidates[chosen].clone()
    }
}

impl Search for Bayesian {
    fn ask(&mut self) -> Vec<Vec<f64>> {
        if self.stop.is_some() {
            return Vec::new();
        }
        if self.xs.len() >= self.max_evaluations {
            self.stop = Some(StopReason::MaxEvaluations);
            return Vec::new();
        }
        let x = if self.xs.is_empty() {
            self.x0.clone()
        } else {
            self.propose()
        };
        self.pending = Some(x.clone());
        vec![x]
    }

    fn tell(&mut self, values: &[f64]) {
        let (Some(x), Some(&v)) = (self.pending.take(), values.first()) else {
            return;
        };
        self.xs.push(x);
        // NaN is a failure too.
        self.values.push(if v.is_nan() { f64::INFINITY } else { v });
        if self.xs.len() >= self.max_evaluations {
            self.stop = Some(StopReason::MaxEvaluations);
        }
    }

    fn stopped(&self) -> Option<StopReason> {
        self.stop
    }
}

/// Expected improvement below `best` of a normal `N(mu, sigma²)`.
fn expected_improvement(best: f64, mu: f64, sigma: f64) -> f64 {
    if sigma <= 0.0 {
        return (best - mu).max(0.0);
    }
    let z = (best - mu) / sigma;
    let pdf = libm::exp(-0.5 * z * z) / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    (best - mu) * cdf + sigma * pdf
}

/// A Gaussian process fitted to the points so far.
struct Gp {
    length: f64,
    /// Lower Cholesky factor of `K + nugget I`, row-major.
    chol: Vec<f64>,
    /// `(K + nugget I)^-1 y`.
    alpha: Vec<f64>,
    log_likelihood: f64,
}

fn kernel(a: &[f64], b: &[f64], length: f64) -> f64 {
    let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    libm::exp(-0.5 * d2 / (length * length))
}

impl Gp {
    /// `None` when the kernel matrix is not positive definite in floating
    /// point (points too close for this length).
    fn fit(xs: &[Vec<f64>], y: &[f64], length: f64) -> Option<Gp> {
        let m = xs.len();
        let mut l = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..=i {
                let mut s = kernel(&xs[i], &xs[j], length);
                if i == j {
                    s += NUGGET;
                }
                for k in 0..j {
                    s -= l[i * m + k] * l[j * m + k];
                }
                if i == j {
                    if s <= 0.0 || !s.is_finite() {
                        return None;
                    }
                    l[i * m + i] = s.sqrt();
                } else {
                    l[i * m + j] = s / l[j * m + j];
                }
            }
        }
        let z = forward(&l, m, y);
        let alpha = backward(&l, m, &z);
        // log p(y) = -y'α/2 - Σ log L_ii - m/2 log 2π
        let fit_term: f64 = y.iter().zip(&alpha).map(|(a, b)| a * b).sum();
        let log_det: f64 = (0..m).map(|i| libm::log(l[i * m + i])).sum();
        let log_likelihood =
            -0.5 * fit_term - log_det - 0.5 * m as f64 * libm::log(2.0 * std::f64::consts::PI);
        Some(Gp {
            length,
            chol: l,
            alpha,
            log_likelihood,
        })
    }

    /// Mean and standard deviation at `x`.
    fn predict(&self, xs: &[Vec<f64>], x: &[f64]) -> (f64, f64) {
        let m = xs.len();
        let k: Vec<f64> = xs.iter().map(|p| kernel(p, x, self.length)).collect();
        let mu: f64 = k.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        let v = forward(&self.chol, m, &k);
        let var = 1.0 - v.iter().map(|a| a * a).sum::<f64>();
        (mu, var.max(0.0).sqrt())
    }
}

/// Solve `L z = b` for lower-triangular `L` (row-major, `m`×`m`).
fn forward(l: &[f64], m: usize, b: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; m];
    for i in 0..m {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * m + k] * z[k];
        }
        z[i] = s / l[i * m + i];
    }
    z
}

/// Solve `L' x = z`.
fn backward(l: &[f64], m: usize, z: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; m];
    for i in (0..m).rev() {
        let mut s = z[i];
        for k in i + 1..m {
            s -= l[k * m + i] * x[k];
        }
        x[i] = s / l[i * m + i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: impl Fn(&[f64]) -> f64, n: usize, budget: usize, seed: u64) -> Vec<(Vec<f64>, f64)> {
        let mut s = Bayesian::new(&vec![0.5; n], budget, seed).unwrap();
        let mut out = Vec::new();
        loop {
            let pts = s.ask();
            if pts.is_empty() {
                break;
            }
            let v: Vec<f64> = pts.iter().map(|p| f(p)).collect();
            out.push((pts[0].clone(), v[0]));
            s.tell(&v);
        }
        assert_eq!(s.stopped(), Some(StopReason::MaxEvaluations));
        out
    }

    fn bowl(x: &[f64]) -> f64 {
        (x[0] - 0.8).powi(2) + 2.0 * (x[1] - 0.25).powi(2)
    }

    /// A smooth 2-D bowl off centre is found within 40 evaluations.
    #[test]
    fn finds_a_bowls_minimum() {
        let hist = run(bowl, 2, 40, 7);
        assert_eq!(hist.len(), 40);
        assert_eq!(hist[0].0, vec![0.5, 0.5]);
        let best = hist.iter().map(|h| h.1).fold(f64::INFINITY, f64::min);
        assert!(best < 2e-3, "best {best}");
        assert!(hist
            .iter()
            .all(|h| h.0.iter().all(|x| (0.0..1.0).contains(x) || *x == 0.5)));
    }

    /// Same seed, same points; another seed, other points; a replay of
    /// the told values asks the same points.
    #[test]
    fn deterministic_and_replayable() {
        let a = run(bowl, 2, 12, 3);
        let b = run(bowl, 2, 12, 3);
        let c = run(bowl, 2, 12, 4);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut s = Bayesian::new(&[0.5, 0.5], 12, 3).unwrap();
        for (x, v) in &a {
            assert_eq!(&s.ask()[0], x);
            s.tell(&[*v]);
        }
        assert!(s.ask().is_empty());
    }

    /// Failed simulations (+inf, NaN) neither stop nor poison the search.
    #[test]
    fn failures_are_survived() {
        let f = |x: &[f64]| {
            if x[0] > 0.9 {
                f64::INFINITY
            } else if x[1] > 0.95 {
                f64::NAN
            } else {
                bowl(x)
            }
        };
        let hist = run(f, 2, 30, 11);
        assert_eq!(hist.len(), 30);
        let best = hist
            .iter()
            .map(|h| h.1)
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        assert!(best < 1e-2, "best {best}");
        // Every value failing: still max_evaluations points, in the cube.
        let all_fail = run(|_| f64::INFINITY, 3, 5, 1);
        assert_eq!(all_fail.len(), 5);
    }

    #[test]
    fn expected_improvement_is_the_textbook_one() {
        // z = 0: σ φ(0).
        let ei = expected_improvement(1.0, 1.0, 2.0);
        assert!((ei - 2.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-15);
        assert_eq!(expected_improvement(1.0, 0.25, 0.0), 0.75);
        assert!(expected_improvement(0.0, 1.0, 0.1) < 1e-20);
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(Bayesian::new(&[], 5, 1).is_err());
        assert!(Bayesian::new(&[1.5], 5, 1).is_err());
        assert!(Bayesian::new(&[0.5], 0, 1).is_err());
    }
}
