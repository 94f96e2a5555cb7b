//! Derivative-free searches for `[fit]` (hnn-core's `Optimizer` solvers),
//! driven from outside by ask and tell so that the parallel driver can
//! spread a generation over the ranks and a resumed run can replay the
//! stored evaluations.
//!
//! Every search works in the unit cube `[0, 1]^n`: the fit maps a
//! coordinate to a parameter value (linearly, or in log10 space with
//! `log = true`). A search is deterministic: the same seed and the same
//! told values give the same asked points, bit for bit, on any machine.

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
}

impl StopReason {
    /// The name the file stores (`/fit` attribute `stop_reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::MaxEvaluations => "max_evaluations",
            StopReason::Tolfun => "tolfun",
            StopReason::TrustRegion => "rhoend",
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

mod stub;
pub use stub::{new, SearchError};
