//! `[network] hnn_json = "file.json"`: a network written by hnn-core 0.6.1's
//! `Network.write_configuration` (`hnn_core/hnn_io.py`, `network_to_dict`),
//! read into a [`NetworkDescription`] as `read_network_configuration`
//! (`dict_to_network`) rebuilds it, with the differences below.
//!
//! What the file holds and how each part is used:
//!
//! - `cell_types`: per cell type a `Cell.to_dict()` (`cell_object`: sections
//!   with `L`, `diam`, `cm`, `Ra`, `v0`, `end_pts`, `mechs`, `syns`;
//!   `synapses`, `cell_tree`, `sect_loc`) and `cell_metadata`
//!   (`measure_dipole`); the pre-metadata format (cell dict directly) is read
//!   with hnn-core's per-name metadata (`_read_cell_types`). Mechanism values
//!   are numbers, or `[segment x, segment values]` for the distance rules,
//!   which the `Cell` constructor had already evaluated
//!   (`_compute_section_mechs`); `Cell._set_biophysics` sets those values
//!   segment by segment. `nseg` follows from `L` (`Section.__init__`
//!   recomputes it; the stored value is only checked).
//! - `pos_dict`, `gid_ranges`: positions (in-plane units for x, y; µm for z)
//!   and gids of every cell type and drive. hnn-core's `Network` constructor
//!   hard-codes `_inplane_distance = 1.0`, which is not in the file.
//! - `connectivity`: every connection with its explicit `gid_pairs`, as
//!   stored: these are the network that was written, probability-drawn
//!   pairs included. (hnn-core 0.6.1's reader re-adds each connection with
//!   `add_connection(..., probability=p)` and no seed, which prunes a
//!   connection stored with p < 1 a second time with an unseeded RNG; that
//!   is not reproducible and not what the file describes.)
//! - `external_drives`: type, `dynamics`, `event_seed`, cell specificity and
//!   target types. The file stores no event times (`write_configuration`
//!   empties `events`, and the reader discards any): they are drawn on every
//!   simulation from the dynamics and seeds (`Network._instantiate_drives`),
//!   exactly as for drives of the TOML. Drive connections come from
//!   `connectivity` (the reader replaces the connections `add_*_drive`
//!   makes by the file's).
//! - `external_biases`: tonic biases (`{bias name: {cell type: {amplitude,
//!   t0, tstop, section}}}`), `threshold`, `delay`, `celsius`, `N_pyr_x`,
//!   `N_pyr_y` (the dipole's baseline renormalisation).
//! - Ignored, as hnn-core's reader ignores them: `cell_response` (outputs),
//!   drive `events`, the recording fields of each cell (`vsec`, `isec`,
//!   `ca`, `dipole_pp`, `tonic_biases`, `gid`, `pos`, `name`).
//!
//! Refused with an error that names the field: anything hnn-mpi cannot
//! reproduce (electrode arrays `rec_arrays`, mechanisms or mechanism
//! parameters the engine lacks, `spike_train` drives — which hnn-core
//! 0.6.1's reader cannot read back either —, per-connection spike
//! thresholds other than the network's, dipoles of cell types other than
//! `L2_pyramidal`/`L5_pyramidal`), unknown keys, and malformed content.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::cell_template::{
    nseg_for_length, CellTemplate, Distribution, MechanismSpec, SectionSpec, SynapseSpec, TreeEdge,
};
use super::description::{CellPopulation, Connection, ConnectionParams, NetworkDescription};
use super::drives::{Drive, DriveDynamics, DriveSpec, PoissonRate};
use crate::config::rules::{self, RuleResult};
use crate::engine::mechanisms;

/// hnn-core's `Network._inplane_distance`, fixed by its constructor (µm per
/// grid step; not stored in the file).
const INPLANE_DISTANCE: f64 = 1.0;

/// What is wrong with a network file: the file, the field (a dotted path
/// such as `cell_types.L5_pyramidal.cell_object.sections.soma.L`, empty for
/// the file as a whole) and the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct HnnJsonError {
    pub file: PathBuf,
    pub field: String,
    pub message: String,
}

impl fmt::Display for HnnJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}: `{}`: {}",
                self.file.display(),
                self.field,
                self.message
            )
        }
    }
}

impl std::error::Error for HnnJsonError {}

