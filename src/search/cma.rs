//! CMA-ES for `[fit] solver = "cma"`: Hansen's (μ/μ_w, λ)-CMA-ES with
//! active covariance update and cumulative step-size adaptation, as
//! pycma 4.5's `CMAEvolutionStrategy` runs it with default options, which
//! hnn-core 0.6.1 calls in `_run_opt_cma` (`x0` = the middle of every
//! range, `sigma0 = 1` with `CMA_stds = sigma0 × (high - low)`, `bounds`,
//! `popsize`, `tolfun`, `seed`).
//!
//! Why hand-written: no crate offers a deterministic f64 CMA-ES that is
//! driven by ask and tell (`cmaes` runs its own loop over a closure,
//! `haru_cmaes` is f32). pycma's random numbers (numpy's Mersenne
//! Twister) are not reproduced: the same seed gives other points than
//! pycma, the same algorithm (docs/fit.md lists what differs).
//!
//! The search runs in the unit cube: hnn-core's per-coordinate
//! `CMA_stds = sigma0 × range` is a plain `sigma0` here. Points are
//! sampled unbounded (the genotype) and mapped into `[0, 1]` by pycma's
//! `BoundTransform` (`cma_params::to_unit_box`) before they are asked;
//! the distribution is updated with the genotypes, as pycma does.

use std::collections::VecDeque;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::cma_params::{to_unit_box, CmaParams};
use super::numeric::{fill_standard_normal, symmetric_eigen};
use super::{Search, SearchError, StopReason};

/// pycma's default `tolx`: every coordinate's standard deviation (and the
/// covariance path) below it stops the search (here in unit-cube units).
pub const TOLX: f64 = 1e-11;
/// pycma's default `tolconditioncov`: the covariance's condition number.
pub const TOL_CONDITION_COV: f64 = 1e14;
/// pycma's default `tolflatfitness`: generations tolerated whose best
/// value equals the value at the 75 % rank.
pub const TOL_FLAT_FITNESS: usize = 1;

/// The state of one CMA-ES run.
#[derive(Debug, Clone)]
pub struct Cma {
    p: CmaParams,
    rng: ChaCha8Rng,
    max_evaluations: usize,
    tolfun: f64,
    /// Distribution mean, genotype (may lie outside the unit cube).
    mean: Vec<f64>,
    /// Step size σ, unit-cube units.
    sigma: f64,
    /// Covariance C, row-major n×n; `b` its eigenvectors (columns) and `d`
    /// the square roots of its eigenvalues, ascending.
    c: Vec<f64>,
    b: Vec<f64>,
    d: Vec<f64>,
    pc: Vec<f64>,
    ps: Vec<f64>,
    generation: usize,
    evaluations: usize,
    /// Genotypes of the points of the last `ask` not yet told.
    pending: Vec<Vec<f64>>,
    /// Best value of each recent generation, newest first (pycma's
    /// `fit.hist`, at most `10 + 30 n / λ`).
    hist: VecDeque<f64>,
    flat_generations: usize,
    best: Option<(Vec<f64>, f64)>,
    stop: Option<StopReason>,
}

