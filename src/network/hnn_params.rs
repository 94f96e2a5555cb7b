//! HNN parameter dictionaries by their legacy names: hnn-core 0.6.1's
//! `read_params` (hnn_core/params.py, `.json` and `.param` files) and the
//! entries of the `params` argument its model functions read.
//!
//! What hnn-core 0.6.1 takes from `params` when it builds and simulates a
//! network (hnn_core/network_models.py, network.py, network_builder.py):
//! the 15 local connection weights `gbar_<src>_<target>[_<receptor>]`
//! (µS), `threshold` (mV, spike detection) and `celsius` (°C, `h.celsius`).
//! Its model functions create the cells with `pyramidal(cell_name)` and
//! ignore the cell parameters (`L2Pyr_*`, `L5Pyr_*`) of `params`; drive
//! parameters are read only with `add_drives_from_params=True`, which the
//! model functions default to False. `tstop`, `dt` and `N_trials` are
//! `simulate_dipole` arguments, given in `[simulation]`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::jones_2009::default_connection_weights;
use super::params_default::{l2pyr_params, l5pyr_params};
use crate::config::rules::{InputFileError, RangeError};

/// One value of a parameter file: hnn-core keeps strings (e.g.
/// `distribution_prox: normal`) beside numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Number(f64),
    /// Anything else, as text (JSON strings, booleans, lists, ...).
    Text(String),
}

/// Why the text of a parameter file is not one `read_params` reads.
#[derive(Debug)]
pub enum ParamsFormatError {
    /// Neither `.json` nor `.param` (the extension, maybe empty).
    Extension(String),
    /// A file with no parameter (hnn-core: "Failed to read parameters from
    /// file").
    Empty,
    Json(serde_json::Error),
    /// Valid JSON, but not one object of parameters.
    NotAnObject,
    /// A `.param` line (1-based) that is not `name: value`.
    LegacyLine {
        line: usize,
        text: String,
    },
}

impl fmt::Display for ParamsFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamsFormatError::Extension(ext) => write!(
                f,
                "unrecognized extension {ext:?}, expected .json or .param (hnn-core read_params)"
            ),
            ParamsFormatError::Empty => f.write_str("no parameters in the file"),
            ParamsFormatError::Json(e) => write!(f, "not valid JSON: {e}"),
            ParamsFormatError::NotAnObject => {
                f.write_str("expected a JSON object of parameters {\"name\": value, ...}")
            }
            ParamsFormatError::LegacyLine { line, text } => {
                write!(f, "line {line}: expected `name: value`, got {text:?}")
            }
        }
    }
}

impl std::error::Error for ParamsFormatError {}

/// Why a parameter file gives no network parameters: the file (as shown in
/// messages) and what is wrong with it.
#[derive(Debug)]
pub enum ParamsFileError {
    /// The file cannot be read.
    Read {
        file: PathBuf,
        error: InputFileError,
    },
    /// Its text is not a parameter file.
    Format {
        file: PathBuf,
        error: ParamsFormatError,
    },
    /// A network parameter that is not a number.
    NotANumber {
        file: String,
        key: String,
        value: ParamValue,
    },
    /// A network parameter outside the rule `[network.params]` applies.
    Range {
        file: String,
        key: String,
        error: RangeError,
    },
}

impl fmt::Display for ParamsFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamsFileError::Read { file, error } => {
                write!(f, "{}: cannot read: {error}", file.display())
            }
            ParamsFileError::Format { file, error } => write!(f, "{}: {error}", file.display()),
            ParamsFileError::NotANumber { file, key, value } => {
                write!(f, "{file}: {key} must be a number, got {value:?}")
            }
            ParamsFileError::Range { file, key, error } => write!(f, "{file}: {key}: {error}"),
        }
    }
}

impl std::error::Error for ParamsFileError {}

