//! COBYLA for `[fit] solver = "cobyla"`: Powell's Constrained
//! Optimization BY Linear Approximations, as hnn-core 0.6.1's
//! `_run_opt_cobyla` calls scipy's `fmin_cobyla(x0 = the middle of every
//! range, cons = each range's two bounds, rhobeg = 0.1, rhoend = 1e-4,
//! maxfun = max_iter, catol = 0)`. There `rhobeg` and `rhoend` are in the
//! parameters' own units; here the search runs in the unit cube, so
//! coordinate i gets `rhobeg = 0.1 / width_i` and `rhoend = 1e-4 /
//! width_i` (width = `high - low`, or the log10 width with `log`), the
//! same steps in the parameter's units ([`Cobyla::hnn_core`]).
//!
//! The minimiser is the `cobyla` crate (a Rust translation of NLopt's
//! COBYLA, maintained), which calls a closure for every value. It runs on
//! its own thread: the closure sends the point to the driver's `ask` and
//! waits for the value from `tell`. Dropping the search closes both
//! channels; the closure then unwinds out of the minimiser with a private
//! payload (`resume_unwind`, which prints nothing), the thread ends and
//! `drop` joins it: no hang, no panic message, at worst the minimiser's
//! few work buffers are not freed.
//!
//! NLopt evaluates a point clamped to the bounds (its `func_wrap`), so no
//! point leaves `[0, 1]`; `ask` clamps again after undoing NLopt's
//! rescaling, whose rounding could give `1 + ulp`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;

use super::{Search, SearchError, StopReason};

/// hnn-core's `fmin_cobyla(..., rhobeg=0.1, rhoend=1e-4)`, parameter units.
pub const HNN_RHOBEG: f64 = 0.1;
pub const HNN_RHOEND: f64 = 1e-4;

/// What the minimiser's thread sends to the driver.
enum FromSolver {
    Ask(Vec<f64>),
    Done(StopReason),
}

/// The unwinding payload that ends an abandoned minimiser.
struct Abandoned;

/// COBYLA driven by ask and tell: one point at a time.
pub struct Cobyla {
    from_solver: Option<Receiver<FromSolver>>,
    to_solver: Option<Sender<f64>>,
    thread: Option<JoinHandle<()>>,
    pending: Option<Vec<f64>>,
    stop: Option<StopReason>,
    evaluations: usize,
    best: Option<(Vec<f64>, f64)>,
    /// Smallest and largest finite value told, for the stand-in of a
    /// failed simulation.
    finite_range: Option<(f64, f64)>,
}

