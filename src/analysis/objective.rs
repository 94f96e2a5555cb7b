//! hnn-core 0.6.1's objective functions (hnn_core/optimization/
//! objective_functions.py, dipole.py): `_rmse_evoked`, `_anticorr_evoked`,
//! `_maximize_psd`, and the pieces they are made of: `_preprocess_dipole`
//! (`Dipole.scale`, then `Dipole.smooth`), `average_dipoles`,
//! `_resample_and_weight_dipole`, `_rmse`, `_anticorr`,
//! `_get_relative_power`. Each works on the aggregate dipole (nAm), the only
//! layer the objectives read, in hnn-core's order of operations; sums round
//! as numpy's do where numpy sums pairwise ([`numpy_sum`]) and as Python's
//! `sum` does (left to right) where hnn-core calls the built-in. The FFTs are
//! `realfft`'s ([`super::spectrum`]); `tests/objectives.rs` compares every
//! objective with hnn-core's own functions to 1e-12 relative.

use std::fmt;

use super::dipole::{numpy_sum, smooth, SmoothError};
use super::spectrum::{periodogram_hamming, resample};

/// Why an objective cannot be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectiveError {
    /// `Dipole.smooth` refused the window.
    Smoothing(SmoothError),
    /// The comparison window holds no sample of the simulated dipole or of
    /// the target (hnn-core: an empty array or a division by zero).
    EmptyWindow {
        tstart_ms: f64,
        tstop_ms: f64,
        sim_samples: usize,
        target_samples: usize,
    },
    /// No trial to average.
    NoTrials,
    /// `relative_bandpower` has another length than `f_bands` (hnn-core's
    /// `ValueError`).
    BandWeights { bands: usize, weights: usize },
}

impl fmt::Display for ObjectiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Smoothing(e) => e.fmt(f),
            Self::EmptyWindow {
                tstart_ms,
                tstop_ms,
                sim_samples,
                target_samples,
            } => write!(
                f,
                "the comparison window {tstart_ms} to {tstop_ms} ms holds {sim_samples} \
                 simulated and {target_samples} target samples: nothing to compare"
            ),
            Self::NoTrials => f.write_str("no trial to average"),
            Self::BandWeights { bands, weights } => write!(
                f,
                "relative_bandpower has {weights} weights for {bands} frequency bands"
            ),
        }
    }
}

impl std::error::Error for ObjectiveError {}

impl From<SmoothError> for ObjectiveError {
    fn from(e: SmoothError) -> Self {
        ObjectiveError::Smoothing(e)
    }
}

/// hnn-core's `_preprocess_dipole`: `obj_fun_kwargs` `scale_factor` and
/// `smooth_window_len`, each applied when given.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Preprocess {
    /// `Dipole.scale(factor)`: every sample times the factor.
    pub scale_factor: Option<f64>,
    /// `Dipole.smooth(window_len)`, ms, after the scaling.
    pub smooth_window_ms: Option<f64>,
}

/// The sampling frequency hnn-core's `Dipole` derives from its times, Hz:
/// `1000 / (times[1] - times[0])`.
pub fn sfreq_hz(times_ms: &[f64]) -> f64 {
    1000.0 / (times_ms[1] - times_ms[0])
}

/// `_preprocess_dipole` on one trial's aggregate dipole: scale, then smooth.
pub fn preprocess(agg: &[f64], sfreq_hz: f64, p: &Preprocess) -> Result<Vec<f64>, SmoothError> {
    let mut x = agg.to_vec();
    if let Some(f) = p.scale_factor {
        x.iter_mut().for_each(|v| *v *= f);
    }
    match p.smooth_window_ms {
        Some(w) => smooth(&x, w, sfreq_hz),
        None => Ok(x),
    }
}

/// `average_dipoles` on the aggregate layer: numpy's `mean(axis=0)` over the
/// trials (rows added in trial order, then divided by their number).
pub fn average_trials(trials: &[Vec<f64>]) -> Result<Vec<f64>, ObjectiveError> {
    let (first, rest) = trials.split_first().ok_or(ObjectiveError::NoTrials)?;
    let mut sum = first.clone();
    for t in rest {
        sum.iter_mut().zip(t).for_each(|(s, v)| *s += v);
    }
    let n = trials.len() as f64;
    sum.iter_mut().for_each(|s| *s /= n);
    Ok(sum)
}

/// The first index of the sample closest to `t` (numpy's `argmin` of
/// `|times - t|`).
fn closest(times: &[f64], t: f64) -> usize {
    let mut best = 0;
    for (i, x) in times.iter().enumerate() {
        if (x - t).abs() < (times[best] - t).abs() {
            best = i;
        }
    }
    best
}

