//! One in-memory network description, whatever produced it (a model builder
//! such as [`super::jones_2009`], or an hnn-core network file read by
//! [`super::hnn_json`]): cell populations with positions and gids,
//! connections with explicit gid pairs, external drives, tonic biases.
//! Mirrors hnn-core's `Network` object.

use super::cell_template::CellTemplate;
use super::drive_spec::Drive;
use super::electrode::ElectrodeArray;
use crate::config::Numerics;

/// Cells of one type, with consecutive gids `gid_start..gid_start+len`.
#[derive(Debug, Clone)]
pub struct CellPopulation {
    pub name: String,
    pub template: CellTemplate,
    /// Soma positions (x, y, z), µm; in-plane distance units for x and y.
    pub positions: Vec<[f64; 3]>,
    pub gid_start: usize,
    /// Whether the population's cells sum into the dipole.
    pub measure_dipole: bool,
}

/// hnn-core's `nc_dict`: connection strength and timing before the
/// distance rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionParams {
    /// Weight at zero distance, µS.
    pub a_weight: f64,
    /// Delay at zero distance, ms.
    pub a_delay: f64,
    /// Space constant of the Gaussian distance rule, in-plane units.
    pub lamtha: f64,
    /// Spike threshold of the source, mV.
    pub threshold: f64,
    /// Multiplies the weight (hnn-core's global gains).
    pub gain: f64,
}

/// One `Network.add_connection`: sources (cells or drive cells) onto a
/// synapse location and receptor of targets of one type.
#[derive(Debug, Clone)]
pub struct Connection {
    pub src_type: String,
    pub target_type: String,
    /// (source gid, its target gids), in hnn-core's order.
    pub gid_pairs: Vec<(usize, Vec<usize>)>,
    /// `proximal`, `distal`, `soma` or a section name.
    pub loc: String,
    pub receptor: String,
    pub params: ConnectionParams,
    pub probability: f64,
}

/// A tonic current (IClamp) into every cell of a type (hnn-core
/// `add_tonic_bias`).
#[derive(Debug, Clone, PartialEq)]
pub struct TonicBias {
    pub cell_type: String,
    /// nA.
    pub amplitude: f64,
    /// ms.
    pub t0: f64,
    /// ms; `None` means the end of the simulation.
    pub tstop: Option<f64>,
    pub section: String,
}

#[derive(Debug, Clone)]
pub struct NetworkDescription {
    pub populations: Vec<CellPopulation>,
    pub connections: Vec<Connection>,
    pub drives: Vec<Drive>,
    pub tonic_biases: Vec<TonicBias>,
    /// Spike threshold, mV.
    pub threshold: f64,
    /// Default synaptic delay, ms.
    pub delay: f64,
    /// Distance between grid points, µm.
    pub inplane_distance: f64,
    pub mesh_shape: (usize, usize),
    /// Position of drive cells (hnn-core's `pos_dict['origin']`).
    pub origin: [f64; 3],
    /// Total number of gids: cells, then drive cells.
    pub n_gids: usize,
    /// NEURON temperature, °C.
    pub celsius: f64,
    /// Extracellular electrode arrays (hnn-core `rec_arrays`), in the
    /// order they were added.
    pub electrode_arrays: Vec<ElectrodeArray>,
    /// The engine's arithmetic (`[simulation] numerics`); exact unless the
    /// config asks for fast.
    pub numerics: Numerics,
}

impl NetworkDescription {
    pub fn population(&self, name: &str) -> Option<&CellPopulation> {
        self.populations.iter().find(|p| p.name == name)
    }

    /// Index of the population (cell type) that gid `gid` belongs to; None
    /// for drive cells.
    pub fn population_index_of(&self, gid: usize) -> Option<usize> {
        self.populations
            .iter()
            .position(|p| (p.gid_start..p.gid_start + p.positions.len()).contains(&gid))
    }

    /// `[start, stop)` gids of a cell type or drive.
    pub fn gid_range(&self, name: &str) -> Option<(usize, usize)> {
        if let Some(p) = self.population(name) {
            return Some((p.gid_start, p.gid_start + p.positions.len()));
        }
        self.drives
            .iter()
            .find(|d| d.name == name)
            .map(|d| (d.gid_start, d.gid_start + d.n_drive_cells))
    }

    /// All gid ranges in gid order: cell types, then drives.
    pub fn gid_ranges(&self) -> Vec<(String, usize, usize)> {
        let mut out: Vec<(String, usize, usize)> = self
            .populations
            .iter()
            .map(|p| (p.name.clone(), p.gid_start, p.gid_start + p.positions.len()))
            .collect();
        out.extend(
            self.drives
                .iter()
                .map(|d| (d.name.clone(), d.gid_start, d.gid_start + d.n_drive_cells)),
        );
        out
    }

    /// Name of the population or drive owning `gid`.
    pub fn gid_to_type(&self, gid: usize) -> Option<String> {
        self.gid_ranges()
            .into_iter()
            .find(|(_, a, b)| (*a..*b).contains(&gid))
            .map(|(n, _, _)| n)
    }

    /// Number of real (non-drive) cells.
    pub fn n_cells(&self) -> usize {
        self.populations.iter().map(|p| p.positions.len()).sum()
    }

    /// Position of a cell or drive cell by gid.
    pub fn position(&self, gid: usize) -> [f64; 3] {
        for p in &self.populations {
            if (p.gid_start..p.gid_start + p.positions.len()).contains(&gid) {
                return p.positions[gid - p.gid_start];
            }
        }
        self.origin
    }
}

/// hnn-core `_get_gaussian_connection`: weight and delay at the in-plane
/// distance between source and target.
pub fn gaussian_connection(
    src_pos: [f64; 3],
    target_pos: [f64; 3],
    p: &ConnectionParams,
    inplane_distance: f64,
) -> (f64, f64) {
    let x_dist = target_pos[0] - src_pos[0];
    let y_dist = target_pos[1] - src_pos[1];
    let cell_dist = (x_dist.powi(2) + y_dist.powi(2)).sqrt();
    let scaled_lamtha = p.lamtha * inplane_distance;
    let gaussian = |height: f64| height * (-(cell_dist.powi(2)) / scaled_lamtha.powi(2)).exp();
    let weight = gaussian(p.a_weight * p.gain);
    let delay = p.a_delay / gaussian(1.0);
    (weight, delay)
}