/// Read a legacy HNN parameter file as hnn-core's `read_params` does; the
/// error names the file and what is wrong.
pub fn read_params_file(path: &Path) -> Result<BTreeMap<String, ParamValue>, ParamsFileError> {
    let text =
        crate::config::rules::read_input_file(path).map_err(|error| ParamsFileError::Read {
            file: path.to_path_buf(),
            error,
        })?;
    parse_params(&text, path).map_err(|error| ParamsFileError::Format {
        file: path.to_path_buf(),
        error,
    })
}

/// `read_params` on the text of `path` (its extension picks the format).
pub fn parse_params(
    text: &str,
    path: &Path,
) -> Result<BTreeMap<String, ParamValue>, ParamsFormatError> {
    let map = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => parse_json(text)?,
        Some("param") => parse_legacy(text)?,
        other => {
            return Err(ParamsFormatError::Extension(
                other.unwrap_or("").to_string(),
            ))
        }
    };
    if map.is_empty() {
        // hnn-core: "Failed to read parameters from file".
        return Err(ParamsFormatError::Empty);
    }
    Ok(map)
}

/// hnn-core `_read_json`: `json.loads`, one flat object.
fn parse_json(text: &str) -> Result<BTreeMap<String, ParamValue>, ParamsFormatError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(ParamsFormatError::Json)?;
    let serde_json::Value::Object(obj) = value else {
        return Err(ParamsFormatError::NotAnObject);
    };
    Ok(obj
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::Number(n) => ParamValue::Number(n.as_f64().unwrap_or(f64::NAN)),
                serde_json::Value::String(s) => ParamValue::Text(s),
                other => ParamValue::Text(other.to_string()),
            };
            (k, v)
        })
        .collect())
}

/// hnn-core `_read_legacy_params`: one `key: value` per line; a value with
/// a '.' or an 'e' is a float, else an int, and a string when neither
/// parses. A line without exactly one ':' is an error (hnn-core fails to
/// unpack it), so is an empty line.
fn parse_legacy(text: &str) -> Result<BTreeMap<String, ParamValue>, ParamsFormatError> {
    let mut map = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.trim_start().split(':').collect();
        if fields.len() != 2 {
            return Err(ParamsFormatError::LegacyLine {
                line: i + 1,
                text: line.to_string(),
            });
        }
        let (key, value) = (fields[0].trim(), fields[1].trim());
        let number = if value.contains('.') || value.contains('e') {
            value.parse::<f64>().ok()
        } else {
            value.parse::<i64>().ok().map(|v| v as f64)
        };
        let v = match number {
            Some(x) => ParamValue::Number(x),
            None => ParamValue::Text(value.to_string()),
        };
        map.insert(key.to_string(), v);
    }
    Ok(map)
}

/// The `params` entries a network is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    /// Local connection weights (µS) by HNN name (`gbar_L2Pyr_L5Pyr`, ...).
    pub weights: BTreeMap<String, f64>,
    /// Spike threshold, mV.
    pub threshold: f64,
    /// Temperature, °C; `Some` when a parameter file gives it.
    pub celsius: Option<f64>,
    /// L2 pyramidal cell parameters (`L2Pyr_*`), hnn-core's defaults unless
    /// `[network.params]` overrides them (see [`ModelParams::set`]).
    pub l2pyr: BTreeMap<String, f64>,
    /// L5 pyramidal cell parameters (`L5Pyr_*`).
    pub l5pyr: BTreeMap<String, f64>,
}

/// Why a `[network.params]` key cannot be applied.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyError {
    /// A known HNN parameter that building a network does not read.
    NotUsed(String),
    /// Not an HNN parameter; the closest names (maybe none).
    Unknown(Vec<String>),
}

impl ModelParams {
    /// The model defaults: hnn-core's `param/default.json`, which every
    /// model function reads when `params` is None.
    pub fn defaults() -> Self {
        ModelParams {
            weights: default_connection_weights(),
            threshold: 0.0,
            celsius: None,
            l2pyr: l2pyr_params(),
            l5pyr: l5pyr_params(),
        }
    }