/// What `_resample_and_weight_dipole` returns: the simulated and target
/// samples of the window, brought to one length, and the weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Aligned {
    pub sim: Vec<f64>,
    pub target: Vec<f64>,
    pub weights: Vec<f64>,
}

/// hnn-core `_resample_and_weight_dipole(dpl, exp_dpl, tstart, tstop)` with
/// no weights: the window is clamped to both time axes, each signal cut at
/// the samples closest to its ends (end excluded), and the longer one
/// resampled (`scipy.signal.resample`) to the shorter one's length; when
/// the simulation is the longer, its all-ones weights are resampled too and
/// those below 1e-4 set to 0.
pub fn resample_and_weight(
    sim_times_ms: &[f64],
    sim: &[f64],
    target_times_ms: &[f64],
    target: &[f64],
    tstart_ms: f64,
    tstop_ms: f64,
) -> Result<Aligned, ObjectiveError> {
    let (mut tstart, mut tstop) = (tstart_ms, tstop_ms);
    for ts in [target_times_ms, sim_times_ms] {
        if let (Some(&first), Some(&last)) = (ts.first(), ts.last()) {
            if tstart < first {
                tstart = first;
            }
            if tstop > last {
                tstop = last;
            }
        }
    }
    let (es, ee) = (
        closest(target_times_ms, tstart),
        closest(target_times_ms, tstop),
    );
    let (ss, se) = (closest(sim_times_ms, tstart), closest(sim_times_ms, tstop));
    let exp_len = ee.saturating_sub(es);
    let sim_len = se.saturating_sub(ss);
    if exp_len == 0 || sim_len == 0 {
        return Err(ObjectiveError::EmptyWindow {
            tstart_ms: tstart,
            tstop_ms: tstop,
            sim_samples: sim_len,
            target_samples: exp_len,
        });
    }
    let mut dpl1 = sim[ss..se].to_vec();
    let mut dpl2 = target[es..ee].to_vec();
    let mut weights = vec![1.0; sim_len];
    if sim_len > exp_len {
        dpl1 = resample(&dpl1, exp_len);
        weights = resample(&weights, exp_len);
        weights
            .iter_mut()
            .filter(|w| **w < 1e-4)
            .for_each(|w| *w = 0.0);
    } else if sim_len < exp_len {
        dpl2 = resample(&dpl2, sim_len);
    }
    Ok(Aligned {
        sim: dpl1,
        target: dpl2,
        weights,
    })
}

/// hnn-core `_rmse(dpl, exp_dpl, tstart, tstop)`:
/// `sqrt(Σ w (sim - target)² / Σ w)` over the aligned window.
pub fn rmse(a: &Aligned) -> f64 {
    let terms: Vec<f64> = a
        .weights
        .iter()
        .zip(a.sim.iter().zip(&a.target))
        .map(|(w, (x, y))| w * ((x - y) * (x - y)))
        .collect();
    (numpy_sum(&terms) / numpy_sum(&a.weights)).sqrt()
}

/// hnn-core `_anticorr(dpl, exp_dpl, tstart, tstop)`:
/// `1 - numpy.corrcoef(sim w, target w)[0, 1]` over the aligned window.
///
/// corrcoef's covariances come from a BLAS dot product whose summation
/// order is not numpy's to reproduce; these are pairwise sums. Both are
/// accurate to rounding, so the coefficient agrees to ~1e-16 and
/// `1 - r` to ~1e-16 / (1 - r) relative: a fit far better than r = 0.9999
/// agrees with hnn-core to fewer digits.
pub fn anticorr(a: &Aligned) -> f64 {
    let x: Vec<f64> = a.sim.iter().zip(&a.weights).map(|(v, w)| v * w).collect();
    let y: Vec<f64> = a
        .target
        .iter()
        .zip(&a.weights)
        .map(|(v, w)| v * w)
        .collect();
    let n = x.len() as f64;
    let (mx, my) = (numpy_sum(&x) / n, numpy_sum(&y) / n);
    let dx: Vec<f64> = x.iter().map(|v| v - mx).collect();
    let dy: Vec<f64> = y.iter().map(|v| v - my).collect();
    let dot = |p: &[f64], q: &[f64]| {
        let pq: Vec<f64> = p.iter().zip(q).map(|(a, b)| a * b).collect();
        numpy_sum(&pq)
    };
    // numpy.cov: the products times 1 / (N - 1); corrcoef then divides by
    // each standard deviation in turn and clips to [-1, 1].
    let fact = 1.0 / (n - 1.0);
    let (cxx, cyy, cxy) = (
        dot(&dx, &dx) * fact,
        dot(&dy, &dy) * fact,
        dot(&dx, &dy) * fact,
    );
    let r = (cxy / cxx.sqrt() / cyy.sqrt()).clamp(-1.0, 1.0);
    1.0 - r
}

