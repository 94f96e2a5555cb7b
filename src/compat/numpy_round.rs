//! numpy's `round` (half to even), and the smoothing window length that
//! hnn-core computes with it (`hnn_core/utils.py::smooth_waveform`:
//! `np.round(1e-3 * window_len * sfreq)`). Both the config check of
//! `[summary] smooth_window_ms` and the smoothing itself ask here, so the
//! two agree sample for sample.

/// Samples in a smoothing window of `window_len_ms` at `sfreq_hz`
/// (hnn-core's `round(window_len * sfreq / 1000)`).
pub fn window_samples(window_len_ms: f64, sfreq_hz: f64) -> usize {
    round_half_even(1e-3 * window_len_ms * sfreq_hz) as usize
}

/// numpy's `round` (half to even).
pub fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_even_rounding() {
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(3.5), 4.0);
        assert_eq!(round_half_even(1200.0), 1200.0);
    }
}