impl Cma {
    /// A CMA-ES over `[0, 1]^n` starting at `x0` (inside the cube) with
    /// step `sigma0` (a fraction of the cube's side), `popsize` points a
    /// generation, pycma's `tolfun`, at most `max_evaluations` points in
    /// all, seeded with `seed`.
    pub fn new(
        x0: &[f64],
        sigma0: f64,
        popsize: usize,
        tolfun: f64,
        max_evaluations: usize,
        seed: u64,
    ) -> Result<Cma, SearchError> {
        let n = x0.len();
        if n == 0 {
            return Err(SearchError::Invalid("no parameter to search".into()));
        }
        if popsize < 2 {
            return Err(SearchError::Invalid(format!(
                "popsize must be >= 2 (got {popsize})"
            )));
        }
        if !(sigma0.is_finite() && sigma0 > 0.0) {
            return Err(SearchError::Invalid(format!(
                "sigma0 must be > 0 (got {sigma0})"
            )));
        }
        if tolfun.is_nan() || tolfun < 0.0 {
            return Err(SearchError::Invalid(format!(
                "tolfun must be >= 0 (got {tolfun})"
            )));
        }
        if x0.iter().any(|x| !(0.0..=1.0).contains(x)) {
            return Err(SearchError::Invalid("x0 must lie in the unit cube".into()));
        }
        // GaussFullSampler.__init__: C = diag(exp(1e-4 / n * i)), a tiny
        // tilt that makes the first eigen-decomposition well defined.
        let mut c = vec![0.0; n * n];
        let mut d = vec![0.0; n];
        let mut b = vec![0.0; n * n];
        for i in 0..n {
            c[i * n + i] = libm::exp((1e-4 / n as f64) * i as f64);
            d[i] = libm::sqrt(c[i * n + i]);
            b[i * n + i] = 1.0;
        }
        Ok(Cma {
            p: CmaParams::new(n, popsize),
            rng: ChaCha8Rng::seed_from_u64(seed),
            max_evaluations,
            tolfun,
            mean: x0.to_vec(),
            sigma: sigma0,
            c,
            b,
            d,
            pc: vec![0.0; n],
            ps: vec![0.0; n],
            generation: 0,
            evaluations: 0,
            pending: Vec::new(),
            hist: VecDeque::new(),
            flat_generations: 0,
            best: None,
            stop: if max_evaluations == 0 {
                Some(StopReason::MaxEvaluations)
            } else {
                None
            },
        })
    }