/// Absolute and relative power of one frequency band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandPower {
    /// Σ of the periodogram over the band's frequencies (nAm²/Hz summed
    /// over bins, as `_get_relative_power` sums them; times the bin width
    /// `fs / n` it is the band's power in nAm²).
    pub absolute: f64,
    /// `absolute` / Σ of the whole periodogram.
    pub relative: f64,
}

/// The sums `_get_relative_power` makes: for each band `[lo, hi]` (Hz,
/// both ends included), the periodogram (`scipy.signal.periodogram(x, fs,
/// window='hamming')`) summed over its frequencies, alone and relative to
/// the whole periodogram's sum (Python's `sum`, left to right).
pub fn band_powers(x: &[f64], fs_hz: f64, f_bands_hz: &[(f64, f64)]) -> Vec<BandPower> {
    let p = periodogram_hamming(x, fs_hz);
    let total = p.psd.iter().fold(0.0, |acc, v| acc + v);
    f_bands_hz
        .iter()
        .map(|&(lo, hi)| {
            let absolute = p
                .freqs_hz
                .iter()
                .zip(&p.psd)
                .filter(|(f, _)| **f >= lo && **f <= hi)
                .fold(0.0, |acc, (_, v)| acc + v);
            BandPower {
                absolute,
                relative: absolute / total,
            }
        })
        .collect()
}

/// hnn-core `_get_relative_power(dpl, obj_fun_kwargs)`:
/// `-Σ_k weight_k · P(band_k) / P(total)`, one weight per band (hnn-core
/// repeats a float `relative_bandpower` for every band: pass it repeated).
pub fn relative_power(
    x: &[f64],
    fs_hz: f64,
    f_bands_hz: &[(f64, f64)],
    relative_bandpower: &[f64],
) -> Result<f64, ObjectiveError> {
    if relative_bandpower.len() != f_bands_hz.len() {
        return Err(ObjectiveError::BandWeights {
            bands: f_bands_hz.len(),
            weights: relative_bandpower.len(),
        });
    }
    let p = periodogram_hamming(x, fs_hz);
    let total = p.psd.iter().fold(0.0, |acc, v| acc + v);
    let weighted = f_bands_hz
        .iter()
        .zip(relative_bandpower)
        .map(|(&(lo, hi), w)| {
            let band = p
                .freqs_hz
                .iter()
                .zip(&p.psd)
                .filter(|(f, _)| **f >= lo && **f <= hi)
                .fold(0.0, |acc, (_, v)| acc + v);
            w * band
        });
    let sum = weighted.fold(0.0, |acc, v| acc + v);
    Ok(-sum / total)
}

/// A target dipole (hnn-core's `exp_dpl`): times (ms) and aggregate (nAm).
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub times_ms: &'a [f64],
    pub agg: &'a [f64],
}

/// The trial-averaged, preprocessed dipole that `_rmse_evoked` and
/// `_anticorr_evoked` compare, aligned with the target on the window.
fn evoked_aligned(
    times_ms: &[f64],
    trials: &[Vec<f64>],
    target: Target<'_>,
    p: &Preprocess,
    tstart_ms: f64,
    tstop_ms: f64,
) -> Result<Aligned, ObjectiveError> {
    let fs = sfreq_hz(times_ms);
    let processed = trials
        .iter()
        .map(|t| preprocess(t, fs, p))
        .collect::<Result<Vec<_>, _>>()?;
    let avg = average_trials(&processed)?;
    resample_and_weight(
        times_ms,
        &avg,
        target.times_ms,
        target.agg,
        tstart_ms,
        tstop_ms,
    )
}

/// hnn-core `_rmse_evoked` for one parameter set: every trial's aggregate
/// dipole (nAm, as `simulate_dipole` returns it) scaled and smoothed, the
/// trials averaged, then `_rmse(avg, target, tstart, tstop)` (hnn-core
/// passes the simulation's `tstop` and the default `tstart = 0`).
pub fn rmse_evoked(
    times_ms: &[f64],
    trials: &[Vec<f64>],
    target: Target<'_>,
    p: &Preprocess,
    tstart_ms: f64,
    tstop_ms: f64,
) -> Result<f64, ObjectiveError> {
    evoked_aligned(times_ms, trials, target, p, tstart_ms, tstop_ms).map(|a| rmse(&a))
}

