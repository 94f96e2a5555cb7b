//! The network file as a whole (hnn-core's `dict_to_network`): its top-level
//! keys, gid ranges, cell types and positions, then drives, connections and
//! tonic biases, in the order hnn-core builds them.

use super::cells::parse_cell_type;
use super::connections::parse_connection;
use super::drives::{check_cell_specific_drives, parse_drive};
use super::json::{HnnJsonError, Node, Res};
use crate::config::rules;
use crate::network::description::{CellPopulation, NetworkDescription, TonicBias};
use crate::network::electrode::{ElectrodeArray, ElectrodeError, LfpMethod};
use crate::network::mechanism_catalogue::MechanismCatalogue;

/// hnn-core's `Network._inplane_distance`, fixed by its constructor (µm per
/// grid step; not stored in the file).
const INPLANE_DISTANCE: f64 = 1.0;

const TOP_KEYS: &[&str] = &[
    "object_type",
    "legacy_mode",
    "N_pyr_x",
    "N_pyr_y",
    "celsius",
    "cell_types",
    "gid_ranges",
    "pos_dict",
    "cell_response",
    "external_drives",
    "external_biases",
    "connectivity",
    "rec_arrays",
    "threshold",
    "delay",
];

pub(super) fn parse_network(
    root: Node,
    tstop_ms: f64,
    mechanisms: &dyn MechanismCatalogue,
) -> Res<NetworkDescription> {
    root.members()?;
    match root.opt("object_type")? {
        Some(o) if o.node().str()? == "Network" => {}
        Some(o) => {
            return Err(o.node().err(format!(
                "the file holds a {:?}, not a Network (hnn-core's read_network_configuration \
                 reads only Network files)",
                o.node().str()?
            )))
        }
        None => {
            return Err(root.err(
                "missing field `object_type` (not a file written by hnn-core's \
                 Network.write_configuration)",
            ))
        }
    }
    root.only_keys(TOP_KEYS)?;
    let electrode_arrays = parse_rec_arrays(root.get("rec_arrays")?.node())?;
    root.get("legacy_mode")?.node().bool()?;
    let n_x = root
        .get("N_pyr_x")?
        .node()
        .checked_usize(rules::at_least_one)?;
    let n_y = root
        .get("N_pyr_y")?
        .node()
        .checked_usize(rules::at_least_one)?;
    let threshold = root.get("threshold")?.node().checked(rules::finite)?;
    let delay = root.get("delay")?.node().checked(rules::non_negative)?;
    let celsius = root.get("celsius")?.node().checked(rules::finite)?;

    // gid ranges, in file order
    let gr = root.get("gid_ranges")?;
    let mut gid_ranges: Vec<(String, usize, usize, String)> = Vec::new();
    for (name, r) in gr.node().entries()? {
        let n = r.node();
        n.only_keys(&["start", "stop"])?;
        let (a, b) = (
            n.get("start")?.node().usize()?,
            n.get("stop")?.node().usize()?,
        );
        if b < a {
            return Err(n.err(format!("stop {b} < start {a}")));
        }
        gid_ranges.push((name.to_string(), a, b, r.path.clone()));
    }
    let range_of = |name: &str| {
        gid_ranges
            .iter()
            .find(|g| g.0 == name)
            .map(|g| (g.1, g.2, g.3.clone()))
    };

    // cell types and positions; gids in cell_types order (Network.__init__
    // `_add_cell_type`), which must be the file's gid ranges
    let pos = root.get("pos_dict")?;
    let ct = root.get("cell_types")?;
    let mut populations = Vec::new();
    let mut next_gid = 0;
    for (name, c) in ct.node().entries()? {
        let (template, measure_dipole) = parse_cell_type(name, c.node(), mechanisms)?;
        let Some(p) = pos.node().opt(name)? else {
            return Err(c
                .node()
                .err(format!("cell type {name} has no positions in pos_dict")));
        };
        let positions: Vec<[f64; 3]> = p
            .node()
            .items()?
            .iter()
            .map(|x| x.node().point())
            .collect::<Res<_>>()?;
        let Some((a, b, rpath)) = range_of(name) else {
            return Err(gr.node().err(format!("no gid range for cell type {name}")));
        };
        if (a, b) != (next_gid, next_gid + positions.len()) {
            return Err(HnnJsonError {
                file: root.file.to_path_buf(),
                field: rpath,
                message: format!(
                    "gids [{a}, {b}) do not follow from the cell types' order and their {} \
                     positions (expected [{next_gid}, {}))",
                    positions.len(),
                    next_gid + positions.len()
                ),
            });
        }
        next_gid = b;
        populations.push(CellPopulation {
            name: name.to_string(),
            template,
            positions,
            gid_start: a,
            measure_dipole,
        });
    }
    for (name, _) in pos.node().entries()? {
        if name != "origin" && !populations.iter().any(|p| p.name == name) {
            let range = range_of(name);
            let is_drive =
                range.is_some() && root.get("external_drives")?.node().opt(name)?.is_some();
            if !is_drive {
                return Err(pos.node().err(format!(
                    "positions of `{name}`, which is neither a cell type nor a drive"
                )));
            }
        }
    }
    let origin = pos.node().get("origin")?.node().point()?;
    let n_cells = next_gid;
    let mut net = NetworkDescription {
        populations,
        connections: Vec::new(),
        drives: Vec::new(),
        tonic_biases: Vec::new(),
        threshold,
        delay,
        inplane_distance: INPLANE_DISTANCE,
        mesh_shape: (n_x, n_y),
        origin,
        n_gids: n_cells,
        celsius,
        electrode_arrays,
        numerics: crate::config::Numerics::Exact,
    };

    // drives, by ascending first gid (hnn_io `_order_drives`)
    let drives = root.get("external_drives")?;
    let mut entries = drives.node().entries()?;
    for (name, d) in &entries {
        if range_of(name).is_none() {
            return Err(d.node().err(format!("drive {name} has no gid range")));
        }
    }
    entries.sort_by_key(|(name, _)| range_of(name).map(|r| r.0));
    let mut parsed_drives = Vec::new();
    for (name, d) in &entries {
        let (a, b, rpath) = range_of(name).expect("checked");
        if a != net.n_gids {
            return Err(HnnJsonError {
                file: root.file.to_path_buf(),
                field: rpath,
                message: format!(
                    "drive gids [{a}, {b}) do not follow the cells and earlier drives \
                     (expected to start at {})",
                    net.n_gids
                ),
            });
        }
        // bounded before anything loops over the drive's cells
        rules::drive_cells(b - a).map_err(|e| HnnJsonError {
            file: root.file.to_path_buf(),
            field: rpath.clone(),
            message: format!("drive {name}: gids [{a}, {b}): {e}"),
        })?;
        net.n_gids = b;
        parsed_drives.push(parse_drive(name, d.node(), a, b - a, &net, tstop_ms)?);
    }
    for (name, _, _, rpath) in &gid_ranges {
        if net.population(name).is_none() && !entries.iter().any(|(n, _)| n == name) {
            return Err(HnnJsonError {
                file: root.file.to_path_buf(),
                field: rpath.clone(),
                message: format!("`{name}` is neither a cell type nor a drive"),
            });
        }
    }
    net.drives = parsed_drives;

    // connections, in file order (NetCon creation order)
    let conns = root.get("connectivity")?;
    for c in conns.node().items()? {
        let conn = parse_connection(c.node(), &net)?;
        net.connections.push(conn);
    }
    check_cell_specific_drives(&net, root)?;

    // tonic biases: hnn-core's NetworkBuilder applies, to each cell, every
    // bias (in bias-name order) that names its type
    let biases = root.get("external_biases")?;
    for (_, per_type) in biases.node().entries()? {
        for (cell_type, b) in per_type.node().entries()? {
            let b = b.node();
            b.only_keys(&["amplitude", "t0", "tstop", "section"])?;
            let Some(pop) = net.population(cell_type) else {
                return Err(b.err(format!("unknown cell type {cell_type}")));
            };
            let section = match b.opt("section")? {
                Some(s) => s.node().str()?.to_string(),
                None => "soma".to_string(),
            };
            if pop.template.section_index(&section).is_none() {
                return Err(b.err(format!("{cell_type} cells have no section {section}")));
            }
            let t0 = b.get("t0")?.node().checked(rules::non_negative)?;
            let tstop_node = b.get("tstop")?;
            let tstop = if tstop_node.node().is_null() {
                None
            } else {
                let v = tstop_node.node().checked(rules::finite)?;
                Some(
                    rules::not_before("tstop", v, "t0", t0)
                        .map_err(|e| tstop_node.node().err(e.to_string()))?,
                )
            };
            net.tonic_biases.push(TonicBias {
                cell_type: cell_type.to_string(),
                amplitude: b.get("amplitude")?.node().checked(rules::finite)?,
                t0,
                tstop,
                section,
            });
        }
    }
    Ok(net)
}

