//! Attaching external drives (hnn-core `Network._attach_drive`,
//! hnn_core/network.py): drive-cell gids after every existing gid, and the
//! drive's connections to its targets, pruned by their probability.

use super::description::{Connection, ConnectionParams, NetworkDescription};
use super::pruning;

/// What a drive is (kept at this path, where the readers and the engine
/// have always found it).
pub use super::drive_spec::{Drive, DriveDynamics, DriveSpec, PoissonRate};

/// Why a drive cannot be attached: the drive argument at fault and what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct DriveError {
    /// The keyword (config key) at fault, e.g. `location`, `weights_ampa`.
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for DriveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for DriveError {}

fn drive_error(field: &'static str, message: String) -> DriveError {
    DriveError { field, message }
}

/// hnn-core `_attach_drive`: allocate drive-cell gids after every existing
/// gid and add one connection per target type and receptor.
pub fn attach_drive(net: &mut NetworkDescription, spec: DriveSpec) -> Result<(), DriveError> {
    if net.drives.iter().any(|d| d.name == spec.name) {
        return Err(drive_error(
            "name",
            format!("drive {} already defined", spec.name),
        ));
    }
    let named: Vec<&String> = spec
        .weights_ampa
        .keys()
        .chain(spec.weights_nmda.keys())
        .collect();
    if named.is_empty() {
        return Err(drive_error(
            "weights_ampa",
            format!(
                "drive {}: no target cell types have been given a synaptic weight",
                spec.name
            ),
        ));
    }
    for t in &named {
        if net.population(t).is_none() {
            return Err(drive_error(
                "weights_ampa",
                format!(
                    "drive {}: unknown target cell type '{t}' (cell types: {})",
                    spec.name,
                    net.populations
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
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
        return Err(drive_error(
            "location",
            format!(
                "drive {}: a distal drive cannot target L5_basket cells",
                spec.name
            ),
        ));
    }
    for t in &target_types {
        let tpl = &net.population(t).unwrap().template;
        if tpl.location_sections(&spec.location).is_none()
            && tpl.section_index(&spec.location).is_none()
        {
            return Err(drive_error(
                "location",
                format!(
                    "drive {}: location '{}' is not defined for {t} cells",
                    spec.name, spec.location
                ),
            ));
        }
        // hnn-core's add_connection refuses a receptor the section lacks
        // (a pyramidal soma has only GABA synapses); the engine needs the
        // synapse to connect the drive.
        let sections = tpl
            .location_sections(&spec.location)
            .unwrap_or_else(|| vec![spec.location.clone()]);
        for (receptor, field, weights) in [
            ("ampa", "weights_ampa", &spec.weights_ampa),
            ("nmda", "weights_nmda", &spec.weights_nmda),
        ] {
            if !weights.contains_key(t) {
                continue;
            }
            for s in &sections {
                let receptors = tpl
                    .section_index(s)
                    .map_or(&[][..], |i| &tpl.sections[i].receptors[..]);
                if !receptors.iter().any(|r| r == receptor) {
                    return Err(drive_error(
                        field,
                        format!(
                            "drive {}: {t} cells have no '{receptor}' synapse on {s} (location \
                             '{}'; its synapses: {})",
                            spec.name,
                            spec.location,
                            if receptors.is_empty() {
                                "none".to_string()
                            } else {
                                receptors.join(", ")
                            }
                        ),
                    ));
                }
            }
        }
        if !spec.synaptic_delays.contains_key(t) {
            return Err(drive_error(
                "synaptic_delays",
                format!("drive {}: no synaptic_delays for {t}", spec.name),
            ));
        }
    }
    let n_drive_cells = match (spec.cell_specific, spec.n_drive_cells) {
        (true, None) => target_types
            .iter()
            .map(|t| net.population(t).unwrap().positions.len())
            .sum(),
        (true, Some(_)) => {
            return Err(drive_error(
                "n_drive_cells",
                format!(
                    "drive {}: with cell_specific = true, n_drive_cells must be 'n_cells'",
                    spec.name
                ),
            ))
        }
        (false, Some(n)) if n > 0 => n,
        (false, _) => {
            return Err(drive_error(
                "n_drive_cells",
                format!(
                "drive {}: with cell_specific = false, n_drive_cells must be a positive integer",
                spec.name
            ),
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

/// hnn-core `_connection_probability`: keep a random subset of the pairs.
fn apply_connection_probability(
    gid_pairs: &mut Vec<(usize, Vec<usize>)>,
    probability: f64,
    conn_seed: u64,
) -> Result<(), DriveError> {
    if !(probability > 0.0 && probability < 1.0) {
        return Err(drive_error(
            "probability",
            format!("must be in (0, 1], got {probability}"),
        ));
    }
    pruning::connection_probability_apply(gid_pairs, probability, conn_seed as u128);
    Ok(())
}
