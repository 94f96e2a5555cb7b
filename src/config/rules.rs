//! The value rules every reader applies: the TOML config ([`super::Config`]),
//! hnn-core network files (`hnn_json`) and HNN parameter files. One
//! definition per rule, so that a value refused in one format is refused in
//! the others (a JSON connection `A_delay = -1` like a TOML `delay = -1`).
//! The first rule is on the input file itself: [`read_input_file`] refuses
//! one larger than [`MAX_INPUT_FILE_BYTES`] before reading it.
//!
//! Each rule returns the value, or a [`RangeError`] that the reader places
//! (a config key and line, a JSON field of a file). The rules are also what
//! makes the checks of numpy's random draws as the network reproduces them
//! (numpy's and hnn-core's `ValueError`s) unreachable from user input; a
//! bursty drive's drawn start is bounded by the run estimate
//! (`sweep::estimate`, `tstart_std`).

use std::fmt;
use std::io::Read;
use std::path::Path;

/// The largest input file (config, network, parameter or reference dipole
/// file) read: parsing holds several times its size in memory.
pub const MAX_INPUT_FILE_BYTES: u64 = 1 << 30;

/// Why an input file cannot be read.
#[derive(Debug)]
pub enum InputFileError {
    Io(std::io::Error),
    /// Larger than [`MAX_INPUT_FILE_BYTES`].
    TooLarge {
        bytes: u64,
    },
}

impl fmt::Display for InputFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputFileError::Io(e) => write!(f, "{e}"),
            InputFileError::TooLarge { bytes } => write!(
                f,
                "the file has {bytes} bytes; hnn-mpi reads input files of at most \
                 {MAX_INPUT_FILE_BYTES} bytes (1 GiB)"
            ),
        }
    }
}

impl std::error::Error for InputFileError {}

impl From<InputFileError> for std::io::Error {
    fn from(e: InputFileError) -> Self {
        match e {
            InputFileError::Io(e) => e,
            too_large => std::io::Error::other(too_large.to_string()),
        }
    }
}

/// Read a text input file, refusing one beyond [`MAX_INPUT_FILE_BYTES`]
/// before reading it (and reading no more than that, should it grow).
pub fn read_input_file(path: &Path) -> Result<String, InputFileError> {
    let file = std::fs::File::open(path).map_err(InputFileError::Io)?;
    let bytes = file.metadata().map_err(InputFileError::Io)?.len();
    if bytes > MAX_INPUT_FILE_BYTES {
        return Err(InputFileError::TooLarge { bytes });
    }
    let mut text = String::new();
    file.take(MAX_INPUT_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(InputFileError::Io)?;
    if text.len() as u64 > MAX_INPUT_FILE_BYTES {
        return Err(InputFileError::TooLarge {
            bytes: text.len() as u64,
        });
    }
    Ok(text)
}

/// The most drive cells one drive may have (`n_drive_cells`, the distinct
/// gids of a `spike_train`, a drive's gid range in a network file). Each
/// drive cell connects to its targets before anything runs; hnn-core's
/// default is one per target cell, hundreds to thousands.
pub const MAX_DRIVE_CELLS: usize = 1_000_000;

/// The largest seed numpy's `RandomState` takes (2**32 - 1). hnn-core seeds
/// a drive cell with `event_seed + trial * n_gids + drive cell offset`.
pub const MAX_NUMPY_SEED: u64 = u32::MAX as u64;

/// A value outside its range: `{requirement} (got {got}{origin}{context})`,
/// e.g. "must be >= 0 (got -5)", where `origin` is the reader's addition
/// (" from $w, sweep point 3").
#[derive(Debug, Clone, PartialEq)]
pub struct RangeError {
    /// "must be > 0", "must be in (0, 1]", ...
    pub requirement: String,
    /// The offending value as shown: "-5", "tstop = 3".
    pub got: String,
    /// More values after the origin: ", tstart = 10".
    pub context: String,
}

impl RangeError {
    fn new(requirement: impl Into<String>, got: impl fmt::Display) -> Self {
        RangeError {
            requirement: requirement.into(),
            got: got.to_string(),
            context: String::new(),
        }
    }

    /// The message with `origin` (where a referenced value came from) after
    /// the value.
    pub fn message(&self, origin: &str) -> String {
        format!(
            "{} (got {}{origin}{})",
            self.requirement, self.got, self.context
        )
    }
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(""))
    }
}

