//! The Fourier tools hnn-core's objective functions call from scipy
//! (`scipy.signal.periodogram`, `scipy.signal.resample`), on the real FFT of
//! the `realfft` crate (rustfft underneath) instead of scipy's pocketfft.
//!
//! Both libraries compute the same transform with error of order machine
//! epsilon times log2(n) relative to the signal's norm, in different orders
//! of operations: the results agree with scipy's to ~1e-15 relative, not bit
//! for bit (`tests/objectives.rs` checks the objective values to 1e-12).

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::dipole::numpy_sum;
use crate::compat::numpy_space::numpy_linspace;

/// A forward and an inverse real FFT plan of one length.
fn plans(n: usize) -> (Arc<dyn RealToComplex<f64>>, Arc<dyn ComplexToReal<f64>>) {
    let mut planner = RealFftPlanner::<f64>::new();
    (planner.plan_fft_forward(n), planner.plan_fft_inverse(n))
}

/// `numpy.fft.rfft(x)`: the `n / 2 + 1` non-negative-frequency terms of the
/// unnormalised DFT. Empty for an empty input.
pub fn rfft(x: &[f64]) -> Vec<Complex<f64>> {
    if x.is_empty() {
        return Vec::new();
    }
    let (fwd, _) = plans(x.len());
    let mut input = x.to_vec();
    let mut out = fwd.make_output_vec();
    fwd.process(&mut input, &mut out)
        .expect("buffers made by the plan have its lengths");
    out
}

/// `numpy.fft.irfft(spec, n)`: the real signal of `n` samples whose rfft is
/// `spec`, truncated or zero-padded to `n / 2 + 1` terms; normalised by
/// `1 / n` ("backward"). As pocketfft does, the imaginary parts of the
/// zero-frequency term and (even `n`) of the Nyquist term are ignored.
pub fn irfft(spec: &[Complex<f64>], n: usize) -> Vec<f64> {
    if n == 0 {
        return Vec::new();
    }
    let (_, inv) = plans(n);
    let mut input = inv.make_input_vec();
    let m = input.len().min(spec.len());
    input[..m].copy_from_slice(&spec[..m]);
    input[0].im = 0.0;
    if n.is_multiple_of(2) {
        let last = input.len() - 1;
        input[last].im = 0.0;
    }
    let mut out = inv.make_output_vec();
    inv.process(&mut input, &mut out)
        .expect("buffers made by the plan have its lengths, edge terms real");
    let fct = 1.0 / n as f64;
    out.iter_mut().for_each(|x| *x *= fct);
    out
}

/// `scipy.fft.rfftfreq(n, 1 / fs)` (Hz): `k * (1 / (n * (1 / fs)))`.
pub fn rfftfreq(n: usize, fs_hz: f64) -> Vec<f64> {
    let d = 1.0 / fs_hz;
    let val = 1.0 / (n as f64 * d);
    (0..n / 2 + 1).map(|k| k as f64 * val).collect()
}

/// `scipy.signal.get_window('hamming', n)`: the periodic Hamming window
/// (`general_cosine(n + 1, [0.54, 0.46])` without its last point), as
/// `periodogram` uses it.
pub fn hamming_periodic(n: usize) -> Vec<f64> {
    if n <= 1 {
        return vec![1.0; n];
    }
    let fac = numpy_linspace(-std::f64::consts::PI, std::f64::consts::PI, n + 1);
    fac[..n].iter().map(|&f| 0.54 + 0.46 * f.cos()).collect()
}

/// A one-sided power spectral density.
#[derive(Debug, Clone, PartialEq)]
pub struct Psd {
    /// Hz, `rfftfreq(n, 1 / fs)`.
    pub freqs_hz: Vec<f64>,
    /// Signal unit² / Hz (nAm²/Hz for a dipole in nAm).
    pub psd: Vec<f64>,
}

/// `scipy.signal.periodogram(x, fs, window='hamming')` with its defaults
/// (`detrend='constant'`, one-sided, `scaling='density'`): one segment of
/// the whole signal, mean removed, times the periodic Hamming window `w`;
/// `|rfft|² / (fs Σw²)`, every term but the zero-frequency one (and the
/// Nyquist term of an even length) doubled.
pub fn periodogram_hamming(x: &[f64], fs_hz: f64) -> Psd {
    let n = x.len();
    let freqs_hz = rfftfreq(n, fs_hz);
    if n == 0 {
        return Psd {
            freqs_hz: Vec::new(),
            psd: Vec::new(),
        };
    }
    let w = hamming_periodic(n);
    let mean = numpy_sum(x) / n as f64;
    let segment: Vec<f64> = x.iter().zip(&w).map(|(v, wi)| (v - mean) * wi).collect();
    let w2: Vec<f64> = w.iter().map(|v| v * v).collect();
    let scale = 1.0 / (fs_hz * numpy_sum(&w2));
    let spec = rfft(&segment);
    let last = spec.len() - 1;
    let psd = spec
        .iter()
        .enumerate()
        .map(|(k, z)| {
            let p = (z.re * z.re + z.im * z.im) * scale;
            let unpaired = k == 0 || (n.is_multiple_of(2) && k == last);
            if unpaired {
                p
            } else {
                p * 2.0
            }
        })
        .collect();
    Psd { freqs_hz, psd }
}

