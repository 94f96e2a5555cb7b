//! hnn-core's dipole text format, as `Dipole.write` writes it and
//! `read_dipole` reads it (`_read_dipole_txt`: `numpy.loadtxt`): one sample
//! per line, whitespace-separated columns time (ms), agg[, L2, L5] (nAm),
//! 2 or 4 columns on every line; `#` starts a comment. The `[fit] target`
//! file; read here, in the config layer, so that a bad file is a config error
//! at its key.

use std::fmt;
use std::path::{Path, PathBuf};

/// A dipole read from a text file.
#[derive(Debug, Clone, PartialEq)]
pub struct DipoleText {
    /// ms, strictly increasing.
    pub times_ms: Vec<f64>,
    /// nAm.
    pub agg: Vec<f64>,
    /// 2 or 4.
    pub n_columns: usize,
}

/// Why a dipole text file cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum DipoleTextError {
    /// Missing, unreadable, too large or not UTF-8.
    Read { path: PathBuf, error: String },
    /// Line `line` (1-based) is not what `Dipole.write` writes.
    Line {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    /// Fewer than two samples (hnn-core's `Dipole` needs two for its
    /// sampling frequency).
    TooShort { path: PathBuf, samples: usize },
}

impl fmt::Display for DipoleTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            Self::Line {
                path,
                line,
                problem,
            } => write!(f, "{}:{line}: {problem}", path.display()),
            Self::TooShort { path, samples } => write!(
                f,
                "{}: {samples} sample(s); a dipole needs at least two",
                path.display()
            ),
        }
    }
}

impl std::error::Error for DipoleTextError {}

/// Read a dipole text file (see the module docs). Times must increase and
/// every value be finite.
pub fn read_dipole_text(path: &Path) -> Result<DipoleText, DipoleTextError> {
    let text = super::rules::read_input_file(path).map_err(|e| DipoleTextError::Read {
        path: path.to_path_buf(),
        error: e.to_string(),
    })?;
    let at = |i: usize, problem: String| DipoleTextError::Line {
        path: path.to_path_buf(),
        line: i + 1,
        problem,
    };
    let (mut times_ms, mut agg) = (Vec::new(), Vec::new());
    let mut n_columns = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let cols: Vec<f64> = line
            .split_whitespace()
            .map(|x| x.parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|e| at(i, format!("not a number ({e})")))?;
        if n_columns == 0 {
            if cols.len() != 2 && cols.len() != 4 {
                return Err(at(
                    i,
                    format!(
                        "{} columns; hnn-core's dipole files have 2 (time, agg) or 4 \
                         (time, agg, L2, L5)",
                        cols.len()
                    ),
                ));
            }
            n_columns = cols.len();
        } else if cols.len() != n_columns {
            return Err(at(
                i,
                format!(
                    "{} columns where the lines before have {n_columns}",
                    cols.len()
                ),
            ));
        }
        if let Some(x) = cols.iter().find(|x| !x.is_finite()) {
            return Err(at(i, format!("{x} is not a finite number")));
        }
        if let Some(&prev) = times_ms.last() {
            if cols[0] <= prev {
                return Err(at(
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
        return Err(DipoleTextError::TooShort {
            path: path.to_path_buf(),
            samples: times_ms.len(),
        });
    }
    Ok(DipoleText {
        times_ms,
        agg,
        n_columns,
    })
}