    /// The network parameters of a file read by [`read_params_file`], as
    /// hnn-core's `Params(file)` holds them: keys the file lacks take
    /// `get_params_default()`'s values, where every connection weight is 0.
    /// Cell parameters are not applied (hnn-core 0.6.1's model functions
    /// ignore them): the returned notes name those that differ from the
    /// defaults. `shown` names the file in errors.
    pub fn from_file(
        file: &BTreeMap<String, ParamValue>,
        shown: &str,
    ) -> Result<(Self, Vec<String>), ParamsFileError> {
        let number = |key: &str| -> Result<Option<f64>, ParamsFileError> {
            match file.get(key) {
                None => Ok(None),
                // the rule `[network.params]` applies to the same key
                Some(ParamValue::Number(x)) if x.is_finite() => {
                    crate::config::rules::hnn_param(key)(*x)
                        .map(Some)
                        .map_err(|error| ParamsFileError::Range {
                            file: shown.to_string(),
                            key: key.to_string(),
                            error,
                        })
                }
                Some(v) => Err(ParamsFileError::NotANumber {
                    file: shown.to_string(),
                    key: key.to_string(),
                    value: v.clone(),
                }),
            }
        };
        let mut p = ModelParams::defaults();
        for (key, w) in p.weights.iter_mut() {
            *w = number(key)?.unwrap_or(0.0);
        }
        p.threshold = number("threshold")?.unwrap_or(0.0);
        p.celsius = Some(number("celsius")?.unwrap_or(37.0));
        let mut notes = Vec::new();
        for defaults in [&p.l2pyr, &p.l5pyr] {
            for (key, default) in defaults {
                if let Some(ParamValue::Number(x)) = file.get(key) {
                    if x != default {
                        notes.push(format!(
                            "{shown}: {key} = {x} is not applied: hnn-core 0.6.1's model functions ignore the cell parameters of `params` (default {default}); give it in [network.params] to apply it"
                        ));
                    }
                }
            }
        }
        Ok((p, notes))
    }

    /// Every key `[network.params]` accepts.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = vec!["threshold"];
        keys.extend(self.weights.keys().map(String::as_str));
        keys.extend(self.l2pyr.keys().map(String::as_str));
        keys.extend(self.l5pyr.keys().map(String::as_str));
        keys
    }

    /// `[network.params] key = value`: a connection weight, the threshold,
    /// or a cell parameter. Cell parameters reach the pyramidal cells as
    /// hnn-core's `pyramidal(cell_type, override_params=params)` takes
    /// them (hnn-core's model functions themselves never pass them).
    pub fn set(&mut self, key: &str, value: f64) -> Result<(), KeyError> {
        let slot = if key == "threshold" {
            &mut self.threshold
        } else if let Some(w) = self.weights.get_mut(key) {
            w
        } else if let Some(x) = self.l2pyr.get_mut(key) {
            x
        } else if let Some(x) = self.l5pyr.get_mut(key) {
            x
        } else if let Some(why) = not_used_reason(key) {
            return Err(KeyError::NotUsed(why));
        } else {
            return Err(KeyError::Unknown(
                // Up to three known keys within 3 edits (ignoring case).
                crate::config::nearest(key, &self.keys(), 3)
                    .into_iter()
                    .map(String::from)
                    .collect(),
            ));
        };
        *slot = value;
        Ok(())
    }
}