/// `scipy.signal.resample(x, num)` (Fourier method, scipy 1.17): the rfft
/// cut to the `min(num, n) / 2 + 1` lowest terms, the unpaired term at
/// `m / 2` of an even `m = min(num, n)` doubled (down-sampling) or halved
/// (up-sampling), scaled by `num / n` and transformed back to `num`
/// samples. `num = 0` or an empty `x` gives an empty signal.
pub fn resample(x: &[f64], num: usize) -> Vec<f64> {
    let n_x = x.len();
    if num == 0 || n_x == 0 {
        return Vec::new();
    }
    let s_fac = n_x as f64 / num as f64;
    let m = num.min(n_x);
    let m2 = m / 2 + 1;
    let mut spec = rfft(x);
    spec.truncate(m2);
    if m.is_multiple_of(2) && num != n_x {
        let f = if num < n_x { 2.0 } else { 0.5 };
        spec[m / 2] *= f;
    }
    // numpy divides a complex array by a real scalar as Smith's complex
    // division does: both parts times the reciprocal.
    let inv = 1.0 / s_fac;
    for z in &mut spec {
        *z = Complex::new(z.re * inv, z.im * inv);
    }
    irfft(&spec, num)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let t = i as f64;
                (0.05 * t).sin() + 0.3 * (0.31 * t).cos() + ((i * 37 % 11) as f64 - 5.0) * 0.01
            })
            .collect()
    }

    /// The plain O(n²) DFT, against which the FFT is checked.
    fn dft(x: &[f64]) -> Vec<Complex<f64>> {
        let n = x.len();
        (0..n / 2 + 1)
            .map(|k| {
                x.iter()
                    .enumerate()
                    .fold(Complex::new(0.0, 0.0), |acc, (j, &v)| {
                        let a = -2.0 * std::f64::consts::PI * (k * j % n) as f64 / n as f64;
                        acc + Complex::new(v * a.cos(), v * a.sin())
                    })
            })
            .collect()
    }

    #[test]
    fn rfft_is_the_dft_and_irfft_inverts_it() {
        for n in [1, 2, 7, 64, 101, 250] {
            let x = signal(n);
            let (a, b) = (rfft(&x), dft(&x));
            assert_eq!(a.len(), n / 2 + 1);
            for (p, q) in a.iter().zip(&b) {
                assert!(
                    (p - q).norm() < 1e-11 * (1.0 + q.norm()),
                    "n {n}: {p} vs {q}"
                );
            }
            let back = irfft(&a, n);
            for (p, q) in back.iter().zip(&x) {
                assert!((p - q).abs() < 1e-13, "n {n}: {p} vs {q}");
            }
        }
    }

    #[test]
    fn periodic_hamming_window() {
        // scipy.signal.get_window('hamming', 4) = [0.08, 0.54, 1.0, 0.54]
        let w = hamming_periodic(4);
        for (a, b) in w.iter().zip([0.08, 0.54, 1.0, 0.54]) {
            assert!((a - b).abs() < 1e-15, "{w:?}");
        }
        assert_eq!(hamming_periodic(1), vec![1.0]);
    }

    /// Parseval with the window: the one-sided density integrates to the
    /// windowed signal's power, `Σ psd · fs / n = Σ (w (x - mean))² / Σ w²`.
    #[test]
    fn periodogram_keeps_the_windowed_power() {
        for n in [100, 101] {
            let x = signal(n);
            let fs = 1000.0;
            let p = periodogram_hamming(&x, fs);
            assert_eq!(p.freqs_hz.len(), n / 2 + 1);
            assert_eq!(p.freqs_hz[1], fs / n as f64);
            let w = hamming_periodic(n);
            let mean = x.iter().sum::<f64>() / n as f64;
            let power: f64 = x
                .iter()
                .zip(&w)
                .map(|(v, wi)| ((v - mean) * wi).powi(2))
                .sum::<f64>()
                / w.iter().map(|v| v * v).sum::<f64>();
            // The doubled one-sided sum counts the unpaired terms once.
            let total: f64 = p.psd.iter().sum::<f64>() * fs / n as f64;
            assert!((total - power).abs() < 1e-12 * power, "{total} vs {power}");
        }
    }

    #[test]
    fn resampling_a_band_limited_signal_is_exact() {
        // A sum of low harmonics of the 48-sample period survives down- and
        // up-sampling unchanged (the Fourier method assumes periodicity).
        let f = |t: f64| {
            (2.0 * std::f64::consts::PI * t).sin() + 0.5 * (6.0 * std::f64::consts::PI * t).cos()
        };
        let x: Vec<f64> = (0..48).map(|i| f(i as f64 / 48.0)).collect();
        for num in [12, 13, 48, 96, 97] {
            let y = resample(&x, num);
            assert_eq!(y.len(), num);
            for (i, v) in y.iter().enumerate() {
                let want = f(i as f64 / num as f64);
                assert!(
                    (v - want).abs() < 1e-12,
                    "num {num}, sample {i}: {v} vs {want}"
                );
            }
        }
        assert!(resample(&x, 0).is_empty());
    }
}