/// hnn-core's `_read_rec_arrays`: each array's `positions`,
/// `conductivity`, `method` and `min_distance` (`times` and `voltages`,
/// a recorded output, are ignored: hnn-mpi computes its own), checked as
/// `ExtracellularArray.__init__` checks them.
fn parse_rec_arrays(rec: Node) -> Res<Vec<ElectrodeArray>> {
    let mut arrays = Vec::new();
    for (name, a) in rec.entries()? {
        let n = a.node();
        if name.is_empty() || name.contains('/') {
            return Err(n.err(format!(
                "{name:?} cannot name an electrode array (the HDF5 dataset /lfp/<name>): \
                 not empty, no '/'"
            )));
        }
        if arrays.iter().any(|x: &ElectrodeArray| x.name == name) {
            return Err(n.err(format!("a second electrode array named {name:?}")));
        }
        n.only_keys(&[
            "positions",
            "conductivity",
            "method",
            "min_distance",
            "times",
            "voltages",
        ])?;
        let pos = n.get("positions")?;
        let items = pos.node().items()?;
        let mut positions_um = Vec::with_capacity(items.len());
        for item in &items {
            positions_um.push(item.node().point()?);
        }
        let method_node = n.get("method")?;
        let method_name = method_node.node().str()?;
        let method = LfpMethod::from_name(method_name).ok_or_else(|| {
            method_node.node().err(format!(
                "unknown method {method_name:?} (hnn-core: \"psa\" or \"lsa\")"
            ))
        })?;
        let conductivity = n.get("conductivity")?;
        let min_distance = n.get("min_distance")?;
        let array = ElectrodeArray {
            name: name.to_string(),
            positions_um,
            conductivity_s_per_m: conductivity.node().f64()?,
            method,
            min_distance_um: min_distance.node().f64()?,
        };
        if let Err(e) = array.validate() {
            let at = match e {
                ElectrodeError::NoContacts => pos.node(),
                ElectrodeError::BadContact { index } => items[index].node(),
                ElectrodeError::Conductivity(_) => conductivity.node(),
                ElectrodeError::MinDistance(_) => min_distance.node(),
            };
            return Err(at.err(e.to_string()));
        }
        arrays.push(array);
    }
    Ok(arrays)
}
