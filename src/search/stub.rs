//! A stand-in search until CMA-ES and COBYLA land (branch i15-search):
//! random points around the best so far, deterministic from the seed.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Search, StopReason};
use crate::config::{Fit, Solver};

/// Why a search could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchError {
    NotBuilt(Solver),
    Invalid(String),
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchError::NotBuilt(s) => write!(f, "solver \"{}\" is not built", s.as_str()),
            SearchError::Invalid(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for SearchError {}

struct Stub {
    rng: ChaCha8Rng,
    n: usize,
    lambda: usize,
    budget: usize,
    asked: usize,
    best: (Vec<f64>, f64),
    last: Vec<Vec<f64>>,
    stop: Option<StopReason>,
}

impl Search for Stub {
    fn ask(&mut self) -> Vec<Vec<f64>> {
        if self.stop.is_some() {
            return Vec::new();
        }
        let step = 0.5 / (1.0 + self.asked as f64 / 16.0);
        self.last = (0..self.lambda)
            .map(|_| {
                (0..self.n)
                    .map(|i| {
                        let u = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                        (self.best.0[i] + step * (2.0 * u - 1.0)).clamp(0.0, 1.0)
                    })
                    .collect()
            })
            .collect();
        self.asked += self.lambda;
        self.last.clone()
    }
    fn tell(&mut self, values: &[f64]) {
        for (x, &v) in self.last.iter().zip(values) {
            if v < self.best.1 {
                self.best = (x.clone(), v);
            }
        }
        if self.asked + self.lambda > self.budget {
            self.stop = Some(StopReason::MaxEvaluations);
        }
    }
    fn stopped(&self) -> Option<StopReason> {
        self.stop
    }
}

/// The search `[fit]` asks for.
pub fn new(fit: &Fit) -> Result<Box<dyn Search + Send>, SearchError> {
    let lambda = match fit.solver {
        Solver::Cma => fit.popsize,
        Solver::Cobyla => 1,
        Solver::Bayesian => return Err(SearchError::NotBuilt(Solver::Bayesian)),
    };
    Ok(Box::new(Stub {
        rng: ChaCha8Rng::seed_from_u64(fit.seed),
        n: fit.params.len(),
        lambda,
        budget: fit.max_evaluations,
        asked: 0,
        best: (vec![0.5; fit.params.len()], f64::INFINITY),
        last: Vec::new(),
        stop: None,
    }))
}
