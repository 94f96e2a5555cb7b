//! Summary statistics of one simulated trial (`[summary] stats`).

use std::fmt;
use std::path::{Path, PathBuf};

/// A dipole from a file in hnn-core's text format (`Dipole.write`: columns
/// time (ms), agg, L2, L5; we use time and agg).
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceDipole {
    pub times_ms: Vec<f64>,
    pub agg: Vec<f64>,
}

/// Why a reference dipole file cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum ReferenceError {
    /// The file cannot be read (missing, too large, not UTF-8).
    Read { path: PathBuf, error: String },
    /// Line `line` (1-based) is not what hnn-core's `Dipole.write` writes.
    Line {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    /// Fewer than two samples.
    TooShort { path: PathBuf },
    /// No sample within the simulation's `[0, tstop]`.
    NoOverlap {
        first_ms: f64,
        last_ms: f64,
        tstop_ms: f64,
    },
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, error } => {
                write!(
                    f,
                    "cannot read reference dipole {}: {error}",
                    path.display()
                )
            }
            Self::Line {
                path,
                line,
                problem,
            } => write!(f, "{}:{line}: {problem}", path.display()),
            Self::TooShort { path } => write!(f, "{}: fewer than two samples", path.display()),
            Self::NoOverlap {
                first_ms,
                last_ms,
                tstop_ms,
            } => write!(
                f,
                "the reference dipole covers {first_ms} to {last_ms} ms, the simulation 0 to \
                 {tstop_ms} ms: no sample to compare (every dipole_rmse would be NaN)"
            ),
        }
    }
}

impl std::error::Error for ReferenceError {}

impl ReferenceDipole {
    pub fn read(path: &Path) -> Result<Self, ReferenceError> {
        let text =
            crate::config::rules::read_input_file(path).map_err(|e| ReferenceError::Read {
                path: path.to_path_buf(),
                error: e.to_string(),
            })?;
        let at_line = |i: usize, problem: String| ReferenceError::Line {
            path: path.to_path_buf(),
            line: i + 1,
            problem,
        };
        let mut times_ms = Vec::new();
        let mut agg = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<f64> = line
                .split_whitespace()
                .map(|x| x.parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|e| at_line(i, format!("not a number ({e})")))?;
            if cols.len() < 2 {
                return Err(at_line(i, "expected columns time, agg[, L2, L5]".into()));
            }
            // "nan" and "inf" parse as numbers; one of them would make
            // every dipole_rmse NaN
            if let Some(x) = cols.iter().find(|x| !x.is_finite()) {
                return Err(at_line(i, format!("{x} is not a finite number")));
            }
            if let Some(&prev) = times_ms.last() {
                if cols[0] <= prev {
                    return Err(at_line(
                        i,
                        format!(
                            "time {} ms does not follow the previous sample's {prev} ms \
                             (times must increase)",
                            cols[0]
                        ),
                    ));
                }
            }
            times_ms.push(cols[0]);
            agg.push(cols[1]);
        }
        if times_ms.len() < 2 {
            return Err(ReferenceError::TooShort {
                path: path.to_path_buf(),
            });
        }
        Ok(ReferenceDipole { times_ms, agg })
    }

    /// Refuse a reference with no sample in the simulation's `[0, tstop]`:
    /// every `dipole_rmse` would be NaN.
    pub fn check_overlap(&self, tstop_ms: f64) -> Result<(), ReferenceError> {
        let (first, last) = (self.times_ms[0], self.times_ms[self.times_ms.len() - 1]);
        if last < 0.0 || first > tstop_ms {
            Err(ReferenceError::NoOverlap {
                first_ms: first,
                last_ms: last,
                tstop_ms,
            })
        } else {
            Ok(())
        }
    }

    /// Linear interpolation at `t`, or `None` outside the file's time span.
    pub fn at(&self, t: f64) -> Option<f64> {
        let ts = &self.times_ms;
        if t < ts[0] || t > ts[ts.len() - 1] {
            return None;
        }
        let j = ts.partition_point(|&x| x <= t).min(ts.len() - 1).max(1);
        let (t0, t1) = (ts[j - 1], ts[j]);
        let w = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
        Some(self.agg[j - 1] + w * (self.agg[j] - self.agg[j - 1]))
    }
}

pub fn dipole_min(x: &[f64]) -> f64 {
    x.iter().copied().fold(f64::INFINITY, f64::min)
}

pub fn dipole_max(x: &[f64]) -> f64 {
    x.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

pub fn dipole_peak_to_peak(x: &[f64]) -> f64 {
    dipole_max(x) - dipole_min(x)
}

/// Root mean square, nAm.
pub fn dipole_rms(x: &[f64]) -> f64 {
    (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
}

/// Root-mean-square difference from the reference, over the samples whose
/// time the reference covers (linearly interpolated), nAm.
pub fn dipole_rmse(times_ms: &[f64], x: &[f64], reference: &ReferenceDipole) -> f64 {
    let (mut se, mut n) = (0.0, 0usize);
    for (&t, &v) in times_ms.iter().zip(x) {
        if let Some(r) = reference.at(t) {
            se += (v - r) * (v - r);
            n += 1;
        }
    }
    if n == 0 {
        f64::NAN
    } else {
        (se / n as f64).sqrt()
    }
}

/// Mean firing rate (Hz) of `n_cells` cells that fired `n_spikes` spikes
/// in `tstop_ms`.
pub fn rate_hz(n_spikes: usize, n_cells: usize, tstop_ms: f64) -> f64 {
    n_spikes as f64 / n_cells as f64 / (tstop_ms / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_statistics() {
        let x = [1.0, -3.0, 2.0];
        assert_eq!(dipole_min(&x), -3.0);
        assert_eq!(dipole_max(&x), 2.0);
        assert_eq!(dipole_peak_to_peak(&x), 5.0);
        assert!((dipole_rms(&x) - (14.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(rate_hz(10, 5, 1000.0), 2.0);
    }

    #[test]
    fn rmse_against_an_interpolated_reference() {
        let reference = ReferenceDipole {
            times_ms: vec![0.0, 10.0],
            agg: vec![0.0, 10.0],
        };
        // Ours is the reference plus 1 everywhere it is defined.
        let t = [0.0, 2.5, 5.0, 20.0];
        let x = [1.0, 3.5, 6.0, 100.0];
        assert!((dipole_rmse(&t, &x, &reference) - 1.0).abs() < 1e-12);
    }
}