    /// The strategy constants.
    pub fn params(&self) -> &CmaParams {
        &self.p
    }
    /// The distribution mean mapped into the unit cube.
    pub fn mean(&self) -> Vec<f64> {
        self.mean.iter().map(|&x| to_unit_box(x)).collect()
    }
    /// The step size σ (unit-cube units).
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
    /// Generations told so far.
    pub fn generation(&self) -> usize {
        self.generation
    }
    /// Points told so far.
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }
    /// The best point told so far (unit cube) and its value; the first of
    /// equal values.
    pub fn best(&self) -> Option<(&[f64], f64)> {
        self.best.as_ref().map(|(x, f)| (x.as_slice(), *f))
    }

    /// The distribution's state for comparison with pycma: mean
    /// (genotype), covariance C (row-major), p_c, p_σ.
    #[doc(hidden)]
    pub fn state(&self) -> (&[f64], &[f64], &[f64], &[f64]) {
        (&self.mean, &self.c, &self.pc, &self.ps)
    }

    /// Tell a full generation of genotypes the search did not sample
    /// itself (tests/search_cma.rs replays pycma's own generations).
    #[doc(hidden)]
    pub fn tell_genotypes(&mut self, genotypes: &[Vec<f64>], values: &[f64]) {
        assert!(genotypes.len() == self.p.popsize && values.len() == self.p.popsize);
        self.evaluations += values.len();
        self.update(genotypes, values);
    }

    /// `C^{-1/2} x` with the current decomposition: `B (Bᵀx / D)`.
    fn inverse_sqrt_times(&self, x: &[f64]) -> Vec<f64> {
        let n = self.p.n;
        let t: Vec<f64> = (0..n)
            .map(|k| (0..n).map(|i| self.b[i * n + k] * x[i]).sum::<f64>() / self.d[k])
            .collect();
        (0..n)
            .map(|i| (0..n).map(|k| self.b[i * n + k] * t[k]).sum())
            .collect()
    }

    /// `GaussFullSampler._decompose_C`: symmetrise, decompose; a
    /// non-positive eigenvalue adds the previous smallest one to the
    /// diagonal and tries again, as pycma does.
    fn decompose(&mut self) {
        let n = self.p.n;
        for i in 0..n {
            for j in i + 1..n {
                let s = (self.c[i * n + j] + self.c[j * n + i]) / 2.0;
                self.c[i * n + j] = s;
                self.c[j * n + i] = s;
            }
        }
        for _ in 0..10 {
            let (values, vectors) = symmetric_eigen(&self.c, n);
            if values.iter().all(|&v| v > 0.0 && v.is_finite()) {
                self.d = values.iter().map(|&v| libm::sqrt(v)).collect();
                self.b = vectors;
                return;
            }
            let min_old = self.d.iter().cloned().fold(f64::INFINITY, f64::min);
            for i in 0..n {
                self.c[i * n + i] += min_old * min_old;
            }
        }
        // Still not positive definite: keep the last good decomposition
        // and let tolconditioncov end the search.
        self.d[0] = 0.0;
    }

    /// Everything `tell` does with a full generation: pycma's `tell2`.
    fn update(&mut self, genotypes: &[Vec<f64>], values: &[f64]) {
        let p = self.p.clone();
        let n = p.n;
        self.generation += 1;
        let mut idx: Vec<usize> = (0..values.len()).collect();
        idx.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
        let sorted: Vec<f64> = idx.iter().map(|&i| values[i]).collect();
        self.hist.push_front(sorted[0]);
        if self.hist.len() as f64 > 10.0 + 30.0 * n as f64 / p.popsize as f64 {
            self.hist.pop_back();
        }
        let pop: Vec<&[f64]> = idx.iter().map(|&i| genotypes[i].as_slice()).collect();
        let mold = self.mean.clone();
        let mut mean = vec![0.0; n];
        for (w, x) in p.weights[..p.mu].iter().zip(&pop) {
            for i in 0..n {
                mean[i] += w * x[i];
            }
        }
        self.mean = mean;
        let dm: Vec<f64> = (0..n).map(|i| self.mean[i] - mold[i]).collect();
        // CMAAdaptSigmaCSA._update_ps, with the decomposition of the
        // distribution the points were sampled from.
        let mut z = self.inverse_sqrt_times(&dm);
        let zfac = libm::sqrt(p.mueff) / self.sigma;
        for zi in z.iter_mut() {
            *zi *= zfac;
        }
        let cs_in = libm::sqrt(p.cs * (2.0 - p.cs));
        for (ps, zi) in self.ps.iter_mut().zip(&z) {
            *ps = *ps * (1.0 - p.cs) + cs_in * zi;
        }
        // CMAAdaptSigmaBase.hsig
        let squared: f64 = self.ps.iter().map(|x| x * x).sum::<f64>()
            / (1.0 - libm::pow(1.0 - p.cs, 2.0 * self.generation as f64));
        let hsig = if squared / n as f64 - 1.0 < 1.0 + 4.0 / (n as f64 + 1.0) {
            1.0
        } else {
            0.0
        };
        let c1a = p.c1 * (1.0 - (1.0 - hsig * hsig) * p.cc * (2.0 - p.cc));
        let pc_in = hsig * (libm::sqrt(p.cc * (2.0 - p.cc) * p.mueff) / self.sigma);
        for (pc, d) in self.pc.iter_mut().zip(&dm) {
            *pc = (1.0 - p.cc) * *pc + pc_in * d;
        }
        // GaussFullSampler.update: C ← (1 - Σw) C + Σ w v vᵀ, the rank-one
        // vector first, then every point (negative weights rescaled by the
        // point's Mahalanobis length).
        let mut vectors: Vec<Vec<f64>> = Vec::with_capacity(pop.len() + 1);
        let mut weights: Vec<f64> = Vec::with_capacity(pop.len() + 1);
        let pc_fac = libm::sqrt(p.c1 / (c1a + 1e-23));
        vectors.push(self.pc.iter().map(|x| pc_fac * x).collect());
        weights.push(c1a);
        for (w, x) in p.weights.iter().zip(&pop) {
            vectors.push((0..n).map(|i| (x[i] - mold[i]) / self.sigma).collect());
            weights.push(p.cmu * w);
        }
        let wsum: f64 = weights.iter().sum();
        for cij in self.c.iter_mut() {
            *cij *= 1.0 + 0.0 - wsum;
        }
        for (w, v) in weights.iter_mut().zip(&vectors) {
            if *w < 0.0 {
                let y = self.inverse_sqrt_times(v);
                let norm = libm::sqrt(y.iter().map(|x| x * x).sum());
                *w *= n as f64 / ((norm + 1e-9) * (norm + 1e-9));
            }
        }
        for i in 0..n {
            for j in 0..n {
                let mut s = 0.0;
                for (w, v) in weights.iter().zip(&vectors) {
                    s += w * v[i] * v[j];
                }
                self.c[i * n + j] += s;
            }
        }
        // CMAAdaptSigmaCSA.update2, clipped to exp(±1) as pycma does.
        let ps_norm = libm::sqrt(self.ps.iter().map(|x| x * x).sum());
        let s = ((ps_norm / p.chi_n - 1.0) * p.cs / p.damps).clamp(-1.0, 1.0);
        self.sigma *= libm::exp(s);
        // pycma decomposes lazily before the next sample; the same here.
        self.decompose();
        self.check_stops(&sorted);
    }

    /// pycma's `_CMAStopDict._update`, the criteria kept (docs/fit.md).
    fn check_stops(&mut self, sorted: &[f64]) {
        let n = self.p.n;
        let spread = |hi: f64, lo: f64| {
            let s = hi - lo;
            if s.is_nan() {
                f64::INFINITY
            } else {
                s
            }
        };
        let current = spread(sorted[sorted.len() - 1], sorted[0]);
        let hmax = self.hist.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let hmin = self.hist.iter().cloned().fold(f64::INFINITY, f64::min);
        let historic = spread(hmax, hmin);
        // Flat fitness is counted whether or not another criterion fires.
        if sorted[0] < sorted[(0.75 * sorted.len() as f64) as usize] {
            self.flat_generations = 0;
        } else {
            self.flat_generations += 1;
        }
        let tolx = (0..n).all(|i| self.sigma * libm::sqrt(self.c[i * n + i]) < TOLX)
            && self.pc.iter().all(|&x| self.sigma * x < TOLX);
        let dmax = self.d.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let dmin = self.d.iter().cloned().fold(f64::INFINITY, f64::min);
        self.stop = if self.evaluations >= self.max_evaluations {
            Some(StopReason::MaxEvaluations)
        } else if current < self.tolfun && historic < self.tolfun {
            Some(StopReason::Tolfun)
        } else if tolx {
            Some(StopReason::Tolx)
        } else if dmax.is_nan() || dmax > libm::sqrt(TOL_CONDITION_COV) * dmin {
            Some(StopReason::ConditionCov)
        } else if self.flat_generations > TOL_FLAT_FITNESS {
            Some(StopReason::FlatFitness)
        } else {
            None
        };
    }
}