/// hnn-core `_anticorr_evoked`: as [`rmse_evoked`], with `_anticorr`.
pub fn anticorr_evoked(
    times_ms: &[f64],
    trials: &[Vec<f64>],
    target: Target<'_>,
    p: &Preprocess,
    tstart_ms: f64,
    tstop_ms: f64,
) -> Result<f64, ObjectiveError> {
    evoked_aligned(times_ms, trials, target, p, tstart_ms, tstop_ms).map(|a| anticorr(&a))
}

/// hnn-core `_maximize_psd` for one parameter set: the first trial's
/// aggregate dipole (hnn-core simulates one) scaled and smoothed, then
/// `_get_relative_power`.
pub fn maximize_psd(
    times_ms: &[f64],
    trial: &[f64],
    p: &Preprocess,
    f_bands_hz: &[(f64, f64)],
    relative_bandpower: &[f64],
) -> Result<f64, ObjectiveError> {
    let fs = sfreq_hz(times_ms);
    let x = preprocess(trial, fs, p)?;
    relative_power(&x, fs, f_bands_hz, relative_bandpower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(n: usize, dt: f64) -> Vec<f64> {
        (0..n).map(|i| i as f64 * dt).collect()
    }

    #[test]
    fn identical_dipoles_have_zero_rmse_and_anticorr() {
        let t = ramp(201, 0.5);
        let x: Vec<f64> = t.iter().map(|v| (v * 0.1).sin() * 3.0).collect();
        let target = Target {
            times_ms: &t,
            agg: &x,
        };
        let p = Preprocess::default();
        let trials = vec![x.clone(), x.clone()];
        assert_eq!(
            rmse_evoked(&t, &trials, target, &p, 0.0, 100.0).unwrap(),
            0.0
        );
        assert!(
            anticorr_evoked(&t, &trials, target, &p, 0.0, 100.0)
                .unwrap()
                .abs()
                < 1e-15
        );
    }

    /// The window ends at the sample closest to tstop, excluded, as
    /// hnn-core's slices do: an offset only in the last sample is unseen.
    #[test]
    fn window_excludes_its_last_sample() {
        let t = ramp(11, 1.0);
        let x = vec![0.0; 11];
        let mut y = x.clone();
        y[10] = 5.0;
        let a = resample_and_weight(&t, &x, &t, &y, 0.0, 10.0).unwrap();
        assert_eq!(a.sim.len(), 10);
        assert_eq!(rmse(&a), 0.0);
        y[2] = 2.0;
        let a = resample_and_weight(&t, &x, &t, &y, 0.0, 10.0).unwrap();
        assert!((rmse(&a) - (4.0f64 / 10.0).sqrt()).abs() < 1e-15);
        let e = resample_and_weight(&t, &x, &t, &y, 4.0, 4.2).unwrap_err();
        assert!(matches!(e, ObjectiveError::EmptyWindow { .. }), "{e}");
    }

    #[test]
    fn a_longer_simulation_is_resampled_to_the_target() {
        let ts = ramp(400, 0.25);
        let te = ramp(100, 1.0);
        let x = vec![2.0; 400];
        let y = vec![1.0; 100];
        let a = resample_and_weight(&ts, &x, &te, &y, 0.0, 200.0).unwrap();
        assert_eq!((a.sim.len(), a.target.len(), a.weights.len()), (99, 99, 99));
        assert!((rmse(&a) - 1.0).abs() < 1e-14);
    }

    #[test]
    fn relative_power_of_a_pure_tone() {
        // 20 Hz at 1 kHz for 1 s: (nearly) all power in [15, 25] Hz.
        let fs = 1000.0;
        let x: Vec<f64> = (0..1000)
            .map(|i| (2.0 * std::f64::consts::PI * 20.0 * i as f64 / fs).sin())
            .collect();
        let r = relative_power(&x, fs, &[(15.0, 25.0)], &[1.0]).unwrap();
        assert!((-1.0..-0.999).contains(&r), "{r}");
        let two = relative_power(&x, fs, &[(15.0, 25.0), (40.0, 60.0)], &[2.0, 2.0]).unwrap();
        let bp = band_powers(&x, fs, &[(15.0, 25.0), (40.0, 60.0)]);
        assert!((two + 2.0 * (bp[0].relative + bp[1].relative)).abs() < 1e-15);
        assert!(matches!(
            relative_power(&x, fs, &[(1.0, 2.0), (3.0, 4.0)], &[1.0]),
            Err(ObjectiveError::BandWeights { .. })
        ));
    }
}