/// A JSON value that keeps the order of object members (hnn-core's dicts
/// are ordered, and the order of cell types, sections, tree nodes and gid
/// pairs is meaningful).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    /// The value, and whether it was written as an integer.
    Num(f64, bool),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Json, E> {
                Ok(Json::Num(x as f64, true))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Json, E> {
                Ok(Json::Num(x as f64, true))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Json, E> {
                Ok(Json::Num(x, false))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Json::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry::<String, Json>()? {
                    v.push((k, x));
                }
                Ok(Json::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A value with its field path, for error messages.
#[derive(Clone, Copy)]
struct Node<'a> {
    v: &'a Json,
    path: &'a str,
    file: &'a Path,
}

type Res<T> = Result<T, HnnJsonError>;

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Num(..) => "a number",
        Json::Str(_) => "a string",
        Json::Arr(_) => "a list",
        Json::Obj(_) => "an object",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A node that owns its path (children borrow from it).
struct Owned<'a> {
    v: &'a Json,
    path: String,
    file: &'a Path,
}

impl<'a> Owned<'a> {
    fn node(&self) -> Node<'_> {
        Node {
            v: self.v,
            path: &self.path,
            file: self.file,
        }
    }
}

impl<'a> Node<'a> {
    fn err(&self, message: impl Into<String>) -> HnnJsonError {
        HnnJsonError {
            file: self.file.to_path_buf(),
            field: self.path.to_string(),
            message: message.into(),
        }
    }

    fn expected(&self, what: &str) -> HnnJsonError {
        self.err(format!("expected {what}, found {}", kind(self.v)))
    }

    fn members(&self) -> Res<&'a [(String, Json)]> {
        match self.v {
            Json::Obj(m) => Ok(m),
            _ => Err(self.expected("an object")),
        }
    }

    /// Object members as owned nodes, in file order.
    fn entries(&self) -> Res<Vec<(&'a str, Owned<'a>)>> {
        Ok(self
            .members()?
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    Owned {
                        v,
                        path: join(self.path, k),
                        file: self.file,
                    },
                )
            })
            .collect())
    }

    fn opt(&self, key: &str) -> Res<Option<Owned<'a>>> {
        Ok(self
            .members()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| Owned {
                v,
                path: join(self.path, key),
                file: self.file,
            }))
    }

    fn get(&self, key: &str) -> Res<Owned<'a>> {
        self.opt(key)?
            .ok_or_else(|| self.err(format!("missing field `{key}`")))
    }

    /// Refuse members outside `known`.
    fn only_keys(&self, known: &[&str]) -> Res<()> {
        for (k, _) in self.members()? {
            if !known.contains(&k.as_str()) {
                return Err(HnnJsonError {
                    file: self.file.to_path_buf(),
                    field: join(self.path, k),
                    message: format!(
                        "unknown field (hnn-core 0.6.1 writes: {})",
                        known.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    fn items(&self) -> Res<Vec<Owned<'a>>> {
        match self.v {
            Json::Arr(v) => Ok(v
                .iter()
                .enumerate()
                .map(|(i, v)| Owned {
                    v,
                    path: format!("{}[{i}]", self.path),
                    file: self.file,
                })
                .collect()),
            _ => Err(self.expected("a list")),
        }
    }

    fn f64(&self) -> Res<f64> {
        match self.v {
            Json::Num(x, _) => Ok(*x),
            _ => Err(self.expected("a number")),
        }
    }

    /// A number that must satisfy one of the shared value rules
    /// ([`crate::config::rules`], the same as for the TOML).
    fn checked(&self, rule: fn(f64) -> RuleResult<f64>) -> Res<f64> {
        let v = self.f64()?;
        rule(v).map_err(|e| self.err(e.to_string()))
    }

    fn checked_usize(&self, rule: fn(usize) -> RuleResult<usize>) -> Res<usize> {
        let v = self.usize()?;
        rule(v).map_err(|e| self.err(e.to_string()))
    }

    fn usize(&self) -> Res<usize> {
        match self.v {
            Json::Num(x, true) if *x >= 0.0 => Ok(*x as usize),
            _ => Err(self.expected("a non-negative integer")),
        }
    }

    fn str(&self) -> Res<&'a str> {
        match self.v {
            Json::Str(s) => Ok(s),
            _ => Err(self.expected("a string")),
        }
    }

    fn bool(&self) -> Res<bool> {
        match self.v {
            Json::Bool(b) => Ok(*b),
            // `allow_autapses` is written as 0/1
            Json::Num(x, true) if *x == 0.0 || *x == 1.0 => Ok(*x == 1.0),
            _ => Err(self.expected("a boolean")),
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.v, Json::Null)
    }

    fn f64s(&self) -> Res<Vec<f64>> {
        self.items()?.iter().map(|n| n.node().f64()).collect()
    }

    fn strings(&self) -> Res<Vec<String>> {
        self.items()?
            .iter()
            .map(|n| n.node().str().map(str::to_string))
            .collect()
    }

    fn point(&self) -> Res<[f64; 3]> {
        let v = self.f64s()?;
        v.try_into()
            .map_err(|_| self.err("expected a point [x, y, z]"))
    }
}

/// Read the network file at `path`. `tstop_ms` replaces a drive's
/// `tstop = null` (as `simulate_dipole` does).
pub fn read_network(path: &Path, tstop_ms: f64) -> Res<NetworkDescription> {
    let file_err = |message: String| HnnJsonError {
        file: path.to_path_buf(),
        field: String::new(),
        message,
    };
    let text = rules::read_input_file(path)
        .map_err(|e| file_err(format!("cannot read the network file: {e}")))?;
    let json: Json =
        serde_json::from_str(&text).map_err(|e| file_err(format!("not a valid JSON file: {e}")))?;
    let root = Node {
        v: &json,
        path: "",
        file: path,
    };
    parse_network(root, tstop_ms)
}

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

fn parse_network(root: Node, tstop_ms: f64) -> Res<NetworkDescription> {
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
    let rec = root.get("rec_arrays")?;
    if !rec.node().members()?.is_empty() {
        let names: Vec<&str> = rec
            .node()
            .members()?
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        return Err(rec.node().err(format!(
            "extracellular electrode arrays ({}) are not supported by hnn-mpi: remove them \
             (hnn-core: del net.rec_arrays[name]) and write the file again",
            names.join(", ")
        )));
    }
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
        let (template, measure_dipole) = parse_cell_type(name, c.node())?;
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
            net.tonic_biases.push(super::description::TonicBias {
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

/// hnn-core `_read_cell_types` metadata of the pre-metadata file format.
fn legacy_measure_dipole(name: &str) -> Option<bool> {
    match name {
        "L2_basket" | "L5_basket" => Some(false),
        "L2_pyramidal" | "L5_pyramidal" => Some(true),
        _ => None,
    }
}

const SECTION_KEYS: &[&str] = &[
    "L", "diam", "cm", "Ra", "end_pts", "nseg", "v0", "mechs", "syns",
];

const CELL_KEYS: &[&str] = &[
    "name",
    "pos",
    "sections",
    "synapses",
    "cell_tree",
    "sect_loc",
    "gid",
    "dipole_pp",
    "vsec",
    "isec",
    "ca",
    "tonic_biases",
];

fn parse_cell_type(name: &str, c: Node) -> Res<(CellTemplate, bool)> {
    let (cell, measure_dipole) = match (c.opt("cell_object")?, c.opt("cell_metadata")?) {
        (Some(obj), Some(meta)) => {
            let md = match meta.node().opt("measure_dipole")? {
                Some(m) => m.node().bool()?,
                None => false,
            };
            (obj, md)
        }
        _ => {
            let Some(md) = legacy_measure_dipole(name) else {
                return Err(c.err(format!(
                    "cell type {name} has no `cell_object`/`cell_metadata` (hnn-core's older \
                     format knows only L2_basket, L2_pyramidal, L5_basket, L5_pyramidal)"
                )));
            };
            (
                Owned {
                    v: c.v,
                    path: c.path.to_string(),
                    file: c.file,
                },
                md,
            )
        }
    };
    let cell = cell.node();
    cell.only_keys(CELL_KEYS)?;
    if measure_dipole && !matches!(name, "L2_pyramidal" | "L5_pyramidal") {
        return Err(c.err(format!(
            "cell type {name} measures the dipole: hnn-mpi's dipole output has only the \
             L2_pyramidal and L5_pyramidal layers"
        )));
    }

    // synapses: receptor -> {e, tau1, tau2}
    let mut synapses = Vec::new();
    for (receptor, s) in cell.get("synapses")?.node().entries()? {
        let s = s.node();
        s.only_keys(&["e", "tau1", "tau2"])?;
        synapses.push(SynapseSpec {
            receptor: receptor.to_string(),
            e_mv: s.get("e")?.node().checked(rules::finite)?,
            tau1_ms: s.get("tau1")?.node().checked(rules::positive)?,
            tau2_ms: s.get("tau2")?.node().checked(rules::positive)?,
        });
    }

    let mut sections = Vec::new();
    for (sec_name, s) in cell.get("sections")?.node().entries()? {
        sections.push(parse_section(sec_name, s.node(), &synapses)?);
    }
    if !sections.iter().any(|s| s.name == "soma") {
        return Err(cell
            .get("sections")?
            .node()
            .err("no `soma` section (hnn-core: soma must be defined for cell)"));
    }
    // cell_tree: "section,end" -> ["section,end", ...]
    let mut tree = Vec::new();
    let tree_node = cell.get("cell_tree")?;
    if !tree_node.node().is_null() {
        let parse_end = |n: Node, s: &str| -> Res<(String, u8)> {
            let (sec, end) = s
                .split_once(',')
                .ok_or_else(|| n.err(format!("tree node {s:?} is not \"section,end\"")))?;
            let end: u8 = match end.trim() {
                "0" => 0,
                "1" => 1,
                _ => return Err(n.err(format!("tree node {s:?}: the end must be 0 or 1"))),
            };
            if !sections.iter().any(|x| x.name == sec) {
                return Err(n.err(format!("tree node {s:?}: no section {sec}")));
            }
            Ok((sec.to_string(), end))
        };
        for (parent, children) in tree_node.node().entries()? {
            let (p, pe) = parse_end(children.node(), parent)?;
            for child in children.node().items()? {
                let (ch, ce) = parse_end(child.node(), child.node().str()?)?;
                // `_create_sections` skips a section's own (s, 0) -> (s, 1)
                if ch != p {
                    tree.push(TreeEdge {
                        parent: p.clone(),
                        parent_end: pe,
                        child: ch,
                        child_end: ce,
                    });
                }
            }
        }
    }

    check_tree(&tree, &sections, tree_node.node())?;

    let mut sect_loc = BTreeMap::new();
    for (loc, secs) in cell.get("sect_loc")?.node().entries()? {
        let list = secs.node().strings()?;
        for s in &list {
            if !sections.iter().any(|x| &x.name == s) {
                return Err(secs.node().err(format!("no section {s}")));
            }
        }
        sect_loc.insert(loc.to_string(), list);
    }
    if measure_dipole && !sections.iter().any(|s| s.name == "apical_trunk") {
        return Err(c.err(
            "measures the dipole but has no `apical_trunk` section (hnn-core's \
             NetworkBuilder aligns the dipole with apical_trunk)",
        ));
    }
    Ok((
        CellTemplate {
            cell_type: name.to_string(),
            sections,
            tree,
            sect_loc,
            synapses,
            dipole_axis_section: measure_dipole.then(|| "apical_trunk".to_string()),
        },
        measure_dipole,
    ))
}

/// The engine's tree (as NEURON's `connect` makes it): every section
/// reached from the soma exactly once, attached by its 0 end.
fn check_tree(tree: &[TreeEdge], sections: &[SectionSpec], n: Node) -> Res<()> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    for e in tree {
        if e.child_end != 0 {
            return Err(n.err(format!(
                "{} attaches by its 1 end: hnn-mpi supports sections attached by their 0 end",
                e.child
            )));
        }
        if let Some(p) = parent.insert(&e.child, &e.parent) {
            return Err(n.err(format!(
                "{} is attached twice (to {p} and {})",
                e.child, e.parent
            )));
        }
    }
    for s in sections {
        let mut cur = s.name.as_str();
        let mut steps = 0;
        while cur != "soma" {
            match parent.get(cur) {
                Some(p) if steps <= sections.len() => {
                    cur = p;
                    steps += 1;
                }
                _ => return Err(n.err(format!("section {} is not connected to the soma", s.name))),
            }
        }
    }
    Ok(())
}

fn parse_section(name: &str, s: Node, synapses: &[SynapseSpec]) -> Res<SectionSpec> {
    s.only_keys(SECTION_KEYS)?;
    let l_um = s.get("L")?.node().f64()?;
    if l_um.is_nan() || l_um <= 0.0 {
        return Err(s
            .get("L")?
            .node()
            .err(format!("length must be > 0, got {l_um}")));
    }
    // `Section.__init__` recomputes nseg from L (hnn-core `_get_nseg`)
    let nseg = nseg_for_length(l_um);
    if let Some(n) = s.opt("nseg")? {
        let stored = n.node().usize()?;
        if stored != nseg {
            return Err(n.node().err(format!(
                "nseg {stored} is not hnn-core's {nseg} for L = {l_um} µm (hnn-core recomputes \
                 it from L; a file with another nseg was not written by hnn-core 0.6.1)"
            )));
        }
    }
    let end_pts_node = s.get("end_pts")?;
    let pts = end_pts_node.node().items()?;
    if pts.len() != 2 {
        return Err(end_pts_node.node().err(format!(
            "expected 2 end points, found {} (hnn-mpi supports unbranched straight sections)",
            pts.len()
        )));
    }
    let end_pts = [pts[0].node().point()?, pts[1].node().point()?];
    let v0_mv = match s.opt("v0")? {
        Some(v) => v.node().f64()?,
        None => -65.0, // hnn_io `_read_cell_types`: backwards compatibility
    };
    let mut mechanisms = Vec::new();
    for (mech, params) in s.get("mechs")?.node().entries()? {
        let Some(info) = mechanisms::find(mech) else {
            return Err(params.node().err(format!(
                "mechanism `{mech}` is not implemented in hnn-mpi's engine"
            )));
        };
        let mut out = BTreeMap::new();
        for (pname, v) in params.node().entries()? {
            let known_name = info
                .range_params()
                .any(|p| format!("{}_{mech}", p.name) == pname);
            if !known_name {
                let names: Vec<String> = info
                    .range_params()
                    .map(|p| format!("{}_{mech}", p.name))
                    .collect();
                return Err(v.node().err(format!(
                    "`{pname}` is not a parameter of mechanism {mech} in hnn-mpi's engine \
                     (parameters: {})",
                    names.join(", ")
                )));
            }
            let dist = match v.v {
                Json::Num(x, _) => Distribution::Uniform(*x),
                // [segment x, segment values] (`Cell._compute_section_mechs`)
                Json::Arr(pair) if pair.len() == 2 => {
                    let items = v.node().items()?;
                    let values = items[1].node().f64s()?;
                    if values.len() != nseg {
                        return Err(v.node().err(format!(
                            "{} segment values for a section of {nseg} segments",
                            values.len()
                        )));
                    }
                    Distribution::PerSegment(values)
                }
                _ => {
                    return Err(v.node().err(format!(
                        "expected a number or [segment positions, segment values], found {}",
                        kind(v.v)
                    )))
                }
            };
            out.insert(pname.to_string(), dist);
        }
        mechanisms.push(MechanismSpec {
            name: mech.to_string(),
            params: out,
        });
    }
    let syns = s.get("syns")?;
    let receptors = syns.node().strings()?;
    for r in &receptors {
        if !synapses.iter().any(|x| &x.receptor == r) {
            return Err(syns.node().err(format!(
                "receptor {r} has no entry in the cell's `synapses`"
            )));
        }
    }
    Ok(SectionSpec {
        name: name.to_string(),
        l_um,
        diam_um: s.get("diam")?.node().checked(rules::positive)?,
        ra_ohm_cm: s.get("Ra")?.node().checked(rules::positive)?,
        cm_uf_per_cm2: s.get("cm")?.node().checked(rules::positive)?,
        v0_mv,
        end_pts,
        nseg,
        mechanisms,
        receptors,
    })
}

const DRIVE_KEYS: &[&str] = &[
    "type",
    "location",
    "n_drive_cells",
    "event_seed",
    "conn_seed",
    "dynamics",
    "events",
    "weights_ampa",
    "weights_nmda",
    "synaptic_delays",
    "probability",
    "name",
    "target_types",
    "cell_specific",
    "space_constant",
];

/// A per-cell-type table (`{type: value}`), one number for every target
/// type, or null (none).
fn per_type(
    n: Option<Owned>,
    targets: &[String],
    rule: fn(f64) -> RuleResult<f64>,
) -> Res<BTreeMap<String, f64>> {
    let Some(n) = n else {
        return Ok(BTreeMap::new());
    };
    let n = n.node();
    match n.v {
        Json::Null => Ok(BTreeMap::new()),
        Json::Num(..) => {
            let x = n.checked(rule)?;
            Ok(targets.iter().map(|t| (t.clone(), x)).collect())
        }
        Json::Obj(_) => n
            .entries()?
            .iter()
            .map(|(k, v)| Ok((k.to_string(), v.node().checked(rule)?)))
            .collect(),
        _ => Err(n.expected("a number, an object cell type -> number, or null")),
    }
}

fn parse_drive(
    name: &str,
    d: Node,
    gid_start: usize,
    n_drive_cells: usize,
    net: &NetworkDescription,
    tstop_ms: f64,
) -> Res<Drive> {
    d.only_keys(DRIVE_KEYS)?;
    let ty = d.get("type")?;
    let ty_s = ty.node().str()?;
    let cell_specific = d.get("cell_specific")?.node().bool()?;
    let targets = d.get("target_types")?.node().strings()?;
    for t in &targets {
        if net.population(t).is_none() {
            return Err(d
                .get("target_types")?
                .node()
                .err(format!("unknown cell type {t}")));
        }
    }
    let stored_n = d.get("n_drive_cells")?;
    if stored_n.node().usize()? != n_drive_cells {
        return Err(stored_n.node().err(format!(
            "{} drive cells, but the drive's gid range has {n_drive_cells}",
            stored_n.node().usize()?
        )));
    }
    let dy = d.get("dynamics")?;
    let dyn_node = dy.node();
    // every value by the rule its TOML key has (config/rules.rs)
    let f = |k: &str, rule: fn(f64) -> RuleResult<f64>| -> Res<f64> {
        dyn_node.get(k)?.node().checked(rule)
    };
    let count =
        |k: &str| -> Res<usize> { dyn_node.get(k)?.node().checked_usize(rules::at_least_one) };
    // `simulate_dipole` replaces a drive's `tstop = None` by the
    // simulation's tstop, which must not precede the drive's tstart
    let tstop_or_sim = |tstart: f64| -> Res<f64> {
        let t = dyn_node.get("tstop")?;
        if t.node().is_null() {
            if ty_s == "poisson" {
                let start = dyn_node.get("tstart")?;
                rules::poisson_start_within(tstart, tstop_ms)
                    .map_err(|e| start.node().err(e.to_string()))?;
            }
            Ok(tstop_ms)
        } else {
            let v = t.node().checked(rules::non_negative)?;
            rules::not_before("tstop", v, "tstart", tstart).map_err(|e| t.node().err(e.to_string()))
        }
    };
    let dynamics = match ty_s {
        // 'gaussian' is hnn-core's legacy name, read as evoked
        "evoked" | "gaussian" => {
            dyn_node.only_keys(crate::config::EVOKED_KEYS)?;
            DriveDynamics::Evoked {
                mu: f("mu", rules::finite)?,
                sigma: f("sigma", rules::std_dev)?,
                numspikes: count("numspikes")?,
            }
        }
        "poisson" => {
            dyn_node.only_keys(crate::config::POISSON_KEYS)?;
            let rc = dyn_node.get("rate_constant")?;
            let rate_constant = match rc.v {
                Json::Num(..) if cell_specific => {
                    // add_poisson_drive turns one rate into a per-type table
                    let x = rc.node().checked(rules::positive)?;
                    PoissonRate::PerTargetType(targets.iter().map(|t| (t.clone(), x)).collect())
                }
                Json::Num(..) => PoissonRate::Constant(rc.node().checked(rules::positive)?),
                Json::Obj(_) if cell_specific => {
                    PoissonRate::PerTargetType(per_type(Some(rc), &targets, rules::positive)?)
                }
                Json::Obj(_) => {
                    return Err(rc.node().err(
                        "a per-cell-type rate_constant needs cell_specific = true \
                         (hnn-core's add_poisson_drive)",
                    ))
                }
                _ => {
                    return Err(rc
                        .node()
                        .expected("a number or an object cell type -> rate"))
                }
            };
            let tstart = f("tstart", rules::non_negative)?;
            DriveDynamics::Poisson {
                tstart,
                tstop: tstop_or_sim(tstart)?,
                rate_constant,
            }
        }
        "bursty" => {
            dyn_node.only_keys(crate::config::BURSTY_KEYS)?;
            let tstart = f("tstart", rules::non_negative)?;
            let burst_rate = f("burst_rate", rules::positive)?;
            let numspikes = count("numspikes")?;
            let spike_isi = f("spike_isi", rules::non_negative)?;
            let isi = dyn_node.get("spike_isi")?;
            rules::burst_fits(numspikes, spike_isi, burst_rate).map_err(|m| isi.node().err(m))?;
            DriveDynamics::Bursty {
                tstart,
                tstart_std: f("tstart_std", rules::std_dev)?,
                tstop: tstop_or_sim(tstart)?,
                burst_rate,
                burst_std: f("burst_std", rules::std_dev)?,
                numspikes,
                spike_isi,
            }
        }
        "spike_train" => {
            return Err(ty.node().err(
                "spike_train drives in network files are not supported (hnn-core 0.6.1's \
                 read_network_configuration cannot read them back either); give the drive \
                 as a [[drives]] entry with type = \"spike_train\"",
            ))
        }
        other => return Err(ty.node().err(format!("unknown drive type {other:?}"))),
    };
    let seed = |k: &str| -> Res<u64> {
        let n = d.get(k)?;
        if n.node().is_null() {
            Ok(0)
        } else {
            Ok(n.node().usize()? as u64)
        }
    };
    let event_seed = seed("event_seed")?;
    rules::event_seed(event_seed).map_err(|e| {
        d.get("event_seed")
            .map_or_else(|err| err, |n| n.node().err(e.to_string()))
    })?;
    let spec = DriveSpec {
        name: name.to_string(),
        dynamics,
        location: d.get("location")?.node().str()?.to_string(),
        n_drive_cells: (!cell_specific).then_some(n_drive_cells),
        cell_specific,
        weights_ampa: per_type(d.opt("weights_ampa")?, &targets, rules::non_negative)?,
        weights_nmda: per_type(d.opt("weights_nmda")?, &targets, rules::non_negative)?,
        synaptic_delays: per_type(d.opt("synaptic_delays")?, &targets, rules::non_negative)?,
        // informational: the drive's connections are the file's
        space_constant: match d.opt("space_constant")? {
            Some(s) if !s.node().is_null() => s.node().checked(rules::positive)?,
            _ => f64::NAN,
        },
        probability: per_type(d.opt("probability")?, &targets, rules::probability)?,
        event_seed,
        conn_seed: seed("conn_seed")?,
    };
    Ok(Drive {
        name: name.to_string(),
        spec,
        gid_start,
        n_drive_cells,
        target_types: targets,
    })
}

const CONN_KEYS: &[&str] = &[
    "target_type",
    "target_gids",
    "num_targets",
    "src_type",
    "src_gids",
    "num_srcs",
    "gid_pairs",
    "loc",
    "receptor",
    "nc_dict",
    "allow_autapses",
    "probability",
];

fn parse_connection(c: Node, net: &NetworkDescription) -> Res<Connection> {
    c.only_keys(CONN_KEYS)?;
    let gp = c.get("gid_pairs")?;
    let mut gid_pairs = Vec::new();
    for (src, targets) in gp.node().entries()? {
        let s: usize = src.parse().map_err(|_| {
            targets
                .node()
                .err("a source gid must be a non-negative integer")
        })?;
        let t: Vec<usize> = targets
            .node()
            .items()?
            .iter()
            .map(|x| x.node().usize())
            .collect::<Res<_>>()?;
        gid_pairs.push((s, t));
    }
    let src_type = c.get("src_type")?.node().str()?.to_string();
    let target_type = c.get("target_type")?.node().str()?.to_string();
    let Some((s0, s1)) = net.gid_range(&src_type) else {
        return Err(c
            .get("src_type")?
            .node()
            .err(format!("unknown cell type or drive {src_type}")));
    };
    let Some(target) = net.population(&target_type) else {
        return Err(c
            .get("target_type")?
            .node()
            .err(format!("unknown cell type {target_type}")));
    };
    let (t0, t1) = (target.gid_start, target.gid_start + target.positions.len());
    for (s, targets) in &gid_pairs {
        if !(s0..s1).contains(s) {
            return Err(gp.node().err(format!(
                "source gid {s} is not a {src_type} gid [{s0}, {s1})"
            )));
        }
        if let Some(t) = targets.iter().find(|t| !(t0..t1).contains(*t)) {
            return Err(gp.node().err(format!(
                "target gid {t} (of source {s}) is not a {target_type} gid [{t0}, {t1})"
            )));
        }
    }
    let loc = c.get("loc")?.node().str()?.to_string();
    let receptor = c.get("receptor")?.node().str()?.to_string();
    let tpl = &target.template;
    let Some(sections) = tpl
        .location_sections(&loc)
        .or_else(|| tpl.section_index(&loc).map(|_| vec![loc.clone()]))
    else {
        return Err(c.get("loc")?.node().err(format!(
            "'{loc}' is not a location or section of {target_type} cells"
        )));
    };
    for s in &sections {
        let spec = &tpl.sections[tpl.section_index(s).expect("checked")];
        if !spec.receptors.iter().any(|r| r == &receptor) {
            return Err(c.get("receptor")?.node().err(format!(
                "{target_type} cells have no '{receptor}' synapse on {s}"
            )));
        }
    }
    let nc = c.get("nc_dict")?;
    let nc = nc.node();
    nc.only_keys(&["A_delay", "A_weight", "lamtha", "threshold", "gain"])?;
    if let Some(t) = nc.opt("threshold")? {
        let th = t.node().f64()?;
        // NEURON keeps one threshold per spike source (the NetCons of a
        // source share its PreSyn): only the network's is reproduced.
        if th != net.threshold {
            return Err(t.node().err(format!(
                "a connection threshold ({th} mV) other than the network's ({} mV) is not \
                 supported",
                net.threshold
            )));
        }
    }
    let gain = match nc.opt("gain")? {
        Some(g) => g.node().checked(rules::non_negative)?,
        None => 1.0,
    };
    Ok(Connection {
        src_type,
        target_type,
        gid_pairs,
        loc,
        receptor,
        params: ConnectionParams {
            a_weight: nc.get("A_weight")?.node().checked(rules::non_negative)?,
            a_delay: nc.get("A_delay")?.node().checked(rules::non_negative)?,
            lamtha: nc.get("lamtha")?.node().checked(rules::positive)?,
            threshold: net.threshold,
            gain,
        },
        probability: c.get("probability")?.node().checked(rules::probability)?,
    })
}

/// A cell-specific drive cell draws its events for the one cell type it
/// connects to (`_instantiate_drives`); hnn-core appends one event list per
/// target type, so a drive cell connected to several types would shift
/// every later cell's events: refuse that.
fn check_cell_specific_drives(net: &NetworkDescription, root: Node) -> Res<()> {
    for d in net.drives.iter().filter(|d| d.spec.cell_specific) {
        for gid in d.gid_start..d.gid_start + d.n_drive_cells {
            let mut types: Vec<&str> = net
                .connections
                .iter()
                .filter(|c| c.gid_pairs.iter().any(|(s, _)| *s == gid))
                .map(|c| c.target_type.as_str())
                .collect();
            types.sort_unstable();
            types.dedup();
            if types.len() > 1 {
                return Err(HnnJsonError {
                    file: root.file.to_path_buf(),
                    field: format!("external_drives.{}", d.name),
                    message: format!(
                        "cell-specific drive cell {gid} connects to several cell types ({}); \
                         hnn-core 0.6.1 then misaligns the drive's event lists",
                        types.join(", ")
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The network of `[network] hnn_json = path` for one simulation; errors
/// (the file's, and config keys that cannot apply to a network file) are
/// placed at the config key.
pub fn network_for_config(
    cfg: &crate::config::ResolvedConfig,
    config: &crate::config::Config,
    path: &Path,
) -> Result<NetworkDescription, crate::config::ConfigError> {
    if cfg.network.params_file.is_some() {
        return Err(config.error_at(
            "network.params_file",
            "HNN parameter files set the parameters of a built-in model; a network file \
             (`hnn_json`) holds its own",
        ));
    }
    if let Some(key) = cfg.network.params.keys().next() {
        return Err(config.error_at(
            &format!("network.params.{key}"),
            "`[network.params]` sets parameters of a built-in model; a network file \
             (`hnn_json`) holds its own",
        ));
    }
    let full = config.input_path(path);
    let net = read_network(&full, cfg.simulation.tstop)
        .map_err(|e| config.error_at("network.hnn_json", e.to_string()))?;
    // hnn-core simulates at the network's temperature (`h.celsius =
    // net._params['celsius']`): refuse a config that says otherwise rather
    // than pick one silently.
    if net.celsius != cfg.simulation.celsius {
        return Err(config.error_at(
            "simulation.celsius",
            format!(
                "the network file {} says celsius = {}, the config {} (default 37): set \
                 [simulation] celsius = {}",
                full.display(),
                net.celsius,
                cfg.simulation.celsius,
                net.celsius
            ),
        ));
    }
    Ok(net)
}