impl std::error::Error for RangeError {}

pub type RuleResult<T> = Result<T, RangeError>;

/// Any finite number (NaN and infinities never make sense as a parameter).
pub fn finite(v: f64) -> RuleResult<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(RangeError::new("must be a finite number", v))
    }
}

/// Times (ms), rates (Hz), lengths, space constants, dt: > 0.
pub fn positive(v: f64) -> RuleResult<f64> {
    let v = finite(v)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(RangeError::new("must be > 0", v))
    }
}

/// Weights (µS), delays (ms), gains, start times: >= 0.
pub fn non_negative(v: f64) -> RuleResult<f64> {
    let v = finite(v)?;
    if v >= 0.0 {
        Ok(v)
    } else {
        Err(RangeError::new("must be >= 0", v))
    }
}

/// Standard deviations (`sigma`, `burst_std`, `tstart_std`): >= 0, and not
/// -0.0, which numpy's `scale < 0` check refuses by its sign bit.
pub fn std_dev(v: f64) -> RuleResult<f64> {
    let v = non_negative(v)?;
    if v.is_sign_negative() {
        Err(RangeError::new("must be >= 0 (and not -0.0)", v))
    } else {
        Ok(v)
    }
}

/// Connection probabilities: in (0, 1].
pub fn probability(v: f64) -> RuleResult<f64> {
    let v = finite(v)?;
    if v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err(RangeError::new("must be in (0, 1]", v))
    }
}

/// Counts that need at least one (n_trials, numspikes, mesh sides).
pub fn at_least_one(v: usize) -> RuleResult<usize> {
    if v >= 1 {
        Ok(v)
    } else {
        Err(RangeError::new("must be >= 1", v))
    }
}

/// A drive's number of drive cells: 1 ..= [`MAX_DRIVE_CELLS`].
pub fn drive_cells(v: usize) -> RuleResult<usize> {
    at_least_one(v)?;
    if v <= MAX_DRIVE_CELLS {
        Ok(v)
    } else {
        Err(RangeError::new(
            format!("must be at most {MAX_DRIVE_CELLS} drive cells"),
            v,
        ))
    }
}

/// A drive's `event_seed`: numpy's `RandomState` takes 0 ..= 2**32 - 1.
pub fn event_seed(v: u64) -> RuleResult<u64> {
    if v <= MAX_NUMPY_SEED {
        Ok(v)
    } else {
        Err(RangeError::new(
            format!("must be at most {MAX_NUMPY_SEED} (numpy's RandomState seeds are 32-bit)"),
            v,
        ))
    }
}

/// An interval's end: `stop >= start` (names as in the file: `tstop`,
/// `tstart`, `t0`).
pub fn not_before(stop_name: &str, stop: f64, start_name: &str, start: f64) -> RuleResult<f64> {
    if stop >= start {
        Ok(stop)
    } else {
        Err(RangeError {
            requirement: format!("must be >= {start_name}"),
            got: format!("{stop_name} = {stop}"),
            context: format!(", {start_name} = {start}"),
        })
    }
}

/// A bursty drive's burst, `(numspikes - 1) * spike_isi` ms, fits in its
/// period `1000 / burst_rate` ms (hnn-core `_create_bursty_input` raises
/// otherwise). The message is about `spike_isi`.
pub fn burst_fits(numspikes: usize, spike_isi: f64, burst_rate: f64) -> Result<(), BurstTooLong> {
    let period_ms = 1000.0 / burst_rate;
    let duration_ms = (numspikes as f64 - 1.0) * spike_isi;
    if duration_ms > period_ms {
        Err(BurstTooLong {
            duration_ms,
            period_ms,
        })
    } else {
        Ok(())
    }
}

/// A bursty drive whose burst is longer than its period ([`burst_fits`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BurstTooLong {
    /// `(numspikes - 1) * spike_isi`, ms.
    pub duration_ms: f64,
    /// `1000 / burst_rate`, ms.
    pub period_ms: f64,
}

