//! hnn-core's dipole processing (hnn_core/dipole.py, utils.py):
//! `_baseline_renormalize`, `_convert_fAm_to_nAm`, `scale`, and the
//! Hamming-window `smooth`.

// numpy's rounding lives with the other bit-compatibility code; re-exported
// here, where the smoothing that uses it is.
pub use crate::compat::numpy_round::{round_half_even, window_samples};

/// Per-layer and aggregate dipoles, nAm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayerDipoles {
    pub agg: Vec<f64>,
    pub l2: Vec<f64>,
    pub l5: Vec<f64>,
}

/// hnn-core `Dipole._baseline_renormalize` then `_convert_fAm_to_nAm`
/// (applied to every simulated dipole, parallel_backends.py
/// `_gather_trial_data`): subtract the empirical resting offsets of
/// `n_pyr = nx * ny` pyramidal cells per layer, re-sum, scale fAm to nAm.
pub fn renormalize_to_nam(
    times_ms: &[f64],
    l2_fam: &[f64],
    l5_fam: &[f64],
    n_pyr: usize,
) -> LayerDipoles {
    let n = n_pyr as f64;
    let l2_offset = n * 0.0443;
    let l5_offset = n * -49.0502;
    let (m, b) = (3.4770508e-3, -51.231085);
    let (t1, m1, b1) = (750.0, 1.01e-4, -48.412078);
    let l2: Vec<f64> = l2_fam.iter().map(|&x| x - l2_offset).collect();
    let l5: Vec<f64> = l5_fam
        .iter()
        .zip(times_ms)
        .map(|(&x, &t)| {
            if t <= 37.0 {
                x - l5_offset
            } else if t < t1 {
                x - n * (m * t + b)
            } else {
                x - n * (m1 * t + b1)
            }
        })
        .collect();
    let agg: Vec<f64> = l2.iter().zip(&l5).map(|(a, b)| a + b).collect();
    let nam = |v: Vec<f64>| v.into_iter().map(|x| x * 1e-6).collect::<Vec<_>>();
    LayerDipoles {
        agg: nam(agg),
        l2: nam(l2),
        l5: nam(l5),
    }
}

/// numpy's pairwise summation (`pairwise_sum` in loops_utils.h), so sums
/// round as numpy's do.
pub fn numpy_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(-0.0, |acc, x| acc + x)
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for k in 0..8 {
                r[k] += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        numpy_sum(&a[..n2]) + numpy_sum(&a[n2..])
    }
}

/// `numpy.hamming(m)`.
pub fn hamming(m: usize) -> Vec<f64> {
    if m == 1 {
        return vec![1.0];
    }
    (0..m)
        .map(|i| {
            let n = 1.0 - m as f64 + 2.0 * i as f64;
            0.54 + 0.46 * (std::f64::consts::PI * n / (m as f64 - 1.0)).cos()
        })
        .collect()
}

/// Why hnn-core's `smooth_waveform` refuses a window (its `ValueError`s).
#[derive(Debug, Clone, PartialEq)]
pub enum SmoothError {
    /// A negative window length.
    Negative,
    /// A window of more than 0 and less than 1 ms.
    BelowOneMs,
    /// A window of fewer than one sample.
    TooSmall { samples: usize },
    /// A window longer than the data.
    TooLong { samples: usize, data: usize },
}

impl std::fmt::Display for SmoothError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Negative => f.write_str("smoothing window length must be a non-negative number"),
            Self::BelowOneMs => {
                f.write_str("smoothing window length less than 1 ms is not supported")
            }
            Self::TooSmall { samples } => {
                write!(f, "smoothing window is too small: {samples} samples")
            }
            Self::TooLong { samples, data } => write!(
                f,
                "smoothing window is too long: {samples} samples; data has {data} samples"
            ),
        }
    }
}

impl std::error::Error for SmoothError {}

