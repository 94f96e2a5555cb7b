//! Derivative-free searches for `[fit]` (hnn-core's `Optimizer` solvers),
//! driven from outside by ask and tell so that the parallel driver can
//! spread a generation over the ranks and a resumed run can replay the
//! stored evaluations.
//!
//! Every search works in the unit cube `[0, 1]^n`: the fit maps a
//! coordinate to a parameter value (linearly, or in log10 space with
//! `log = true`). A search is deterministic: the same seed and the same
//! told values give the same asked points, bit for bit, on any machine.
//!
//! [`new`] builds the search `[fit]` asks for; docs/fit.md describes the
//! solvers, their constants, bounds and stops.

pub mod bayesian;
pub mod cma;
pub mod cma_params;
pub mod cobyla;
mod numeric;

use crate::config::fit::{Fit, Solver};

/// Why a search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// `[fit] max_evaluations` simulations were asked for.
    MaxEvaluations,
    /// CMA-ES: the objective's range over recent generations fell below
    /// `[fit] tolfun` (pycma's `tolfun`).
    Tolfun,
    /// COBYLA: the trust region shrank to `rhoend`.
    TrustRegion,
    /// CMA-ES: every coordinate's step below pycma's `tolx` (1e-11).
    Tolx,
    /// CMA-ES: the covariance's condition number above pycma's
    /// `tolconditioncov` (1e14).
    ConditionCov,
    /// CMA-ES: the best value equalled the 75 % quantile in more than one
    /// generation (pycma's `tolflatfitness`), e.g. every simulation failed.
    FlatFitness,
    /// COBYLA gave up (its linear algebra lost precision) before `rhoend`.
    Degenerate,
}

impl StopReason {
    /// The name the file stores (`/fit` attribute `stop_reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::MaxEvaluations => "max_evaluations",
            StopReason::Tolfun => "tolfun",
            StopReason::TrustRegion => "rhoend",
            StopReason::Tolx => "tolx",
            StopReason::ConditionCov => "tolconditioncov",
            StopReason::FlatFitness => "tolflatfitness",
            StopReason::Degenerate => "degenerate",
        }
    }
}

/// A minimiser over `[0, 1]^n` driven by ask and tell.
pub trait Search {
    /// The next points to evaluate, each of length `n` inside the unit
    /// cube: a CMA-ES generation, or COBYLA's one point. Empty once the
    /// search has stopped. Called again only after `tell`.
    fn ask(&mut self) -> Vec<Vec<f64>>;
    /// The objective at the points of the last `ask`, in their order.
    /// A failed simulation is told as `f64::INFINITY`.
    fn tell(&mut self, values: &[f64]);
    /// Why the search ended, once it has.
    fn stopped(&self) -> Option<StopReason>;
}

/// Why a search could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchError {
    /// A setting the search cannot run with (the config's checks refuse
    /// these first; this guards direct callers).
    Invalid(String),
}

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchError::Invalid(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for SearchError {}

/// The width of a fit parameter's searched coordinate: `high - low`, or
/// `log10(high) - log10(low)` with `log` (COBYLA's steps are absolute in
/// it, as hnn-core's are in the parameter's units).
fn searched_width(p: &crate::config::fit::FitParam) -> f64 {
    if p.log {
        p.high.log10() - p.low.log10()
    } else {
        p.high - p.low
    }
}

/// The search `[fit]` asks for, starting at the middle of every range (the
/// point 0.5 of the unit cube, hnn-core's `_get_initial_params`).
pub fn new(fit: &Fit) -> Result<Box<dyn Search + Send>, SearchError> {
    let n = fit.params.len();
    let x0 = vec![0.5; n];
    match fit.solver {
        Solver::Cma => Ok(Box::new(cma::Cma::new(
            &x0,
            fit.sigma0,
            fit.popsize,
            fit.tolfun,
            fit.max_evaluations,
            fit.seed,
        )?)),
        Solver::Cobyla => {
            let widths: Vec<f64> = fit.params.iter().map(searched_width).collect();
            Ok(Box::new(cobyla::Cobyla::hnn_core(
                &x0,
                &widths,
                fit.max_evaluations,
            )?))
        }
        Solver::Bayesian => Ok(Box::new(bayesian::Bayesian::new(
            &x0,
            fit.max_evaluations,
            fit.seed,
        )?)),
    }
}