impl Cobyla {
    /// hnn-core's COBYLA for parameters whose searched coordinates have
    /// the given widths (see the module doc).
    pub fn hnn_core(
        x0: &[f64],
        widths: &[f64],
        max_evaluations: usize,
    ) -> Result<Cobyla, SearchError> {
        if widths.len() != x0.len() || widths.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
            return Err(SearchError::Invalid(
                "every parameter's width must be finite and > 0".into(),
            ));
        }
        let rhobeg: Vec<f64> = widths.iter().map(|w| HNN_RHOBEG / w).collect();
        let rhoend: Vec<f64> = widths.iter().map(|w| HNN_RHOEND / w).collect();
        Cobyla::new(x0, &rhobeg, &rhoend, max_evaluations)
    }

    /// COBYLA over `[0, 1]^n` from `x0` with initial steps `rhobeg` and
    /// final trust-region radii `rhoend`, per coordinate (unit-cube units;
    /// NLopt uses their ratios as a rescaling of the coordinates), at most
    /// `max_evaluations` points.
    pub fn new(
        x0: &[f64],
        rhobeg: &[f64],
        rhoend: &[f64],
        max_evaluations: usize,
    ) -> Result<Cobyla, SearchError> {
        let n = x0.len();
        if n == 0 {
            return Err(SearchError::Invalid("no parameter to search".into()));
        }
        if rhobeg.len() != n || rhoend.len() != n {
            return Err(SearchError::Invalid(
                "rhobeg and rhoend need one value per parameter".into(),
            ));
        }
        let positive = |v: &[f64]| v.iter().all(|x| x.is_finite() && *x > 0.0);
        if !positive(rhobeg) || !positive(rhoend) {
            return Err(SearchError::Invalid(
                "rhobeg and rhoend must be finite and > 0".into(),
            ));
        }
        if x0.iter().any(|x| !(0.0..=1.0).contains(x)) {
            return Err(SearchError::Invalid("x0 must lie in the unit cube".into()));
        }
        let mut search = Cobyla {
            from_solver: None,
            to_solver: None,
            thread: None,
            pending: None,
            stop: None,
            evaluations: 0,
            best: None,
            finite_range: None,
        };
        if max_evaluations == 0 {
            search.stop = Some(StopReason::MaxEvaluations);
            return Ok(search);
        }
        let (ask_tx, ask_rx) = channel::<FromSolver>();
        let (tell_tx, tell_rx) = channel::<f64>();
        let (x0, rhobeg, rhoend) = (x0.to_vec(), rhobeg.to_vec(), rhoend.to_vec());
        let thread = std::thread::Builder::new()
            .name("cobyla".into())
            .spawn(move || {
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                    let objective = |x: &[f64], _: &mut ()| -> f64 {
                        if ask_tx.send(FromSolver::Ask(x.to_vec())).is_err() {
                            panic::resume_unwind(Box::new(Abandoned));
                        }
                        match tell_rx.recv() {
                            Ok(f) => f,
                            Err(_) => panic::resume_unwind(Box::new(Abandoned)),
                        }
                    };
                    let no_constraints: Vec<&dyn cobyla::Func<()>> = Vec::new();
                    cobyla::minimize(
                        objective,
                        &x0,
                        &vec![(0.0, 1.0); x0.len()],
                        &no_constraints,
                        (),
                        max_evaluations,
                        cobyla::RhoBeg::Set(rhobeg),
                        Some(cobyla::StopTols {
                            xtol_abs: rhoend,
                            ..Default::default()
                        }),
                    )
                }));
                let reason = match outcome {
                    Ok(Ok((cobyla::SuccessStatus::XtolReached, _, _))) => StopReason::TrustRegion,
                    Ok(Ok((cobyla::SuccessStatus::MaxEvalReached, _, _))) => {
                        StopReason::MaxEvaluations
                    }
                    Ok(_) => StopReason::Degenerate,
                    Err(payload) if payload.is::<Abandoned>() => return,
                    Err(payload) => panic::resume_unwind(payload),
                };
                let _ = ask_tx.send(FromSolver::Done(reason));
            })
            .map_err(|e| SearchError::Invalid(format!("cannot start the COBYLA thread: {e}")))?;
        search.from_solver = Some(ask_rx);
        search.to_solver = Some(tell_tx);
        search.thread = Some(thread);
        Ok(search)
    }

    /// Points told so far.
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }
    /// The best point told so far and its value (the first of equals).
    pub fn best(&self) -> Option<(&[f64], f64)> {
        self.best.as_ref().map(|(x, f)| (x.as_slice(), *f))
    }

    /// The value COBYLA is given for a failed simulation (+inf or NaN):
    /// worse than every value told so far by their spread plus 1, or 1e10
    /// before any finite value. Its linear models need finite values; the
    /// stand-in depends only on the told values, so a replay repeats it.
    fn stand_in(&self) -> f64 {
        match self.finite_range {
            Some((lo, hi)) => hi + (hi - lo) + 1.0,
            None => 1e10,
        }
    }

    fn end(&mut self, reason: StopReason) {
        self.stop = Some(reason);
        self.shut_down();
    }

    fn shut_down(&mut self) {
        self.to_solver = None;
        self.from_solver = None;
        if let Some(t) = self.thread.take() {
            // The thread ends at its next channel operation; a panic inside
            // the minimiser (a bug) is not re-raised in the driver.
            let _ = t.join();
        }
    }
}

impl Search for Cobyla {
    fn ask(&mut self) -> Vec<Vec<f64>> {
        if self.stop.is_some() {
            return Vec::new();
        }
        if let Some(x) = &self.pending {
            return vec![x.clone()];
        }
        let msg = self.from_solver.as_ref().map(|rx| rx.recv());
        match msg {
            Some(Ok(FromSolver::Ask(x))) => {
                let x: Vec<f64> = x.into_iter().map(|v| v.clamp(0.0, 1.0)).collect();
                self.pending = Some(x.clone());
                vec![x]
            }
            Some(Ok(FromSolver::Done(reason))) => {
                self.end(reason);
                Vec::new()
            }
            // The thread died without a word (a panic in the minimiser).
            Some(Err(_)) | None => {
                self.end(StopReason::Degenerate);
                Vec::new()
            }
        }
    }

    fn tell(&mut self, values: &[f64]) {
        let Some(x) = self.pending.take() else {
            assert!(
                values.is_empty(),
                "COBYLA: told a value with no asked point"
            );
            return;
        };
        assert_eq!(
            values.len(),
            1,
            "COBYLA: told {} values for one asked point",
            values.len()
        );
        let f = values[0];
        self.evaluations += 1;
        if self.best.as_ref().is_none_or(|(_, b)| f < *b) && !f.is_nan() {
            self.best = Some((x, f));
        }
        let given = if f.is_finite() {
            self.finite_range = Some(match self.finite_range {
                Some((lo, hi)) => (lo.min(f), hi.max(f)),
                None => (f, f),
            });
            f
        } else if f == f64::NEG_INFINITY {
            f64::MIN
        } else {
            self.stand_in()
        };
        let sent = self.to_solver.as_ref().map(|tx| tx.send(given).is_ok());
        if sent != Some(true) {
            self.end(StopReason::Degenerate);
        }
    }

    fn stopped(&self) -> Option<StopReason> {
        self.stop
    }
}

impl Drop for Cobyla {
    fn drop(&mut self) {
        self.shut_down();
    }
}
