//! External drives (hnn-core `Network.add_*_drive`, hnn_core/drives.py):
//! artificial drive cells with event times from numpy's random streams,
//! connected to their targets as hnn-core's `_attach_drive` connects them.

use std::collections::BTreeMap;

use super::description::{Connection, ConnectionParams, NetworkDescription};

/// The event-time dynamics of a drive.
#[derive(Debug, Clone, PartialEq)]
pub enum DriveDynamics {
    /// Gaussian event times (ms): `numspikes` draws of N(mu, sigma).
    Evoked {
        mu: f64,
        sigma: f64,
        numspikes: usize,
    },
    /// Poisson process from `tstart` to `tstop` (ms) at `rate_constant`
    /// (Hz), one rate for all targets or one per target cell type.
    Poisson {
        tstart: f64,
        tstop: f64,
        rate_constant: RateConstant,
    },
    /// Rhythmic bursts (hnn-core `_create_bursty_input`).
    Bursty {
        tstart: f64,
        tstart_std: f64,
        tstop: f64,
        burst_rate: f64,
        burst_std: f64,
        numspikes: usize,
        spike_isi: f64,
    },
    /// Explicit spike times (ms) of drive-cell gid offsets.
    SpikeTrain { times: Vec<f64>, gids: Vec<usize> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum RateConstant {
    All(f64),
    PerType(BTreeMap<String, f64>),
}

/// A drive as configured (hnn-core's keyword arguments and defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct DriveSpec {
    pub name: String,
    pub dynamics: DriveDynamics,
    /// `proximal`, `distal` or a section name.
    pub location: String,
    /// `None` = hnn-core's `'n_cells'` (one drive cell per target cell).
    pub n_drive_cells: Option<usize>,
    pub cell_specific: bool,
    /// µS per target cell type.
    pub weights_ampa: BTreeMap<String, f64>,
    pub weights_nmda: BTreeMap<String, f64>,
    /// ms per target cell type.
    pub synaptic_delays: BTreeMap<String, f64>,
    pub space_constant: f64,
    /// Connection probability per target cell type.
    pub probability: BTreeMap<String, f64>,
    pub event_seed: u64,
    pub conn_seed: u64,
}

/// A drive attached to a network: its gids and the events of each trial.
#[derive(Debug, Clone)]
pub struct Drive {
    pub name: String,
    pub spec: DriveSpec,
    pub gid_start: usize,
    pub n_drive_cells: usize,
    /// Target cell types, in the network's cell type order.
    pub target_types: Vec<String>,
}

/// hnn-core `_attach_drive`: allocate drive-cell gids after every existing
/// gid and add one connection per target type and receptor.
pub fn attach_drive(net: &mut NetworkDescription, spec: DriveSpec) -> Result<(), String> {
    if net.drives.iter().any(|d| d.name == spec.name) {
        return Err(format!("drive {} already defined", spec.name));
    }
    let named: Vec<&String> = spec
        .weights_ampa
        .keys()
        .chain(spec.weights_nmda.keys())
        .collect();
    if named.is_empty() {
        return Err(format!(
            "drive {}: no target cell types have been given a synaptic weight",
            spec.name
        ));
    }
    for t in &named {
        if net.population(t).is_none() {
            return Err(format!(
                "drive {}: unknown target cell type '{t}' (cell types: {})",
                spec.name,
                net.populations
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let target_types: Vec<String> = net
        .populations
        .iter()
        .map(|p| p.name.clone())
        .filter(|n| named.contains(&n))
        .collect();
    if spec.location == "distal" && target_types.iter().any(|t| t == "L5_basket") {
        return Err(format!(
            "drive {}: a distal drive cannot target L5_basket cells",
            spec.name
        ));
    }
    for t in &target_types {
        let tpl = &net.population(t).unwrap().template;
        if tpl.location_sections(&spec.location).is_none()
            && tpl.section_index(&spec.location).is_none()
        {
            return Err(format!(
                "drive {}: location '{}' is not defined for {t} cells",
                spec.name, spec.location
            ));
        }
        if !spec.synaptic_delays.contains_key(t) {
            return Err(format!("drive {}: no synaptic_delays for {t}", spec.name));
        }
    }
    let n_drive_cells = match (spec.cell_specific, spec.n_drive_cells) {
        (true, None) => target_types
            .iter()
            .map(|t| net.population(t).unwrap().positions.len())
            .sum(),
        (true, Some(_)) => {
            return Err(format!(
                "drive {}: with cell_specific = true, n_drive_cells must be 'n_cells'",
                spec.name
            ))
        }
        (false, Some(n)) if n > 0 => n,
        (false, _) => {
            return Err(format!(
                "drive {}: with cell_specific = false, n_drive_cells must be a positive integer",
                spec.name
            ))
        }
    };
    let gid_start = net.n_gids;
    net.n_gids += n_drive_cells;
    let mut src_idx = 0;
    for (seed_increment, target) in target_types.iter().enumerate() {
        let pop = net.population(target).unwrap();
        let target_gids: Vec<usize> =
            (pop.gid_start..pop.gid_start + pop.positions.len()).collect();
        let gid_pairs: Vec<(usize, Vec<usize>)> = if spec.cell_specific {
            let pairs = target_gids
                .iter()
                .enumerate()
                .map(|(i, &t)| (gid_start + src_idx + i, vec![t]))
                .collect();
            src_idx += target_gids.len();
            pairs
        } else {
            (gid_start..gid_start + n_drive_cells)
                .map(|s| (s, target_gids.clone()))
                .collect()
        };
        let probability = *spec.probability.get(target).unwrap_or(&1.0);
        // hnn-core orders receptors ampa then nmda.
        for (receptor, weights) in [("ampa", &spec.weights_ampa), ("nmda", &spec.weights_nmda)] {
            let Some(&weight) = weights.get(target) else {
                continue;
            };
            let mut conn = Connection {
                src_type: spec.name.clone(),
                target_type: target.clone(),
                gid_pairs: gid_pairs.clone(),
                loc: spec.location.clone(),
                receptor: receptor.into(),
                params: ConnectionParams {
                    a_weight: weight,
                    a_delay: spec.synaptic_delays[target],
                    lamtha: spec.space_constant,
                    threshold: net.threshold,
                    gain: 1.0,
                },
                probability,
            };
            if probability != 1.0 {
                apply_connection_probability(
                    &mut conn.gid_pairs,
                    probability,
                    spec.conn_seed + seed_increment as u64,
                )?;
            }
            net.connections.push(conn);
        }
    }
    net.drives.push(Drive {
        name: spec.name.clone(),
        gid_start,
        n_drive_cells,
        target_types,
        spec,
    });
    Ok(())
}

impl Drive {
    /// Event times (ms) of every drive cell for one trial, as hnn-core's
    /// `Network._instantiate_drives` draws them.
    pub fn event_times(
        &self,
        net: &NetworkDescription,
        trial_idx: usize,
        tstop: f64,
    ) -> Vec<Vec<f64>> {
        let trial_seed_offset = net.n_gids as u64;
        (0..self.n_drive_cells)
            .map(|offset| {
                let gid = self.gid_start + offset;
                let target_type = if self.spec.cell_specific {
                    // A cell-specific drive cell connects to one type.
                    net.connections
                        .iter()
                        .find(|c| {
                            c.src_type == self.name && c.gid_pairs.iter().any(|(s, _)| *s == gid)
                        })
                        .map(|c| c.target_type.clone())
                } else {
                    None
                };
                if self.spec.cell_specific && target_type.is_none() {
                    // All its connections were dropped by `probability`.
                    return Vec::new();
                }
                drive_cell_event_times(
                    &self.spec.dynamics,
                    tstop,
                    target_type.as_deref(),
                    trial_idx as u64,
                    offset as u64,
                    self.spec.event_seed,
                    trial_seed_offset,
                )
            })
            .collect()
    }
}

/// hnn-core `_connection_probability`: keep a random subset of the pairs.
fn apply_connection_probability(
    _gid_pairs: &mut Vec<(usize, Vec<usize>)>,
    _probability: f64,
    _conn_seed: u64,
) -> Result<(), String> {
    unimplemented!("connection probability: numpy Generator pending")
}

/// hnn-core `_drive_cell_event_times`.
fn drive_cell_event_times(
    _dynamics: &DriveDynamics,
    _tstop: f64,
    _target_type: Option<&str>,
    _trial_idx: u64,
    _drive_cell_gid: u64,
    _event_seed: u64,
    _trial_seed_offset: u64,
) -> Vec<f64> {
    unimplemented!("drive events: numpy RandomState pending")
}