/// hnn-core `smooth_waveform(data, window_len_ms, sfreq)`: convolution
/// ('same') with a normalised Hamming window of `round(window_len * sfreq
/// / 1000)` samples.
pub fn smooth(data: &[f64], window_len_ms: f64, sfreq_hz: f64) -> Result<Vec<f64>, SmoothError> {
    if window_len_ms < 0.0 {
        return Err(SmoothError::Negative);
    }
    if 0.0 < window_len_ms && window_len_ms < 1.0 {
        return Err(SmoothError::BelowOneMs);
    }
    let winsz = window_samples(window_len_ms, sfreq_hz);
    if winsz < 1 {
        return Err(SmoothError::TooSmall { samples: winsz });
    }
    if winsz > data.len() {
        return Err(SmoothError::TooLong {
            samples: winsz,
            data: data.len(),
        });
    }
    let mut win = hamming(winsz);
    let total = numpy_sum(&win);
    for w in &mut win {
        *w /= total;
    }
    // numpy.convolve(x, w, 'same') = correlate(x, w[::-1]) centred with
    // floor(len(w)/2) samples on the left.
    let rev: Vec<f64> = win.iter().rev().copied().collect();
    let n_left = winsz / 2;
    let n = data.len();
    Ok((0..n)
        .map(|i| {
            // Output i covers data[i - n_left + j] for the j that fall
            // inside the data.
            let j_lo = n_left.saturating_sub(i);
            let j_hi = rev.len().min(n + n_left - i);
            let start = i + j_lo - n_left;
            dot(&data[start..start + (j_hi - j_lo)], &rev[j_lo..j_hi])
        })
        .collect())
}

/// Dot product with eight partial sums (vectorises; numpy's `correlate`
/// also sums with SIMD partial sums, so neither order is "the" reference:
/// the two agree to rounding).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a8.remainder(), b8.remainder());
    for (x, y) in a8.zip(b8) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut total =
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in a_rest.iter().zip(b_rest) {
        total += x * y;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hamming_matches_numpy_values() {
        // numpy.hamming(5) = [0.08, 0.54, 1.0, 0.54, 0.08]
        let w = hamming(5);
        let expect = [0.08, 0.54, 1.0, 0.54, 0.08];
        for (a, b) in w.iter().zip(expect) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    #[test]
    fn smoothing_preserves_a_constant_inside() {
        let data = vec![2.0; 200];
        let s = smooth(&data, 1.0, 10_000.0).unwrap();
        assert!((s[100] - 2.0).abs() < 1e-12);
        assert!(s[0] < 2.0);
    }

    /// The windowed sums equal numpy's `convolve(x, w, 'same')` written
    /// out term by term, at the edges too, for odd and even windows.
    #[test]
    fn smoothing_equals_the_plain_convolution() {
        let data: Vec<f64> = (0..301)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) * 0.3)
            .collect();
        for window_ms in [1.0, 2.2, 7.0, 30.0] {
            let sfreq = 10_000.0;
            let ours = smooth(&data, window_ms, sfreq).unwrap();
            let m = round_half_even(1e-3 * window_ms * sfreq) as usize;
            let mut w = hamming(m);
            let total = numpy_sum(&w);
            w.iter_mut().for_each(|x| *x /= total);
            let n = data.len() as isize;
            for (i, o) in ours.iter().enumerate() {
                // 'same' starts (m - 1) / 2 samples into the full
                // convolution sum_k data[k] * w[t - k].
                let mut want = 0.0;
                for k in 0..n {
                    let j = i as isize + ((m - 1) / 2) as isize - k;
                    if (0..m as isize).contains(&j) {
                        want += data[k as usize] * w[j as usize];
                    }
                }
                assert!(
                    (o - want).abs() <= 1e-12 * (1.0 + want.abs()),
                    "window {window_ms} ms, sample {i}: {o} vs {want}"
                );
            }
        }
    }
}