impl fmt::Display for BurstTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a burst ((numspikes - 1) * spike_isi = {} ms) must fit in the burst period \
             (1000 / burst_rate = {} ms): lower spike_isi or numspikes, or burst_rate",
            self.duration_ms, self.period_ms
        )
    }
}

impl std::error::Error for BurstTooLong {}

/// The readers place the message at a key or a JSON field, which take
/// `impl Into<String>`.
impl From<BurstTooLong> for String {
    fn from(e: BurstTooLong) -> String {
        e.to_string()
    }
}

/// A Poisson drive without its own `tstop` runs to the simulation's end,
/// which must not precede its `tstart` (hnn-core `_create_extpois` raises).
pub fn poisson_start_within(tstart: f64, sim_tstop: f64) -> RuleResult<f64> {
    if tstart <= sim_tstop {
        Ok(tstart)
    } else {
        Err(RangeError {
            requirement: "must be <= the simulation's tstop when the drive has no tstop"
                .to_string(),
            got: format!("tstart = {tstart}"),
            context: format!(", [simulation] tstop = {sim_tstop}"),
        })
    }
}

/// The rule of an HNN parameter (`[network.params]`, parameter files) by
/// its name: connection weights `gbar_*` and conductances are >= 0 like a
/// TOML connection's weight; lengths, diameters, capacitances, axial
/// resistances and time constants are > 0; anything else (reversal
/// potentials, `threshold`, `celsius`) only finite.
pub fn hnn_param(name: &str) -> fn(f64) -> RuleResult<f64> {
    let cell_param = name.starts_with("L2Pyr_") || name.starts_with("L5Pyr_");
    let positive_suffixes = ["_L", "_diam", "_cm", "_Ra", "_tau1", "_tau2", "_taur_cad"];
    let conductance = ["gbar", "gkbar", "gnabar", "_gl_"];
    if name.starts_with("gbar_") || (cell_param && conductance.iter().any(|c| name.contains(c))) {
        non_negative
    } else if cell_param && positive_suffixes.iter().any(|s| name.ends_with(s)) {
        positive
    } else {
        finite
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_edges() {
        assert_eq!(
            non_negative(-5.0).unwrap_err().to_string(),
            "must be >= 0 (got -5)"
        );
        assert!(std_dev(-0.0).is_err() && non_negative(-0.0).is_ok());
        assert_eq!(std_dev(0.0), Ok(0.0));
        assert!(positive(0.0).is_err());
        assert!(positive(f64::NAN).is_err());
        assert!(probability(1.0).is_ok() && probability(0.0).is_err());
        assert!(probability(1.5).is_err());
        assert!(drive_cells(MAX_DRIVE_CELLS).is_ok() && drive_cells(MAX_DRIVE_CELLS + 1).is_err());
        assert!(event_seed(MAX_NUMPY_SEED).is_ok() && event_seed(MAX_NUMPY_SEED + 1).is_err());
        assert_eq!(
            not_before("tstop", 3.0, "tstart", 10.0)
                .unwrap_err()
                .message(" from $t"),
            "must be >= tstart (got tstop = 3 from $t, tstart = 10)"
        );
        assert!(burst_fits(3, 10.0, 100.0).is_err() && burst_fits(2, 10.0, 100.0).is_ok());
        assert_eq!(
            burst_fits(3, 10.0, 100.0).unwrap_err().to_string(),
            "a burst ((numspikes - 1) * spike_isi = 20 ms) must fit in the burst period \
             (1000 / burst_rate = 10 ms): lower spike_isi or numspikes, or burst_rate"
        );
        assert!(hnn_param("gbar_L2Pyr_L5Pyr")(-1.0).is_err());
        assert!(hnn_param("L5Pyr_soma_gkbar_hh2")(-1.0).is_err());
        assert!(hnn_param("L2Pyr_apical1_L")(0.0).is_err());
        assert!(hnn_param("L2Pyr_ampa_tau1")(0.0).is_err());
        assert!(hnn_param("L2Pyr_soma_el_hh2")(-70.0).is_ok());
        assert!(hnn_param("L5Pyr_gabaa_e")(-80.0).is_ok());
        assert!(hnn_param("threshold")(-10.0).is_ok());
    }
}
