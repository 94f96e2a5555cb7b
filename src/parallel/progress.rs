//! Progress of a sweep on rank 0: simulations done, rate, time left,
//! failures; and, within a long simulation of rank 0's own, how far it is.

use std::time::{Duration, Instant};

use log::{info, warn};

use crate::output::SimResult;

/// Progress of a sweep, logged on rank 0 at most every few seconds; within
/// a long simulation of rank 0's, its simulated time every half minute.
pub struct Progress {
    total: usize,
    done: usize,
    failed: usize,
    start: Instant,
    last: Instant,
    /// A fit's round: no count of simulations done (the fit logs its own).
    quiet: bool,
}

/// Silence before [`Progress::tick`] reports a simulation under way.
const TICK_EVERY: Duration = Duration::from_secs(30);

impl Progress {
    pub fn new(total: usize) -> Self {
        let now = Instant::now();
        Progress {
            total,
            done: 0,
            failed: 0,
            start: now,
            last: now,
            quiet: false,
        }
    }

    /// One round of a fit: failures and long simulations are logged, not
    /// the count of simulations done (the fit reports its evaluations).
    pub fn quiet(total: usize) -> Self {
        Progress {
            quiet: true,
            ..Self::new(total)
        }
    }

    pub fn record(&mut self, r: &SimResult) {
        self.done += 1;
        if let Some(e) = &r.error {
            self.failed += 1;
            warn!("simulation {} failed: {e}", r.sim);
        }
        let now = Instant::now();
        if self.quiet {
            return;
        }
        if now - self.last >= Duration::from_secs(5) || self.done == self.total {
            self.last = now;
            let elapsed = (now - self.start).as_secs_f64();
            let rate = self.done as f64 / elapsed.max(1e-9);
            let eta = (self.total - self.done) as f64 / rate.max(1e-12);
            info!(
                "{}/{} simulations done ({:.2}/s, ETA {:.0} s), {} failed",
                self.done, self.total, rate, eta, self.failed
            );
        }
    }

    /// Rank 0's own simulations (`n` from `sim` on, integrated together)
    /// have reached `t_ms`: logged when nothing was logged for
    /// [`TICK_EVERY`] (a long simulation, e.g. a large network, otherwise
    /// shows nothing until it ends).
    pub fn tick(&mut self, sim: usize, n: usize, t_ms: f64) {
        let now = Instant::now();
        if now - self.last >= TICK_EVERY {
            self.last = now;
            let which = if n > 1 {
                format!("simulations {sim}.. ({n} together)")
            } else {
                format!("simulation {sim}")
            };
            info!(
                "{which} under way: {t_ms:.1} ms simulated; {}/{} simulations done",
                self.done, self.total
            );
        }
    }

    pub fn failed(&self) -> usize {
        self.failed
    }

    pub fn done(&self) -> usize {
        self.done
    }
}
