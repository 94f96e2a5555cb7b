//! Extracellular electrode arrays (hnn-core 0.6.1's
//! `Network.add_electrode_array` and `ExtracellularArray`,
//! hnn_core/extracellular.py): contact positions and the volume conductor
//! the engine computes the potential in.

use std::fmt;

/// hnn-core's approximations of a segment's current source
/// (`_transfer_resistance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LfpMethod {
    /// `'psa'`: a point source at each segment centre.
    Psa,
    /// `'lsa'`: a line source along each segment (hnn-core's half-lengths
    /// at the section ends).
    Lsa,
}

impl LfpMethod {
    /// The names hnn-core accepts, in its order.
    pub const NAMES: [&'static str; 2] = ["psa", "lsa"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "psa" => Some(LfpMethod::Psa),
            "lsa" => Some(LfpMethod::Lsa),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LfpMethod::Psa => "psa",
            LfpMethod::Lsa => "lsa",
        }
    }
}

/// One electrode array: the potential is recorded at every contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ElectrodeArray {
    pub name: String,
    /// Contact positions `[x, y, z]`, µm, in the cells' coordinates.
    pub positions_um: Vec<[f64; 3]>,
    /// Extracellular conductivity, S/m (hnn-core default 0.3).
    pub conductivity_s_per_m: f64,
    pub method: LfpMethod,
    /// Distances below this are taken as this, µm (hnn-core default 0.5).
    pub min_distance_um: f64,
}

/// hnn-core's defaults (`Network.add_electrode_array`).
pub const DEFAULT_CONDUCTIVITY_S_PER_M: f64 = 0.3;
pub const DEFAULT_MIN_DISTANCE_UM: f64 = 0.5;

/// What is wrong with an electrode array, as hnn-core's
/// `ExtracellularArray.__init__` checks it (plus finiteness, which a file
/// can break and Python would not notice until NaN came out).
#[derive(Debug, Clone, PartialEq)]
pub enum ElectrodeError {
    NoContacts,
    /// Contact `index` is not three finite numbers.
    BadContact {
        index: usize,
    },
    /// Conductivity not a finite number > 0.
    Conductivity(f64),
    /// min_distance not a finite number > 0.
    MinDistance(f64),
}

impl fmt::Display for ElectrodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElectrodeError::NoContacts => {
                write!(f, "an electrode array needs at least one contact")
            }
            ElectrodeError::BadContact { index } => write!(
                f,
                "contact {index} is not three finite numbers [x, y, z] (µm)"
            ),
            ElectrodeError::Conductivity(v) => {
                write!(f, "conductivity must be a finite number > 0 (S/m), got {v}")
            }
            ElectrodeError::MinDistance(v) => {
                write!(f, "min_distance must be a finite number > 0 (µm), got {v}")
            }
        }
    }
}

impl std::error::Error for ElectrodeError {}

impl ElectrodeArray {
    /// hnn-core's checks (`ExtracellularArray.__init__`): at least one
    /// contact of three finite numbers, conductivity and min_distance > 0.
    pub fn validate(&self) -> Result<(), ElectrodeError> {
        if self.positions_um.is_empty() {
            return Err(ElectrodeError::NoContacts);
        }
        if let Some(index) = self
            .positions_um
            .iter()
            .position(|p| !p.iter().all(|x| x.is_finite()))
        {
            return Err(ElectrodeError::BadContact { index });
        }
        let c = self.conductivity_s_per_m;
        if !(c.is_finite() && c > 0.0) {
            return Err(ElectrodeError::Conductivity(c));
        }
        let m = self.min_distance_um;
        if !(m.is_finite() && m > 0.0) {
            return Err(ElectrodeError::MinDistance(m));
        }
        Ok(())
    }

    pub fn n_contacts(&self) -> usize {
        self.positions_um.len()
    }
}
