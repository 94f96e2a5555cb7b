//! The time grid of a trial: NEURON advances `t` in half steps, `t += dt/2`
//! twice per step (`nrn_fixed_step`, fadvance.cpp), so a sample time is
//! that accumulated value, not `i · dt` (docs/engine.md, §2 Time grid).
//! The simulator's clock and the recorded `/times` both come from here, so
//! they agree bit for bit.

/// Steps of `dt_ms` up to `tstop_ms`: `round(tstop / dt)`.
pub fn n_steps(tstop_ms: f64, dt_ms: f64) -> usize {
    (tstop_ms / dt_ms).round() as usize
}

/// `t + dt/2`: one half step of NEURON's clock (and the deadline of the
/// events a step delivers).
#[inline(always)]
pub fn half_step(t_ms: f64, dt_ms: f64) -> f64 {
    t_ms + 0.5 * dt_ms
}

/// Every recorded sample time for `tstop_ms`/`dt_ms`, ms: t = 0, then the
/// clock after each of the [`n_steps`] steps ([`half_step`] twice).
pub fn sample_times(tstop_ms: f64, dt_ms: f64) -> Vec<f64> {
    let n = n_steps(tstop_ms, dt_ms);
    let mut t = 0.0;
    let mut out = Vec::with_capacity(n + 1);
    out.push(t);
    for _ in 0..n {
        t = half_step(t, dt_ms);
        t = half_step(t, dt_ms);
        out.push(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accumulated half steps differ from `i · dt` in the last bits.
    #[test]
    fn accumulated_not_multiplied() {
        let times = sample_times(10.0, 0.025);
        assert_eq!(times.len(), 401);
        assert_eq!(times[0], 0.0);
        assert!(times
            .iter()
            .enumerate()
            .any(|(i, &t)| t != i as f64 * 0.025));
        let mut t: f64 = 0.0;
        for &s in &times[1..] {
            t += 0.5 * 0.025;
            t += 0.5 * 0.025;
            assert_eq!(s.to_bits(), t.to_bits());
        }
    }
}