impl Search for Cma {
    fn ask(&mut self) -> Vec<Vec<f64>> {
        if self.stop.is_some() {
            return Vec::new();
        }
        if self.pending.is_empty() {
            let n = self.p.n;
            let lam = self.p.popsize;
            let mut z = vec![0.0; lam * n];
            fill_standard_normal(&mut self.rng, &mut z);
            // The last generation is cut to the budget left; the whole
            // generation is still drawn, so that the cut changes nothing
            // but the number of points.
            let count = lam.min(self.max_evaluations - self.evaluations);
            self.pending = (0..count)
                .map(|k| {
                    let zk = &z[k * n..(k + 1) * n];
                    (0..n)
                        .map(|i| {
                            let y: f64 = (0..n)
                                .map(|j| self.b[i * n + j] * (self.d[j] * zk[j]))
                                .sum();
                            self.mean[i] + self.sigma * y
                        })
                        .collect()
                })
                .collect();
        }
        self.pending
            .iter()
            .map(|g| g.iter().map(|&x| to_unit_box(x)).collect())
            .collect()
    }

    fn tell(&mut self, values: &[f64]) {
        assert_eq!(
            values.len(),
            self.pending.len(),
            "CMA-ES: told {} values for {} asked points",
            values.len(),
            self.pending.len()
        );
        if values.is_empty() {
            return;
        }
        // A failed simulation (+inf) ranks last; NaN is treated the same.
        let values: Vec<f64> = values
            .iter()
            .map(|&f| if f.is_nan() { f64::INFINITY } else { f })
            .collect();
        let genotypes = std::mem::take(&mut self.pending);
        self.evaluations += values.len();
        for (g, &f) in genotypes.iter().zip(&values) {
            if self.best.as_ref().is_none_or(|(_, b)| f < *b) {
                self.best = Some((g.iter().map(|&x| to_unit_box(x)).collect(), f));
            }
        }
        if values.len() < self.p.popsize {
            // A generation cut to the budget: the search ends with it.
            self.stop = Some(StopReason::MaxEvaluations);
            return;
        }
        self.update(&genotypes, &values);
    }

    fn stopped(&self) -> Option<StopReason> {
        self.stop
    }
}