/// Known HNN parameters (hnn-core `get_params_default`) that building a
/// network does not read, with where they belong instead.
fn not_used_reason(key: &str) -> Option<String> {
    let drive_prefixes = [
        "t_evprox_",
        "t_evdist_",
        "sigma_t_ev",
        "numspikes_ev",
        "gbar_evprox_",
        "gbar_evdist_",
        "prng_seedcore_",
        "input_prox_",
        "input_dist_",
        "t0_input_",
        "tstop_input_",
        "f_input_",
        "f_stdev_",
        "events_per_cycle_",
        "repeats_",
        "distribution_",
        "Itonic_",
    ];
    let drive_exact = [
        "sync_evinput",
        "inc_evinput",
        "t0_pois",
        "T_pois",
        "dt_evprox0_evdist",
        "dt_evprox0_evprox1",
    ];
    let is_feed = ["_Pois_", "_Gauss_"].iter().any(|s| key.contains(s));
    if drive_prefixes.iter().any(|p| key.starts_with(p)) || drive_exact.contains(&key) || is_feed {
        return Some(
            "a drive parameter: hnn-core's model functions do not add drives from params \
             (add_drives_from_params=False); describe the drive in [[drives]] or \
             [[network.tonic_bias]]"
                .into(),
        );
    }
    match key {
        "tstop" | "dt" | "celsius" => Some(format!("set it in [simulation] as `{key}`")),
        "N_trials" => Some("set it in [simulation] as `n_trials`".into()),
        "N_pyr_x" | "N_pyr_y" => Some("set [network] mesh_shape".into()),
        "sim_prefix" | "save_figs" | "save_spec_data" | "f_max_spec" | "spec_cmap"
        | "dipole_scalefctr" | "dipole_smooth_win" | "save_dpl" | "record_vsoma"
        | "record_isoma" | "record_vsec" | "record_isec" | "record_ca" | "save_vsoma" => Some(
            "an HNN GUI output or post-processing setting that building a network does not read"
                .into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_values_as_hnn_core_reads_them() {
        let m = parse_legacy("a: 1\n  b : 2.5\nc: 1e-3\nd: normal\ne: 1E5\n").unwrap();
        assert_eq!(m["a"], ParamValue::Number(1.0));
        assert_eq!(m["b"], ParamValue::Number(2.5));
        assert_eq!(m["c"], ParamValue::Number(1e-3));
        assert_eq!(m["d"], ParamValue::Text("normal".into()));
        // no '.' and no lowercase 'e': int() fails, so hnn-core keeps a string
        assert_eq!(m["e"], ParamValue::Text("1E5".into()));
        assert!(parse_legacy("a: 1\n\nb: 2\n")
            .unwrap_err()
            .to_string()
            .contains("line 2"));
        assert!(parse_legacy("a: 1: 2\n")
            .unwrap_err()
            .to_string()
            .contains("line 1"));
    }

    #[test]
    fn file_weights_default_to_zero() {
        let file = BTreeMap::from([
            ("gbar_L2Pyr_L5Pyr".to_string(), ParamValue::Number(0.002)),
            ("L5Pyr_soma_gbar_ca".to_string(), ParamValue::Number(30.0)),
        ]);
        let (p, notes) = ModelParams::from_file(&file, "x.json").unwrap();
        assert_eq!(p.weights["gbar_L2Pyr_L5Pyr"], 0.002);
        assert_eq!(p.weights["gbar_L2Basket_L5Pyr"], 0.0);
        assert_eq!(p.celsius, Some(37.0));
        assert_eq!(p.l5pyr["L5Pyr_soma_gbar_ca"], 60.0);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("L5Pyr_soma_gbar_ca"));
    }

    #[test]
    fn keys_are_applied_or_explained() {
        let mut p = ModelParams::defaults();
        p.set("L2Pyr_ampa_tau2", 3.0).unwrap();
        assert_eq!(p.l2pyr["L2Pyr_ampa_tau2"], 3.0);
        assert!(matches!(
            p.set("t_evprox_1", 1.0),
            Err(KeyError::NotUsed(_))
        ));
        match p.set("gbar_L2Pyr_L5pyr", 1.0) {
            Err(KeyError::Unknown(m)) => assert_eq!(m[0], "gbar_L2Pyr_L5Pyr"),
            other => panic!("{other:?}"),
        }
    }
}
