//! hnn-core's `jones_2009_model` (= `neymotin_2020_model`,
//! hnn_core/network_models.py) and `add_erp_drives_to_jones_model`.

use std::collections::BTreeMap;

use super::cells_default::default_template;
use super::description::{CellPopulation, Connection, ConnectionParams, NetworkDescription};
use super::drives::{attach_drive, DriveDynamics, DriveError, DriveSpec};
use super::model_error::ModelError;

/// Synaptic weights (µS) of the local network, from hnn-core's
/// `param/default.json`.
pub fn default_connection_weights() -> BTreeMap<String, f64> {
    [
        ("gbar_L2Pyr_L2Pyr_ampa", 0.0005),
        ("gbar_L2Pyr_L2Pyr_nmda", 0.0005),
        ("gbar_L2Basket_L2Pyr_gabaa", 0.05),
        ("gbar_L2Basket_L2Pyr_gabab", 0.05),
        ("gbar_L2Pyr_L5Pyr", 0.00025),
        ("gbar_L2Basket_L5Pyr", 0.001),
        ("gbar_L5Pyr_L5Pyr_ampa", 0.0005),
        ("gbar_L5Pyr_L5Pyr_nmda", 0.0005),
        ("gbar_L5Basket_L5Pyr_gabaa", 0.025),
        ("gbar_L5Basket_L5Pyr_gabab", 0.025),
        ("gbar_L2Pyr_L2Basket", 0.0005),
        ("gbar_L2Basket_L2Basket", 0.02),
        ("gbar_L2Pyr_L5Basket", 0.00025),
        ("gbar_L5Pyr_L5Basket", 0.0005),
        ("gbar_L5Basket_L5Basket", 0.02),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// hnn-core `_create_cell_coords`: pyramidal grid, basket cells on every
/// third column of alternating rows, and the drive origin.
fn cell_coords(
    n_x: usize,
    n_y: usize,
    z_coord: f64,
    inplane: f64,
) -> BTreeMap<&'static str, Vec<[f64; 3]>> {
    let pyr = |z: f64| {
        let mut v = Vec::new();
        for x in 0..n_x {
            for y in 0..n_y {
                v.push([x as f64 * inplane, y as f64 * inplane, z]);
            }
        }
        v
    };
    let basket = |weight: f64| {
        let mut coords: Vec<(f64, f64)> = Vec::new();
        for x in (0..n_x).step_by(3) {
            for y in (0..n_y).step_by(2) {
                coords.push((x as f64 * inplane, y as f64 * inplane));
            }
        }
        for x in (1..n_x).step_by(3) {
            for y in (1..n_y).step_by(2) {
                coords.push((x as f64 * inplane, y as f64 * inplane));
            }
        }
        // Python's sorted() is stable: ties keep their order.
        coords.sort_by(|a, b| a.1.total_cmp(&b.1));
        coords
            .into_iter()
            .map(|(x, y)| [x, y, weight * z_coord])
            .collect::<Vec<_>>()
    };
    BTreeMap::from([
        ("L5_pyramidal", pyr(0.0)),
        ("L2_pyramidal", pyr(z_coord)),
        ("L5_basket", basket(0.2)),
        ("L2_basket", basket(0.8)),
    ])
}

/// The local connections: (src, target, loc, receptor, weight key, lamtha,
/// allow_autapses), in the order of hnn-core's neymotin_2020_model.
#[allow(clippy::type_complexity)]
const LOCAL_CONNECTIONS: [(&str, &str, &str, &str, &str, f64, bool); 16] = [
    (
        "L2_pyramidal",
        "L2_pyramidal",
        "proximal",
        "nmda",
        "gbar_L2Pyr_L2Pyr_nmda",
        3.0,
        false,
    ),
    (
        "L2_pyramidal",
        "L2_pyramidal",
        "proximal",
        "ampa",
        "gbar_L2Pyr_L2Pyr_ampa",
        3.0,
        false,
    ),
    (
        "L5_pyramidal",
        "L5_pyramidal",
        "proximal",
        "nmda",
        "gbar_L5Pyr_L5Pyr_nmda",
        3.0,
        false,
    ),
    (
        "L5_pyramidal",
        "L5_pyramidal",
        "proximal",
        "ampa",
        "gbar_L5Pyr_L5Pyr_ampa",
        3.0,
        false,
    ),
    (
        "L2_basket",
        "L2_pyramidal",
        "soma",
        "gabaa",
        "gbar_L2Basket_L2Pyr_gabaa",
        50.0,
        true,
    ),
    (
        "L2_basket",
        "L2_pyramidal",
        "soma",
        "gabab",
        "gbar_L2Basket_L2Pyr_gabab",
        50.0,
        true,
    ),
    (
        "L5_basket",
        "L5_pyramidal",
        "soma",
        "gabaa",
        "gbar_L5Basket_L5Pyr_gabaa",
        70.0,
        true,
    ),
    (
        "L5_basket",
        "L5_pyramidal",
        "soma",
        "gabab",
        "gbar_L5Basket_L5Pyr_gabab",
        70.0,
        true,
    ),
    (
        "L2_pyramidal",
        "L5_pyramidal",
        "proximal",
        "ampa",
        "gbar_L2Pyr_L5Pyr",
        3.0,
        true,
    ),
    (
        "L2_pyramidal",
        "L5_pyramidal",
        "distal",
        "ampa",
        "gbar_L2Pyr_L5Pyr",
        3.0,
        true,
    ),
    (
        "L2_basket",
        "L5_pyramidal",
        "distal",
        "gabaa",
        "gbar_L2Basket_L5Pyr",
        50.0,
        true,
    ),
    (
        "L2_pyramidal",
        "L2_basket",
        "soma",
        "ampa",
        "gbar_L2Pyr_L2Basket",
        3.0,
        true,
    ),
    (
        "L2_basket",
        "L2_basket",
        "soma",
        "gabaa",
        "gbar_L2Basket_L2Basket",
        20.0,
        true,
    ),
    (
        "L5_basket",
        "L5_basket",
        "soma",
        "gabaa",
        "gbar_L5Basket_L5Basket",
        20.0,
        false,
    ),
    (
        "L5_pyramidal",
        "L5_basket",
        "soma",
        "ampa",
        "gbar_L5Pyr_L5Basket",
        3.0,
        true,
    ),
    (
        "L2_pyramidal",
        "L5_basket",
        "soma",
        "ampa",
        "gbar_L2Pyr_L5Basket",
        3.0,
        true,
    ),
];

/// Cells per type of a `mesh_shape` network, as [`jones_2009`] places them
/// (hnn-core `_create_cell_coords`), computed without building it.
pub fn population_sizes(n_x: usize, n_y: usize) -> [(&'static str, usize); 4] {
    let steps = |n: usize, from: usize, by: usize| n.saturating_sub(from).div_ceil(by);
    let n_pyr = n_x.saturating_mul(n_y);
    let n_basket = steps(n_x, 0, 3)
        .saturating_mul(steps(n_y, 0, 2))
        .saturating_add(steps(n_x, 1, 3).saturating_mul(steps(n_y, 1, 2)));
    [
        ("L2_basket", n_basket),
        ("L2_pyramidal", n_pyr),
        ("L5_basket", n_basket),
        ("L5_pyramidal", n_pyr),
    ]
}

/// (source, target) cell pairs of the local connections of a `mesh_shape`
/// network (all-to-all, autapses excluded where hnn-core excludes them), as
/// a float: the count can exceed any integer type for absurd meshes.
pub fn local_connection_pairs(n_x: usize, n_y: usize) -> f64 {
    let sizes = population_sizes(n_x, n_y);
    let size = |name: &str| {
        sizes
            .iter()
            .find(|s| s.0 == name)
            .map_or(0.0, |s| s.1 as f64)
    };
    LOCAL_CONNECTIONS
        .iter()
        .map(|&(src, target, _, _, _, _, autapses)| {
            let (ns, nt) = (size(src), size(target));
            if src == target && !autapses {
                ns * (nt - 1.0).max(0.0)
            } else {
                ns * nt
            }
        })
        .sum()
}

/// The Jones 2009 network without drives, with connection weights from
/// `weights` (HNN names, see [`default_connection_weights`]).
pub fn jones_2009(
    mesh_shape: (usize, usize),
    weights: &BTreeMap<String, f64>,
) -> Result<NetworkDescription, ModelError> {
    let (n_x, n_y) = mesh_shape;
    if n_x < 1 || n_y < 1 {
        return Err(ModelError::MeshShape { n_x, n_y });
    }
    let inplane = 1.0;
    let z_coord = 1307.4;
    let coords = cell_coords(n_x, n_y, z_coord, inplane);
    let xr = |i: usize| i as f64 * inplane;
    let origin = [
        xr((n_x - 1) / 2),
        xr((n_y - 1) / 2),
        (z_coord / 2.0).floor(),
    ];
    let mut populations = Vec::new();
    let mut gid = 0;
    for (name, dipole) in [
        ("L2_basket", false),
        ("L2_pyramidal", true),
        ("L5_basket", false),
        ("L5_pyramidal", true),
    ] {
        let positions = coords[name].clone();
        let n = positions.len();
        populations.push(CellPopulation {
            name: name.into(),
            template: default_template(name).unwrap(),
            positions,
            gid_start: gid,
            measure_dipole: dipole,
        });
        gid += n;
    }
    let mut net = NetworkDescription {
        populations,
        connections: Vec::new(),
        drives: Vec::new(),
        tonic_biases: Vec::new(),
        threshold: 0.0,
        delay: 1.0,
        inplane_distance: inplane,
        mesh_shape,
        origin,
        n_gids: gid,
        celsius: 37.0,
        electrode_arrays: Vec::new(),
        numerics: crate::config::Numerics::Exact,
    };
    // every ModelParams holds all 15 weights: a missing one is a bug here
    let w = |k: &'static str| {
        weights
            .get(k)
            .copied()
            .ok_or(ModelError::MissingWeight { name: k })
    };
    let delay = net.delay;
    for (src, target, loc, receptor, key, lamtha, autapses) in LOCAL_CONNECTIONS {
        let weight = w(key)?;
        add_cell_connection(
            &mut net, src, target, loc, receptor, weight, delay, lamtha, autapses,
        );
    }
    Ok(net)
}

/// `Network.add_connection` between two cell types (all-to-all).
#[allow(clippy::too_many_arguments)]
pub fn add_cell_connection(
    net: &mut NetworkDescription,
    src: &str,
    target: &str,
    loc: &str,
    receptor: &str,
    weight: f64,
    delay: f64,
    lamtha: f64,
    allow_autapses: bool,
) {
    let (s0, s1) = net.gid_range(src).unwrap();
    let (t0, t1) = net.gid_range(target).unwrap();
    let gid_pairs = (s0..s1)
        .map(|s| {
            let targets = (t0..t1).filter(|&t| allow_autapses || t != s).collect();
            (s, targets)
        })
        .collect();
    let threshold = net.threshold;
    net.connections.push(Connection {
        src_type: src.into(),
        target_type: target.into(),
        gid_pairs,
        loc: loc.into(),
        receptor: receptor.into(),
        params: ConnectionParams {
            a_weight: weight,
            a_delay: delay,
            lamtha,
            threshold,
            gain: 1.0,
        },
        probability: 1.0,
    });
}

fn map(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// hnn-core `add_erp_drives_to_jones_model(net, tstart)`.
pub fn add_erp_drives(net: &mut NetworkDescription, tstart: f64) -> Result<(), DriveError> {
    let evoked = |name: &str,
                  mu: f64,
                  sigma: f64,
                  location: &str,
                  ampa: &[(&str, f64)],
                  nmda: &[(&str, f64)],
                  delays: &[(&str, f64)],
                  seed: u64| DriveSpec {
        name: name.into(),
        dynamics: DriveDynamics::Evoked {
            mu,
            sigma,
            numspikes: 1,
        },
        location: location.into(),
        n_drive_cells: None,
        cell_specific: true,
        weights_ampa: map(ampa),
        weights_nmda: map(nmda),
        synaptic_delays: map(delays),
        space_constant: 3.0,
        probability: BTreeMap::new(),
        event_seed: seed,
        conn_seed: 3,
    };
    let prox_delays = [
        ("L2_basket", 0.1),
        ("L2_pyramidal", 0.1),
        ("L5_basket", 1.0),
        ("L5_pyramidal", 1.0),
    ];
    attach_drive(
        net,
        evoked(
            "evdist1",
            63.53 + tstart,
            3.85,
            "distal",
            &[
                ("L2_basket", 0.006562),
                ("L2_pyramidal", 7e-6),
                ("L5_pyramidal", 0.142300),
            ],
            &[
                ("L2_basket", 0.019482),
                ("L2_pyramidal", 0.004317),
                ("L5_pyramidal", 0.080074),
            ],
            &[
                ("L2_basket", 0.1),
                ("L2_pyramidal", 0.1),
                ("L5_pyramidal", 0.1),
            ],
            274,
        ),
    )?;
    attach_drive(
        net,
        evoked(
            "evprox1",
            26.61 + tstart,
            2.47,
            "proximal",
            &[
                ("L2_basket", 0.08831),
                ("L2_pyramidal", 0.01525),
                ("L5_basket", 0.19934),
                ("L5_pyramidal", 0.00865),
            ],
            &[],
            &prox_delays,
            544,
        ),
    )?;
    attach_drive(
        net,
        evoked(
            "evprox2",
            137.12 + tstart,
            8.33,
            "proximal",
            &[
                ("L2_basket", 0.000003),
                ("L2_pyramidal", 1.438840),
                ("L5_basket", 0.008958),
                ("L5_pyramidal", 0.684013),
            ],
            &[],
            &prox_delays,
            814,
        ),
    )?;
    Ok(())
}
